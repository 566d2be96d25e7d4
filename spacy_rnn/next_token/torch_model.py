"""Word-level RNN language model (NLPiA 2e ch. 8.4-8.5): the torch module of ``next_token_scorer``.

Embedding -> GRU/LSTM/RNN -> projection -> output layer tied to the embedding.

The output layer is an *adaptive softmax* (Grave et al. 2017) over a vocabulary
sorted by frequency: a head with the ``cutoffs[0]`` most frequent words plus one
logit per tail cluster, and tail clusters whose words share that cluster's
probability. It gives exact, normalised probabilities (log p(w) = log p(cluster)
+ log p(w | cluster)) at a fraction of the cost of a full softmax. The input
embedding is the matching *adaptive input* (Baevski & Auli 2019): cluster ``i``
has vectors of size ``emb_dim // div_val**i`` and a projection to ``emb_dim``.
Word vectors, projections and biases are shared between input and output
(weight tying, as in the book's ``--tied`` option, Press & Wolf 2017).

``forward`` scores streams of ids. With autograd on (training) it runs one padded
time-major batch; without it (inference) it packs the streams, longest first, so
no work is spent on padding, and cuts the time axis into ``chunk_size`` steps.
"""
import warnings
from typing import Any, List, Optional, Sequence, Tuple

import numpy
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from ..errors import Errors, Warnings
from .inference import score_streams

Hidden = Any  # Tensor (n_layers, B, H) (GRU/RNN) or an (h, c) tuple of them (LSTM)
HiddenRow = Any  # one batch entry of a Hidden: Tensor (n_layers, H) or an (h, c) tuple

CELLS = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN, "rnn_tanh": nn.RNN, "rnn_relu": nn.RNN}


def adaptive_cutoffs(n_vocab: int, cutoffs: Sequence[int]) -> List[int]:
    """Cutoffs that fit the vocabulary, always ending with n_vocab."""
    cuts = sorted({int(c) for c in cutoffs if 0 < int(c) < n_vocab})
    return cuts + [n_vocab]


class WordRNNLM(nn.Module):
    """RNN LM with tied adaptive input embeddings and adaptive softmax.

    ``forward`` takes one id tensor per stream. The pieces it is made of are
    time-major: ``ids`` and ``targets`` are ``(T, B)`` int64, and a target of
    ``-1`` is padding: its log-probability is reported as 0 and it gets no gradient.
    """

    def __init__(self, n_vocab: int, *, emb_dim: int, hidden_size: int, n_layers: int, cell: str,
                 dropout: float, emb_dropout: float, cutoffs: Sequence[int], div_val: float):
        super().__init__()
        cell = cell.lower()
        if cell not in CELLS:
            raise ValueError(Errors.E101.format(cell=cell, options=sorted(CELLS)))
        self.n_vocab = n_vocab
        self.emb_dim = emb_dim
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.cell = cell
        self.cutoffs = adaptive_cutoffs(n_vocab, cutoffs)
        if any(int(c) >= n_vocab for c in cutoffs):
            warnings.warn(Warnings.W101.format(name="WordRNNLM", n=n_vocab, cutoffs=list(cutoffs)))
        self.shortlist = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        bounds = [0] + self.cutoffs
        self.dims = [max(1, int(emb_dim // (div_val ** i))) for i in range(len(self.cutoffs))]
        self.emb = nn.ModuleList(
            nn.Embedding(bounds[i + 1] - bounds[i], self.dims[i]) for i in range(len(self.cutoffs))
        )
        # projections d_i -> emb_dim for the smaller clusters (tied in and out)
        self.projs = nn.ParameterList(
            nn.Parameter(torch.empty(self.dims[i], emb_dim)) for i in range(1, len(self.cutoffs))
        )
        self.out_bias = nn.ParameterList(
            nn.Parameter(torch.zeros(bounds[i + 1] - bounds[i])) for i in range(len(self.cutoffs))
        )
        self.cluster_weight = nn.Parameter(torch.zeros(self.n_clusters, emb_dim))
        self.cluster_bias = nn.Parameter(torch.zeros(self.n_clusters))
        rnn_kwargs = dict(num_layers=n_layers, dropout=dropout if n_layers > 1 else 0.0)
        if cell.startswith("rnn"):
            rnn_kwargs["nonlinearity"] = "relu" if cell == "rnn_relu" else "tanh"
        self.rnn = CELLS[cell](emb_dim, hidden_size, **rnn_kwargs)
        self.proj = nn.Linear(hidden_size, emb_dim) if hidden_size != emb_dim else nn.Identity()
        self.drop_emb = nn.Dropout(emb_dropout)
        self.drop_out = nn.Dropout(dropout)
        self._bounds = bounds
        # Inference engine settings, not hyperparameters: they bound the memory of one
        # step and leave the scores unchanged (up to float rounding).
        # time steps per packed RNN call (inference.score_streams); the state is carried across calls
        self.chunk_size = 512
        # row blocks of score_targets: logits of about 1 MB or less per block
        self.head_block = 128
        self.tail_block_bytes = 1 << 19
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for i, emb in enumerate(self.emb):
            nn.init.uniform_(emb.weight, -0.1, 0.1)
        for p in self.projs:
            nn.init.normal_(p, 0.0, p.shape[0] ** -0.5)

    # -- pieces -------------------------------------------------------------------
    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        flat = ids.reshape(-1)
        if self.n_clusters == 0:
            return self.emb[0](flat).view(*ids.shape, self.emb_dim)
        out = torch.zeros(flat.shape[0], self.emb_dim, dtype=self.emb[0].weight.dtype, device=flat.device)
        for i in range(len(self.cutoffs)):
            lo, hi = self._bounds[i], self._bounds[i + 1]
            idx = ((flat >= lo) & (flat < hi)).nonzero(as_tuple=True)[0]
            if idx.numel() == 0:
                continue
            vec = self.emb[i](flat[idx] - lo)
            if i > 0:
                vec = vec @ self.projs[i - 1]
            out.index_copy_(0, idx, vec)
        return out.view(*ids.shape, self.emb_dim)

    def encode(self, ids: torch.Tensor, hidden: Optional[Hidden] = None) -> Tuple[torch.Tensor, Hidden]:
        """(T, B) ids -> (T, B, emb_dim) output vectors and the new hidden state."""
        x = self.drop_emb(self.embed(ids))
        y, hidden = self.rnn(x, hidden)
        return self.drop_out(self.proj(y)), hidden

    def _head_logprobs(self, h: torch.Tensor) -> torch.Tensor:
        weight = torch.cat([self.emb[0].weight, self.cluster_weight], 0)
        bias = torch.cat([self.out_bias[0], self.cluster_bias], 0)
        return torch.log_softmax(nn.functional.linear(h, weight, bias), dim=-1)

    def _tail_logprobs(self, h: torch.Tensor, i: int) -> torch.Tensor:
        z = h @ self.projs[i - 1].t()
        return torch.log_softmax(nn.functional.linear(z, self.emb[i].weight, self.out_bias[i]), dim=-1)

    def target_logprob(self, h: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Exact log p(target) (natural log) for (N, emb_dim) vectors; 0 where target < 0.

        Each tail cluster is evaluated only for the rows whose target falls in it.
        """
        # log_softmax is about twice as fast as logsumexp on CPU (one pass of exp)
        head = self._head_logprobs(h)
        safe = targets.clamp(min=0)
        # in-head targets read their own logit, tail targets their cluster's logit
        col = safe.clone()
        for i in range(1, len(self.cutoffs)):
            lo, hi = self._bounds[i], self._bounds[i + 1]
            col = torch.where((safe >= lo) & (safe < hi), torch.full_like(safe, self.shortlist + i - 1), col)
        out = head.gather(1, col.unsqueeze(1)).squeeze(1)
        for i in range(1, len(self.cutoffs)):
            lo, hi = self._bounds[i], self._bounds[i + 1]
            idx = ((targets >= lo) & (targets < hi)).nonzero(as_tuple=True)[0]
            if idx.numel() == 0:
                continue
            tail = self._tail_logprobs(h.index_select(0, idx), i)
            out = out.index_add(0, idx, tail.gather(1, (safe[idx] - lo).unsqueeze(1)).squeeze(1))
        return torch.where(targets >= 0, out, torch.zeros_like(out))

    def full_logprobs(self, h: torch.Tensor) -> torch.Tensor:
        """(N, emb_dim) -> (N, n_vocab) exact log-probabilities over the vocabulary."""
        head = self._head_logprobs(h)
        parts = [head[:, : self.shortlist]]
        for i in range(1, len(self.cutoffs)):
            parts.append(head[:, self.shortlist + i - 1 : self.shortlist + i] + self._tail_logprobs(h, i))
        return torch.cat(parts, dim=1)

    def forward(
        self,
        targets: Sequence[torch.Tensor],
        first: torch.Tensor,
        hidden: Optional[Sequence[Optional[HiddenRow]]] = None,
    ) -> Tuple[List[torch.Tensor], List[HiddenRow]]:
        """Log-probabilities of streams of ids, each conditioned on what came before it.

        ``targets``: one 1-d int64 CPU tensor of ids per stream; ``first``: ``(B,)``
        int64, the id each stream reads before its first target (``<eos>`` for a
        fresh stream); ``hidden``: per stream the state it starts from, or None
        (for all or for one stream) for a zero state.

        Returns per stream the natural-log probabilities of its targets and its
        state after its last target. With autograd on, the streams run as one
        padded batch (``score_padded``): the states of streams shorter than the
        longest include the padding steps. Without autograd, ``inference.score_streams``
        packs them, longest first, with no work spent on padding.
        """
        if torch.is_grad_enabled():
            return self.score_padded(targets, first, hidden)
        return score_streams(self, targets, first, hidden)

    def score_padded(self, targets, first, hidden=None) -> Tuple[List[torch.Tensor], List[HiddenRow]]:
        """Training path of ``forward``: one padded (T, B) batch, dropout as in train mode."""
        B = len(targets)
        T = max((len(s) for s in targets), default=0)
        ids = numpy.zeros((max(T, 1), B), dtype="int64")
        tgt = numpy.full((max(T, 1), B), -1, dtype="int64")
        first_np = first.numpy()
        for b, s in enumerate(targets):
            n = len(s)
            if n:
                s_np = s.numpy()
                ids[0, b] = first_np[b]
                ids[1:n, b] = s_np[:-1]
                tgt[:n, b] = s_np
        device = self.emb[0].weight.device
        state = self.init_hidden(B) if hidden is None else self.stack_rows(hidden)
        h, state = self.encode(torch.from_numpy(ids).to(device), state)
        logp = self.target_logprob(h.reshape(ids.size, -1), torch.from_numpy(tgt).to(device).reshape(-1))
        logp = logp.view(*ids.shape)
        return [logp[: len(s), b] for b, s in enumerate(targets)], self.split_rows(state)

    def score_packed(
        self,
        ids: torch.Tensor,
        targets: torch.Tensor,
        batch_sizes: torch.Tensor,
        hidden: Optional[Hidden] = None,
    ) -> Tuple[torch.Tensor, Hidden]:
        """Inference over packed streams: ((N,) target log-probs, hidden state).

        ``ids`` and ``targets`` are ``(N,)`` int64 in the order of a
        ``PackedSequence``: the rows of time step 0, then those of step 1, ...;
        ``batch_sizes`` (a non-increasing ``(T,)`` int64 CPU tensor) says how
        many streams are still running at each step, so the streams are sorted
        by length, longest first. No padding is computed: the RNN runs on the
        packed rows and the output layer scores only real targets. The returned
        hidden state holds each stream's state after its own last step. Run it
        under ``torch.no_grad()`` in eval mode.
        """
        x = self.embed(ids)
        y, hidden = self.rnn(PackedSequence(x, batch_sizes), hidden)
        return self.score_targets(self.proj(y.data), targets), hidden

    def score_targets(self, h: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Inference version of ``target_logprob``: the same values, computed in row
        blocks whose logits stay in the CPU cache (no autograd; targets >= 0).

        log p(w) = log_softmax(head logits)[w or w's cluster], plus log_softmax of
        the cluster's logits at w for the rows whose target is in a tail cluster
        (log_softmax and gather: about twice as fast as logsumexp on CPU): the head in
        blocks of ``head_block`` rows, each tail cluster over all its rows at
        once, in blocks of about ``tail_block_bytes`` of logits.
        """
        n = h.shape[0]
        out = torch.empty(n, dtype=h.dtype, device=h.device)
        if n == 0:
            return out
        weight = torch.cat([self.emb[0].weight, self.cluster_weight], 0)
        bias = torch.cat([self.out_bias[0], self.cluster_bias], 0)
        col = targets.clone()
        tails = []
        for i in range(1, len(self.cutoffs)):
            lo, hi = self._bounds[i], self._bounds[i + 1]
            in_cluster = (targets >= lo) & (targets < hi)
            idx = in_cluster.nonzero(as_tuple=True)[0]
            if idx.numel():
                col[idx] = self.shortlist + i - 1
                tails.append((i, lo, hi, idx))
        block = self.head_block
        for s in range(0, n, block):
            logits = nn.functional.linear(h[s : s + block], weight, bias)
            out[s : s + block] = torch.log_softmax(logits, -1).gather(1, col[s : s + block, None])[:, 0]
        for i, lo, hi, idx in tails:
            z = h.index_select(0, idx) @ self.projs[i - 1].t()
            tgt = (targets.index_select(0, idx) - lo)[:, None]
            lp = torch.empty(idx.shape[0], dtype=h.dtype, device=h.device)
            rows = max(1, self.tail_block_bytes // (4 * (hi - lo)))
            for s in range(0, idx.shape[0], rows):
                logits = nn.functional.linear(z[s : s + rows], self.emb[i].weight, self.out_bias[i])
                lp[s : s + rows] = torch.log_softmax(logits, -1).gather(1, tgt[s : s + rows])[:, 0]
            out.index_add_(0, idx, lp)
        return out

    # -- hidden-state helpers -----------------------------------------------------
    def init_hidden(self, batch_size: int) -> Hidden:
        weight = self.emb[0].weight
        z = torch.zeros(self.n_layers, batch_size, self.hidden_size, dtype=weight.dtype, device=weight.device)
        return (z, z.clone()) if self.cell == "lstm" else z

    def stack_rows(self, rows: Sequence[Optional[HiddenRow]]) -> Hidden:
        """A batch state from per-stream rows (None: a zero state)."""
        hidden = self.init_hidden(len(rows))
        for b, row in enumerate(rows):
            if row is None:
                continue
            if isinstance(hidden, tuple):
                for part, r in zip(hidden, row):
                    part[:, b] = r
            else:
                hidden[:, b] = row
        return hidden

    @staticmethod
    def split_rows(hidden: Hidden) -> List[HiddenRow]:
        """Per-stream rows of a batch state (views)."""
        if isinstance(hidden, tuple):
            return list(zip(*(part.unbind(1) for part in hidden)))
        return list(hidden.unbind(1))


def detach_hidden(hidden: Any) -> Any:
    """A state (batch or rows, tensors or tuples/lists of them) cut from the autograd graph."""
    if hidden is None:
        return None
    if isinstance(hidden, (tuple, list)):
        return type(hidden)(detach_hidden(h) for h in hidden)
    return hidden.detach()

