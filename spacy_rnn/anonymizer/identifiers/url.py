"""URLs: a regular expression (no library finds URLs in running text), the personal parts
replaced and the rest kept.

Detected: ``http://``, ``https://`` and ``ftp://`` URLs, ``www.`` addresses, and bare domains
with a path ("github.com/ingrid", "bit.ly/3xYz") under a list of common top-level domains, so
"km/h" or "e.g./i.e." are not URLs. Trailing sentence punctuation and an unbalanced closing
bracket are not part of it. The value is the URL as written.

Surrogate: the scheme, host, port, non-personal path and fragment are kept; replaced
(:mod:`.personal`: names linked to the conversation's pseudonyms, other letters and digits keyed
and random) are the user info ("user:pass@"), every query value, the path segment after a
profile word ("/in/<x>", "/users/<x>", "/u/<x>", "/profile/<x>", ...), segments starting with
``~`` or ``@`` ("/~ingrid", "/@ingrid"), the first segment on social sites where it is the
account (twitter.com/<x>, github.com/<x>, instagram.com/<x>, ...), and runs of six or more
digits (account and message ids). A URL with none of these is its own surrogate: it names nobody.
"""
import re
from typing import Iterator, Optional, Tuple

from .keyed import KeyedStream
from .personal import Names, rebuild

LABEL = "URL"

TLDS = ("com|org|net|edu|gov|mil|int|io|co|me|info|biz|app|dev|ly|gl|tv|ai|gg|to|so|sh|xyz|site|online|"
        "blog|page|link|news|uk|de|se|no|dk|fi|is|fr|es|pt|it|nl|be|lu|ch|at|pl|cz|sk|hu|ro|bg|gr|tr|ru|ua|"
        "ee|lv|lt|ie|eu|us|ca|mx|br|ar|cl|au|nz|jp|kr|cn|tw|hk|sg|in|za|ng|ke")
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
PATTERN = re.compile(
    r"(?<![\w@.\-/])(?:"
    r"(?:https?|ftp)://[^\s<>\"'`]+"
    r"|www\.[A-Za-z0-9\-]+\.[^\s<>\"'`]+"
    rf"|{_HOST}(?:{TLDS})/[^\s<>\"'`]+"
    r")", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*_"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_SPLIT = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)?(?P<auth>[^/?#]*)(?P<path>[^?#]*)"
                    r"(?P<query>\?[^#]*)?(?P<frag>#.*)?$")
PROFILE_WORDS = frozenset("in pub user users u profile profiles people person member members author authors "
                          "channel c user_id uid id account accounts".split())
SOCIAL_HOSTS = frozenset("twitter.com x.com instagram.com facebook.com fb.com github.com gitlab.com tiktok.com "
                         "youtube.com medium.com linkedin.com t.me reddit.com pinterest.com threads.net "
                         "soundcloud.com twitch.tv vk.com flickr.com tumblr.com snapchat.com mastodon.social "
                         "bsky.app substack.com patreon.com ko-fi.com buymeacoffee.com".split())
# first segments of social sites that are pages of the site, not accounts
SITE_PAGES = frozenset("search explore hashtag home watch i intent share login signup about help settings status "
                       "p reel reels stories groups events pages marketplace notifications messages tag tags "
                       "topics trending features pricing blog docs r wiki policies privacy terms legal jobs "
                       "feed results playlist shorts embed api".split())
_LONG_DIGITS = re.compile(r"\d{6,}")


def _trim(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    return url


def _valid(url: str) -> bool:
    m = _SPLIT.match(url)
    auth = m.group("auth").rpartition("@")[2].split(":")[0]
    return "." in auth and len(auth) > 3 and m.group("path") is not None


def find(text: str, region: str) -> Iterator[Tuple[int, int, str]]:
    if "/" not in text and "www." not in text.lower():
        return
    for m in PATTERN.finditer(text):
        url = _trim(m.group())
        if _valid(url):
            yield m.start(), m.start() + len(url), url


def canonical(text: str, region: str = "US") -> Optional[str]:
    text = text.strip()
    m = PATTERN.fullmatch(text)
    return text if m and _trim(text) == text and _valid(text) else None


def _digits_drawn(segment: str, stream: KeyedStream) -> str:
    return _LONG_DIGITS.sub(lambda m: stream.digits(len(m.group())), segment)


def surrogate(value: str, written: str, stream: KeyedStream, names: Optional[Names], region: str) -> str:
    m = _SPLIT.match(written)
    auth = m.group("auth")
    userinfo, at, hostport = auth.rpartition("@")
    if at:
        auth = rebuild(userinfo, stream, names) + "@" + hostport
    host = hostport.split(":")[0].lower()
    host = host[4:] if host.startswith("www.") else host
    segments = m.group("path").split("/")
    personal_next = False
    for i, segment in enumerate(segments):
        first = i == 1
        if not segment:
            continue
        if (personal_next or segment[0] in "~@"
                or (first and host in SOCIAL_HOSTS and segment.lower() not in SITE_PAGES
                    and segment.lower() not in PROFILE_WORDS)):
            segments[i] = rebuild(segment, stream, names)
        else:
            segments[i] = _digits_drawn(segment, stream)
        personal_next = segment.lower() in PROFILE_WORDS
    query = m.group("query") or ""
    if query:
        pairs = query[1:].split("&")
        for j, pair in enumerate(pairs):
            key, eq, val = pair.partition("=")
            if eq and val:
                pairs[j] = key + "=" + rebuild(val, stream, names)
        query = "?" + "&".join(pairs)
    return (m.group("scheme") or "") + auth + "/".join(segments) + query + (m.group("frag") or "")


__all__ = ["LABEL", "PATTERN", "find", "canonical", "surrogate"]
