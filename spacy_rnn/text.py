"""Folding names to the ASCII alphabet the character models read.

``unidecode`` transliterates most scripts (O’Néàl → O'Neal, Çetin → Cetin,
Горбачёв → Gorbachev). Characters it cannot fold (emoji, some symbols) become
the empty string; the models then see only what is left, and a name with no
letters at all gets the "empty" encoding (a single padding step), which yields
a defined, low-information prediction rather than an error.
"""
from functools import lru_cache

import numpy as np
from unidecode import unidecode

# Index 0 is padding, 1 is "unknown"; printable ASCII 32..126 map to 2..96.
PAD_ID = 0
UNK_ID = 1
N_CHAR_IDS = 97
_CHAR_TABLE = np.full(256, UNK_ID, dtype=np.int64)
_CHAR_TABLE[32:127] = np.arange(2, 97)

# Typographic apostrophes are common in names (O’Neal): unify them. Russian ё is
# written е in most romanised surnames (Горбачёв → Gorbachev, not Gorbachiov).
_PRE_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
                           "ё": "е", "Ё": "Е"})


@lru_cache(maxsize=200_000)
def fold_name(name: str) -> str:
    """ASCII-fold a name: transliterate with unidecode, unify apostrophes, squeeze whitespace.

    >>> fold_name("O’Néàl"), fold_name("Çetin"), fold_name("Горбачёв")
    ("O'Neal", 'Cetin', 'Gorbachev')
    """
    folded = unidecode(name.translate(_PRE_FOLD)).translate(_PRE_FOLD)
    return " ".join(folded.split())


def name_key(name: str) -> str:
    """The comparison key of a name: folded and lowercased ("María" and "MARIA" share "maria")."""
    return fold_name(name).lower()


_LETTER_IDS = np.zeros(N_CHAR_IDS, dtype=bool)
_LETTER_IDS[_CHAR_TABLE[np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)]] = True


def has_letters(ids: np.ndarray) -> np.ndarray:
    """Which rows of an encoded name matrix contain at least one ASCII letter."""
    return _LETTER_IDS[ids].any(axis=1)


def encode_names(names, max_len: int, lowercase: bool = True):
    """Encode folded names as a padded int64 matrix and their lengths (≥ 1).

    Names longer than ``max_len`` keep their *last* ``max_len`` characters: for
    surnames the ending carries most of the nationality signal (-ov, -ski, -ez).
    Vectorized: one join and one scatter for the whole batch.
    """
    max_len = max(1, max_len)
    raws = [(name.lower() if lowercase else name).encode("ascii", "replace")[-max_len:] for name in names]
    n = len(raws)
    raw_lengths = np.fromiter(map(len, raws), dtype=np.int64, count=n)
    lengths = np.maximum(raw_lengths, 1)
    width = int(lengths.max()) if n else 1
    ids = np.zeros((n, width), dtype=np.int64)
    total = int(raw_lengths.sum())
    if total:
        chars = np.frombuffer(b"".join(raws), dtype=np.uint8)
        rows = np.repeat(np.arange(n), raw_lengths)
        starts = np.cumsum(raw_lengths) - raw_lengths
        cols = np.arange(total) - np.repeat(starts, raw_lengths)
        ids[rows, cols] = _CHAR_TABLE[chars]
    return ids, lengths
