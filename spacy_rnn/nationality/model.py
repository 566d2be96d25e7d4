# TEMPORARY shim during the redesign: replaced by the real module
from ..architectures import build_char_rnn_classifier  # noqa
