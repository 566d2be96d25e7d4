"""What the name tagger reads of a token: its word id, its first characters, shape and lexicon features,
and optionally a frozen pretrained word vector.

``TokenFeaturizer`` turns Docs into a ``NameBatch`` of numpy arrays. Every
distinct token string of a batch becomes one row of a small table; the tokens
themselves are indices into that table. Rows are cached across batches, so a
string is featurized once; characters are read with one ``numpy`` call per
string (no Python loop over characters).

The lexicon (attrs["lexicon"]: lowercase form -> bit flags) holds gazetteer
flags and corpus frequency / mid-sentence capitalisation buckets, built from the
JSON that scripts/preprocess_ner.py writes. Pretrained vectors (a table written
by scripts/prune_glove.py, GloVe 6B 50d) are looked up by the lowercased string
and appended with an "unknown to the table" flag; they are inputs, not
parameters, stored once as int8 rows with one scale each.
"""
import itertools
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from spacy.attrs import ORTH
from spacy.tokens import Doc

from ..errors import Errors, Warnings
from .torch_model import N_CHAR_IDS, UNK

# Lexicon bit flags
FIRST_NAME, LAST_NAME = 1, 2
FREQ_SHIFT, FREQ_BUCKETS = 2, 5   # bits 2-4: corpus frequency bucket 0..4 (0 = unseen)
CAP_SHIFT, CAP_BUCKETS = 5, 4     # bits 5-6: capitalisation bucket 0..3 (0 = no data)

N_SHAPE = 11
N_FEATS = N_SHAPE + 2 + FREQ_BUCKETS + CAP_BUCKETS

_GENERATIONS = itertools.count(1)  # featurizer cache tables, unique within the process


def n_string_feats(n_pretrained: int) -> int:
    """Feature columns per string: shape/lexicon features, then the pretrained vector and its OOV flag."""
    return N_FEATS + (n_pretrained + 1 if n_pretrained else 0)


# -- lexicon ------------------------------------------------------------------------------
def freq_bucket(count: int) -> int:
    """0 unseen, 1: <10, 2: <100, 3: <1000, 4: more."""
    if count <= 0:
        return 0
    return 1 + min(3, int(np.log10(count)))


def cap_bucket(cap_ratio: Optional[float]) -> int:
    """0 no data, 1: rarely capitalised mid-sentence, 2: sometimes, 3: nearly always."""
    if cap_ratio is None:
        return 0
    return 1 if cap_ratio < 0.2 else (2 if cap_ratio < 0.8 else 3)


def lexicon_flags(first: bool, last: bool, count: int, cap_ratio: Optional[float]) -> int:
    return (int(first) * FIRST_NAME | int(last) * LAST_NAME
            | freq_bucket(count) << FREQ_SHIFT | cap_bucket(cap_ratio) << CAP_SHIFT)


def load_lexicon(path: Optional[Union[str, Path]], name: str = "person_name_detector") -> Dict[str, int]:
    """Lexicon JSON (``first``, ``last``: name lists; ``freq``: lowercase word -> count; ``cap``:
    lowercase word -> share of capitalised mid-sentence occurrences) -> {lowercase word: bit flags}.
    No path: a warning, and an empty lexicon (those features stay zero)."""
    if not path:
        warnings.warn(Warnings.W200.format(name=name))
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf8"))
        first, last = set(data["first"]), set(data["last"])
        freq, cap = data["freq"], data["cap"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(Errors.E202.format(path=path, name=name, reason=e)) from e
    lexicon = {}
    for w in first | last | set(freq):
        flags = lexicon_flags(w in first, w in last, int(freq.get(w, 0)), cap.get(w))
        if flags:
            lexicon[w] = flags
    return lexicon


# -- pretrained vectors ----------------------------------------------------------------------
def load_vector_table(path: Union[str, Path]) -> Tuple[List[str], np.ndarray]:
    """(words, float32 vectors) from an .npz with ``keys`` (UTF-8 words joined by "\\n", uint8)
    and ``vectors`` (n_words x dims), as written by scripts/prune_glove.py."""
    with np.load(Path(path)) as data:
        words = data["keys"].tobytes().decode("utf8").split("\n")
        vectors = np.asarray(data["vectors"], dtype="float32")
    if vectors.ndim != 2 or len(words) != vectors.shape[0]:
        raise ValueError(f"{path}: {len(words)} keys for vectors of shape {vectors.shape}")
    return words, vectors


def pack_vectors(words: Sequence[str], vectors: np.ndarray) -> Dict[str, Any]:
    """The ``attrs["vectors"]`` form: lowercase keys joined by "\\n", int8 rows with one
    float32 scale each (max |x| / 127), so a 118k x 50 table takes about 6 MB."""
    vectors = np.asarray(vectors, dtype="float32")
    scale = np.abs(vectors).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(vectors / scale[:, None]), -127, 127).astype("int8")
    return {"keys": "\n".join(w.lower() for w in words), "q": q, "scale": scale.astype("float32")}


def unpack_vectors(table: Dict[str, Any]) -> Tuple[Dict[str, int], np.ndarray, np.ndarray]:
    """(word -> row, int8 rows, scales) from ``attrs["vectors"]``; the first of duplicate keys wins."""
    index: Dict[str, int] = {}
    for i, w in enumerate(table["keys"].split("\n")):
        index.setdefault(w, i)
    return index, np.asarray(table["q"]), np.asarray(table["scale"], dtype="float32")


# -- featurizer ------------------------------------------------------------------------------
def shape_features(s: str) -> List[float]:
    """Orthographic features of one token string (see N_SHAPE)."""
    has_alnum = any(c.isalnum() for c in s)
    low = s.lower()
    return [
        float(s[:1].isupper() and (len(s) == 1 or not s[1:].isupper())),  # Title / Mixed
        float(len(s) > 1 and s.isupper()),
        float(s.islower()),
        float(any(c.isdigit() for c in s)),
        float(s.isalpha()),
        float(not has_alnum),
        float(s.startswith("@")),
        float(s.startswith("#")),
        float(low.startswith(("http", "www.")) or ".com" in low),
        float(len(s) == 1),
        float(s in (".", "!", "?", "...", "\n")),
    ]


@dataclass
class NameBatch:
    """Integer/float arrays for one batch; ``idx`` points into the per-string table."""

    word_ids: np.ndarray   # (U,) int64, table of distinct strings (row 0 = padding)
    char_ids: np.ndarray   # (U, C) int64
    feats: np.ndarray      # (U, F) float32
    idx: np.ndarray        # (B, T) int64, chunk positions -> table rows
    lengths: np.ndarray    # (B,) int64, >= 1
    n_tokens: int
    rows: Optional[np.ndarray] = None  # (U,) the strings' rows in the featurizer's cache table
    generation: int = -1               # which cache table (changes when it is reset)

    def mask(self) -> np.ndarray:
        """(B, T) bool: which chunk positions hold a real token."""
        return np.arange(self.idx.shape[1])[None, :] < self.lengths[:, None]


class TokenFeaturizer:
    """Turns Docs into a NameBatch. Holds a cache of featurized strings (reset past ``cache_size``)."""

    cache_size = 200_000

    def __init__(self, max_len: int, max_chars: int):
        self.max_len = max_len
        self.max_chars = max_chars
        self._key: Optional[Tuple[int, int, int]] = None
        self._set_vectors(None)
        self._reset()

    def __getstate__(self):
        # caches are rebuilt on the first call (keeps pickles small: no vector index)
        return {"max_len": self.max_len, "max_chars": self.max_chars}

    def __setstate__(self, state):
        self.__init__(**state)

    def _set_vectors(self, vectors: Optional[Dict[str, Any]]) -> None:
        if vectors:
            self._vindex, self._vq, self._vscale = unpack_vectors(vectors)
            self.n_pretrained = int(self._vq.shape[1])
        else:
            self._vindex, self._vq, self._vscale = {}, None, None
            self.n_pretrained = 0
        self.n_feats = n_string_feats(self.n_pretrained)

    def _reset(self) -> None:
        self.generation = next(_GENERATIONS)
        self.rows: Dict[int, int] = {}  # ORTH hash -> table row
        cap = 4096
        self.W = np.zeros((cap,), dtype="int64")
        self.C = np.zeros((cap, self.max_chars), dtype="int64")
        self.F = np.zeros((cap, self.n_feats), dtype="float32")
        self.n = 1  # row 0 = padding

    def _grow(self) -> None:
        cap = self.W.shape[0] * 2
        self.W = np.resize(self.W, (cap,))
        self.C = np.resize(self.C, (cap, self.max_chars))
        self.F = np.resize(self.F, (cap, self.n_feats))

    def _add(self, key: int, s: str, vocab: Dict[str, int], lexicon: Dict[str, int]) -> int:
        if self.n >= self.W.shape[0]:
            self._grow()
        row = self.n
        self.n += 1
        low = s.lower()
        self.W[row] = vocab.get(low, UNK)
        codes = np.frombuffer(s[: self.max_chars].encode("utf-32-le", "replace"), dtype=np.uint32)
        chars = np.where(codes < 256, codes.astype("int64") + 1, N_CHAR_IDS - 1)
        self.C[row, : len(chars)] = chars
        self.C[row, len(chars):] = 0
        flags = lexicon.get(low, 0)
        f = self.F[row]
        f[:N_SHAPE] = shape_features(s)
        f[N_SHAPE:] = 0.0
        f[N_SHAPE] = float(flags & FIRST_NAME)
        f[N_SHAPE + 1] = float(bool(flags & LAST_NAME))
        f[N_SHAPE + 2 + ((flags >> FREQ_SHIFT) & 7) % FREQ_BUCKETS] = 1.0
        f[N_SHAPE + 2 + FREQ_BUCKETS + ((flags >> CAP_SHIFT) & 3)] = 1.0
        if self.n_pretrained:
            i = self._vindex.get(low)
            if i is None:
                f[-1] = 1.0  # unknown to the pretrained table (its vector stays zeros)
            else:
                f[N_FEATS:-1] = self._vq[i] * self._vscale[i]
        self.rows[key] = row
        return row

    def __call__(self, docs: Sequence[Doc], vocab: Dict[str, int], lexicon: Dict[str, int],
                 vectors: Optional[Dict[str, Any]] = None) -> NameBatch:
        key = (id(vocab), id(lexicon), id(vectors) if vectors else 0)
        if key != self._key:
            self._set_vectors(vectors)
        if key != self._key or self.n > self.cache_size:
            self._key = key
            self._reset()
        # Token strings are read as ORTH hashes (one numpy array per doc); only the
        # distinct hashes of the batch go through Python, and only new ones are featurized.
        arrays = [doc.to_array(ORTH) for doc in docs]
        doc_lengths = [len(a) for a in arrays]
        n_tokens = sum(doc_lengths)
        if n_tokens == 0:
            empty = np.zeros((0,), dtype="int64")
            return NameBatch(empty, np.zeros((0, self.max_chars), dtype="int64"),
                             np.zeros((0, self.n_feats), dtype="float32"), np.zeros((0, 1), dtype="int64"), empty, 0)
        hashes = np.concatenate(arrays)
        uniq, inverse = np.unique(hashes, return_inverse=True)
        rows, add, strings = self.rows, self._add, docs[0].vocab.strings
        table_rows = np.empty((len(uniq) + 1,), dtype="int64")
        table_rows[0] = 0
        for j, h in enumerate(uniq.tolist(), 1):
            r = rows.get(h)
            if r is None:
                r = add(h, strings[h], vocab, lexicon)
            table_rows[j] = r
        L = self.max_len
        chunk_lengths = []
        for n in doc_lengths:
            chunk_lengths.extend([L] * (n // L))
            if n % L:
                chunk_lengths.append(n % L)
        lengths = np.array(chunk_lengths, dtype="int64")
        T = int(lengths.max())
        mask = np.arange(T)[None, :] < lengths[:, None]
        idx = np.zeros((len(lengths), T), dtype="int64")
        idx[mask] = inverse.reshape(-1) + 1
        return NameBatch(self.W[table_rows], self.C[table_rows], self.F[table_rows], idx, lengths, n_tokens,
                         rows=table_rows, generation=self.generation)


# -- built at initialize ------------------------------------------------------------------------
def build_word_vocab(counts: Dict[str, int], max_vocab: int, min_count: int) -> Dict[str, int]:
    """Lowercase word -> id for the ``max_vocab`` most frequent words seen ``min_count`` times or more
    (ids from 2 on: 0 is padding, 1 an unknown word)."""
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return {w: i + UNK + 1 for i, w in enumerate(words[:max_vocab])}


def load_vectors(path: Union[str, Path], name: str = "person_name_detector") -> Dict[str, Any]:
    """The ``attrs["vectors"]`` table (``pack_vectors``) of the word-vector file at ``path``."""
    try:
        words, vectors = load_vector_table(path)
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(Errors.E205.format(path=path, name=name, reason=e)) from e
    return pack_vectors(words, vectors)
