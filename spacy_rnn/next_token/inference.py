"""The inference path of the word LM: many streams scored as one packed batch, no padding computed.

The streams are sorted by length, so at each time step the ones still running
are a prefix of the batch: the RNN runs on the packed rows and the output layer
scores only real targets. The time axis is cut into chunks, and the state of the
streams still running is carried from one chunk to the next, so a long Doc costs
bounded memory and scores as one stream.
"""
from typing import Any, List, Optional, Tuple

import numpy
import torch


def score_streams(module, targets, first, hidden=None) -> Tuple[List[torch.Tensor], List[Any]]:
    """``WordRNNLM.forward`` without autograd: the same inputs and outputs.

    ``targets`` are 1-d int64 CPU tensors; the log-probabilities come back as
    float32 CPU tensors. Chunks are ``module.chunk_size`` time steps long and are
    scored by ``module.score_packed``.
    """
    seqs = [s.numpy() for s in targets]
    first_np = first.numpy()
    out = [numpy.zeros((len(s),), dtype="float32") for s in seqs]
    final: List[Optional[Any]] = list(hidden) if hidden is not None else [None] * len(seqs)
    order = sorted((i for i in range(len(seqs)) if len(seqs[i])), key=lambda i: -len(seqs[i]))
    if order:
        _score_sorted(module, seqs, first_np, order, final, out)
    for i, row in enumerate(final):
        if row is None:  # an empty stream that started from a zero state
            final[i] = module.split_rows(module.init_hidden(1))[0]
    return [torch.from_numpy(lp) for lp in out], final


def _score_sorted(module, seqs, first, order, final, out) -> None:
    """Fill ``out[i]`` and ``final[i]`` for the non-empty streams ``order`` (longest first)."""
    device = module.emb[0].weight.device
    lengths = numpy.asarray([len(seqs[i]) for i in order])
    T = int(lengths[0])
    chunk = int(module.chunk_size)
    hidden = None
    if any(final[i] is not None for i in order):
        hidden = module.stack_rows([final[i] for i in order])
    for start in range(0, T, chunk):
        n_active = int((lengths > start).sum())
        stop = min(start + chunk, T)
        width = stop - start
        ids = numpy.zeros((width, n_active), dtype="int64")
        tgt = numpy.full((width, n_active), -1, dtype="int64")
        for col, i in enumerate(order[:n_active]):
            s = seqs[i]
            piece = s[start:stop]
            tgt[: len(piece), col] = piece
            ids[0, col] = s[start - 1] if start else first[i]
            ids[1 : len(piece), col] = piece[:-1]
        # the streams are sorted by length, so the real rows of each time step
        # are a prefix of the columns: row-major masking packs them
        mask = tgt >= 0
        batch_sizes = torch.from_numpy(mask.sum(axis=1).astype("int64"))
        if hidden is not None:
            hidden = select_hidden(hidden, torch.arange(n_active, device=device))
        logp, hidden = module.score_packed(
            torch.from_numpy(ids[mask]).to(device), torch.from_numpy(tgt[mask]).to(device),
            batch_sizes, hidden,
        )
        lp = numpy.zeros((width, n_active), dtype="float32")
        lp[mask] = logp.float().cpu().numpy()
        rows = module.split_rows(hidden)
        for col, i in enumerate(order[:n_active]):
            n = min(stop, len(seqs[i])) - start
            out[i][start : start + n] = lp[:n, col]
            if len(seqs[i]) <= stop:  # the stream ends in this chunk
                final[i] = rows[col]


def select_hidden(hidden: Any, rows: torch.Tensor) -> Any:
    """Rows (batch entries) of a hidden state."""
    if isinstance(hidden, tuple):
        return tuple(h.index_select(1, rows) for h in hidden)
    return hidden.index_select(1, rows)
