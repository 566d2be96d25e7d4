"""Case and shape transfer between a name as written and its replacement."""
import re

from .name_parts import LOWER_PARTICLES

_WORD_START = re.compile(r"(^|[\s\-'’])([a-z])")


def shape_of(text: str) -> str:
    """'upper' (KHALID), 'lower' (khalid), 'title' (Khalid, O'Brien, Jean-Luc) or 'mixed' (McDonald)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "title"
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return "upper"
    if all(c.islower() for c in letters):
        return "lower"
    if titlecase(text.lower()) == text or (letters[0].isupper() and all(c.islower() for c in letters[1:])):
        return "title"
    return "mixed"


def titlecase(name: str) -> str:
    """'o'brien' -> "O'Brien", 'jean-luc' -> 'Jean-Luc', 'che-wei' -> 'Che-Wei';
    particles of multi-word surnames stay lowercase: 'bin rahim' -> 'bin Rahim'."""
    words = name.lower().split(" ")
    return " ".join(w if (len(words) > 1 and w in LOWER_PARTICLES) else
                    _WORD_START.sub(lambda m: m.group(1) + m.group(2).upper(), w) for w in words)


def transfer_shape(source: str, replacement: str) -> str:
    """Write ``replacement`` in the case pattern of ``source``."""
    shape = shape_of(source)
    if shape == "upper":
        return replacement.upper()
    if shape == "lower":
        return replacement.lower()
    return titlecase(replacement)


__all__ = ["shape_of", "titlecase", "transfer_shape"]
