"""Nationality-conditioned character-level GRU name generator (NLPiA 2e ch. 8: an RNN
generates new names one character at a time).

Plain torch, no spaCy imports. A name is a sequence of lowercase ASCII letters,
spaces, apostrophes and hyphens (ASCII-folded with unidecode), wrapped in BOS/EOS.
Two conditions steer every step: the nationality (one of the surname_nationality
labels) and the *kind* of name (0 = given name, 1 = surname). Their embeddings are
concatenated to each character embedding, and they also set the GRU's initial
hidden state.

Sampling is deterministic: the uniforms come from numpy's PCG64 stream seeded by
the caller (the anonymizer derives the seed from a keyed hash), and each step
picks a character by inverse-CDF over float64 probabilities, so the same seed
gives the same names in any process.

A :class:`NameGenerator` bundles the module, its labels and a compact membership
filter of the training names (4-byte BLAKE2b digests, sorted), so that generated
names that merely reproduce a training name can be rejected without shipping the
training lists.
"""
import hashlib
import json
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn
from unidecode import unidecode

CHARS = "abcdefghijklmnopqrstuvwxyz '-"
PAD, BOS, EOS = 0, 1, 2
N_SPECIAL = 3
CHAR_TO_ID = {c: i + N_SPECIAL for i, c in enumerate(CHARS)}
ID_TO_CHAR = {i: c for c, i in CHAR_TO_ID.items()}
KINDS = ("given", "surname")
MAX_LEN = 20
# The layer sizes of a generator (the one place they are set); config.json's "dims" overrides them.
DIMS = {"n_kinds": len(KINDS), "char_dim": 32, "nat_dim": 32, "kind_dim": 8, "hidden": 192, "dropout": 0.1}
_NOT_NAME_CHARS = re.compile(r"[^a-z '\-]+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """ASCII-fold, lowercase, keep letters/space/apostrophe/hyphen: 'Benalí' -> 'benali'.

    Not :func:`spacy_rnn.text.name_key`: the generator writes only the characters of CHARS,
    so digits and other symbols go, and its training names were folded this way (ё -> "io").
    """
    folded = unidecode(str(name)).lower().replace("`", "'")
    folded = _NOT_NAME_CHARS.sub("", folded)
    return _SPACES.sub(" ", folded).strip(" '-")


def encode(name: str) -> List[int]:
    """Character ids of a normalized name, without BOS/EOS."""
    return [CHAR_TO_ID[c] for c in normalize_name(name)[:MAX_LEN] if c in CHAR_TO_ID]


def name_digest(name: str) -> int:
    """4-byte BLAKE2b digest of a normalized name (for the training-name filter)."""
    return int.from_bytes(hashlib.blake2b(normalize_name(name).encode("ascii"), digest_size=4).digest(), "little")


class NameGeneratorRNN(nn.Module):
    """GRU language model over characters, conditioned on (nationality, kind)."""

    def __init__(self, n_nationalities: int, n_kinds: int, char_dim: int, nat_dim: int, kind_dim: int,
                 hidden: int, dropout: float):
        super().__init__()
        self.n_chars = N_SPECIAL + len(CHARS)
        self.char_embed = nn.Embedding(self.n_chars, char_dim, padding_idx=PAD)
        self.nat_embed = nn.Embedding(n_nationalities, nat_dim)
        self.kind_embed = nn.Embedding(n_kinds, kind_dim)
        cond_dim = nat_dim + kind_dim
        self.init_hidden = nn.Linear(cond_dim, hidden)
        self.gru = nn.GRU(char_dim + cond_dim, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, self.n_chars)

    def _cond(self, nat: torch.Tensor, kind: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.nat_embed(nat), self.kind_embed(kind)], dim=-1)

    def forward(self, inputs: torch.Tensor, nat: torch.Tensor, kind: torch.Tensor,
                hidden: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """inputs (B, T) char ids -> logits (B, T, n_chars), last hidden (1, B, H)."""
        cond = self._cond(nat, kind)
        if hidden is None:
            hidden = torch.tanh(self.init_hidden(cond)).unsqueeze(0)
        x = torch.cat([self.char_embed(inputs), cond.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=-1)
        output, hidden = self.gru(x, hidden)
        return self.out(self.dropout(output)), hidden


def make_batch(names: Sequence[str]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Teacher-forcing inputs (BOS + chars) and targets (chars + EOS), PAD-padded."""
    seqs = [encode(n) for n in names]
    width = max(len(s) for s in seqs) + 1
    inputs = torch.full((len(seqs), width), PAD, dtype=torch.long)
    targets = torch.full((len(seqs), width), PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        inputs[i, : len(s) + 1] = torch.tensor([BOS] + s)
        targets[i, : len(s) + 1] = torch.tensor(s + [EOS])
    return inputs, targets


class NameGenerator:
    """The trained generator: module + nationality labels + training-name filter."""

    def __init__(self, labels: Sequence[str], module: Optional[NameGeneratorRNN] = None,
                 training_digests: Optional[np.ndarray] = None, meta: Optional[dict] = None,
                 **dims):
        self.labels: Tuple[str, ...] = tuple(labels)
        self.label_index: Dict[str, int] = {label: i for i, label in enumerate(self.labels)}
        self.dims = dims  # as written to config.json: the sizes that differ from DIMS
        self.module = module if module is not None else NameGeneratorRNN(len(self.labels), **{**DIMS, **dims})
        self.module.eval()
        self.training_digests = (np.unique(np.asarray(training_digests, dtype=np.uint32))
                                 if training_digests is not None else np.zeros(0, dtype=np.uint32))
        self.meta = dict(meta or {})

    # -- training-name filter --------------------------------------------------
    def set_training_names(self, names: Iterable[str]) -> None:
        self.training_digests = np.unique(np.array([name_digest(n) for n in names], dtype=np.uint32))

    def is_training_name(self, name: str) -> bool:
        digests = self.training_digests
        if not len(digests):
            return False
        d = np.uint32(name_digest(name))
        i = int(np.searchsorted(digests, d))
        return i < len(digests) and digests[i] == d

    # -- sampling ----------------------------------------------------------------
    def sample(self, nationality: Union[str, int], kind: Union[str, int], n: int, seed: int,
               temperature: float = 1.0, max_len: int = MAX_LEN) -> List[str]:
        """Sample ``n`` names (normalized, lowercase) deterministically from ``seed``."""
        return self.sample_batch([(nationality, kind, n, seed)], temperature, max_len)[0]

    @torch.no_grad()
    def sample_batch(self, requests: Sequence[Tuple[Union[str, int], Union[str, int], int, int]],
                     temperature: float = 1.0, max_len: int = MAX_LEN) -> List[List[str]]:
        """Several (nationality, kind, n, seed) requests in one batched pass; request i gets
        the same names as ``sample(*requests[i])``, up to float rounding."""
        nats, kinds, uniforms, sizes = [], [], [], []
        for nationality, kind, n, seed in requests:
            nat = self.label_index[nationality] if isinstance(nationality, str) else int(nationality)
            kind_id = KINDS.index(kind) if isinstance(kind, str) else int(kind)
            n = max(0, int(n))
            sizes.append(n)
            nats += [nat] * n
            kinds += [kind_id] * n
            uniforms.append(np.random.Generator(np.random.PCG64(seed)).random((max_len + 1, n)))
        total = len(nats)
        if total == 0:
            return [[] for _ in requests]
        uniforms_all = np.concatenate(uniforms, axis=1)
        nat_t = torch.tensor(nats, dtype=torch.long)
        kind_t = torch.tensor(kinds, dtype=torch.long)
        step = torch.full((total, 1), BOS, dtype=torch.long)
        hidden = None
        out = np.full((total, max_len + 1), EOS, dtype=np.int64)
        done = np.zeros(total, dtype=bool)
        for t in range(max_len + 1):
            logits, hidden = self.module(step, nat_t, kind_t, hidden)
            logits = logits[:, -1, :].double() / max(temperature, 1e-3)
            logits[:, PAD] = -np.inf
            logits[:, BOS] = -np.inf
            if t == 0:
                logits[:, EOS] = -np.inf  # no empty names
            probs = torch.softmax(logits, dim=-1).numpy()
            cdf = np.cumsum(probs, axis=1)
            cdf[:, -1] = 1.0
            ids = (cdf < uniforms_all[t][:, None]).sum(axis=1)
            if t == max_len:
                ids[:] = EOS
            ids[done] = EOS
            out[:, t] = ids
            done |= ids == EOS
            if done.all():
                break
            step = torch.from_numpy(ids).long().unsqueeze(1)
        names = []
        for row in out:
            chars = []
            for i in row:
                if i == EOS:
                    break
                chars.append(ID_TO_CHAR.get(int(i), ""))
            names.append(_SPACES.sub(" ", "".join(chars)).strip(" '-"))
        result, start = [], 0
        for n in sizes:
            result.append(names[start:start + n])
            start += n
        return result

    @torch.no_grad()
    def log_likelihood(self, names: Sequence[str], nationality: str, kind: str) -> np.ndarray:
        """Per-name mean negative log-likelihood per character (lower = more typical)."""
        inputs, targets = make_batch(names)
        nat = torch.full((len(names),), self.label_index[nationality], dtype=torch.long)
        kinds = torch.full((len(names),), KINDS.index(kind), dtype=torch.long)
        logits, _ = self.module(inputs, nat, kinds)
        loss = nn.functional.cross_entropy(logits.transpose(1, 2), targets, ignore_index=PAD, reduction="none")
        mask = (targets != PAD).float()
        return (loss.sum(1) / mask.sum(1)).numpy()

    # -- IO ------------------------------------------------------------------------
    def to_disk(self, path: Union[str, Path]) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "config.json").write_text(json.dumps(
            {"labels": list(self.labels), "kinds": list(KINDS), "chars": CHARS, "dims": self.dims,
             "meta": self.meta}, indent=2) + "\n")
        torch.save(self.module.state_dict(), path / "model.pt")
        np.save(path / "training_names.npy", self.training_digests.astype(np.uint32))

    @classmethod
    def from_disk(cls, path: Union[str, Path]) -> "NameGenerator":
        path = Path(path)
        cfg = json.loads((path / "config.json").read_text())
        if cfg["chars"] != CHARS:
            raise ValueError(f"character set of {path} differs from this version's")
        gen = cls(cfg["labels"], training_digests=np.load(path / "training_names.npy"), meta=cfg["meta"],
                  **cfg["dims"])
        state = torch.load(path / "model.pt", map_location="cpu", weights_only=True)
        gen.module.load_state_dict(state)
        gen.module.eval()
        return gen


__all__ = ["NameGenerator", "NameGeneratorRNN", "normalize_name", "encode", "make_batch", "name_digest",
           "CHARS", "KINDS", "DIMS"]
