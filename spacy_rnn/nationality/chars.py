"""What the character network reads: a Doc's text, folded, as a matrix of character ids.

Index 0 is padding, 1 is "unknown"; printable ASCII 32..126 map to 2..96.
"""
import numpy as np

PAD_ID = 0
UNK_ID = 1
N_CHAR_IDS = 97
_CHAR_TABLE = np.full(256, UNK_ID, dtype=np.int64)
_CHAR_TABLE[32:127] = np.arange(2, 97)

_LETTER_IDS = np.zeros(N_CHAR_IDS, dtype=bool)
_LETTER_IDS[_CHAR_TABLE[np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)]] = True

# A name is read from the last characters of a text (they carry the surname); cutting before
# folding keeps a long text from being transliterated whole.
MAX_DOC_CHARS = 64


def doc_text(doc) -> str:
    """``doc.text``; a one-token Doc (the usual one-name input) reads its token directly,
    about twice as fast as spaCy's join over the tokens (the text is the same)."""
    return doc[0].text_with_ws if len(doc) == 1 else doc.text


def has_letters(ids: np.ndarray) -> np.ndarray:
    """Which rows of an encoded name matrix contain at least one ASCII letter."""
    return _LETTER_IDS[ids].any(axis=1)


def encode_names(names, max_len: int, lowercase: bool):
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
