# TEMPORARY shim during the redesign: replaced by the real module
from ..pipeline.name_detector import PersonNameDetector, make_person_name_detector  # noqa
