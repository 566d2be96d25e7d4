"""A keyed random stream: the randomness behind every surrogate.

Each draw is one HMAC-SHA256 of the secret key over the stream's parts and a counter
(:func:`spacy_rnn.anonymizer.keys.keyed_int`, the same keyed hash the name pseudonyms use), so
a surrogate depends only on the key, the conversation, the label, the canonical value and the
attempt: separate processes agree without sharing a table, and nobody without the key can
recompute or enumerate the choices.
"""
import string
from typing import Sequence, TypeVar

from ..keys import keyed_int

T = TypeVar("T")

# 2**64 / 10**15 > 18,000 and 2**64 / 26**10 > 130,000: digits taken from one 64-bit draw are
# uniform to within 1e-4
_DIGITS_PER_DRAW = 15
_LETTERS_PER_DRAW = 10


class KeyedStream:
    """Deterministic draws from HMAC(key, parts, counter)."""

    __slots__ = ("_key", "_parts", "_counter")

    def __init__(self, key: bytes, *parts: str):
        self._key = key
        self._parts = parts
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        return keyed_int(self._key, *self._parts, str(self._counter))

    def below(self, n: int) -> int:
        """An integer in [0, n) (n < 2**40 keeps the modulo bias under 1e-7)."""
        return self._next() % n

    def choice(self, options: Sequence[T]) -> T:
        return options[self.below(len(options))]

    def digits(self, n: int, first_nonzero: bool = False) -> str:
        """``n`` random decimal digits (the first one 1-9 when ``first_nonzero``)."""
        out = []
        while len(out) < n:
            value = self._next()
            for _ in range(min(_DIGITS_PER_DRAW, n - len(out))):
                value, d = divmod(value, 10)
                out.append(d)
        if first_nonzero and out:
            out[0] = 1 + self.below(9)
        return "".join(map(str, out))

    def letters(self, n: int) -> str:
        """``n`` random lower-case ASCII letters."""
        out = []
        while len(out) < n:
            value = self._next()
            for _ in range(min(_LETTERS_PER_DRAW, n - len(out))):
                value, d = divmod(value, 26)
                out.append(string.ascii_lowercase[d])
        return "".join(out)


__all__ = ["KeyedStream"]
