# TEMPORARY shim during the redesign: replaced by the real module
from ..layers.word_lm import build_word_rnn_lm  # noqa
