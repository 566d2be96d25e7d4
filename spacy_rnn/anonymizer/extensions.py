"""``doc._.anonymized`` and ``doc._.pseudonyms`` (names configurable), installed idempotently.

The component stores its output once, in ``doc.user_data`` under ``"spacy_rnn.<name>"``
(plain str / list of dicts: msgpack-able, so Docs keep it through ``nlp.pipe(n_process=...)``
and ``DocBin(store_user_data=True)``); the extensions are getters (and setters) over it.
"""
from typing import Any

from spacy.tokens import Doc

ANONYMIZED, PSEUDONYMS = "anonymized", "pseudonyms"


def store_key(extension: str) -> str:
    """The ``doc.user_data`` key that holds the value of ``doc._.<extension>``."""
    return f"spacy_rnn.{extension}"


def install_extensions(*names: str) -> None:
    """Register ``doc._.<name>`` for each name (a getter/setter over ``doc.user_data``)."""
    for name in names:
        if not Doc.has_extension(name):
            key = store_key(name)
            Doc.set_extension(name, getter=lambda doc, k=key: doc.user_data.get(k),
                              setter=lambda doc, value, k=key: _store(doc, k, value))


def _store(doc: Doc, key: str, value: Any) -> None:
    doc.user_data[key] = value


__all__ = ["ANONYMIZED", "PSEUDONYMS", "install_extensions", "store_key"]
