"""A many-to-many recurrent token tagger for person names (BIO over spaCy tokens).

Three parts:

- ``TokenFeaturizer``: Docs -> a ``NameBatch`` of integer/float numpy arrays. Every
  distinct token string of a batch becomes one row of a small table (word id,
  its first characters as code points, and shape / lexicon features); the tokens
  themselves are indices into that table. Rows are cached across batches, so a
  string is featurized once; characters are read with one ``numpy`` call per
  string (no Python loop over characters).
- ``NameTaggerModule`` (torch): word embedding + char-CNN + features per distinct
  string, gathered to token positions, a bidirectional GRU over each chunk of
  at most ``max_len`` tokens, and a linear layer to 3 logits (O, B, I).
- ``build_name_tagger``: the registered thinc architecture
  ``spacy-rnn.NameTagger.v1`` (List[Doc] -> Floats2d of logits, one row per
  token of all docs, in order), wrapping the module with ``PyTorchWrapper_v2``
  and explicit converters.

The word vocabulary and the lexicon (gazetteer flags, corpus frequency and
capitalisation buckets) live in the model's ``attrs`` so that they are saved
with the weights; the vocabulary size ``nV`` is a dim the component sets from
its ``cfg`` before the torch module is built.

Optional frozen pretrained word vectors (``pretrained_vectors``: a table written by
scripts/prune_glove.py, GloVe 6B 50d): looked up by the lowercased string when a
string is featurized, appended to its features with an "unknown to the table" flag
(zeros + flag = 1 for other strings). They are inputs, not parameters: never
trained, stored once in ``attrs["vectors"]`` (int8 with one scale per row) however
many ensemble members share them, and their width is the dim ``nP`` (0 = off).
"""
import itertools
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from spacy.attrs import ORTH
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats2d
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .lazy_torch import lazy_torch_model, torch_module

TAGS = ("O", "B", "I")
PAD, UNK = 0, 1
N_CHAR_IDS = 258  # 0 pad, 1..256 code points < 256 (+1), 257 any other code point

# Lexicon bit flags (attrs["lexicon"]: lowercase form -> int)
FIRST_NAME, LAST_NAME = 1, 2
FREQ_SHIFT, FREQ_BUCKETS = 2, 5   # bits 2-4: corpus frequency bucket 0..4 (0 = unseen)
CAP_SHIFT, CAP_BUCKETS = 5, 4     # bits 5-6: capitalisation bucket 0..3 (0 = no data)

N_SHAPE = 11
N_FEATS = N_SHAPE + 2 + FREQ_BUCKETS + CAP_BUCKETS

_GENERATIONS = itertools.count(1)  # featurizer cache tables, unique within the process


def n_string_feats(n_pretrained: int) -> int:
    """Feature columns per string: shape/lexicon features, then the pretrained vector and its OOV flag."""
    return N_FEATS + (n_pretrained + 1 if n_pretrained else 0)


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


class TokenFeaturizer:
    """Turns Docs into a NameBatch. Holds a cache of featurized strings."""

    def __init__(self, max_len: int, max_chars: int, cache_size: int = 200_000):
        self.max_len = max_len
        self.max_chars = max_chars
        self.cache_size = cache_size
        self._key: Optional[Tuple[int, int, int]] = None
        self._set_vectors(None)
        self._reset()

    def __getstate__(self):
        # caches are rebuilt on the first call (keeps pickles small: no vector index)
        return {"max_len": self.max_len, "max_chars": self.max_chars, "cache_size": self.cache_size}

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


class NameTaggerModule(nn.Module):
    """Embeddings + char-CNN + features -> BiGRU -> 3 logits (O, B, I) per token."""

    def __init__(self, n_vocab: int, *, word_size: int = 64, char_size: int = 24, char_filters: int = 64,
                 char_width: int = 3, hidden_size: int = 96, n_layers: int = 1, dropout: float = 0.25,
                 word_dropout: float = 0.1, n_feats: int = N_FEATS, n_tags: int = len(TAGS),
                 vector_dropout: float = 0.0):
        super().__init__()
        self.word_dropout = word_dropout
        self.vector_dropout = vector_dropout if n_feats > N_FEATS else 0.0
        self.word_embed = nn.Embedding(n_vocab, word_size, padding_idx=PAD)
        self.char_embed = nn.Embedding(N_CHAR_IDS, char_size, padding_idx=0)
        self.char_conv = nn.Conv1d(char_size, char_filters, char_width, padding=char_width // 2)
        in_size = word_size + char_filters + n_feats
        self.proj = nn.Sequential(nn.Linear(in_size, hidden_size), nn.ReLU())
        self.dropout = nn.Dropout(dropout)
        self.rnn = nn.GRU(hidden_size, hidden_size, num_layers=n_layers, batch_first=True,
                          bidirectional=True, dropout=dropout if n_layers > 1 else 0.0)
        self.out = nn.Linear(2 * hidden_size, n_tags)

    def encode_strings(self, word_ids, char_ids, feats):
        """(U,) (U,C) (U,F) -> (U, in_size): one vector per distinct string."""
        if self.training and self.word_dropout > 0:
            drop = torch.rand(word_ids.shape) < self.word_dropout
            word_ids = torch.where(drop & (word_ids > PAD), torch.full_like(word_ids, UNK), word_ids)
        if self.training and self.vector_dropout > 0:
            # a string's pretrained vector becomes "unknown" (zeros, flag 1), as for OOV strings
            drop = (torch.rand(word_ids.shape) < self.vector_dropout)[:, None]
            unknown = torch.zeros_like(feats[:1, N_FEATS:])
            unknown[:, -1] = 1.0
            feats = torch.cat([feats[:, :N_FEATS], torch.where(drop, unknown, feats[:, N_FEATS:])], dim=1)
        words = self.word_embed(word_ids)
        chars = self.char_embed(char_ids).transpose(1, 2)          # (U, E, C)
        chars = torch.relu(self.char_conv(chars)).max(dim=2).values  # (U, filters)
        return torch.cat([words, chars, feats], dim=1)

    def string_table(self, word_ids, char_ids, feats, rows=None, generation=-1):
        """(U, H) projected string vectors. In eval mode with featurizer rows given, vectors are
        cached per row across batches (strings repeat), keyed on the featurizer's table generation
        and on the weights (any parameter change starts a new cache)."""
        if self.training or rows is None:
            return self.proj(self.encode_strings(word_ids, char_ids, feats))
        with torch.no_grad():
            fingerprint = (generation,) + tuple((p.data_ptr(), p._version, float(p.sum()))
                                                for p in self._encoder_params())
        cache = getattr(self, "_string_cache", None)
        need = int(rows.max()) + 1
        if cache is None or cache[0] != fingerprint:
            cap = max(4096, need)
            cache = (fingerprint, torch.zeros((cap, self.proj[0].out_features)), torch.zeros((cap,), dtype=torch.bool))
        if need > cache[1].shape[0]:
            cap = max(need, 2 * cache[1].shape[0])
            vec = torch.zeros((cap, cache[1].shape[1]))
            done = torch.zeros((cap,), dtype=torch.bool)
            vec[: cache[1].shape[0]] = cache[1]
            done[: cache[2].shape[0]] = cache[2]
            cache = (fingerprint, vec, done)
        self._string_cache = cache
        _, vec, done = cache
        missing = torch.nonzero(~done[rows], as_tuple=True)[0]
        if len(missing):
            vec[rows[missing]] = self.proj(self.encode_strings(word_ids[missing], char_ids[missing], feats[missing]))
            done[rows[missing]] = True
        return vec[rows]

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        state.pop("_string_cache", None)  # a cache, not state: pickles stay small
        return state

    def _encoder_params(self):
        return (self.word_embed.weight, self.char_embed.weight, self.char_conv.weight, self.char_conv.bias,
                self.proj[0].weight, self.proj[0].bias)

    def forward(self, word_ids, char_ids, feats, idx, lengths, rows=None, generation=-1):
        table = self.string_table(word_ids, char_ids, feats, rows, generation)  # (U, H)
        x = self.dropout(table[idx])                                      # (B, T, H)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=idx.shape[1])
        return self.out(self.dropout(out))                                # (B, T, n_tags)


class NameTaggerEnsemble(nn.Module):
    """Several NameTaggerModules over the same inputs; the output is log(mean of their softmaxes),
    so a softmax of it gives the members' averaged O/B/I probabilities. Members are usually
    trained independently (different seeds) and merged (scripts/bundle_detector.py);
    trained as one model they learn jointly through the averaged probability."""

    def __init__(self, n_members: int, n_vocab: int, **hyper):
        super().__init__()
        self.members = nn.ModuleList([NameTaggerModule(n_vocab, **hyper) for _ in range(n_members)])

    def forward(self, word_ids, char_ids, feats, idx, lengths, rows=None, generation=-1):
        logp = torch.stack([torch.log_softmax(m(word_ids, char_ids, feats, idx, lengths, rows, generation), dim=-1)
                            for m in self.members])
        return torch.logsumexp(logp, dim=0) - float(np.log(len(self.members)))


def _mask(lengths: np.ndarray, T: int) -> np.ndarray:
    return np.arange(T)[None, :] < lengths[:, None]


def _convert_inputs(model: Model, X: NameBatch, is_train: bool):
    """NameBatch -> ArgsKwargs of tensors (int64 ids, float feats); ids get no gradient."""
    args = (torch.from_numpy(X.word_ids), torch.from_numpy(X.char_ids), torch.from_numpy(X.feats),
            torch.from_numpy(X.idx), torch.from_numpy(X.lengths))
    kwargs = {}
    if not is_train and X.rows is not None:  # string-vector cache (eval only)
        kwargs = {"rows": torch.from_numpy(X.rows), "generation": X.generation}
    return ArgsKwargs(args=args, kwargs=kwargs), lambda d_args: None


def _convert_outputs(model: Model, inputs_outputs, is_train: bool):
    """(B, T, 3) logits -> (n_tokens, 3) rows of the real tokens, in chunk order."""
    X, logits = inputs_outputs
    mask = torch.from_numpy(_mask(X.lengths, X.idx.shape[1]))
    Y = torch2xp(logits.detach()[mask])

    def backprop(dY: Floats2d) -> ArgsKwargs:
        d_logits = torch.zeros_like(logits)
        d_logits[mask] = xp2torch(dY).to(d_logits.dtype)
        return ArgsKwargs(args=(logits,), kwargs={"grad_tensors": [d_logits]})

    return Y, backprop


@registry.architectures("spacy-rnn.NameTagger.v1")
def build_name_tagger(
    word_size: int = 64,
    char_size: int = 24,
    char_filters: int = 64,
    char_width: int = 3,
    hidden_size: int = 96,
    n_layers: int = 1,
    dropout: float = 0.25,
    word_dropout: float = 0.1,
    max_len: int = 128,
    max_chars: int = 16,
    nV: Optional[int] = None,
    n_members: int = 1,
    pretrained_vectors: Optional[str] = None,
    vector_dropout: float = 0.0,
) -> Model[List[Doc], Floats2d]:
    """BiGRU person-name tagger over spaCy tokens: List[Doc] -> (n_tokens, 3) logits (O, B, I).

    nV (vocabulary size incl. padding and <unk>) is set by the component at
    initialize; the vocabulary and lexicon are stored in ``attrs``.
    max_len: tokens per recurrent chunk (longer docs are split into chunks).
    max_chars: characters per token read by the char-CNN.
    n_members: taggers in an ensemble (their O/B/I probabilities are averaged); the
        component stores the count in its cfg (dim ``nM``), so bundled ensembles load
        whatever this says. 1 = a single tagger.
    pretrained_vectors: path of a word-vector table (.npz from scripts/prune_glove.py), read
        by the component's ``initialize`` only; the vectors (frozen inputs, looked up by the
        lowercased string) are then stored with the weights, and their width in the
        component's cfg (``n_pretrained``, dim ``nP``), so loading a trained component never
        needs the file. null = no pretrained vectors (older bundles).
    vector_dropout: in training, the share of strings whose pretrained vector is replaced by the
        "unknown" input (zeros, OOV flag), like word_dropout for the learned embedding.
    """
    hyper = dict(word_size=word_size, char_size=char_size, char_filters=char_filters,
                 char_width=char_width, hidden_size=hidden_size, n_layers=n_layers,
                 dropout=dropout, word_dropout=word_dropout, vector_dropout=vector_dropout)

    torch_model = lazy_torch_model("name_tagger_torch", _build_tagger_module, _convert_inputs, _convert_outputs,
                                   attrs={"hyper": hyper}, dims={"nV": nV, "nM": n_members, "nP": 0})
    # Module-level functions (a partial over the featurizer), so the model pickles.
    forward = partial(_tagger_forward, TokenFeaturizer(max_len, max_chars))
    return Model("name_tagger", forward, init=_tagger_init, layers=[torch_model],
                 dims={"nV": nV, "nM": n_members, "nP": 0},
                 attrs={"vocab": {}, "lexicon": {}, "vectors": {}, "max_len": max_len, "max_chars": max_chars,
                        "pretrained_vectors_path": str(pretrained_vectors) if pretrained_vectors else ""})


def _build_tagger_module(model: Model) -> nn.Module:
    n_members = model.get_dim("nM") if model.has_dim("nM") else 1
    n_pretrained = model.get_dim("nP") if model.has_dim("nP") else 0
    hyper = dict(model.attrs["hyper"], n_feats=n_string_feats(n_pretrained))
    if n_members > 1:
        return NameTaggerEnsemble(n_members, model.get_dim("nV"), **hyper)
    return NameTaggerModule(model.get_dim("nV"), **hyper)


def _tagger_forward(featurizer: "TokenFeaturizer", model: Model, docs: List[Doc], is_train: bool):
    batch = featurizer(docs, model.attrs["vocab"], model.attrs["lexicon"], model.attrs.get("vectors"))
    if batch.n_tokens == 0:
        return model.ops.alloc2f(0, len(TAGS)), _no_input_gradient
    return model.layers[0](batch, is_train)


def _no_input_gradient(dY):
    return []


def _tagger_init(model: Model, X=None, Y=None) -> None:
    model.layers[0].set_dim("nV", model.get_dim("nV"), force=True)
    for dim in ("nM", "nP"):
        if model.has_dim(dim):
            model.layers[0].set_dim(dim, model.get_dim(dim), force=True)
    n_pretrained = model.get_dim("nP") if model.has_dim("nP") else 0
    vectors = model.attrs.get("vectors") or {}
    if n_pretrained and vectors and np.asarray(vectors["q"]).shape[1] != n_pretrained:
        raise ValueError(f"pretrained vectors have {np.asarray(vectors['q']).shape[1]} dims, nP is {n_pretrained}")
    model.layers[0].initialize()


def tagger_module(model: Model) -> Optional[nn.Module]:
    """The torch module (NameTaggerModule or NameTaggerEnsemble) inside a built
    ``spacy-rnn.NameTagger.v1`` model."""
    return torch_module(model.layers[0])
