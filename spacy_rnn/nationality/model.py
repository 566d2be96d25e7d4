"""``spacy-rnn.CharRNNClassifier.v1``: Docs → character ids → the torch classifier → probabilities."""
from typing import List, Optional, Tuple, Union

import numpy as np
import torch
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, chain, torch2xp, xp2torch
from thinc.types import Floats2d

from ..errors import Errors
from ..lazy_torch import TORCH_REF, lazy_torch_model
from ..text import fold_name
from .chars import MAX_DOC_CHARS, doc_text, encode_names
from .torch_model import RNN_CELLS, CharRNNClassifier

ENCODER_REF = "char_encoder"
# attrs key by which an architecture says that it reads plain strings as well as Docs
READS_STRINGS = "reads_strings"


@registry.architectures("spacy-rnn.CharRNNClassifier.v1")
def build_char_rnn_classifier(
    cell: str,
    embed_size: int,
    hidden_size: int,
    n_layers: int,
    bidirectional: bool,
    dropout: float,
    embed_dropout: float,
    ngram_max: int,
    ngram_buckets: int,
    ngram_dim: int,
    ngram_linear: bool,
    max_len: int,
    lowercase: bool,
    nO: Optional[int],
) -> Model[List[Doc], Floats2d]:
    """Character RNN over each Doc's ASCII-folded text → one row of per-label probabilities per Doc.

    Rows are sigmoid **probabilities** (not logits), one per label, independent (multi-label).
    The backward pass takes d(loss)/d(probabilities) computed as ``probs - gold`` and hands it
    to the logits unchanged, as thinc's Logistic layer does: that is the exact gradient of
    binary cross-entropy with respect to the logits.

    The first layer reads a Doc's text (its last 64 characters), folds it to ASCII and keeps
    the last ``max_len`` characters (lowercased with ``lowercase``) as character ids. Beside the
    recurrent state, a mean-pooled bag of hashed character n-grams (1..ngram_max, ngram_buckets
    buckets; ngram_max = 0 disables it) feeds the output layer (as an ngram_dim vector; 0 leaves
    it out), and with ngram_linear the same n-grams also add to the logits directly (a "wide"
    linear path, like an n-gram logistic regression beside the RNN). When predicting, a text
    with no ASCII letter in what the network reads gets a row of zeros: no name, no nationality.

    The label count ``nO`` is usually null here and set by the component from its labels.

    The model also reads plain strings in place of Docs and says so with
    ``model.attrs[READS_STRINGS] = True``: the component then hands it the names of
    ``predict_proba`` (and the span texts of ``nlp.pipe``) as they are, instead of making a
    one-token Doc for each (about 5 µs a name, a third of the model's own time). An architecture
    without that flag gets Docs.
    """
    if cell not in RNN_CELLS:
        raise ValueError(Errors.E003.format(options=sorted(RNN_CELLS), cell=cell))
    hyper = dict(cell=cell, embed_size=embed_size, hidden_size=hidden_size, n_layers=n_layers,
                 bidirectional=bidirectional, dropout=dropout, embed_dropout=embed_dropout,
                 ngram_max=ngram_max, ngram_buckets=ngram_buckets, ngram_dim=ngram_dim,
                 ngram_linear=ngram_linear)
    rnn = lazy_torch_model("char_rnn_classifier", _build_char_rnn, _convert_name_inputs,
                           _convert_probability_outputs, attrs={"hyper": hyper}, dims={"nO": nO})
    encoder = Model("char_encoder", _encode_docs_forward, attrs={"max_len": max_len, "lowercase": lowercase})
    model = chain(encoder, rnn)
    model.set_ref(TORCH_REF, rnn)
    model.set_ref(ENCODER_REF, encoder)
    model.attrs[READS_STRINGS] = True
    return model


def _build_char_rnn(model: Model) -> CharRNNClassifier:
    return CharRNNClassifier(model.get_dim("nO"), **model.attrs["hyper"])


def _encode_docs_forward(model: Model, docs: List[Union[Doc, str]], is_train: bool):
    """Docs (or strings) → (ids, lengths, rows with no letter) (``encode_names``); nothing to
    backpropagate into text."""
    names = [fold_name((doc if isinstance(doc, str) else doc_text(doc))[-MAX_DOC_CHARS:]) for doc in docs]
    return encode_names(names, model.attrs["max_len"], model.attrs["lowercase"]), _no_gradient


def _no_gradient(d_encoded):
    return []


def _convert_name_inputs(model: Model, X: Tuple[np.ndarray, np.ndarray, List[int]], is_train: bool):
    """(ids, lengths) arrays → ArgsKwargs of tensors (no copy); no gradient flows back to ids."""
    ids, lengths, _ = X
    return ArgsKwargs(args=(torch.from_numpy(ids), torch.from_numpy(lengths)), kwargs={}), _no_gradient


def _convert_probability_outputs(model: Model, inputs_outputs, is_train: bool):
    """Logits → sigmoid probabilities (letterless names → 0 when predicting); the backward
    pass hands dY to the logits unchanged (see ``build_char_rnn_classifier``)."""
    (_, _, blank), logits = inputs_outputs
    if is_train:
        probs = torch2xp(torch.sigmoid(logits.detach()))
    else:  # one torch op: on nlp.pipe's worker thread each op is a chance to lose the GIL
        probs = logits.sigmoid_().numpy()
        if blank:
            probs[blank] = 0.0

    def backprop(d_probs: Floats2d) -> ArgsKwargs:
        return ArgsKwargs(args=(logits,), kwargs={"grad_tensors": [xp2torch(d_probs)]})

    return probs, backprop


def name_doc(vocab, name: str) -> Doc:
    """A cheap one-token Doc for a plain (folded) name, as the model reads it; "" gives an empty Doc."""
    return Doc(vocab, words=[name], spaces=[False]) if name else Doc(vocab, words=[])


def multi_label_loss(scores: np.ndarray, gold: np.ndarray, softmax_weight: float) -> Tuple[float, np.ndarray]:
    """Binary cross-entropy over all labels, plus ``softmax_weight`` times a softmax
    cross-entropy towards the uniform distribution over the gold label set (it sharpens the
    ranking that top-1 is judged on, while the sigmoid outputs stay per-label probabilities).
    ``scores`` are probabilities; the gradient is with respect to the logits, which is what
    this architecture's backward pass takes."""
    n = len(scores)
    probs = np.clip(scores, 1e-7, 1 - 1e-7)
    loss = -(gold * np.log(probs) + (1 - gold) * np.log(1 - probs)).sum(axis=1).mean()
    d_logits = scores - gold
    has_gold = gold.sum(axis=1, keepdims=True)
    if softmax_weight and has_gold.all():
        logits = np.log(probs) - np.log1p(-probs)
        logits -= logits.max(axis=1, keepdims=True)
        soft = np.exp(logits)
        soft /= soft.sum(axis=1, keepdims=True)
        target = gold / has_gold
        loss += softmax_weight * float(-(target * np.log(np.clip(soft, 1e-12, None))).sum(axis=1).mean())
        d_logits = d_logits + softmax_weight * (soft - target)
    return float(loss), (d_logits / n).astype("float32")


def char_window(model: Model) -> Optional[int]:
    """How many folded characters of a name the model reads (None: a model without the char encoder)."""
    return model.get_ref(ENCODER_REF).attrs["max_len"] if model.has_ref(ENCODER_REF) else None


def encoded(model: Model, docs: List[Doc]) -> Tuple[torch.Tensor, torch.Tensor]:
    """The (ids, lengths) tensors the torch module reads for ``docs``."""
    ids, lengths, _ = model.get_ref(ENCODER_REF).predict(docs)
    return torch.from_numpy(ids), torch.from_numpy(lengths)
