# TEMPORARY shim during the redesign: replaced by the real module
from ..pipeline.name_detector import make_person_name_scorer  # noqa
