"""Character-level recurrent classifier over folded names (plain torch, no spaCy)."""
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from ..text import N_CHAR_IDS, PAD_ID

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
                 embed_dropout: float = 0.1):
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
        self.output = nn.Linear(2 * n_dirs * hidden_size, n_labels)

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
        return torch.cat([final, pooled], dim=-1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.output(self.dropout(self.encode(ids, lengths)))
