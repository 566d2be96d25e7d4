# TEMPORARY shim during the redesign: replaced by the real module
from ..layers.name_tagger import build_name_tagger  # noqa
