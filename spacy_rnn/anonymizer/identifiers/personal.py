"""Rebuilding the personal part of an e-mail address, a handle or a URL path.

The text is cut into letter runs, digit runs and the rest (``.``, ``_``, ``-``, ``+``, ...).
Each letter run is offered to ``names`` (the conversation's pseudonym lookup): a run it maps
("ingrid" -> "kauri") is replaced by what it returns, so "ingrid.johansson" becomes
"kauri.kautunen" when both names are people of the conversation. A one-letter run is offered
too, so a lookup that knows the conversation's people may answer an initial ("j" of
"@ingrid_j" -> "k"); when it answers None, the letter is drawn like any other run. Runs nobody
maps get keyed random letters of the same length, in the same case letter by letter; digit
runs get keyed random digits of the same length; everything else is kept.
"""
import re
from typing import Callable, Optional

from .keyed import KeyedStream

Names = Callable[[str], Optional[str]]

_RUN = re.compile(r"[^\W\d_]+|\d+")


def random_letters_like(piece: str, stream: KeyedStream) -> str:
    """Keyed ASCII letters, one per letter of ``piece``, each in that letter's case."""
    drawn = stream.letters(len(piece))
    return "".join(d.upper() if c.isupper() else d for c, d in zip(piece, drawn))


def rebuild(text: str, stream: KeyedStream, names: Optional[Names] = None) -> str:
    """``text`` with its letter runs renamed or drawn and its digit runs drawn (see the module)."""
    out = []
    last = 0
    for m in _RUN.finditer(text):
        out.append(text[last:m.start()])
        piece = m.group()
        if piece[0].isdigit():
            out.append(stream.digits(len(piece)))
        else:
            mapped = names(piece) if names is not None else None
            # only the letters of a pseudonym go in ("O'Brien" -> "OBrien"): the result must stay
            # a valid local part, handle or path segment
            mapped = "".join(c for c in mapped if c.isalpha()) if mapped else ""
            out.append(mapped if mapped else random_letters_like(piece, stream))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


__all__ = ["rebuild", "random_letters_like", "Names"]
