"""`spacy-rnn deanonymize`: restore original names with the mapping file of `anonymize`
(the implementation lives in :mod:`spacy_rnn.cli.anonymize`)."""
from .anonymize import add_deanonymize_parser, run_deanonymize  # noqa: F401


def add_parser(subparsers) -> None:
    add_deanonymize_parser(subparsers)
