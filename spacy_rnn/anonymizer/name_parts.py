"""Name parts of a text: splitting a name into given names and surname, the key of a part,
titles and honorifics, the particles of names (van, bin, al) and the cues that mark a word as a name.
"""
import re
from functools import lru_cache
from typing import List, Optional, Tuple

from spacy.lang.en.stop_words import STOP_WORDS

from .name_generator import normalize_name

# a name part: letters, with inner apostrophes or hyphens (O'Brien, Jean-Luc)
NAME_PART = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
HANDLE = re.compile(r"@[\w.\-]+")
POSSESSIVE = re.compile(r"['’][sS]$")
HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mister", "dame", "lord", "lady",
              "sr", "jr", "st", "mme", "mlle", "herr", "frau", "sra", "señor", "señora"}

# The lowercase particles of names, each with what it does:
#   skip  - inside a detected name it is not a name part of its own ("Ludwig van Beethoven": van stays)
#   join  - it may begin a two-word surname in the pseudonym pools ("bin rahim", "al haddad")
#   lower - it stays lowercase when a pseudonym is written in Title case ("bin Rahim", but "Al Haddad")
_PARTICLE_ROLES = {
    "van": "skip join lower", "von": "skip join lower", "de": "skip join lower", "da": "skip join lower",
    "di": "skip join lower", "del": "skip join lower", "dos": "skip join lower", "la": "skip join lower",
    "le": "skip join lower", "ter": "skip join lower", "ten": "skip join lower", "bin": "skip join lower",
    "binti": "join lower", "al": "skip join", "el": "skip join", "abu": "join", "mac": "join", "st": "join",
    "der": "skip", "den": "skip", "della": "skip", "das": "skip", "du": "skip", "ibn": "skip", "ben": "skip",
    "af": "skip", "zu": "skip", "y": "skip", "e": "skip",
}
PARTICLES = frozenset(_PARTICLE_ROLES)
SKIPPED_PARTICLES = frozenset(p for p, roles in _PARTICLE_ROLES.items() if "skip" in roles.split())
SURNAME_PARTICLES = frozenset(p for p, roles in _PARTICLE_ROLES.items() if "join" in roles.split())
LOWER_PARTICLES = frozenset(p for p, roles in _PARTICLE_ROLES.items() if "lower" in roles.split())

# Japanese honorific suffixes belong to the text, not to the name: "Tanaka-san" -> "Tanaka" + "-san"
_JA_HONORIFIC = r"-(?:san|sama|kun|chan|sensei|senpai|sempai|dono)"
_JA_SUFFIX = re.compile(_JA_HONORIFIC + r"$", re.IGNORECASE)
_JA_CUE = re.compile(r"(?<![\w'’\-])([^\W\d_]{2,})" + _JA_HONORIFIC + r"(?![\w\-])", re.IGNORECASE)
# A title right before a word marks it as a name. Lowercase and ALL-CAPS titles count only
# with their period ("mrs. dubois", "MR. JONES"; not "MS Word"). "Miss" is left out: Title-Case
# tweets use it as a verb ("Gonna Miss Everybody"), as are "Sir", "Lady", "Lord".
_TITLE_CUE = re.compile(
    r"(?<![\w.])(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof|Mme|Mlle|Herr|Frau|Sra|Mister)\.?"
    r"|(?:mr|mrs|ms|dr|prof|MR|MRS|MS|DR|PROF)\.)[ \t]+(?=[^\W\d_])")
MAX_CUE_PARTS = 3


def part_key(surface: str) -> str:
    """The key of a name part: folded to the name generator's alphabet and lowercased.

    Keys are compared with the pseudonym pools (written in that alphabet) and hashed into
    the choice of a pseudonym, so they use the generator's normaliser. For the ASCII words
    that NAME_PART matches, lowercasing and stripping ' and - gives the same key, faster.
    """
    if surface.isascii():
        return surface.lower().strip("'-")
    return normalize_name(surface)


def name_parts(text: str, start: int = 0, end: Optional[int] = None) -> List[Tuple[int, int, str]]:
    """Name parts inside ``text[start:end]``: (start, end, surface) without honorifics,
    lowercase particles (van, de, al) or a trailing possessive 's."""
    end = len(text) if end is None else end
    parts = []
    for m in NAME_PART.finditer(text, start, end):
        s, e = m.start(), m.end()
        surface = m.group()
        pm = POSSESSIVE.search(surface)
        if pm and len(surface) > 3:
            e -= 2
            surface = surface[:-2]
        js = _JA_SUFFIX.search(surface)
        if js and js.start() >= 2:
            e -= len(js.group())
            surface = surface[: js.start()]
        low = surface.lower()
        if low.rstrip(".") in HONORIFICS or (surface.islower() and (low in SKIPPED_PARTICLES or low in STOP_WORDS)):
            continue  # "Mr", "van", "of" inside a detected span are not name parts
        parts.append((s, e, surface))
    return parts


@lru_cache(maxsize=10_000)
def split_name(name: str) -> Tuple[str, ...]:
    """The parts of a name given as a string ("Dr. Olena Shevchenko" -> Olena, Shevchenko)."""
    return tuple(p[2] for p in name_parts(str(name)))


def cue_spans(text: str) -> List[Tuple[int, int]]:
    """Names that the text itself marks, whatever their case: the words after a title
    ("Mr. Okonkwo", "mrs. dubois", "Dr. Anna Weber": up to three parts, the later ones
    Title-case) and the word before a Japanese honorific ("Sato-sensei", "yuki-chan")."""
    spans = []
    for m in _TITLE_CUE.finditer(text):
        parts: List[Tuple[int, int]] = []
        for p in NAME_PART.finditer(text, m.end()):
            gap = text[parts[-1][1] : p.start()] if parts else text[m.end() : p.start()]
            later = p.group()
            if gap.strip(" \t") or (parts and not (later[:1].isupper() and not later.isupper())):
                break  # later parts must be Title-case ("MR. JONES CALLED": Jones only)
            parts.append((p.start(), p.end()))
            if len(parts) == MAX_CUE_PARTS:
                break
        if parts and text[parts[0][0] : parts[0][1]].lower() not in STOP_WORDS:
            spans.append((parts[0][0], parts[-1][1]))
    for m in _JA_CUE.finditer(text):
        if m.group(1).lower() not in STOP_WORDS:
            spans.append((m.start(1), m.end(1)))
    return spans


__all__ = ["NAME_PART", "HANDLE", "POSSESSIVE", "HONORIFICS", "PARTICLES", "SKIPPED_PARTICLES",
           "SURNAME_PARTICLES", "LOWER_PARTICLES", "part_key", "name_parts", "split_name", "cue_spans"]
