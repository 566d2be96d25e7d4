# TEMPORARY shim during the redesign: replaced by the real module
from ..pipeline.nationality import SurnameNationality, make_surname_nationality  # noqa
