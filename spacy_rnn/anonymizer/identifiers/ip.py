"""IPv4 and IPv6 addresses: candidates by a regular expression, parsed and normalised by the
standard library's :mod:`ipaddress` (which rejects out-of-range octets and IPv4 leading zeros).

Detected: dotted-quad IPv4 ("10.0.0.1", also at the end of a sentence), IPv6 in full, compressed
or IPv4-suffixed form with at least three non-empty groups ("2001:db8::1", "fe80::1:2"; a bare
"::1" or a time "14:30:05" is not one). Not detected: four numbers glued to a word ("v1.2.3.4")
or after a version cue ("version 10.0.0.1", "build 1.2.3.4", "ver. 4.3.2.1"): those are software
versions. The value is ``ipaddress``'s compressed form.

Surrogate: IPv4 in one of RFC 5737's documentation networks 192.0.2.0/24, 198.51.100.0/24 and
203.0.113.0/24 (a keyed host 1-254); IPv6 in RFC 3849's 2001:db8::/32, the original's zero
groups kept zero so the compressed shape stays, written exploded or upper-case when the original
was. These ranges are never routed on the internet.
"""
import ipaddress
import re
from typing import Iterator, Optional, Tuple

from .keyed import KeyedStream
from .personal import Names

LABEL = "IP"
V4_NETWORKS = ("192.0.2.", "198.51.100.", "203.0.113.")
V6_NETWORK = ipaddress.IPv6Network("2001:db8::/32")

_V4 = re.compile(r"(?<![\w.\-])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d|[\w\-])")
_V6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?!\w|:[\w:]|\.\d)")
_VERSION_CUE = re.compile(r"(?:\b(?:v|ver|version|release|build|rev|revision|firmware|update|patch|"
                          r"sdk|api|python|java|node|android|ios|chrome|windows|section|chapter|"
                          r"figure|fig|table|step|rule|art|article|no|nr)\.?\s*|[#§])$", re.IGNORECASE)


def _is_version(text: str, start: int) -> bool:
    return bool(_VERSION_CUE.search(text[max(0, start - 12):start]))


def _v6_groups(address: str) -> int:
    parts = address.split(":")
    return sum(1 for p in parts if p) + (1 if "." in address else 0)


def find(text: str, region: str) -> Iterator[Tuple[int, int, str]]:
    if "." in text:
        for m in _V4.finditer(text):
            if _is_version(text, m.start()):
                continue
            try:
                yield m.start(), m.end(), ipaddress.IPv4Address(m.group()).compressed
            except ValueError:
                pass
    if "::" in text or text.count(":") >= 7:
        for m in _V6.finditer(text):
            written, end = m.group(), m.end()
            if written.endswith(":") and not written.endswith("::"):  # "connect to fe80::1:2:3:"
                written, end = written[:-1], end - 1
            if _v6_groups(written) < 3:
                continue
            try:
                yield m.start(), end, ipaddress.IPv6Address(written).compressed
            except ValueError:
                pass


def canonical(text: str, region: str = "US") -> Optional[str]:
    try:
        return ipaddress.ip_address(text.strip()).compressed
    except ValueError:
        return None


def surrogate(value: str, written: str, stream: KeyedStream, names: Optional[Names], region: str) -> str:
    address = ipaddress.ip_address(value)
    if address.version == 4:
        return stream.choice(V4_NETWORKS) + str(1 + stream.below(254))
    groups = address.exploded.split(":")
    new = ["2001", "0db8"] + ["0000" if g == "0000" else "%04x" % (1 + stream.below(0xFFFF)) for g in groups[2:]]
    result = ipaddress.IPv6Address(":".join(new))
    exploded = all(len(g) == 4 for g in written.split(":")) and written.count(":") == 7
    out = result.exploded if exploded else result.compressed
    return out.upper() if any(c.isupper() for c in written) else out


__all__ = ["LABEL", "V4_NETWORKS", "V6_NETWORK", "find", "canonical", "surrogate"]
