"""The eval path of a one-layer GRU ``CharRNNClassifier``: the GRU stepped by hand over names
sorted by length, compiled with TorchScript where this torch can (plain torch, no spaCy).

Same numbers as the torch modules up to float rounding (tested), about 3x faster per name,
and compiled, one call runs a whole batch in C++ without holding the GIL, which is what lets
``nlp.pipe`` overlap the network with spaCy's own per-doc work on another core.
"""
import warnings
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch.nn import functional as F

from .ngrams import bag_inputs, bag_sum, hashed_ngrams

# Names per stepped chunk: small enough for a core's L2 cache (measured: 1,024 beats 4,096
# by about a third; 512 is slower again, per-step overhead).
GRU_CHUNK = 1024

# The embedding, then per direction: weight_ih, bias_ih, weight_hh, bias_hh (CharRNNClassifier.gru_weights)
GRUWeights = Tuple[torch.Tensor, List[torch.Tensor], List[torch.Tensor], List[torch.Tensor], List[torch.Tensor]]


def features(weights: GRUWeights, ids: torch.Tensor, lengths: torch.Tensor, n_char_ids: int) -> torch.Tensor:
    """Final and max-pooled states of the GRU over a batch (``gru_sorted_features``, compiled)."""
    return compiled(gru_sorted_features)(*weights, ids, lengths, n_char_ids, GRU_CHUNK)


def logits(weights: GRUWeights, ids: torch.Tensor, lengths: torch.Tensor, n_char_ids: int, ngram_max: int,
           ngram_buckets: int, ngram_embed: Optional[torch.Tensor], ngram_logits: Optional[torch.Tensor],
           out_weight: torch.Tensor, out_bias: torch.Tensor) -> torch.Tensor:
    """The classifier's logits over a batch in one compiled call (``gru_classifier_logits``)."""
    return compiled(gru_classifier_logits)(ids, lengths, *weights, n_char_ids, GRU_CHUNK, ngram_max, ngram_buckets,
                                           ngram_embed, ngram_logits, out_weight, out_bias)


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
    feats = torch.cat(parts).mul_(2).sub_(1)  # back from u to h = 2u - 1
    unsorted = torch.empty_like(feats)
    unsorted[order] = feats
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
    ids, lengths = ids.long(), lengths.long()  # compiled, unlike the same steps in Python, without the GIL
    feats = gru_sorted_features(embed, w_ih, b_ih, w_hh, b_hh, ids, lengths, n_char_ids, chunk)
    if ngram_max == 0:
        return F.linear(feats, out_weight, out_bias)
    flat, offsets, count = bag_inputs(hashed_ngrams(ids, lengths, ngram_max, ngram_buckets))
    if ngram_embed is not None:
        feats = torch.cat([feats, bag_sum(ngram_embed, flat, offsets) / count], dim=-1)
    out = F.linear(feats, out_weight, out_bias)
    if ngram_logits is not None:
        out = out + bag_sum(ngram_logits, flat, offsets) / count.sqrt()
    return out


_COMPILED: Dict[Callable, Callable] = {}


def compiled(function: Callable) -> Callable:
    """``function`` compiled with TorchScript, or ``function`` itself where that fails.

    Compiled, one call runs a whole batch in C++ and releases the GIL for all of it (the
    plain function takes the GIL back between its hundreds of small operations); it is also a
    little faster. The numbers are the same either way (tested). TorchScript is deprecated in
    torch 2.x: its deprecation warning is silenced here, and the day ``torch.jit.script`` is
    gone or cannot read the source (a zip import), the plain function runs instead.
    """
    if function not in _COMPILED:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _COMPILED[function] = torch.jit.script(function)
        except Exception:  # any failure to compile only costs the speed-up
            _COMPILED[function] = function
    return _COMPILED[function]

