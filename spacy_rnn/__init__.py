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
