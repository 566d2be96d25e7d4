"""E-mail addresses: a regular expression (no library detects them in running text), checked
against RFC 5321's lengths; surrogates at the RFC 2606 documentation domains.

Detected: ``local@domain.tld`` with dots, pluses, dashes, underscores and digits in the local
part, any number of subdomains, a two-letter or longer alphabetic TLD, Unicode letters; a
trailing full stop ("mail me at a.b@x.co.uk.") and brackets or angle brackets around it are not
part of it. The value is the address lower-cased.

Surrogate: the local part rebuilt piece by piece (:mod:`.personal`: names linked to the
conversation's pseudonyms, other letters and digits keyed and random, separators kept), at
``example.com``, ``example.org`` or ``example.net`` (reserved by RFC 2606, they deliver to
nobody), the domain in upper case when it was written so.
"""
import re
from typing import Iterator, Optional, Tuple

from .keyed import KeyedStream
from .personal import Names, rebuild

LABEL = "EMAIL"
DOMAINS = ("example.com", "example.org", "example.net")

_LOCAL = r"[\w%+\-]+(?:\.[\w%+\-]+)*"
_LABEL_RE = r"[^\W_](?:[\w\-]{0,61}[^\W_])?"
_DOMAIN = rf"(?:{_LABEL_RE}\.)+[^\W\d_]{{2,63}}"
# not glued to more address characters on either side; a TLD followed by "." and a letter would
# have been taken as one more label, so a full stop after it ends the sentence, not the domain
PATTERN = re.compile(rf"(?<![\w%+\-.@])({_LOCAL})@({_DOMAIN})(?![\w\-@])")
_WHOLE = re.compile(rf"^{_LOCAL}@{_DOMAIN}$")


def _valid(text: str) -> bool:
    local, _, domain = text.rpartition("@")
    return len(text) <= 254 and len(local) <= 64 and bool(_WHOLE.match(text))


def find(text: str, region: str) -> Iterator[Tuple[int, int, str]]:
    if "@" not in text:
        return
    for m in PATTERN.finditer(text):
        if _valid(m.group()):
            yield m.start(), m.end(), m.group().lower()


def canonical(text: str, region: str = "US") -> Optional[str]:
    text = text.strip()
    return text.lower() if _valid(text) else None


def surrogate(value: str, written: str, stream: KeyedStream, names: Optional[Names], region: str) -> str:
    local, _, domain = written.rpartition("@")
    new_domain = stream.choice(DOMAINS)
    if domain.isupper():
        new_domain = new_domain.upper()
    return f"{rebuild(local, stream, names)}@{new_domain}"


__all__ = ["LABEL", "DOMAINS", "PATTERN", "find", "canonical", "surrogate"]
