"""`spacy-rnn predict NAME [NAME ...]`: nationalities of names with the bundled model."""
import argparse
import sys


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("predict", help="predict the nationalities of names (bundled surname_nationality)",
                                   description=__doc__)
    parser.add_argument("names", nargs="*", help="names to classify (read one per line from stdin if none)")
    parser.add_argument("-k", type=int, default=3, help="how many nationalities to show per name")
    parser.add_argument("--model", default="bundled", help="'bundled' or a component directory written by to_disk")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import spacy

    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("surname_nationality", config={"weights": args.model})
    names = args.names or [line.strip() for line in sys.stdin if line.strip()]
    probs = pipe.predict_proba(names)
    width = max((len(n) for n in names), default=4)
    for name, row in zip(names, probs):
        if not row.any():  # predict_proba's documented all-zero row: no letter after ASCII folding
            print(f"{name:<{width}}  (no letter to read after ASCII folding: every probability is 0)   tags=[]")
            continue
        order = row.argsort()[::-1][: args.k]
        shown = "  ".join(f"{pipe.labels[i]} {row[i]:.2f}" for i in order)
        tags = [pipe.labels[i] for i in order if row[i] >= pipe.threshold]
        print(f"{name:<{width}}  {shown}   tags={tags}")
    return 0
