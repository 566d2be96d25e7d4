"""National identity and tax numbers (label ID), validated by **python-stdnum**, found only
where the text names them.

Kinds (each: the cue that must stand within 40 characters before or 25 after the number, the
stdnum module that validates it):

- ``us_ssn``: US Social Security number ("SSN", "social security"), :mod:`stdnum.us.ssn` (which
  also rejects never-issued areas and famous published numbers such as 078-05-1120);
- ``de_idnr``: German tax identification number ("Steuer-ID", "IdNr", "tax id"), :mod:`stdnum.de.idnr`;
- ``es_dni``: Spanish DNI/NIF ("DNI", "NIF"), :mod:`stdnum.es.dni`;
- ``se_personnummer``: Swedish personal identity number ("personnummer", "pnr"),
  :mod:`stdnum.se.personnummer`;
- ``fr_nir``: French social security number ("NIR", "sécurité sociale", "INSEE"), :mod:`stdnum.fr.nir`;
- ``nl_bsn``: Dutch citizen service number ("BSN", "burgerservicenummer"), :mod:`stdnum.nl.bsn`.

Without its cue a number is never an ID: nine digits are as often an order number as an SSN.
The value is ``kind:compact`` ("us_ssn:123456789"; a personnummer in its ten-digit form, so
"19880320-0016" and "880320-0016" are one value).

Surrogate: well-formed for its kind, written in the original's shape, and impossible to issue, so
it is nobody's number: an SSN gets area 666, which the Social Security Administration never
assigns (group and serial keyed); every other kind gets keyed digits (a keyed birth date for a
personnummer and a NIR) and a deliberately wrong check digit or key, which no issued number has.
stdnum therefore rejects every ID surrogate; :func:`canonical` recognises them by shape.
"""
import datetime
import re
from typing import Callable, Dict, Iterator, NamedTuple, Optional, Pattern, Tuple

from stdnum import luhn
from stdnum.de import idnr
from stdnum.es import dni
from stdnum.fr import nir
from stdnum.iso7064 import mod_11_10
from stdnum.nl import bsn
from stdnum.se import personnummer
from stdnum.us import ssn

from .keyed import KeyedStream
from .personal import Names

LABEL = "ID"
_BEFORE, _AFTER = 40, 25
_EDGE_L, _EDGE_R = r"(?<![\w\-./])", r"(?![\w\-]|[./]\d)"


class Kind(NamedTuple):
    cue: Pattern
    pattern: Pattern
    module: object
    draw: Callable[[str, KeyedStream, str], str]  # compact original, stream, written -> compact surrogate
    shape: Pattern  # the compact form of the kind, valid or not


def _wrong(right: str, stream: KeyedStream, alphabet: str = "0123456789") -> str:
    """A symbol of ``alphabet`` other than ``right``."""
    i = alphabet.index(right)
    return alphabet[(i + 1 + stream.below(len(alphabet) - 1)) % len(alphabet)]


def _draw_ssn(original: str, stream: KeyedStream, written: str) -> str:
    return "666" + "%02d" % (1 + stream.below(99)) + "%04d" % (1 + stream.below(9999))


def _draw_idnr(original: str, stream: KeyedStream, written: str) -> str:
    # ten digits, one of them twice and the others once (idnr's structure), a wrong check digit
    digits = list("0123456789")
    order = []
    while digits:
        order.append(digits.pop(stream.below(len(digits))))
    if order[0] == "0":
        order[0], order[1] = order[1], order[0]
    body = order[:9] + [order[stream.below(9)]]
    body = "".join(body)
    return body + _wrong(mod_11_10.calc_check_digit(body), stream)


def _draw_dni(original: str, stream: KeyedStream, written: str) -> str:
    body = stream.digits(8)
    letter = _wrong(dni.calc_check_digit(body), stream, "TRWAGMYFPDXBNJZSQVHLCKE")
    return body + letter


def _date(stream: KeyedStream, first: int = 1940, last: int = 2004) -> datetime.date:
    return datetime.date(first, 1, 1) + datetime.timedelta(days=stream.below((last - first + 1) * 365))


def _draw_personnummer(original: str, stream: KeyedStream, written: str) -> str:
    born = _date(stream)
    sep = original[-5]
    body = born.strftime("%y%m%d") + stream.digits(3)
    check = _wrong(luhn.calc_check_digit(body), stream)
    century = born.strftime("%Y")[:2] if sum(c.isdigit() for c in written) == 12 else ""
    return century + body[:6] + sep + body[6:] + check


def _draw_nir(original: str, stream: KeyedStream, written: str) -> str:
    born = _date(stream)
    dept = original[5:7] if original[5:7] in ("2A", "2B") else "%02d" % (1 + stream.below(95))
    body = (str(1 + stream.below(2)) + born.strftime("%y%m") + dept + "%03d" % (1 + stream.below(990))
            + "%03d" % (1 + stream.below(999)))
    right = nir.calc_check_digits(body + "00")
    wrong = "%02d" % ((int(right) + 1 + stream.below(96)) % 97 or 97)
    return body + wrong


def _draw_bsn(original: str, stream: KeyedStream, written: str) -> str:
    body = stream.digits(8)
    right = bsn.checksum(body + "0")  # the last digit that makes checksum 0 is (right) mod 11
    last = [d for d in "0123456789" if bsn.checksum(body + d) != 0]
    return body + last[stream.below(len(last))]


def _cue(words: str) -> Pattern:
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


KINDS: Dict[str, Kind] = {
    "us_ssn": Kind(_cue(r"ssn|ss#|social\s+security(?:\s+(?:number|no\.?|#))?|soc\.?\s*sec\.?"),
                   re.compile(rf"{_EDGE_L}(?:\d{{3}}-\d{{2}}-\d{{4}}|\d{{3}} \d{{2}} \d{{4}}|\d{{9}}){_EDGE_R}"),
                   ssn, _draw_ssn, re.compile(r"^\d{9}$")),
    "de_idnr": Kind(_cue(r"steuer-?id(?:entifikationsnummer)?|steuerliche\s+identifikationsnummer|"
                         r"identifikationsnummer|id-?nr\.?|tax\s+id|tin"),
                    re.compile(rf"{_EDGE_L}(?:\d{{2}} \d{{3}} \d{{3}} \d{{3}}|\d{{11}}){_EDGE_R}"),
                    idnr, _draw_idnr, re.compile(r"^[1-9]\d{10}$")),
    "es_dni": Kind(_cue(r"dni|nif|d\.n\.i\.?|documento\s+nacional\s+de\s+identidad"),
                   re.compile(rf"{_EDGE_L}\d{{8}}[- ]?[A-Za-z]{_EDGE_R}"),
                   dni, _draw_dni, re.compile(r"^\d{8}[A-Z]$")),
    "se_personnummer": Kind(_cue(r"personnummer|personnr|pers\.?\s?nr|pnr|personal\s+(?:identity\s+|id\s+)?number"),
                            re.compile(rf"{_EDGE_L}(?:\d{{2}})?\d{{6}}[-+ ]?\d{{4}}{_EDGE_R}"),
                            personnummer, _draw_personnummer, re.compile(r"^(?:\d{2})?\d{6}[-+]\d{4}$")),
    "fr_nir": Kind(_cue(r"nir|n°\s*(?:de\s+)?s[ée]cu(?:rit[ée]\s+sociale)?|num[ée]ro\s+de\s+s[ée]cu(?:rit[ée]\s+sociale)?|"
                        r"s[ée]curit[ée]\s+sociale|insee"),
                   re.compile(rf"{_EDGE_L}[12] ?\d{{2}} ?\d{{2}} ?(?:\d{{2}}|2[ABab]) ?\d{{3}} ?\d{{3}} ?\d{{2}}{_EDGE_R}"),
                   nir, _draw_nir, re.compile(r"^[12]\d{4}(?:\d{2}|2[AB])\d{8}$")),
    "nl_bsn": Kind(_cue(r"bsn|burgerservicenummer|sofinummer|sofi-nummer"),
                   re.compile(rf"{_EDGE_L}(?:\d{{4}}\.\d{{2}}\.\d{{3}}|\d{{3}}[ .]\d{{3}}[ .]\d{{3}}|\d{{9}}){_EDGE_R}"),
                   bsn, _draw_bsn, re.compile(r"^\d{9}$")),
}
_ANY_DIGITS = re.compile(r"\d{3}")


def find(text: str, region: str) -> Iterator[Tuple[int, int, str]]:
    if not _ANY_DIGITS.search(text):
        return
    for name, kind in KINDS.items():
        cues = [(m.start(), m.end()) for m in kind.cue.finditer(text)]
        if not cues:
            continue
        for m in kind.pattern.finditer(text):
            near = any(m.start() - _BEFORE <= e <= m.start() or m.end() <= s <= m.end() + _AFTER for s, e in cues)
            if near and kind.module.is_valid(m.group().replace(" ", "")):  # stdnum's ssn reads no spaces
                yield m.start(), m.end(), f"{name}:{_compact(name, m.group())}"


def _compact(name: str, text: str) -> str:
    compact = KINDS[name].module.compact(text.replace(" ", ""))
    # a personnummer written with its century is the same number: the value has the short form
    return compact[-11:] if name == "se_personnummer" else compact


def _is_surrogate(name: str, compact: str) -> bool:
    if not KINDS[name].shape.match(compact):
        return False
    if name == "us_ssn":
        return compact.startswith("666")
    return not KINDS[name].module.is_valid(compact)


def canonical(text: str, region: str = "US") -> Optional[str]:
    """``kind:compact`` of a valid number of one of the kinds, tried in order, or of a surrogate of
    that kind (well-formed, never issuable); None otherwise."""
    text = text.strip()
    for name, kind in KINDS.items():
        if not kind.pattern.fullmatch(text):
            continue
        try:
            compact = _compact(name, text)
        except Exception:  # stdnum's compact raises on malformed input for some kinds
            continue
        if kind.module.is_valid(text.replace(" ", "")) or _is_surrogate(name, compact):
            return f"{name}:{compact}"
    return None


def surrogate(value: str, written: str, stream: KeyedStream, names: Optional[Names], region: str) -> str:
    name, _, compact = value.partition(":")
    new = [c for c in KINDS[name].draw(compact, stream, written) if c.isalnum()]
    chars = iter(new)
    return "".join((next(chars).lower() if c.islower() else next(chars)) if c.isalnum() else c for c in written)


__all__ = ["LABEL", "KINDS", "find", "canonical", "surrogate"]
