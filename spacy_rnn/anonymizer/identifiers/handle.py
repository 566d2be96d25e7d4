"""@handles (Twitter/X, Instagram, Mastodon's local part, ...): a regular expression.

Detected: ``@`` then 1-30 word characters, dots allowed inside (Instagram), at least one letter;
not the ``@`` of an e-mail address (a word character or dot before it), not a time ("@5pm",
"@10:30"), not followed by a domain (that is an e-mail or a Mastodon address's server, which the
e-mail detector owns). The value is the handle lower-cased, with its ``@``.

Surrogate: ``@`` and the name rebuilt piece by piece (:mod:`.personal`): pieces that are people
of the conversation take their pseudonyms ("@ingrid_j" -> "@kauri_k" when the lookup answers the
initial), other letters and digits are keyed and random, ``_`` and ``.`` stay. A random handle of
the original's length may exist on some service; nothing reserves handles.
"""
import re
from typing import Iterator, Optional, Tuple

from .keyed import KeyedStream
from .personal import Names, rebuild

LABEL = "HANDLE"

_BODY = r"\w(?:[\w.]{0,28}\w)?"
PATTERN = re.compile(rf"(?<![\w.@/&+\-])@({_BODY})(?![\w@]|\.\w)")
_WHOLE = re.compile(rf"^@{_BODY}$")
_TIME = re.compile(r"^\d{1,2}(?:[:.]\d\d)?(?:am|pm|h)?$", re.IGNORECASE)


def _valid(body: str) -> bool:
    return any(c.isalpha() for c in body) and not _TIME.match(body)


def find(text: str, region: str) -> Iterator[Tuple[int, int, str]]:
    if "@" not in text:
        return
    for m in PATTERN.finditer(text):
        if _valid(m.group(1)):
            yield m.start(), m.end(), m.group().lower()


def canonical(text: str, region: str = "US") -> Optional[str]:
    text = text.strip()
    return text.lower() if _WHOLE.match(text) and _valid(text[1:]) else None


def surrogate(value: str, written: str, stream: KeyedStream, names: Optional[Names], region: str) -> str:
    return "@" + rebuild(written[1:], stream, names)


__all__ = ["LABEL", "PATTERN", "find", "canonical", "surrogate"]
