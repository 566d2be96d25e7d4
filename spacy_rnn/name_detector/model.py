"""``spacy-rnn.NameTagger.v1``: the BiGRU name tagger as a thinc model over Docs.

The outer model featurizes the Docs (``features.TokenFeaturizer``) and hands the
``NameBatch`` to a lazy ``PyTorchWrapper_v2`` layer around the torch module,
built at ``initialize`` once the vocabulary size ``nV``, the member count ``nM``
and the pretrained-vector width ``nP`` are set (the component sets them from its
``cfg``). The word vocabulary, the lexicon and the pretrained vectors live in the
outer model's ``attrs``, so they are saved with the weights.
"""
from functools import partial
from typing import List, Optional

import numpy as np
import torch
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, torch2xp, xp2torch
from thinc.types import Floats2d
from torch import nn

from ..lazy_torch import TORCH_REF, lazy_torch_model
from .decoding import TAGS
from .features import N_FEATS, NameBatch, TokenFeaturizer
from .torch_model import NameTaggerEnsemble, NameTaggerModule


@registry.architectures("spacy-rnn.NameTagger.v1")
def build_name_tagger(
    word_size: int,
    char_size: int,
    char_filters: int,
    char_width: int,
    hidden_size: int,
    n_layers: int,
    dropout: float,
    word_dropout: float,
    max_len: int,
    max_chars: int,
    nV: Optional[int],
    n_members: int,
    pretrained_vectors: Optional[str],
    vector_dropout: float,
) -> Model[List[Doc], Floats2d]:
    """BiGRU person-name tagger over spaCy tokens.

    List[Doc] -> Floats2d (n_tokens, 3): one row per token, the docs' tokens
    concatenated in order; the columns are O/B/I **logits** (a softmax gives the tag
    probabilities; an ensemble's rows are the log of its members' mean probabilities).

    nV: vocabulary size incl. padding and <unk>, set by the component at initialize
        (null in configs).
    max_len: tokens per recurrent chunk (longer docs are split into chunks).
    max_chars: characters per token read by the char-CNN.
    n_members: taggers in an ensemble (their O/B/I probabilities are averaged); the
        component stores the count in its cfg (dim ``nM``), so bundled ensembles load
        whatever this says. 1 = a single tagger.
    pretrained_vectors: path of a word-vector table (.npz from scripts/prune_glove.py), read
        by the component's ``initialize`` only; the vectors (frozen inputs, looked up by the
        lowercased string) are then stored with the weights, and their width in the
        component's cfg (``n_pretrained``, dim ``nP``), so loading a trained component never
        needs the file. null = no pretrained vectors.
    vector_dropout: in training, the share of strings whose pretrained vector is replaced by the
        "unknown" input (zeros, OOV flag), like word_dropout for the learned embedding.
    """
    hyper = dict(word_size=word_size, char_size=char_size, char_filters=char_filters,
                 char_width=char_width, hidden_size=hidden_size, n_layers=n_layers,
                 dropout=dropout, word_dropout=word_dropout, vector_dropout=vector_dropout)
    dims = {"nV": nV, "nM": n_members, "nP": 0}
    torch_layer = lazy_torch_model("name_tagger_torch", _build_tagger_module, _convert_inputs, _convert_outputs,
                                   attrs={"hyper": hyper}, dims=dims)
    # Module-level functions (a partial over the featurizer), so the model pickles.
    forward = partial(_tagger_forward, TokenFeaturizer(max_len, max_chars))
    return Model("name_tagger", forward, init=_tagger_init, layers=[torch_layer], dims=dict(dims),
                 refs={TORCH_REF: torch_layer},
                 attrs={"vocab": {}, "lexicon": {}, "vectors": {}, "max_len": max_len, "max_chars": max_chars,
                        "pretrained_vectors_path": str(pretrained_vectors) if pretrained_vectors else ""})


def _build_tagger_module(model: Model) -> nn.Module:
    n_members = model.get_dim("nM")
    hyper = dict(model.attrs["hyper"], n_feats=N_FEATS, n_pretrained=model.get_dim("nP"))
    if n_members > 1:
        return NameTaggerEnsemble(n_members, model.get_dim("nV"), len(TAGS), **hyper)
    return NameTaggerModule(model.get_dim("nV"), len(TAGS), **hyper)


def _tagger_forward(featurizer: TokenFeaturizer, model: Model, docs: List[Doc], is_train: bool):
    if (featurizer.max_len, featurizer.max_chars) != (model.attrs["max_len"], model.attrs["max_chars"]):
        # loaded weights restore the chunk and character lengths they were trained with
        featurizer.__init__(model.attrs["max_len"], model.attrs["max_chars"])
    batch = featurizer(docs, model.attrs["vocab"], model.attrs["lexicon"], model.attrs["vectors"])
    if batch.n_tokens == 0:
        return model.ops.alloc2f(0, len(TAGS)), _no_input_gradient
    return model.get_ref(TORCH_REF)(batch, is_train)


def _no_input_gradient(dY):
    return []


def _tagger_init(model: Model, X=None, Y=None) -> None:
    layer = model.get_ref(TORCH_REF)
    for dim in ("nV", "nM", "nP"):
        layer.set_dim(dim, model.get_dim(dim), force=True)
    n_pretrained = layer.get_dim("nP")
    vectors = model.attrs["vectors"]
    if n_pretrained and vectors and np.asarray(vectors["q"]).shape[1] != n_pretrained:
        raise ValueError(f"pretrained vectors have {np.asarray(vectors['q']).shape[1]} dims, nP is {n_pretrained}")
    layer.initialize()


def _convert_inputs(model: Model, X: NameBatch, is_train: bool):
    """NameBatch -> ArgsKwargs of tensors (int64 ids, float feats); ids get no gradient."""
    args = (torch.from_numpy(X.word_ids), torch.from_numpy(X.char_ids), torch.from_numpy(X.feats),
            torch.from_numpy(X.idx), torch.from_numpy(X.lengths))
    kwargs = {}
    if not is_train and X.rows is not None:  # string-vector cache (eval only)
        kwargs = {"rows": torch.from_numpy(X.rows), "generation": X.generation}
    return ArgsKwargs(args=args, kwargs=kwargs), lambda d_args: None


def _convert_outputs(model: Model, inputs_outputs, is_train: bool):
    """(B, T, 3) logits -> (n_tokens, 3) rows of the real tokens, in chunk order."""
    X, logits = inputs_outputs
    mask = torch.from_numpy(X.mask())
    Y = torch2xp(logits.detach()[mask])

    def backprop(dY: Floats2d) -> ArgsKwargs:
        d_logits = torch.zeros_like(logits)
        d_logits[mask] = xp2torch(dY).to(d_logits.dtype)
        return ArgsKwargs(args=(logits,), kwargs={"grad_tensors": [d_logits]})

    return Y, backprop
