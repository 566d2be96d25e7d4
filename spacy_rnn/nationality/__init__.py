"""surname_nationality: the component, its registered model, torch module, scorer and extensions."""
