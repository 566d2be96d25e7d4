# TEMPORARY shim during the redesign: replaced by the real module
from ..pipeline.anonymizer import NameAnonymizer, make_name_anonymizer  # noqa
