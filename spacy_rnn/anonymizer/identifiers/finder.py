"""IdentifierFinder: every detector over one text, the user's ``keep`` patterns, and one
non-overlapping answer.

Each type's module finds its candidates with a cheap pre-filter first (an ``@``, a ``.``, seven
digits, ...), so text without identifiers costs a few ``str`` scans. Overlaps are resolved by
length, then by type: an e-mail inside a URL is part of the URL, a card number inside an IBAN is
part of the IBAN, a number its cue names as an ID is no phone number. A candidate that overlaps a match of a ``keep`` pattern is dropped: those are
the user's own numbers (order numbers, ticket ids) and are never identifiers.
"""
import re
from typing import Dict, Iterable, List, Pattern, Sequence, Tuple, Union

import phonenumbers

from ...errors import Errors
from . import card, email, handle, iban, ip, national_id, phone, url
from .base import LABELS, Identifier

MODULES = {m.LABEL: m for m in (email, phone, url, handle, ip, card, iban, national_id)}
# on equal length, the earlier type wins
PRIORITY = {label: i for i, label in enumerate(("URL", "EMAIL", "IBAN", "CARD", "ID", "PHONE", "IP", "HANDLE"))}


def check_labels(labels: Iterable[str], option: str = "labels") -> Tuple[str, ...]:
    """``labels`` as a tuple in LABELS order; ValueError E330 for an unknown one."""
    labels = tuple(labels)
    for label in labels:
        if label not in LABELS:
            raise ValueError(Errors.E330.format(label=label, option=option, options=", ".join(LABELS)))
    return tuple(label for label in LABELS if label in labels)


def check_region(region: str, option: str = "region") -> str:
    """``region`` upper-cased; ValueError E332 unless phonenumbers knows it."""
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(Errors.E332.format(region=region, option=option))
    return region.upper()


def compile_keep(keep: Iterable[Union[str, Pattern]], option: str = "keep") -> Tuple[Pattern, ...]:
    """The ``keep`` patterns compiled; ValueError E331 for one that does not compile."""
    out = []
    for pattern in keep:
        if isinstance(pattern, re.Pattern):
            out.append(pattern)
            continue
        try:
            out.append(re.compile(pattern))
        except (re.error, TypeError) as e:
            raise ValueError(Errors.E331.format(pattern=pattern, option=option, reason=e)) from None
    return tuple(out)


class IdentifierFinder:
    """``finder(text)`` -> the identifiers of ``text``, sorted by start, non-overlapping.

    labels: the types to find (some of LABELS). region: the phone numbering region for numbers
    written in national form (a phonenumbers region code: "US", "GB", "SE", ...). keep: regular
    expressions whose matches are never identifiers.
    """

    def __init__(self, labels: Sequence[str] = LABELS, region: str = "US",
                 keep: Iterable[Union[str, Pattern]] = ()):
        self.labels = check_labels(labels)
        self.region = check_region(region)
        self.keep = compile_keep(keep)
        self._modules = [MODULES[label] for label in self.labels if label in MODULES]

    def __call__(self, text: str, regions: Sequence[str] = ()) -> List[Identifier]:
        """The identifiers of ``text``, left to right, none overlapping. ``regions``: further phone
        regions whose national forms count (those a conversation has shown in international form)."""
        found = []
        for module in self._modules:
            for region in (self.region, *regions) if module.LABEL == "PHONE" else (self.region,):
                for start, end, value in module.find(text, region):
                    found.append(Identifier(start, end, module.LABEL, value))
        if not found:
            return found
        if self.keep:
            kept = [(m.start(), m.end()) for p in self.keep for m in p.finditer(text) if m.end() > m.start()]
            found = [f for f in found if not any(s < f.end and f.start < e for s, e in kept)]
        if len(found) < 2:
            return found
        found.sort(key=lambda f: (f.start - f.end, PRIORITY[f.label], f.start))
        chosen: List[Identifier] = []
        for f in found:
            if not any(c.start < f.end and f.start < c.end for c in chosen):
                chosen.append(f)
        chosen.sort(key=lambda f: f.start)
        return chosen


__all__ = ["IdentifierFinder", "MODULES", "PRIORITY", "check_labels", "check_region", "compile_keep"]
