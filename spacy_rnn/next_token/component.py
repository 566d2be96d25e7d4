# TEMPORARY shim during the redesign: replaced by the real module
from ..pipeline.next_token import NextTokenScorer, make_next_token_scorer  # noqa
