# TEMPORARY shim during the redesign: replaced by the real module
from .training.wikitext2 import *  # noqa
from .training.wikitext2 import EOS, UNK, STANDARD_MIN_COUNT, STANDARD_VOCAB_SIZE, STANDARD_N_TOKENS  # noqa
