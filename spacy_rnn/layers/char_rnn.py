"""Character-level recurrent classifier over folded names (plain torch, no spaCy)."""
import warnings
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence

from ..text import N_CHAR_IDS, PAD_ID

# Word-boundary marker for n-grams (the id of " "), so "^ov" and "ov$" differ from "ov".
BOUNDARY_ID = 2
# Polynomial rolling-hash base; arithmetic stays far below 2**63 for n <= 6.
_HASH_BASE = 131


def hashed_ngrams(ids: torch.Tensor, lengths: torch.Tensor, n_max: int, n_buckets: int,
                  boundary_id: int = BOUNDARY_ID, hash_base: int = _HASH_BASE) -> torch.Tensor:
    """Bucket ids (batch, n_grams) of every character 1..n_max-gram of each name.

    Names are wrapped in boundary markers (like scikit-learn's ``char_wb``).
    Bucket 0 is reserved for padding. Fully vectorized: no Python loop over names.
    TorchScript compiles it (``compiled``), hence the constants as arguments.
    """
    batch, width = ids.shape[0], ids.shape[1]
    ext = ids.new_zeros((batch, width + 2))
    ext[:, 0] = boundary_id
    ext[:, 1 : width + 1] = ids
    ext[torch.arange(batch), lengths + 1] = boundary_id
    ext_len = lengths + 2
    buckets: List[torch.Tensor] = []
    raw = ext  # the (n-1)-grams' polynomial hashes; an n-gram's extends its first n-1 characters'
    for n in range(1, n_max + 1):
        n_win = width + 3 - n
        if n_win <= 0:
            break
        if n > 1:
            raw = raw[:, :n_win] * hash_base + ext[:, n - 1 : n - 1 + n_win]
        h = (raw * (n + 7)) % (n_buckets - 1) + 1
        valid = torch.arange(n_win).unsqueeze(0) + n <= ext_len.unsqueeze(1)
        buckets.append(torch.where(valid, h, torch.zeros_like(h)))
    return torch.cat(buckets, dim=1)


def bag_inputs(grams: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Bucket ids (batch, n_grams) as EmbeddingBag input: (flat ids, offsets, count per name).

    Padding buckets are dropped rather than passed with ``padding_idx``:
    bags then read only real rows, about 4× faster on a CPU.
    """
    present = grams > 0
    count = present.sum(dim=1)
    offsets = torch.zeros_like(count)
    offsets[1:] = count.cumsum(0)[:-1]
    return grams[present], offsets, count.clamp(min=1).unsqueeze(1)

# Names per stepped chunk at inference: small enough for a core's L2 cache (measured: 1,024
# beats 4,096 by about a third; 512 is slower again, per-step overhead).
GRU_CHUNK = 1024

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

    Training runs on packed sequences; inference (``eval()`` mode) gives the same
    numbers faster: a one-layer GRU is stepped by hand over the batch sorted by
    length (``_gru_sorted_steps``), other cells run dense same-length groups.
    """

    def __init__(self, n_labels: int, *, cell: str = "gru", embed_size: int = 64, hidden_size: int = 256,
                 n_layers: int = 2, bidirectional: bool = True, dropout: float = 0.3,
                 embed_dropout: float = 0.1, ngram_max: int = 0, ngram_buckets: int = 0,
                 ngram_dim: int = 32, ngram_linear: bool = False):
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

    def _recurrent_packed(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        emb = self.embed_dropout(self.embed(ids))
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        padded, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, padding_value=-1e4)
        return self._summary(padded, state)

    def _recurrent_inference(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The same features as ``_recurrent_packed``, by the fastest route for the cell."""
        if self.cell == "gru" and self.rnn.num_layers == 1:
            return self._gru_sorted_steps(ids, lengths)
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

    def _gru_weights(self) -> Tuple[torch.Tensor, List[torch.Tensor], List[torch.Tensor], List[torch.Tensor],
                                    List[torch.Tensor]]:
        """The embedding and the one-layer GRU's weights per direction, as the stepped
        inference functions take them (``gru_input_tables``)."""
        suffixes = ("", "_reverse")[: self.n_dirs]
        return (self.embed.weight,) + tuple(
            [getattr(self.rnn, f"{kind}_l0{sfx}") for sfx in suffixes]
            for kind in ("weight_ih", "bias_ih", "weight_hh", "bias_hh"))

    def _gru_sorted_steps(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``_summary`` of a one-layer GRU over a whole batch, stepped by ``gru_sorted_features``
        (same numbers as nn.GRU up to float rounding, tested)."""
        return compiled(gru_sorted_features)(*self._gru_weights(), ids, lengths, N_CHAR_IDS, GRU_CHUNK)

    def _summary(self, outputs: torch.Tensor, state) -> torch.Tensor:
        h_n = state[0] if self.cell == "lstm" else state
        # h_n: (layers * dirs, batch, hidden); keep the top layer's directions.
        final = torch.cat([h_n[-self.n_dirs + d] for d in range(self.n_dirs)], dim=-1)
        return torch.cat([final, outputs.amax(dim=1)], dim=-1)

    def _ngrams(self, ids: torch.Tensor, lengths: torch.Tensor):
        """The n-grams as EmbeddingBag input (``bag_inputs``); training drops some."""
        grams = hashed_ngrams(ids, lengths, self.ngram_max, self.ngram_buckets)
        if self.training:
            grams = grams * (torch.rand(grams.shape) >= self.embed_dropout.p)
        return bag_inputs(grams)

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The pooled name representation the output layer reads."""
        return self._encode(ids, lengths, None)

    def _encode(self, ids: torch.Tensor, lengths: torch.Tensor, grams) -> torch.Tensor:
        if self.training:
            features = self._recurrent_packed(ids, lengths)
        else:
            features = self._recurrent_inference(ids, lengths)
        if self.ngram_embed is None:
            return features
        flat, offsets, count = grams if grams is not None else self._ngrams(ids, lengths)
        return torch.cat([features, _bag_sum(self.ngram_embed, flat, offsets) / count], dim=-1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if not self.training and self.cell == "gru" and self.rnn.num_layers == 1:
            return self._gru_logits(ids, lengths)
        return self._forward_modules(ids, lengths)

    def _gru_logits(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Inference logits of a one-layer GRU model in one call of ``gru_classifier_logits``:
        what ``_forward_modules`` gives in eval mode (tested), compiled with TorchScript where
        this torch can, so the whole batch runs in C++ without holding the GIL (``nlp.pipe``
        overlaps it with spaCy's own per-doc work on another core)."""
        return compiled(gru_classifier_logits)(
            ids, lengths, *self._gru_weights(), N_CHAR_IDS, GRU_CHUNK,
            self.ngram_max, self.ngram_buckets,
            None if self.ngram_embed is None else self.ngram_embed.weight,
            None if self.ngram_logits is None else self.ngram_logits.weight,
            self.output.weight, self.output.bias)

    def _forward_modules(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits through the torch modules: training, and inference for other cells."""
        grams = self._ngrams(ids, lengths) if self.ngram_max else None
        logits = self.output(self.dropout(self._encode(ids, lengths, grams)))
        if self.ngram_logits is not None:
            flat, offsets, count = grams
            logits = logits + _bag_sum(self.ngram_logits, flat, offsets) / count.sqrt()
        return logits


def gru_input_tables(embed: torch.Tensor, w_ih: List[torch.Tensor], b_ih: List[torch.Tensor],
                     w_hh: List[torch.Tensor], b_hh: List[torch.Tensor]
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """What one GRU step needs besides the state, both directions stacked, in the form
    ``gru_sorted_chunk`` runs fastest: per character id (direction d reads rows
    d * N_CHAR_IDS...), the reset/update gates' input part, (dirs * vocab, 2 * hidden); their
    recurrent weights, (dirs, hidden, 2 * hidden); the candidate's input part,
    (dirs * vocab, hidden); its recurrent weights, (dirs, hidden, hidden); and a constant added
    to its recurrent product, (dirs, 1, hidden). The gates' recurrent constant is folded into
    their table, so one in-place baddbmm_ on the looked-up rows gives their pre-activations; the
    candidate's stays with the recurrent product, which the reset gate scales.

    At inference a character's input projection is the same wherever it occurs, so a lookup
    replaces the per-step matrix product nn.GRU would do. Two rewrites, with the folded
    constant above, cut the elementwise operations per step from eleven to five (same numbers
    up to float rounding, tested):
    - tanh(x) = 2 sigmoid(2x) - 1 (torch's CPU tanh costs ~6x a sigmoid per element); the
      candidate's rows are pre-scaled by 2;
    - the loop carries u = (h + 1) / 2 instead of h, which turns the state update
      h' = n + z (h - n) with n = 2 sigmoid(.) - 1 into u' = lerp(sigmoid(.), u, z); the
      recurrent product of h = 2u - 1 is 2 W u - W 1, folded into the weights and constant.
    """
    hidden = w_hh[0].shape[1]
    gate_tables: List[torch.Tensor] = []
    gate_weights: List[torch.Tensor] = []
    cand_tables: List[torch.Tensor] = []
    cand_weights: List[torch.Tensor] = []
    cand_consts: List[torch.Tensor] = []
    for d in range(len(w_ih)):
        table = torch.addmm(b_ih[d], embed, w_ih[d].t())
        recurrent = w_hh[d].t().clone()
        # reset/update gates: input and recurrent biases summed into the table; candidate: x2
        table[:, : 2 * hidden].add_(b_hh[d][: 2 * hidden])
        table[:, 2 * hidden:].mul_(2)
        recurrent[:, 2 * hidden:].mul_(2)
        const = torch.cat([torch.zeros(2 * hidden), 2 * b_hh[d][2 * hidden:]]) - recurrent.sum(dim=0)
        gate_tables.append(table[:, : 2 * hidden] + const[: 2 * hidden])
        gate_weights.append(2 * recurrent[:, : 2 * hidden])
        cand_tables.append(table[:, 2 * hidden:])
        cand_weights.append(2 * recurrent[:, 2 * hidden:])
        cand_consts.append(const[2 * hidden:])
    return (torch.cat(gate_tables), torch.stack(gate_weights), torch.cat(cand_tables), torch.stack(cand_weights),
            torch.stack(cand_consts).unsqueeze(1))


def gru_sorted_features(embed: torch.Tensor, w_ih: List[torch.Tensor], b_ih: List[torch.Tensor],
                        w_hh: List[torch.Tensor], b_hh: List[torch.Tensor], ids: torch.Tensor,
                        lengths: torch.Tensor, n_char_ids: int, chunk: int) -> torch.Tensor:
    """Final and max-pooled states of a one-layer GRU (weights per direction), stepped from
    ``gru_input_tables``.

    The names are sorted longest first, so at step t the names still running are a
    prefix of the batch: one pass of max(length) steps serves every length (a name's
    rows simply stop changing when it ends, which leaves its final state in place).
    The backward direction reads each name reversed, so it steps in the same order, and
    both directions share each step's operations as a batch of two. Chunks of ``chunk``
    sorted names keep each step's tensors in a core's L2 cache.

    The loop runs over time steps (at most ``max_len``), never over names or characters
    one by one: each step is a few whole-batch tensor operations. nn.GRU on the same packed
    batch loops in C++ but costs about 3x as much per name here (30.6 vs 9.5 us, measured).
    Written in the subset of Python TorchScript compiles (``compiled``).
    """
    table_gates, w_gates, table_cand, w_cand, const_cand = gru_input_tables(embed, w_ih, b_ih, w_hh, b_hh)
    order = torch.argsort(lengths, descending=True, stable=True)
    parts: List[torch.Tensor] = []
    for rows in torch.split(order, chunk):
        parts.append(gru_sorted_chunk(table_gates, w_gates, table_cand, w_cand, const_cand, ids[rows],
                                      lengths[rows], len(w_ih), n_char_ids))
    features = torch.cat(parts).mul_(2).sub_(1)  # back from u to h = 2u - 1
    unsorted = torch.empty_like(features)
    unsorted[order] = features
    return unsorted


def gru_sorted_chunk(table_gates: torch.Tensor, w_gates: torch.Tensor, table_cand: torch.Tensor,
                     w_cand: torch.Tensor, const_cand: torch.Tensor, ids: torch.Tensor, lengths: torch.Tensor,
                     n_dirs: int, n_char_ids: int) -> torch.Tensor:
    """Final and max-pooled u = (h + 1) / 2 of names sorted longest first."""
    hidden = w_cand.shape[1]
    longest = int(lengths[0])
    steps = torch.arange(longest)
    forward_ids = ids[:, :longest].t()
    if n_dirs == 2:
        back = (lengths.unsqueeze(0) - 1 - steps.unsqueeze(1)).clamp_(min=0)
        time_ids = torch.stack([forward_ids, forward_ids.gather(0, back) + n_char_ids], dim=1)
    else:
        time_ids = forward_ids.unsqueeze(1)  # (steps, directions, names)
    # names still running at step t: those longer than t (a prefix, since sorted)
    running: List[int] = (lengths.unsqueeze(0) > steps.unsqueeze(1)).sum(dim=1).tolist()
    u = table_gates.new_full((n_dirs, ids.shape[0], hidden), 0.5)  # h = 0
    top = torch.zeros_like(u)  # u lies in (0, 1), so 0 is below every state
    for t in range(longest):
        n = running[t]
        step_ids = time_ids[t, :, :n]
        u_n = u[:, :n]
        reset_update = F.embedding(step_ids, table_gates).baddbmm_(u_n, w_gates).sigmoid_()
        recurrent_cand = torch.baddbmm(const_cand, u_n, w_cand)
        candidate = F.embedding(step_ids, table_cand).addcmul_(reset_update[:, :, :hidden], recurrent_cand)
        torch.lerp(candidate.sigmoid_(), u_n, reset_update[:, :, hidden:], out=u_n)
        torch.maximum(top[:, :n], u_n, out=top[:, :n])
    # max-pooling commutes with h = 2u - 1
    return torch.cat([u[d] for d in range(n_dirs)] + [top[d] for d in range(n_dirs)], dim=-1)


def gru_classifier_logits(ids: torch.Tensor, lengths: torch.Tensor, embed: torch.Tensor, w_ih: List[torch.Tensor],
                          b_ih: List[torch.Tensor], w_hh: List[torch.Tensor], b_hh: List[torch.Tensor],
                          n_char_ids: int, chunk: int, ngram_max: int,
                          ngram_buckets: int, ngram_embed: Optional[torch.Tensor],
                          ngram_logits: Optional[torch.Tensor], out_weight: torch.Tensor,
                          out_bias: torch.Tensor) -> torch.Tensor:
    """``CharRNNClassifier`` logits in eval mode for a one-layer GRU, from its weights."""
    features = gru_sorted_features(embed, w_ih, b_ih, w_hh, b_hh, ids, lengths, n_char_ids, chunk)
    if ngram_max == 0:
        return F.linear(features, out_weight, out_bias)
    flat, offsets, count = bag_inputs(hashed_ngrams(ids, lengths, ngram_max, ngram_buckets))
    if ngram_embed is not None:
        bag = F.embedding_bag(flat, ngram_embed, offsets, mode="sum")
        features = torch.cat([features, bag / count], dim=-1)
    logits = F.linear(features, out_weight, out_bias)
    if ngram_logits is not None:
        logits = logits + F.embedding_bag(flat, ngram_logits, offsets, mode="sum") / count.sqrt()
    return logits


_COMPILED: Dict[Callable, Callable] = {}


def compiled(function: Callable) -> Callable:
    """``function`` compiled with TorchScript, or ``function`` itself where that fails.

    Compiled, one call runs a whole batch in C++ and releases the GIL for all of it (the
    plain function takes the GIL back between its hundreds of small operations), which is
    what lets ``nlp.pipe`` overlap the network with tokenization; it is also a little faster.
    The numbers are the same either way (tested). TorchScript is deprecated in torch 2.x: its
    deprecation warning is silenced here, and the day ``torch.jit.script`` is gone or cannot
    read the source (a zip import), the plain function runs instead.
    """
    if function not in _COMPILED:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _COMPILED[function] = torch.jit.script(function)
        except Exception:  # any failure to compile only costs the speed-up
            _COMPILED[function] = function
    return _COMPILED[function]


def _bag_sum(bag: nn.EmbeddingBag, flat: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Sum the rows ``flat`` of ``bag`` per name. The flat ids never hold the padding
    bucket, so the kernel's padding_idx path (measured ~10× slower on a CPU) is skipped."""
    return F.embedding_bag(flat, bag.weight, offsets, mode="sum")
