"""spacy-rnn: the recurrent networks of NLPiA 2e ch. 8 as spaCy components.

Importing the package registers its factories, architectures and scorers; the
entry points in pyproject.toml make that happen for ``spacy.blank``/``spacy.load``
without an explicit import.
"""
from .nationality.component import SurnameNationality, make_surname_nationality
from .name_detector.component import PersonNameDetector, make_person_name_detector
from .next_token.component import NextTokenScorer, make_next_token_scorer
from .anonymizer.component import NameAnonymizer, make_name_anonymizer

__version__ = "0.1.0"
__all__ = ["SurnameNationality", "make_surname_nationality", "PersonNameDetector", "make_person_name_detector",
           "NameAnonymizer", "make_name_anonymizer", "NextTokenScorer", "make_next_token_scorer", "__version__"]


def __getattr__(name):
    # DataFrame and Dask entry points load on first use, so `import spacy_rnn` stays light and the
    # single-process path never imports Dask
    if name == "anonymize_frame":
        from .frame import anonymize_frame
        return anonymize_frame
    if name == "dask":
        import importlib
        return importlib.import_module(".dask", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
