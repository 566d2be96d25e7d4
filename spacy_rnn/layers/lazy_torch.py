"""A thinc Model whose torch module is built at ``initialize``.

Some dimensions (label count, LM vocabulary size) are known only once the
component has seen data. Following spacy-experimental's coref model, the outer
Model carries the hyperparameters in ``attrs`` and the data-dependent sizes in
``dims``; its ``init`` builds the ``PyTorchWrapper_v2`` child once they are set.
Deserialization therefore has to run ``model.initialize()`` (with the dims read
from the component's ``cfg``) before loading the weights.
"""
from functools import partial
from typing import Any, Callable, Dict, Optional

from thinc.api import Model, PyTorchWrapper_v2


def lazy_torch_model(
    name: str,
    build_module: Callable[[Model], Any],
    convert_inputs: Callable,
    convert_outputs: Callable,
    *,
    attrs: Dict[str, Any],
    dims: Dict[str, Optional[int]],
) -> Model:
    """Return a Model that wraps ``build_module(model)`` at initialize time.

    build_module receives the outer model, so it can read ``model.attrs`` and
    ``model.get_dim(...)``. The returned torch module is wrapped with thinc's
    PyTorchWrapper_v2 and the given converters. With module-level functions (not
    closures) as arguments the model can be pickled (``pickle.dumps(nlp)``,
    ``nlp.pipe(n_process=...)`` under the spawn start method).
    """
    init = partial(_lazy_init, build_module, convert_inputs, convert_outputs)
    return Model(name, _lazy_forward, init=init, attrs=dict(attrs), dims=dict(dims))


def _lazy_init(build_module: Callable, convert_inputs: Callable, convert_outputs: Callable,
               model: Model, X: Any = None, Y: Any = None) -> None:
    if model.layers:
        return
    module = build_module(model)
    model._layers = [
        PyTorchWrapper_v2(module, convert_inputs=convert_inputs, convert_outputs=convert_outputs)
    ]


def _lazy_forward(model: Model, X: Any, is_train: bool):
    return model.layers[0](X, is_train)


def torch_module(model: Model):
    """The torch nn.Module inside a (initialized) lazy_torch_model."""
    if not model.layers:
        return None
    return model.layers[0].shims[0]._model
