"""Phone numbers: found, parsed and validated by **phonenumbers** (Google's libphonenumber and
its numbering-plan metadata for every region), with filters against the numbers of ordinary
text.

Detected: what ``phonenumbers.PhoneNumberMatcher`` finds at leniency VALID (a number valid for
its region's numbering plan) in international form ("+46 70 123 45 67", "+1-202-555-0143",
"0049 30 1234567") and in the national form of the finder's region ("070-123 45 67" in SE,
"(212) 555-1234" in US), split over spaces, dashes, dots and parentheses. Then, because many
numbers of ordinary text are valid phone numbers somewhere:

- dates ("2024-03-05", "05/03/2024", "2024 03 05"), year ranges ("1990-1995") and amounts of
  money (after a currency sign or code, before a ``%``) are never phone numbers;
- a number in national form is kept only if it is grouped the way the region writes its numbers
  (phonenumbers' national format: "070-123 45 67", "(212) 555-1234", "07911 123456") or a phone
  cue ("call", "tel", "mobile", "number", "whatsapp", ...) stands just before it; a bare run of
  digits in national form needs the cue.

Only texts with seven or more digits reach the matcher. The value is the E.164 form
("+46701234567"), so every way of writing one number is one value.

Surrogate: the same country code and national number length, written digit for digit in the
original's shape (separators, international or national form, trunk prefix), from ranges that
reach no one:

- UK (Ofcom's drama numbers): mobiles 07700 900000-900999; London 020 7946 0000-0999; 0113/0114/
  0115/0116/0117/0118/0121/0131/0141/0151/0161 496 0000-0999, 0191 498 0000-0999, 028 9649
  6000-6999, 029 2018 0000-0999, other geographic 01632 960000-960999; 0808 157 0000-0999,
  0909 879 0000-0999, 03069 990000-990999;
- North America (NANP): the original's area code and 555-0100 to 555-0199 (reserved for fiction);
- Australia (ACMA's numbers for drama): mobiles 0491 570 006/110/156/157/158/159/313/737; fixed
  (02) 5550 xxxx, (03) 7010 xxxx, (07) 5550 xxxx, (08) 5550 xxxx;
- every other country: a keyed number that phonenumbers parses for the country and calls
  *possible* (the right length) but not *valid*: the country's numbering plan, as phonenumbers'
  metadata records it, allocates no such range, so it rings nobody. A range allocated after the
  metadata was published could make such a number live; upgrading phonenumbers updates it.

Every surrogate is parsed back (for the region when written in national form) and must give the
same country code and the drawn national number.
"""
import re
from typing import Iterator, List, Optional, Tuple

import phonenumbers
from phonenumbers import PhoneNumberFormat

from .keyed import KeyedStream
from .personal import Names

LABEL = "PHONE"
MIN_DIGITS = 7

_DIGIT = re.compile(r"\d")
_SEVEN_DIGITS = re.compile(r"\d(?:\D{0,3}\d){6}")
_DATE = re.compile(r"^\(?(?:\d{4}[-/. ]\d{1,2}[-/. ]\d{1,2}|\d{1,2}[-/. ]\d{1,2}[-/. ]\d{2,4})\)?$")
_RANGE = re.compile(r"^(1\d{3}|20\d\d)\s*[-–]\s*(1\d{3}|20\d\d)$")
_MONEY_BEFORE = re.compile(r"(?:[$€£¥₹₩₽¢]|\b(?:usd|eur|gbp|sek|nok|dkk|chf|jpy|inr|aud|cad|rs|kr))\.?\s*$",
                           re.IGNORECASE)
_MONEY_AFTER = re.compile(r"^\s*(?:%|[$€£¥₹]|(?:usd|eur|gbp|sek|kr|dollars?|euros?|pounds?)\b)", re.IGNORECASE)
_CUE = re.compile(
    r"(?:\b(?:call(?:ed|ing)?|ph(?:one)?|tel(?:ephone)?|tlf|telefon(?:nummer)?|mob(?:ile)?|cell(?:phone)?|"
    r"numbers?|no|nr|nummer|num|#|text|sms|whats\s?app|signal|viber|telegram|ring|fax|dial|contact|"
    r"reach|landline|hotline|helpline|handy|portable|m)\b\.?|[☎📞📱]|[#:])[\s:.\-]*(?:(?:is|at|on|me|us)\s+){0,2}$",
    re.IGNORECASE)
_CUE_WINDOW = 40
# after a number: "0701236523 is my number", "07911 123456 (mobile)"
_CUE_AFTER = re.compile(
    r"^[\s,.:;()\-]*(?:(?:is|was|'s)\s+)?(?:(?:my|our|his|her|their|the|a)\s+)?(?:new\s+)?"
    r"(?:ph(?:one)?|tel(?:ephone)?|mob(?:ile)?|cell(?:phone)?|numbers?|no|nr|whats\s?app|landline|handy|fax)\b",
    re.IGNORECASE)
# "00" as the international call prefix ("0046 70 123 45 67"): read as "+" (same length, offsets kept)
_IDD_00 = re.compile(r"(?<![\d+])00(?=[1-9])")
_EXTENSION = re.compile(r"[\s,;]*(?:ext\.?|extension|x|#)\s*\d{1,7}$", re.IGNORECASE)


def _groups(text: str) -> List[str]:
    return re.findall(r"\d+", text)


def _national_groups(number: phonenumbers.PhoneNumber) -> List[str]:
    return _groups(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))


def _accept(text: str, start: int, end: int, raw: str, number: phonenumbers.PhoneNumber) -> bool:
    if _DATE.match(raw) or _RANGE.match(raw):
        return False
    if _MONEY_BEFORE.search(text[max(0, start - 5):start]) or _MONEY_AFTER.match(text[end:end + 9]):
        return False
    stripped = raw.lstrip("(")
    if stripped.startswith("+") or (stripped.startswith("00") and len(_groups(raw)) > 1):
        return True  # international form: distinctive enough
    cue = bool(_CUE.search(text[max(0, start - _CUE_WINDOW):start])) or bool(_CUE_AFTER.match(text[end:end + 30]))
    if len(_groups(raw)) == 1:
        # a bare run of digits: with a cue, or opening with the trunk prefix 0 and nine digits or more
        # (counts, prices and order numbers do not start with 0)
        return cue or (stripped.startswith("0") and not stripped.startswith("00") and len(_DIGIT.findall(raw)) >= 9
                       and _has_trunk_zero(number))
    return cue or _groups(raw) == _national_groups(number)


def _has_trunk_zero(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL).lstrip("(").startswith("0")


def find(text: str, region: str) -> Iterator[Tuple[int, int, str]]:
    # pre-filter: seven digits close together (the shortest valid numbers of most regions)
    if not _SEVEN_DIGITS.search(text):
        return
    for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        if _accept(text, m.start, m.end, m.raw_string, m.number):
            yield m.start, m.end, phonenumbers.format_number(m.number, PhoneNumberFormat.E164)
    # the regions whose call prefix is not 00 (US: 011) do not read "0046 ..." as international
    swapped = _IDD_00.sub(" +", text) if "00" in text else text
    if swapped is text or swapped == text:
        return
    for m in phonenumbers.PhoneNumberMatcher(swapped, region, leniency=phonenumbers.Leniency.VALID):
        start = m.start - 1 if swapped[m.start] == "+" and text[m.start - 1:m.start + 1] == "00" else m.start
        if start != m.start and _accept(text, start, m.end, text[start:m.end], m.number):
            yield start, m.end, phonenumbers.format_number(m.number, PhoneNumberFormat.E164)


def _parse(text: str, region: str) -> Optional[phonenumbers.PhoneNumber]:
    head = text.lstrip("( ")
    if head.startswith("00") and head[2:3] not in ("", "0"):  # the 00 call prefix, whatever the region's own
        text = text.replace("00", "+", 1)
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def canonical(text: str, region: str = "US") -> Optional[str]:
    """E.164 of a number phonenumbers parses and calls possible (surrogates from ranges that the
    metadata marks unallocated are possible, not valid, and keep a value of their own)."""
    text = text.strip()
    body = _EXTENSION.sub("", text)
    if len(_DIGIT.findall(body)) < MIN_DIGITS or re.search(r"[^\d\s()+\-./]", body):
        return None
    number = _parse(text, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


# reserved ranges: (country code, NSN length, NSN prefix of the original or "", surrogate prefixes,
# digits drawn after the prefix); the first matching row wins
_UK_AREAS_496 = ("113", "114", "115", "116", "117", "118", "121", "131", "141", "151", "161")
RESERVED = (
    [(44, 10, "7", ("7700900",), 3), (44, 10, "20", ("2079460",), 3), (44, 10, "191", ("1914980",), 3),
     (44, 10, "28", ("2896496",), 3), (44, 10, "29", ("2920180",), 3)]
    + [(44, 10, a, (a + "4960",), 3) for a in _UK_AREAS_496]
    + [(44, 10, "1", ("1632960",), 3), (44, 10, "80", ("8081570",), 3), (44, 10, "9", ("9098790",), 3),
       (44, 10, "3", ("3069990",), 3),
       (61, 9, "4", tuple("491570" + s for s in ("006", "110", "156", "157", "158", "159", "313", "737")), 0),
       (61, 9, "2", ("25550",), 4), (61, 9, "3", ("37010",), 4), (61, 9, "7", ("75550",), 4),
       (61, 9, "8", ("85550",), 4)]
)
_GENERIC_DRAWS = 64


def _reserved(cc: int, nsn: str, stream: KeyedStream) -> Optional[str]:
    if cc == 1 and len(nsn) == 10:
        return nsn[:3] + "55501" + stream.digits(2)
    for code, length, prefix, prefixes, n in RESERVED:
        if code == cc and length == len(nsn) and nsn.startswith(prefix):
            return stream.choice(prefixes) + stream.digits(n)
    return None


def _write(written: str, nsn: str, new_nsn: str, new: phonenumbers.PhoneNumber, stream: KeyedStream) -> str:
    """``new_nsn`` in the shape of ``written``: its national significant number's digits replaced
    in place (country code, trunk and international prefixes kept), an extension's digits drawn."""
    digits = "".join(_DIGIT.findall(written))
    at = digits.rfind(nsn)
    if at < 0:  # written with digits inserted inside the number (a carrier code): phonenumbers formats it
        form = PhoneNumberFormat.INTERNATIONAL if written.lstrip("(").startswith("+") else PhoneNumberFormat.NATIONAL
        return phonenumbers.format_number(new, form)
    tail = stream.digits(len(digits) - at - len(nsn))
    replaced = iter(digits[:at] + new_nsn + tail)
    return "".join(next(replaced) if c.isdigit() else c for c in written)


def _parses_back(out: str, region: str, cc: int, new_nsn: str) -> bool:
    number = _parse(out, region)
    return (number is not None and number.country_code == cc and
            phonenumbers.national_significant_number(number) == new_nsn and
            phonenumbers.is_possible_number(number))


def surrogate(value: str, written: str, stream: KeyedStream, names: Optional[Names], region: str) -> str:
    original = phonenumbers.parse(value)
    cc = original.country_code
    # a number written in national form parses back in its own country, whatever the default region
    own = phonenumbers.region_code_for_country_code(cc)
    region = own if own != "ZZ" else region
    nsn = phonenumbers.national_significant_number(original)

    def build(new_nsn: str) -> Optional[str]:
        new = phonenumbers.parse(f"+{cc}{new_nsn}")
        out = _write(written, nsn, new_nsn, new, stream)
        return out if _parses_back(out, region, cc, new_nsn) else None

    reserved = _reserved(cc, nsn, stream)
    if reserved is not None:
        out = build(reserved)
        if out is not None:
            return out
    # no reserved range: a possible number in a range the numbering plan does not allocate
    out = None
    for _ in range(_GENERIC_DRAWS):
        lead = "0" if nsn.startswith("0") else str(1 + stream.below(9))
        candidate = lead + stream.digits(len(nsn) - 1)
        number = phonenumbers.parse(f"+{cc}{candidate}")
        if phonenumbers.is_possible_number(number) and not phonenumbers.is_valid_number(number):
            out = build(candidate)
            if out is not None:
                return out
    # a densely allocated plan (France's nine digits): every prefix of one to three digits, in keyed order
    for size in (1, 2, 3):
        prefixes = [str(p).zfill(size) for p in range(10 ** size)]
        for i in range(len(prefixes) - 1, 0, -1):  # a keyed shuffle
            j = stream.below(i + 1)
            prefixes[i], prefixes[j] = prefixes[j], prefixes[i]
        for prefix in prefixes:
            candidate = prefix + stream.digits(len(nsn) - size)
            number = phonenumbers.parse(f"+{cc}{candidate}")
            if phonenumbers.is_possible_number(number) and not phonenumbers.is_valid_number(number):
                out = build(candidate)
                if out is not None:
                    return out
    raise ValueError(f"no unallocated phone number range found for country code {cc}")


__all__ = ["LABEL", "RESERVED", "find", "canonical", "surrogate"]
