"""Payment card numbers: candidates by a regular expression, checked with the Luhn checksum
(python-stdnum's :mod:`stdnum.luhn`) and a known brand's issuer prefix (IIN) and length.

Detected: 13-19 digits, ungrouped or in groups separated by one kind of separator (a space or a
dash): groups of four ("4111 1111 1111 1111", "4111-1111-1111-1111-123"), Amex's 4-6-5 and Diners'
4-6-4. Brands: Visa, Mastercard (51-55, 2221-2720), American Express, Discover, JCB, Diners Club,
UnionPay. A Luhn-valid run of digits with no brand's prefix (an order or tracking number) is not
a card. The value is the digits.

Surrogate: the brand's published test range (the prefixes of Visa's, Mastercard's, Amex's, ...
test cards that payment processors' sandboxes accept and no issuer gives to a cardholder:
400000, 555555/222300, 378282/371449, 601111, 353011, 305693, 620000), keyed digits, and the Luhn
check digit, with the original's length and brand, written with the original's separators.
"""
import re
from typing import Iterator, Optional, Tuple

from stdnum import luhn

from .keyed import KeyedStream
from .personal import Names

LABEL = "CARD"

# (brand, IIN ranges as (low, high) prefixes of equal length, lengths); the first brand matching wins,
# so Discover's UnionPay co-brand range comes before UnionPay
BRANDS = (
    ("visa", ((4, 4),), (13, 16, 19)),
    ("mastercard", ((51, 55), (2221, 2720)), (16,)),
    ("amex", ((34, 34), (37, 37)), (15,)),
    ("discover", ((6011, 6011), (644, 649), (65, 65), (622126, 622925)), (16, 17, 18, 19)),
    ("jcb", ((3528, 3589),), (16, 17, 18, 19)),
    ("diners", ((300, 305), (36, 36), (38, 39)), (14, 15, 16, 17, 18, 19)),
    ("unionpay", ((62, 62),), (16, 17, 18, 19)),
)
# test prefixes, by brand; the choice among several is keyed
TEST_PREFIXES = {
    "visa": ("400000",),
    "mastercard": ("555555", "222300"),
    "amex": ("378282", "371449"),
    "discover": ("601111",),
    "jcb": ("353011",),
    "diners": ("305693",),
    "unionpay": ("620000",),
}

_CANDIDATE = re.compile(
    r"(?<![\w.,\-/])(?:"
    r"\d{13,19}"
    r"|\d{4}(?P<s>[ \-])\d{4}(?:(?P=s)\d{4}){1,2}(?:(?P=s)\d{1,4})?"  # 4-4-4-4(-x), 4-4-4-1..
    r"|\d{4}(?P<t>[ \-])\d{6}(?P=t)\d{4,5}"  # Amex 4-6-5, Diners 4-6-4
    r")(?![\w\-]|[.,]\d)")


def brand(digits: str) -> Optional[str]:
    """The brand whose IIN range and lengths fit ``digits``, or None."""
    for name, ranges, lengths in BRANDS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            prefix = int(digits[:len(str(low))])
            if low <= prefix <= high:
                return name
    return None


def _value(written: str) -> Optional[str]:
    digits = re.sub(r"\D", "", written)
    if 13 <= len(digits) <= 19 and brand(digits) and luhn.is_valid(digits):
        return digits
    return None


def find(text: str, region: str) -> Iterator[Tuple[int, int, str]]:
    for m in _CANDIDATE.finditer(text):
        value = _value(m.group())
        if value:
            yield m.start(), m.end(), value


def canonical(text: str, region: str = "US") -> Optional[str]:
    text = text.strip()
    return _value(text) if re.fullmatch(r"\d+(?:[ \-]\d+)*", text) else None


def surrogate(value: str, written: str, stream: KeyedStream, names: Optional[Names], region: str) -> str:
    prefix = stream.choice(TEST_PREFIXES[brand(value)])
    body = prefix + stream.digits(len(value) - len(prefix) - 1)
    digits = iter(body + luhn.calc_check_digit(body))
    return "".join(next(digits) if c.isdigit() else c for c in written)


__all__ = ["LABEL", "BRANDS", "TEST_PREFIXES", "brand", "find", "canonical", "surrogate"]
