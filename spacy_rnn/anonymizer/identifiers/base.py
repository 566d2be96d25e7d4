"""The identifier record every detector returns, and the label names."""
from dataclasses import dataclass

LABELS = ("EMAIL", "PHONE", "URL", "HANDLE", "IP", "CARD", "IBAN", "ID")


@dataclass(frozen=True)
class Identifier:
    """An identifier found in a text: ``text[start:end]`` as written, and its canonical ``value``,
    the consistency key (one value, one surrogate per conversation): a lower-cased e-mail address,
    an E.164 phone number, a card's digits, a compact upper-case IBAN, ``ipaddress``'s compressed
    form, a URL as written, a lower-cased handle with its ``@``, an ID's compact form."""

    start: int
    end: int
    label: str
    value: str


__all__ = ["LABELS", "Identifier"]
