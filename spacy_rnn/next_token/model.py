"""``spacy-rnn.WordRNNLM.v1``: the thinc model of ``next_token_scorer``, around ``WordRNNLM``.

The torch module is built at ``initialize`` (its size depends on the LM
vocabulary, the ``nV`` dim) and wrapped with ``PyTorchWrapper_v2`` and the
explicit converters below: the inputs are integer ids, which must not be asked
for gradients.
"""
from typing import Any, List, Optional, Sequence, Tuple

import numpy
import torch
from spacy.util import registry
from thinc.api import ArgsKwargs, Model
from thinc.types import Floats1d, Ints1d

from ..errors import Errors
from ..lazy_torch import TORCH_REF, lazy_torch_model
from .torch_model import CELLS, WordRNNLM, detach_hidden

# (targets, first, hidden) -> (logps, hidden); see build_word_rnn_lm
LMInput = Tuple[Sequence[Ints1d], Ints1d, Optional[Sequence[Any]]]
LMOutput = Tuple[List[Floats1d], List[Any]]


@registry.architectures("spacy-rnn.WordRNNLM.v1")
def build_word_rnn_lm(
    emb_dim: int,
    hidden_size: int,
    n_layers: int,
    cell: str,
    dropout: float,
    emb_dropout: float,
    cutoffs: List[int],
    div_val: float,
) -> Model[LMInput, LMOutput]:
    """Word-level RNN LM with tied adaptive softmax; vocabulary size (``nV``) set at initialize.

    Input ``(targets, first, hidden)``: per stream a 1-d int array of LM ids to
    score; a ``(B,)`` int array with the id each stream reads before its first
    target (``<eos>`` for a fresh stream); per stream the torch state it starts
    from, or None (for all streams or for one) for a zero state.

    Output ``(logps, hidden)``: per stream a float32 array of the natural-log
    probabilities of its targets, and its (detached) state after its last target.
    ``predict`` scores the streams packed, with no work spent on padding;
    ``begin_update`` runs them as one padded batch, and there the state of a
    stream shorter than the longest has run over padding steps.

    ``dropout`` is the torch dropout (between layers and on the RNN output);
    spaCy's training ``dropout`` does not reach torch modules.
    """
    if cell.lower() not in CELLS:
        raise ValueError(Errors.E101.format(cell=cell, options=sorted(CELLS)))
    attrs = dict(
        emb_dim=emb_dim, hidden_size=hidden_size, n_layers=n_layers, cell=cell,
        dropout=dropout, emb_dropout=emb_dropout, cutoffs=list(cutoffs), div_val=div_val,
    )
    model = lazy_torch_model(
        "word_rnn_lm", _build_lm_module, convert_lm_inputs, convert_lm_outputs,
        attrs=attrs, dims={"nV": None},
    )
    model.set_ref(TORCH_REF, model)
    return model


def _build_lm_module(model: Model) -> WordRNNLM:
    """The torch module for a lazy LM model, from its attrs and vocabulary size (module
    level, not a closure, so the thinc model can be pickled)."""
    a = model.attrs
    return WordRNNLM(
        model.get_dim("nV"), emb_dim=a["emb_dim"], hidden_size=a["hidden_size"],
        n_layers=a["n_layers"], cell=a["cell"], dropout=a["dropout"],
        emb_dropout=a["emb_dropout"], cutoffs=a["cutoffs"], div_val=a["div_val"],
    )


def convert_lm_inputs(model: Model, X: LMInput, is_train: bool):
    """(targets, first, hidden) -> ArgsKwargs of int64 CPU tensors; the ids get no gradient."""
    targets, first, hidden = X
    tensors = [torch.from_numpy(numpy.ascontiguousarray(s, dtype="int64")) for s in targets]
    first_t = torch.from_numpy(numpy.ascontiguousarray(first, dtype="int64"))
    return ArgsKwargs(args=(tensors, first_t, hidden), kwargs={}), _no_gradient


def _no_gradient(dX: Any) -> None:
    return None


def convert_lm_outputs(model: Model, inputs_outputs: Tuple, is_train: bool):
    """torch (logps, hidden) -> (float32 numpy logps, detached hidden); backprop feeds d(logps)."""
    _, (logps, hidden) = inputs_outputs
    Y = ([lp.detach().float().cpu().numpy() for lp in logps], detach_hidden(hidden))

    def backprop(dY: Sequence[Floats1d]) -> ArgsKwargs:
        grads = tuple(torch.as_tensor(numpy.ascontiguousarray(d, dtype="float32")).to(lp.device, lp.dtype)
                      for d, lp in zip(dY, logps))
        return ArgsKwargs(args=(tuple(logps),), kwargs={"grad_tensors": grads})

    return Y, backprop
