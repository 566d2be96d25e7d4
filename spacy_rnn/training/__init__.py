"""Build-time dataset preparation (WikiText-2, the surname table, fp16 bundling); never imported at run time."""
