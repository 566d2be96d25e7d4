"""The person-name tagger as plain torch modules: a BiGRU over tokens, and an ensemble of them.

The modules read the arrays of a ``features.NameBatch``: a table of the batch's
distinct token strings (word id, character ids, feature columns) and, per
recurrent chunk, the table rows of its tokens. Each string is encoded once
(word embedding + char-CNN + features, projected), the vectors are gathered to
token positions, and a bidirectional GRU reads each chunk; a linear layer gives
one logit per tag.
"""
from typing import Optional

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

# The input id space: word ids 0 (padding) and 1 (unknown word) are reserved; character
# ids are 0 (padding), 1..256 (code points below 256, plus one) and 257 (any other).
PAD, UNK = 0, 1
N_CHAR_IDS = 258


class NameTaggerModule(nn.Module):
    """Embeddings + char-CNN + features -> BiGRU -> ``n_tags`` logits per token.

    n_feats: shape/lexicon feature columns of each string.
    n_pretrained: width of the frozen pretrained vector that follows them (then one
        "unknown to the table" flag column); 0 = no pretrained vectors.
    vector_dropout: in training, the share of strings whose pretrained vector is
        replaced by the "unknown" input (zeros, flag 1), as OOV strings have.
    """

    def __init__(self, n_vocab: int, n_tags: int, *, word_size: int, char_size: int, char_filters: int,
                 char_width: int, hidden_size: int, n_layers: int, dropout: float, word_dropout: float,
                 n_feats: int, n_pretrained: int, vector_dropout: float):
        super().__init__()
        self.word_dropout = word_dropout
        self.n_feats = n_feats
        self.vector_dropout = vector_dropout if n_pretrained else 0.0
        self.word_embed = nn.Embedding(n_vocab, word_size, padding_idx=PAD)
        self.char_embed = nn.Embedding(N_CHAR_IDS, char_size, padding_idx=0)
        self.char_conv = nn.Conv1d(char_size, char_filters, char_width, padding=char_width // 2)
        in_size = word_size + char_filters + n_feats + (n_pretrained + 1 if n_pretrained else 0)
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
            n = self.n_feats
            drop = (torch.rand(word_ids.shape) < self.vector_dropout)[:, None]
            unknown = torch.zeros_like(feats[:1, n:])
            unknown[:, -1] = 1.0
            feats = torch.cat([feats[:, :n], torch.where(drop, unknown, feats[:, n:])], dim=1)
        words = self.word_embed(word_ids)
        chars = self.char_embed(char_ids).transpose(1, 2)          # (U, E, C)
        chars = torch.relu(self.char_conv(chars)).max(dim=2).values  # (U, filters)
        return torch.cat([words, chars, feats], dim=1)

    def string_table(self, word_ids, char_ids, feats, rows: Optional[torch.Tensor] = None, generation: int = -1):
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
        # object.__getstate__ exists from Python 3.11 on
        state = dict(super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__)
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
    so a softmax of it gives the members' averaged tag probabilities. Members are usually
    trained independently (different seeds) and merged (scripts/bundle_detector.py);
    trained as one model they learn jointly through the averaged probability."""

    def __init__(self, n_members: int, n_vocab: int, n_tags: int, **hyper):
        super().__init__()
        self.members = nn.ModuleList([NameTaggerModule(n_vocab, n_tags, **hyper) for _ in range(n_members)])

    def forward(self, word_ids, char_ids, feats, idx, lengths, rows=None, generation=-1):
        logp = torch.stack([torch.log_softmax(m(word_ids, char_ids, feats, idx, lengths, rows, generation), dim=-1)
                            for m in self.members])
        return torch.logsumexp(logp, dim=0) - float(np.log(len(self.members)))
