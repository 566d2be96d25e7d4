# TEMPORARY shim during the redesign: replaced by the real module
