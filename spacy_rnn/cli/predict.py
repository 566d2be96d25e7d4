"""`spacy-rnn predict NAME [NAME ...]`: nationalities of names with the bundled model.

Without NAME arguments, names are read from stdin, one per line, and every input line gets exactly
one output line, in order (a blank line included), so the output can be pasted beside the input.

    python -m spacy_rnn predict Khalid Yamamoto
    python -m spacy_rnn predict --format jsonl < names.txt > nationalities.jsonl
"""
import argparse
import json
import sys

# predict_proba calls per progress-bar step when reading a long list from stdin
CHUNK = 50_000


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("predict", help="predict the nationalities of names (bundled surname_nationality)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="names to classify (read one per line from stdin if none)")
    parser.add_argument("-k", type=int, default=3, help="how many nationalities to show per name")
    parser.add_argument("--model", default="bundled", help="'bundled' or a component directory written by to_disk")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text",
                        help="text: aligned columns; jsonl: one JSON object per name "
                             "(name, top-k nationalities with probabilities, tags)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import spacy
    import torch
    from tqdm import tqdm

    torch.set_num_threads(1)  # fastest for these small models, and the process's choice, not the component's

    nlp = spacy.blank("en")
    try:
        pipe = nlp.add_pipe("surname_nationality", config={"weights": args.model})
    except (OSError, ValueError) as e:  # missing or corrupt weights: the error names the file
        print(f"✘ {e}", file=sys.stderr)
        return 2
    names = args.names or [line.strip() for line in sys.stdin]
    width = max((len(n) for n in names), default=4)
    starts = range(0, len(names), CHUNK)
    bar = tqdm(starts, desc="predict", unit="chunk", disable=len(names) <= CHUNK or not sys.stderr.isatty())
    for start in bar:
        chunk = names[start:start + CHUNK]
        for name, row in zip(chunk, pipe.predict_proba(chunk)):
            print(_format(name, row, pipe.labels, pipe.threshold, args.k, args.format, width))
    return 0


def _format(name: str, row, labels, threshold: float, k: int, fmt: str, width: int) -> str:
    order = row.argsort()[::-1]
    # tags are every label at or above the threshold, as doc._.nationality_tags, whatever k is
    tags = [labels[i] for i in order if row[i] >= threshold]
    readable = bool(row.any())  # predict_proba's documented all-zero row: no letter after ASCII folding
    if fmt == "jsonl":
        top = {labels[i]: round(float(row[i]), 4) for i in order[:k]} if readable else {}
        return json.dumps({"name": name, "nationality": top, "tags": tags,
                           **({} if readable else {"note": "no letter to read after ASCII folding"})},
                          ensure_ascii=False)
    if not readable:
        return f"{name:<{width}}  (no letter to read after ASCII folding: every probability is 0)   tags=[]"
    shown = "  ".join(f"{labels[i]} {row[i]:.2f}" for i in order[:k])
    return f"{name:<{width}}  {shown}   tags={tags}"
