"""The name_anonymizer component, its conversation engine, and the pieces both use."""
