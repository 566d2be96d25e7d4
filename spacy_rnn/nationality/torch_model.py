"""Character-level recurrent classifier over encoded names (plain torch, no spaCy)."""
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from . import gru_inference
from .chars import N_CHAR_IDS, PAD_ID
from .ngrams import bag_inputs, bag_sum, hashed_ngrams

RNN_CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class CharRNNClassifier(nn.Module):
    """Embedding → (Bi)RNN/GRU/LSTM over characters → pooled state → logits.

    The sequence summary is the final hidden state of every direction of the
    top layer concatenated with a max-pool over the top layer's outputs (the
    max-pool lets a distinctive infix such as "-ij-" count wherever it sits).
    Two optional n-gram paths sit beside it: a dense bag of hashed character
    n-grams joined to the summary (``ngram_dim``), and a linear "wide" path
    from the same n-grams straight to the logits (``ngram_linear``), which gives
    the model what an n-gram logistic regression knows so the recurrent part
    can stay small. Returns logits; the sigmoid is applied outside so training
    can use the numerically stable logit gradient.

    Training runs on packed sequences (``_forward_modules``). Inference (``eval()`` mode)
    gives the same numbers faster: a one-layer GRU runs ``gru_inference``'s compiled
    stepped GRU, other cells run dense same-length groups.
    """

    def __init__(self, n_labels: int, *, cell: str, embed_size: int, hidden_size: int, n_layers: int,
                 bidirectional: bool, dropout: float, embed_dropout: float, ngram_max: int, ngram_buckets: int,
                 ngram_dim: int, ngram_linear: bool):
        super().__init__()
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
        self.ngram_embed = None
        self.ngram_logits = None
        if self.ngram_max and ngram_dim:
            # fastText-style bag of hashed character n-grams beside the recurrent
            # state: cheap at inference, and it carries the sub-word statistics
            # an n-gram linear model sees, so the RNN can spend its capacity on order.
            self.ngram_embed = nn.EmbeddingBag(ngram_buckets, ngram_dim, mode="sum", padding_idx=0)
            features += ngram_dim
        if self.ngram_max and ngram_linear:
            self.ngram_logits = nn.EmbeddingBag(ngram_buckets, n_labels, mode="sum", padding_idx=0)
            nn.init.zeros_(self.ngram_logits.weight)
        self.output = nn.Linear(features, n_labels)

    @property
    def _stepped_gru(self) -> bool:
        """Whether inference runs ``gru_inference`` (a one-layer GRU)."""
        return self.cell == "gru" and self.rnn.num_layers == 1

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits (names, labels) of character ids (any integer dtype) and lengths."""
        if not self.training and self._stepped_gru:
            return gru_inference.logits(
                self.gru_weights(), ids, lengths, N_CHAR_IDS, self.ngram_max, self.ngram_buckets,
                None if self.ngram_embed is None else self.ngram_embed.weight,
                None if self.ngram_logits is None else self.ngram_logits.weight,
                self.output.weight, self.output.bias)
        return self._forward_modules(ids, lengths)

    def _forward_modules(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits through the torch modules: training, and inference for other cells."""
        ids, lengths = ids.long(), lengths.long()
        grams = self._ngrams(ids, lengths) if self.ngram_max else None
        logits = self.output(self.dropout(self._encode(ids, lengths, grams)))
        if self.ngram_logits is not None:
            flat, offsets, count = grams
            logits = logits + bag_sum(self.ngram_logits.weight, flat, offsets) / count.sqrt()
        return logits

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The pooled name representation the output layer reads."""
        return self._encode(ids.long(), lengths.long(), None)

    def _encode(self, ids: torch.Tensor, lengths: torch.Tensor, grams) -> torch.Tensor:
        if self.training:
            features = self._recurrent_packed(ids, lengths)
        else:
            features = self._recurrent_inference(ids, lengths)
        if self.ngram_embed is None:
            return features
        flat, offsets, count = grams if grams is not None else self._ngrams(ids, lengths)
        return torch.cat([features, bag_sum(self.ngram_embed.weight, flat, offsets) / count], dim=-1)

    def _ngrams(self, ids: torch.Tensor, lengths: torch.Tensor):
        """The n-grams as EmbeddingBag input (``bag_inputs``); training drops some."""
        grams = hashed_ngrams(ids, lengths, self.ngram_max, self.ngram_buckets)
        if self.training:
            grams = grams * (torch.rand(grams.shape) >= self.embed_dropout.p)
        return bag_inputs(grams)

    def _recurrent_packed(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        emb = self.embed_dropout(self.embed(ids))
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        padded, _ = pad_packed_sequence(out, batch_first=True, padding_value=-1e4)
        return self._summary(padded, state)

    def _recurrent_inference(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The same features as ``_recurrent_packed``, by the fastest route for the cell."""
        if self._stepped_gru:
            return gru_inference.features(self.gru_weights(), ids, lengths, N_CHAR_IDS)
        return self._recurrent_by_length(ids, lengths)

    def _recurrent_by_length(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The same features as ``_recurrent_packed``, from dense same-length groups."""
        order = torch.argsort(lengths, stable=True)
        sorted_lengths = lengths[order]
        group_lengths, counts = torch.unique_consecutive(sorted_lengths, return_counts=True)
        rows = torch.split(order, counts.tolist())
        parts = []
        for length, idx in zip(group_lengths.tolist(), rows):
            out, state = self.rnn(self.embed(ids[idx, :length]))
            parts.append(self._summary(out, state))
        features = torch.cat(parts)
        unsorted = torch.empty_like(features)
        unsorted[order] = features
        return unsorted

    def _summary(self, outputs: torch.Tensor, state) -> torch.Tensor:
        h_n = state[0] if self.cell == "lstm" else state
        # h_n: (layers * dirs, batch, hidden); keep the top layer's directions.
        final = torch.cat([h_n[-self.n_dirs + d] for d in range(self.n_dirs)], dim=-1)
        return torch.cat([final, outputs.amax(dim=1)], dim=-1)

    def gru_weights(self) -> gru_inference.GRUWeights:
        """The embedding and the one-layer GRU's weights per direction, as ``gru_inference`` takes them."""
        suffixes = ("", "_reverse")[: self.n_dirs]
        return (self.embed.weight,) + tuple(
            [getattr(self.rnn, f"{kind}_l0{sfx}") for sfx in suffixes]
            for kind in ("weight_ih", "bias_ih", "weight_hh", "bias_hh"))
