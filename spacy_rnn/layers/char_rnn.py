"""Character-level recurrent classifier over folded names (plain torch, no spaCy)."""
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from ..text import N_CHAR_IDS, PAD_ID

# Word-boundary marker for n-grams (the id of " "), so "^ov" and "ov$" differ from "ov".
BOUNDARY_ID = 2
# Polynomial rolling-hash base; arithmetic stays far below 2**63 for n <= 6.
_HASH_BASE = 131


def hashed_ngrams(ids: torch.Tensor, lengths: torch.Tensor, n_max: int, n_buckets: int) -> torch.Tensor:
    """Bucket ids (batch, n_grams) of every character 1..n_max-gram of each name.

    Names are wrapped in boundary markers (like scikit-learn's ``char_wb``).
    Bucket 0 is reserved for padding. Fully vectorized: no Python loop over names.
    """
    batch, width = ids.shape
    ext = ids.new_zeros((batch, width + 2))
    ext[:, 0] = BOUNDARY_ID
    ext[:, 1 : width + 1] = ids
    ext[torch.arange(batch), lengths + 1] = BOUNDARY_ID
    ext_len = lengths + 2
    buckets = []
    for n in range(1, n_max + 1):
        n_win = width + 3 - n
        if n_win <= 0:
            break
        h = ext.new_zeros((batch, n_win))
        for k in range(n):
            h = h * _HASH_BASE + ext[:, k : k + n_win]
        h = (h * (n + 7)) % (n_buckets - 1) + 1
        valid = torch.arange(n_win).unsqueeze(0) + n <= ext_len.unsqueeze(1)
        buckets.append(torch.where(valid, h, torch.zeros_like(h)))
    return torch.cat(buckets, dim=1)

RNN_CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class CharRNNClassifier(nn.Module):
    """Embedding → (Bi)RNN/GRU/LSTM over packed characters → pooled state → logits.

    The sequence summary is the final hidden state of every direction of the
    top layer concatenated with a max-pool over the top layer's outputs (the
    max-pool lets a distinctive infix such as "-ij-" count wherever it sits).
    Returns logits; the sigmoid is applied outside so training can use the
    numerically stable logit gradient.
    """

    def __init__(self, n_labels: int, *, cell: str = "gru", embed_size: int = 64, hidden_size: int = 256,
                 n_layers: int = 2, bidirectional: bool = True, dropout: float = 0.3,
                 embed_dropout: float = 0.1, ngram_max: int = 0, ngram_buckets: int = 0,
                 ngram_dim: int = 32):
        super().__init__()
        if cell not in RNN_CELLS:
            raise ValueError(f"cell must be one of {sorted(RNN_CELLS)}, got {cell!r}")
        self.cell = cell
        self.embed = nn.Embedding(N_CHAR_IDS, embed_size, padding_idx=PAD_ID)
        self.embed_dropout = nn.Dropout(embed_dropout)
        self.rnn = RNN_CELLS[cell](embed_size, hidden_size, num_layers=n_layers, batch_first=True,
                                   bidirectional=bidirectional, dropout=dropout if n_layers > 1 else 0.0)
        n_dirs = 2 if bidirectional else 1
        self.n_dirs = n_dirs
        self.dropout = nn.Dropout(dropout)
        self.ngram_max = ngram_max if ngram_buckets else 0
        self.ngram_buckets = ngram_buckets
        features = 2 * n_dirs * hidden_size
        if self.ngram_max:
            # fastText-style bag of hashed character n-grams beside the recurrent
            # state: cheap at inference, and it carries the sub-word statistics
            # an n-gram linear model sees, so the RNN can spend its capacity on order.
            self.ngram_embed = nn.EmbeddingBag(ngram_buckets, ngram_dim, mode="sum", padding_idx=0)
            features += ngram_dim
        self.output = nn.Linear(features, n_labels)

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The pooled name representation (batch, 2 * n_dirs * hidden)."""
        emb = self.embed_dropout(self.embed(ids))
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        h_n = state[0] if self.cell == "lstm" else state
        # h_n: (layers * dirs, batch, hidden); keep the top layer's directions.
        final = torch.cat([h_n[-self.n_dirs + d] for d in range(self.n_dirs)], dim=-1)
        padded, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, padding_value=-1e4)
        pooled = padded.max(dim=1).values
        parts = [final, pooled]
        if self.ngram_max:
            grams = hashed_ngrams(ids, lengths, self.ngram_max, self.ngram_buckets)
            if self.training:
                grams = grams * (torch.rand(grams.shape) >= self.embed_dropout.p)
            count = (grams > 0).sum(dim=1, keepdim=True).clamp(min=1)
            parts.append(self.ngram_embed(grams) / count)
        return torch.cat(parts, dim=-1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.output(self.dropout(self.encode(ids, lengths)))
