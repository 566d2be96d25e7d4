"""IBANs: validated by **python-stdnum** (:mod:`stdnum.iban`: the ISO 7064 mod 97-10 check
digits, the country's BBAN length and format from SWIFT's IBAN registry, and the national check
digits stdnum knows: Belgium, Spain, Montenegro, Norway).

Detected: a country code, two check digits and exactly the country's BBAN length of letters and
digits, compact ("DE89370400440532013000") or split by spaces or dashes, in any grouping ("DE89
3704 0044 0532 0130 00"); a following word is never taken in. The value is the compact upper-case
IBAN. Detection checks the mod 97 digits and the format only (stdnum's national checks would
also reject, for example, a Belgian bank code missing from its bank list, which is still an
account number to hide); surrogates pass the national checks as well.

Surrogate: the same country, a keyed BBAN in the country's registered format (digits where it has
digits, letters where it has letters, in the original's case), with national check digits where
stdnum validates them and the IBAN check digits computed, written in the original's grouping. No
range of IBANs is reserved for documentation, so this cannot fully avoid live values: the bank
code is drawn at random too, so most surrogates name no bank at all, but one may by chance be an
existing account (in Belgium, where stdnum accepts only registered bank codes, the bank is a real
one and only the account number is drawn).
"""
import re
import string
from typing import Dict, Iterator, List, Optional, Tuple

from stdnum import iban as stdnum_iban
from stdnum.es import ccc as es_ccc
from stdnum import numdb

from .keyed import KeyedStream
from .personal import Names

LABEL = "IBAN"
_MAX_DRAWS = 4000  # national check digits pass about 1 draw in 100


def _registry() -> Dict[str, List[Tuple[int, str]]]:
    """Country code -> the BBAN structure as (count, kind) with kind n (digit), a (letter), c (either)."""
    out = {}
    with open(numdb.__file__.replace("numdb.py", "iban.dat"), encoding="utf8") as f:
        for line in f:
            m = re.match(r'^([A-Z]{2}) .*bban="([^"]+)"', line)
            if m:
                out[m.group(1)] = [(int(n), k) for n, k in re.findall(r"(\d+)!([nac])", m.group(2))]
    return out


STRUCTURE = _registry()
LENGTHS = {cc: 4 + sum(n for n, _ in parts) for cc, parts in STRUCTURE.items()}
_START = re.compile(r"(?<![\w\-])([A-Za-z]{2})\d{2}(?=[ \-]?[A-Za-z0-9])")
_SEPARATORS = " -"


def _take(text: str, start: int, length: int) -> Optional[int]:
    """The end of exactly ``length`` letters and digits from ``start``, a single space or dash
    allowed between them, not followed by another letter or digit; None if there are fewer."""
    i, n = start, 0
    while n < length:
        if i < len(text) and text[i].isascii() and text[i].isalnum():
            i, n = i + 1, n + 1
        elif (n and i + 1 < len(text) and text[i] in _SEPARATORS and text[i + 1].isascii()
              and text[i + 1].isalnum()):
            i += 1
        else:
            return None
    if i < len(text) and text[i].isalnum():
        return None
    return i


def find(text: str, region: str) -> Iterator[Tuple[int, int, str]]:
    for m in _START.finditer(text):
        cc = m.group(1).upper()
        if cc not in LENGTHS or (m.group(1) != cc and m.group(1) != cc.lower()):
            continue
        end = _take(text, m.start(), LENGTHS[cc])
        if end is not None and stdnum_iban.is_valid(text[m.start():end], check_country=False):
            yield m.start(), end, stdnum_iban.compact(text[m.start():end])


def canonical(text: str, region: str = "US") -> Optional[str]:
    text = text.strip()
    if (not re.fullmatch(r"[A-Za-z0-9]+(?:[ \-][A-Za-z0-9]+)*", text)
            or not stdnum_iban.is_valid(text, check_country=False)):
        return None
    return stdnum_iban.compact(text)


def _draw_bban(cc: str, like: str, stream: KeyedStream) -> str:
    out = []
    i = 0
    for count, kind in STRUCTURE[cc]:
        for _ in range(count):
            original = like[i]
            i += 1
            if kind == "n" or (kind == "c" and original.isdigit()):
                out.append(str(stream.below(10)))
            else:
                out.append(string.ascii_uppercase[stream.below(26)])
    return "".join(out)


def _with_national_checks(cc: str, bban: str, original: str) -> str:
    """``bban`` with the national check digits computed where they are known in closed form (a
    draw then passes at once instead of one time in a hundred); other countries unchanged."""
    if cc == "ES":  # bank(4) branch(4) check(2) account(10)
        return bban[:8] + es_ccc.calc_check_digits(bban) + bban[10:]
    if cc == "BE":  # bank(3) account(7) check(2); the bank code must be registered: the original's
        body = original[:3] + bban[3:10]
        return body + "%02d" % (int(body) % 97 or 97)
    if cc == "NO":  # bank(4) account(6) check(1): weighted sum mod 11 (10 has no digit: drawn again)
        check = sum(w * int(n) for w, n in zip((6, 7, 8, 9, 4, 5, 6, 7, 8, 9), bban[:10])) % 11
        return bban[:10] + str(check) if check < 10 else bban
    return bban


def surrogate(value: str, written: str, stream: KeyedStream, names: Optional[Names], region: str) -> str:
    cc = value[:2]
    for draw in range(_MAX_DRAWS):
        bban = _draw_bban(cc, value[4:], stream)
        if draw < 8:  # then plain draws: an original whose Belgian bank code is not registered
            bban = _with_national_checks(cc, bban, value[4:])
        number = cc + stdnum_iban.calc_check_digits(cc + "00" + bban) + bban
        if number != value and stdnum_iban.is_valid(number):
            break
    else:
        raise ValueError(f"no valid IBAN drawn for country {cc}")
    chars = iter(number)
    return "".join((next(chars).lower() if c.islower() else next(chars)) if c.isalnum() else c for c in written)


__all__ = ["LABEL", "STRUCTURE", "LENGTHS", "find", "canonical", "surrogate"]
