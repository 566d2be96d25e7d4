# TEMPORARY shim during the redesign: replaced by the real module
from ..pipeline.next_token import make_next_token_scorer_fn as make_lm_scorer  # noqa
