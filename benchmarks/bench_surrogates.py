"""Every surrogate valid for its type, none equal to its original, none outside the reserved ranges.

    python benchmarks/bench_surrogates.py [--per-type 100000] [--seed 0] [--out benchmarks/results/surrogates.json]

For each type, ``--per-type`` identifiers written the ways people write them
(:mod:`identifier_forms`: 16 countries' phone numbers in 9 forms, e-mails, URLs, cards of 7 brands
grouped and ungrouped, IBANs of 20 countries, IPv4/IPv6, handles; US SSNs for ID) are found by the
:class:`IdentifierFinder` (region: the number's own country) and given a surrogate under a fresh
conversation scope each. Checked for each surrogate:

- **differs**: not the original as written, and not the original's canonical value;
- **valid**: the type's own rules. PHONE: phonenumbers parses it (in its country when national)
  with the original's country code, national number length and a possible number; CARD: Luhn, the
  original's length and brand; IBAN: python-stdnum's ``iban.is_valid`` (check digits, BBAN format,
  national checks), same country and length; EMAIL: the finder reads the whole surrogate as one
  e-mail address; IP: ``ipaddress`` parses it, same version; URL: the finder reads it whole as a
  URL, same scheme and host; HANDLE: ``@`` and 1-30 word characters or dots; ID: the SSN shape.
- **same shape**: every non-alphanumeric character in place and the same length (PHONE, CARD,
  IBAN, ID, IP v4 aside: its octets change length);
- **reserved**: EMAIL at example.com/.org/.net (RFC 2606); IP in 192.0.2.0/24, 198.51.100.0/24,
  203.0.113.0/24 (RFC 5737), 2001:db8::/32 (RFC 3849); PHONE in the UK's and Australia's drama
  ranges or NANP 555-0100-0199 for +44, +61, +1, elsewhere a number phonenumbers calls *not valid*
  (unallocated); CARD at an issuer's test prefix; ID (SSN) area 666, never issued. IBAN, URL and
  HANDLE have no reserved range (the README says how their surrogates avoid live values).
"""
import argparse
import ipaddress
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import identifier_forms as forms  # noqa: E402

from spacy_rnn.anonymizer.identifiers import IdentifierFinder, surrogate  # noqa: E402
from spacy_rnn.anonymizer.identifiers.card import TEST_PREFIXES, brand  # noqa: E402
from spacy_rnn.anonymizer.identifiers.ip import V4_NETWORKS, V6_NETWORK  # noqa: E402
from spacy_rnn.anonymizer.identifiers.phone import RESERVED  # noqa: E402

KEY = b"bench-surrogates-key-not-secret-0123456789"
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
_RESERVED_PHONE = {(cc, length): tuple(p for row in RESERVED if row[:2] == (cc, length) for p in row[3])
                   for cc, length, *_ in RESERVED}


def ssn(rng: random.Random):
    area = rng.choice([a for a in range(1, 900) if a != 666])
    digits = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    form = rng.choice(["dashes", "spaces", "compact"])
    sep = {"dashes": "-", "spaces": " ", "compact": ""}[form]
    return f"{digits[:3]}{sep}{digits[3:5]}{sep}{digits[5:]}", "US", form


def _shape(s: str) -> str:
    return re.sub(r"[A-Za-z0-9]", "x", s)


def _idd(text: str) -> str:
    """``text`` with a leading 00 call prefix written as "+" (as the finder reads it)."""
    head = text.lstrip("( ")
    return text.replace("00", "+", 1) if head.startswith("00") and head[2:3] not in ("", "0") else text


def _phone_checks(original, new, region):
    number = phonenumbers.parse(_idd(original), region)
    own = phonenumbers.region_code_for_country_code(number.country_code)
    try:
        parsed = phonenumbers.parse(_idd(new), own)
    except phonenumbers.NumberParseException:
        return False, False
    nsn = phonenumbers.national_significant_number(parsed)
    valid = (parsed.country_code == number.country_code and phonenumbers.is_possible_number(parsed)
             and len(nsn) == len(phonenumbers.national_significant_number(number)))
    cc = parsed.country_code
    if cc == 1:
        reserved = nsn[3:6] == "555" and 100 <= int(nsn[6:]) <= 199
    elif _RESERVED_PHONE.get((cc, len(nsn))) and any(nsn.startswith(p) for p in _RESERVED_PHONE[(cc, len(nsn))]):
        reserved = True
    else:
        reserved = not phonenumbers.is_valid_number(parsed)
    return valid, reserved


def check(label, written, new, region, finder_of):
    same_shape = _shape(new) == _shape(written) if label not in ("EMAIL", "URL", "HANDLE", "IP") else True
    if label == "PHONE":
        valid, reserved = _phone_checks(written, new, region)
    elif label == "CARD":
        a, b = re.sub(r"\D", "", written), re.sub(r"\D", "", new)
        valid = luhn.is_valid(b) and len(a) == len(b) and brand(a) == brand(b)
        reserved = any(b.startswith(p) for p in TEST_PREFIXES[brand(a)])
    elif label == "IBAN":
        valid = std_iban.is_valid(new) and new[:2].upper() == written[:2].upper() and len(new) == len(written)
        reserved = None
    elif label == "EMAIL":
        found = finder_of(region)(new)
        valid = len(found) == 1 and (found[0].start, found[0].end) == (0, len(new))
        domain = new.rsplit("@", 1)[-1].lower()
        reserved = any(domain == d or domain.endswith("." + d) for d in EXAMPLE_DOMAINS)
    elif label == "IP":
        a, b = ipaddress.ip_address(written), ipaddress.ip_address(new)
        valid = a.version == b.version
        reserved = (b in V6_NETWORK) if b.version == 6 else any(new.startswith(n) for n in V4_NETWORKS)
    elif label == "URL":
        found = finder_of(region)(new)
        valid = (len(found) == 1 and (found[0].start, found[0].end) == (0, len(new))
                 and _scheme_host(new) == _scheme_host(written))
        reserved = None
    elif label == "HANDLE":
        valid = re.fullmatch(r"@[\w.]{1,30}", new) is not None
        reserved = None
    else:  # ID: a US SSN
        valid = re.fullmatch(r"\d{3}([- ]?)\d{2}\1\d{4}", new) is not None
        reserved = new[:3] == "666"
    return valid, same_shape, reserved


def _scheme_host(url: str):
    m = re.match(r"(?:([a-z]+)://)?(?:[^@/]*@)?([^/:?#]+)", url, re.IGNORECASE)
    return (m.group(1) or "").lower(), m.group(2).lower()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-type", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/surrogates.json")
    args = ap.parse_args(argv)
    started = time.time()
    rng = random.Random(args.seed)
    gens = dict(forms.generators(forms.Names()), ID=ssn)
    finders = {}

    def finder_of(region):
        if region not in finders:
            finders[region] = IdentifierFinder(region=region)
        return finders[region]

    results, failures = {}, {}
    for label, gen in gens.items():
        counts, bad = Counter(), []
        t0 = time.time()
        for i in range(args.per_type):
            written, region, form = gen(rng)
            # with its cue, so that every form is found (a bare national number needs one)
            text = {"ID": "social security number ", "PHONE": "call "}.get(label, "") + written
            found = [f for f in finder_of(region)(text) if f.label == label]
            if not found:
                counts["not_found"] += 1
                continue
            ident = found[0]
            written = text[ident.start:ident.end]
            new = surrogate(ident, written, KEY, f"scope-{i}", 0, None, region)
            counts["checked"] += 1
            if label == "URL" and new == written:
                counts["url_without_personal_parts"] += 1  # kept whole: it names nobody
                continue
            differs = new != written and (new.lower() != written.lower())
            valid, same_shape, reserved = check(label, written, new, region, finder_of)
            for name, ok in (("differs", differs), ("valid", valid), ("same_shape", same_shape),
                             ("reserved", reserved)):
                if ok is False:
                    counts[f"not_{name}"] += 1
                    if len(bad) < 20:
                        bad.append({"written": written, "surrogate": new, "form": form, "failed": name})
        n = counts["checked"]
        results[label] = {"generated": args.per_type, "checked": n, "not_found": counts["not_found"],
                          **({"kept_whole_no_personal_part": counts["url_without_personal_parts"]}
                             if label == "URL" else {}),
                          **{f"{k}_failures": counts[f"not_{k}"] for k in ("differs", "valid", "same_shape")},
                          "reserved_failures": counts["not_reserved"] if label not in ("IBAN", "URL", "HANDLE")
                          else None,
                          "seconds": round(time.time() - t0, 1)}
        failures[label] = bad
        print(label, results[label], flush=True)
    out = {"seed": args.seed, "per_type": args.per_type, "results": results, "failure_examples": failures,
           "seconds": round(time.time() - started, 1)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
