# TEMPORARY shim during the redesign: replaced by the real module
from ..scorers import make_nationality_scorer  # noqa
