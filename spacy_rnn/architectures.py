"""Registered model architectures (``spacy-rnn.*.v1``)."""
from typing import List, Optional, Tuple

import numpy as np
import torch
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, chain, torch2xp, xp2torch
from thinc.types import Floats2d

from .errors import Errors
from .layers.char_rnn import RNN_CELLS, CharRNNClassifier
from .layers.lazy_torch import lazy_torch_model
from .text import encode_names


def _convert_name_inputs(model: Model, X: Tuple[np.ndarray, np.ndarray], is_train: bool):
    """(ids, lengths) int arrays → ArgsKwargs of int64 tensors; no gradient flows back to ids."""
    ids, lengths = X
    args = ArgsKwargs(args=(torch.as_tensor(ids), torch.as_tensor(lengths)), kwargs={})
    return args, _no_gradient


def _convert_logit_outputs(model: Model, inputs_outputs, is_train: bool):
    """Logits → sigmoid probabilities. Like thinc's Logistic layer, the backward
    pass hands dY to the logits unchanged: with dY = probs - targets that is the
    exact gradient of binary cross-entropy with respect to the logits."""
    _, logits = inputs_outputs
    probs = torch2xp(torch.sigmoid(logits.detach()))

    def backprop(d_probs: Floats2d) -> ArgsKwargs:
        return ArgsKwargs(args=(logits,), kwargs={"grad_tensors": [xp2torch(d_probs)]})

    return probs, backprop


@registry.architectures("spacy-rnn.CharRNNClassifier.v1")
def build_char_rnn_classifier(
    cell: str = "gru",
    embed_size: int = 32,
    hidden_size: int = 64,
    n_layers: int = 1,
    bidirectional: bool = True,
    dropout: float = 0.4,
    embed_dropout: float = 0.25,
    ngram_max: int = 5,
    ngram_buckets: int = 65536,
    ngram_dim: int = 64,
    ngram_linear: bool = True,
    max_len: int = 32,
    lowercase: bool = True,
    nO: Optional[int] = None,
) -> Model[List[str], Floats2d]:
    """Character RNN over ASCII-folded names → sigmoid probabilities per label.

    Beside the recurrent state, a mean-pooled bag of hashed character n-grams
    (1..ngram_max, ngram_buckets buckets; ngram_max = 0 disables it) feeds the
    output layer (as an ngram_dim vector; 0 leaves it out), and with
    ngram_linear the same n-grams also add to the logits directly (a "wide"
    linear path, like an n-gram logistic regression beside the RNN).

    The input is a list of folded names (str); the output an (n_names, n_labels)
    array. The label count ``nO`` is usually set by the component at initialize.
    """
    if cell not in RNN_CELLS:
        raise ValueError(Errors.E003.format(cell=cell))
    hyper = dict(cell=cell, embed_size=embed_size, hidden_size=hidden_size, n_layers=n_layers,
                 bidirectional=bidirectional, dropout=dropout, embed_dropout=embed_dropout,
                 ngram_max=ngram_max, ngram_buckets=ngram_buckets, ngram_dim=ngram_dim,
                 ngram_linear=ngram_linear)

    rnn = lazy_torch_model("char_rnn_classifier", _build_char_rnn, _convert_name_inputs,
                           _convert_logit_outputs, attrs={"hyper": hyper}, dims={"nO": nO})
    encoder = Model("char_encoder", _encode_names_forward, attrs={"max_len": max_len, "lowercase": lowercase})
    return chain(encoder, rnn)


def _build_char_rnn(model: Model) -> CharRNNClassifier:
    return CharRNNClassifier(model.get_dim("nO"), **model.attrs["hyper"])


def _encode_names_forward(model: Model, names: List[str], is_train: bool):
    """Folded names → (ids, lengths) int arrays; nothing to backpropagate into strings."""
    encoded = encode_names(names, model.attrs["max_len"], model.attrs["lowercase"])
    return encoded, _no_gradient


def _no_gradient(d_encoded):
    return []


def rnn_layer(model: Model) -> Model:
    """The lazily built torch layer inside a CharRNNClassifier chain."""
    return model.layers[-1]
