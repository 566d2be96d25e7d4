"""Coded errors and warnings, in the style of spacy/errors.py.

Codes are prefixed ``RNN-`` so they never collide with spaCy's own; where the
condition is the same as one spaCy already names (E109: component used before
initialization, E923: no training examples), the message cites spaCy's code too.
"""
import logging

logger = logging.getLogger("spacy_rnn")
logger.addHandler(logging.NullHandler())


class _RNNCodes(type):
    def __getattribute__(self, code):
        msg = super().__getattribute__(code)
        if code.startswith("__"):
            return msg
        return f"[RNN-{code}] {msg}"


class Warnings(metaclass=_RNNCodes):
    W001 = "Text of {n_chars} characters truncated to the last {max_chars} for nationality prediction."
    W002 = "Name {name!r} has no ASCII letters after folding; its nationality is left undefined."


class Errors(metaclass=_RNNCodes):
    E001 = ("predict_proba expects an iterable of str, but item {index} is {value!r} "
            "of type {type_name}.")
    E002 = ("Cannot load weights for '{name}' from {path}: {reason}. Re-install spacy-rnn or "
            "retrain with `spacy project run train`.")
    E003 = "Expected 'cell' to be one of 'rnn', 'gru', 'lstm', got {cell!r}."
    E004 = ("[E109] Component '{name}' has no labels / model weights yet. Call "
            "nlp.initialize() (or use the bundled weights with weights='bundled').")
    E005 = "[E923] No training examples with nationality labels were given to '{name}'."
    E006 = "k must be a positive integer, got {k!r}."
    E007 = "Unknown label(s) {labels} for '{name}'; known labels: {known}."
    E008 = "Data file {path} is missing. Run `spacy project run fetch-data` first."
    E009 = "sha256 of {path} is {got}, expected {expected}: the file is corrupt or not the one we expect."


__all__ = ["Errors", "Warnings", "logger"]
