"""person_name_detector: the component, its BiGRU tagger (thinc model + torch module), features, decoding, scorer."""
