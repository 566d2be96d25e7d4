"""What the character network reads: a Doc's text, folded, as a matrix of character ids.

Index 0 is padding, 1 is "unknown"; printable ASCII 32..126 map to 2..96.
"""
import string
from typing import List, Sequence, Tuple

import numpy as np

PAD_ID = 0
UNK_ID = 1
N_CHAR_IDS = 97
_CHAR_TABLE = np.full(256, UNK_ID, dtype=np.int64)
_CHAR_TABLE[32:127] = np.arange(2, 97)
# ASCII-encoded names hold bytes 0..127 only, so 255 can stand for padding
_PAD_BYTE = b"\xff"
_BYTE_TO_ID = bytes(int(_CHAR_TABLE[b]) if b != 255 else PAD_ID for b in range(256))
_NOT_LETTERS = bytes(b for b in range(256) if chr(b) not in string.ascii_letters)

# A name is read from the last characters of a text (they carry the surname); cutting before
# folding keeps a long text from being transliterated whole.
MAX_DOC_CHARS = 64


def doc_text(doc) -> str:
    """``doc.text``; a one-token Doc (the usual one-name input) reads its token directly,
    about twice as fast as spaCy's join over the tokens (the text is the same)."""
    return doc[0].text_with_ws if len(doc) == 1 else doc.text


def encode_names(names: Sequence[str], max_len: int, lowercase: bool) -> Tuple[np.ndarray, np.ndarray, List[int]]:
    """Encode folded names as a padded uint8 matrix of character ids, their lengths (int64,
    ≥ 1) and the rows with no ASCII letter.

    Names longer than ``max_len`` keep their *last* ``max_len`` characters: for
    surnames the ending carries most of the nationality signal (-ov, -ski, -ez).
    Built with bytes operations only, which never release the GIL: in ``nlp.pipe`` this
    runs on the worker thread, where each release would let the busy main thread hold the
    GIL for a switch interval (5 ms) before the worker gets it back.
    """
    max_len = max(1, max_len)
    raws = [(name.lower() if lowercase else name).encode("ascii", "replace")[-max_len:] for name in names]
    lengths = [len(raw) or 1 for raw in raws]
    width = max(lengths, default=1)
    padded = bytearray(b"".join([raw.ljust(width, _PAD_BYTE) for raw in raws]).translate(_BYTE_TO_ID))
    ids = np.frombuffer(padded, dtype=np.uint8).reshape(len(raws), width)
    blank = [i for i, raw in enumerate(raws) if not raw.translate(None, _NOT_LETTERS)]
    return ids, np.array(lengths, dtype=np.int64), blank
