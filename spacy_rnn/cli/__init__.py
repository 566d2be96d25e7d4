"""`python -m spacy_rnn <command>` / `spacy-rnn <command>`.

Each command lives in its own module exposing ``add_parser(subparsers)``, which
registers an argparse sub-parser whose ``func`` default runs the command and
returns an exit status.
"""
import argparse
import importlib
import sys
from typing import List, Optional

# module names under spacy_rnn.cli, in the order shown by --help
COMMAND_MODULES = ["predict", "anonymize", "deanonymize", "review"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spacy-rnn", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").add_parser(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args) or 0)
