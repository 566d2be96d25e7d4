"""A thinc Model whose torch module is built at ``initialize``, and the one way to reach it.

Some dimensions (label count, LM vocabulary size) are known only once the
component has seen data. Following spacy-experimental's coref model, the outer
Model carries the hyperparameters in ``attrs`` and the data-dependent sizes in
``dims``; its ``init`` builds the ``PyTorchWrapper_v2`` child once they are set.
Deserialization therefore runs ``model.initialize()`` (with the dims read from
the component's ``cfg``) before loading the weights.

Architectures mark their lazy layer with ``model.set_ref(TORCH_REF, layer)``;
components reach the torch module (for extras such as ``predict_hidden`` or
``generate``) through :func:`torch_module`, never by layer position.
"""
from functools import partial
from typing import Any, Callable, Dict, Optional

from thinc.api import Model, PyTorchWrapper_v2

TORCH_REF = "torch_layer"
_WRAPPER_REF = "wrapper"


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
    return Model(name, _lazy_forward, init=init, attrs=dict(attrs), dims=dict(dims),
                 refs={_WRAPPER_REF: None})


def _lazy_init(build_module: Callable, convert_inputs: Callable, convert_outputs: Callable,
               model: Model, X: Any = None, Y: Any = None) -> None:
    if model.layers:
        return
    wrapper = PyTorchWrapper_v2(build_module(model), convert_inputs=convert_inputs,
                                convert_outputs=convert_outputs)
    model.layers.append(wrapper)
    model.set_ref(_WRAPPER_REF, wrapper)


def _lazy_forward(model: Model, X: Any, is_train: bool):
    return model.get_ref(_WRAPPER_REF)(X, is_train)


def reset(model: Model) -> None:
    """Drop the built torch module of a lazy layer, so the next ``initialize`` builds a fresh one."""
    model.layers.clear()
    model.set_ref(_WRAPPER_REF, None)


def lazy_layer(model: Model) -> Model:
    """The lazy torch layer of an architecture (``model`` itself when it is that layer)."""
    return model.get_ref(TORCH_REF) if model.has_ref(TORCH_REF) else model


def torch_module(model: Model):
    """The torch ``nn.Module`` of an architecture's lazy layer, or None before ``initialize``."""
    layer = lazy_layer(model)
    wrapper = layer.get_ref(_WRAPPER_REF) if layer.has_ref(_WRAPPER_REF) else None
    if wrapper is None:
        return None
    # thinc's PyTorchShim keeps the module as ``_model`` and offers no public accessor.
    return wrapper.shims[0]._model
