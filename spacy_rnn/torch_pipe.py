"""The base of the trainable components: cfg-first (de)serialization, loading weights, one update step.

Order matters when loading (spacy-experimental coref's
``_initialize_before_deserializing``): read ``cfg`` (labels, vocabulary, dims)
first, let the subclass set the model's dims from it and ``initialize`` the
model, and only then load the weights. Weights that fail to load raise an error
that names the file.

Importing this module makes every forked child (``nlp.pipe(texts, n_process=2)``,
``multiprocessing`` with the fork start method) run torch on one thread: a child
inherits the parent's OpenMP thread pool in a state it cannot use, and its first
multi-threaded op waits forever once the parent has run one. One thread per
process is also what ``n_process`` wants; a child can raise it with
``torch.set_num_threads``.
"""
import os
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Union

import srsly
import torch
from spacy import util
from spacy.pipeline import TrainablePipe
from spacy.training import Example
from thinc.api import Model

from .errors import Errors
from .util import resolve_weights


def _one_thread_after_fork() -> None:
    torch.set_num_threads(1)


if hasattr(os, "register_at_fork"):  # POSIX; spawned children start with a fresh pool anyway
    os.register_at_fork(after_in_child=_one_thread_after_fork)


class TorchPipe(TrainablePipe):
    """TrainablePipe around a model with torch weights.

    Subclasses implement ``_set_model_dims_from_cfg`` (and optionally
    ``_after_load``); components whose model reads Docs also implement
    ``_trainable(example)`` and ``get_loss`` and inherit ``update``.
    """

    model: Model
    cfg: dict

    # -- hooks for subclasses -------------------------------------------------
    def _set_model_dims_from_cfg(self) -> None:
        """Copy data-dependent sizes from self.cfg onto self.model's dims."""
        raise NotImplementedError

    def _after_load(self) -> None:
        """Rebuild any derived state (label index, vocab table) after loading."""

    def _trainable(self, example: Example) -> bool:
        """Whether ``update`` learns from this example (e.g. it has gold labels)."""
        return True

    # -- readiness --------------------------------------------------------------
    @property
    def is_ready(self) -> bool:
        """True once the torch module exists, wherever the lazy layer sits in the model tree."""
        return any(node.shims for node in self.model.walk())

    def _require_ready(self) -> None:
        if not self.is_ready:
            raise ValueError(Errors.E004.format(name=self.name))

    # -- weights ------------------------------------------------------------------
    def load_weights(self, weights: Optional[Union[str, Path]], component: str,
                     keep: Sequence[str] = ()) -> None:
        """Load ``weights`` ("bundled", a directory written by ``to_disk``, or None for none).

        The stored cfg brings what the weights learned (labels, vocabulary, dims);
        the keys in ``keep`` are settings chosen by the factory, which win over
        the stored ones.
        """
        path = resolve_weights(weights, component)
        if path is None:
            return
        chosen = {key: self.cfg[key] for key in keep}
        self.from_disk(path)
        self.cfg.update(chosen)

    # -- training -------------------------------------------------------------------
    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd=None,
               losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        """One step of training: the model reads the predicted Docs, ``get_loss`` compares with the gold."""
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = [eg for eg in examples if self._trainable(eg)]
        if not examples:
            return losses
        self._require_ready()
        scores, backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, d_scores = self.get_loss(examples, scores)
        backprop(self.model.ops.asarray(d_scores))
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def finish_update(self, sgd) -> None:
        """Apply the thinc optimizer, then give every torch parameter its own storage.

        thinc's PyTorchShim.finish_update sets ``param.data = xp2torch(torch2xp(param.data))``:
        each step wraps the previous tensor (numpy/DLPack views keep it alive), so over
        thousands of updates a chain of tensors grows without bound (measured ~3 MB and
        14 tensors per step on the LM; a WikiText-2 run was OOM-killed at 20 GB). A copy
        cuts the chain.
        """
        super().finish_update(sgd)
        with torch.no_grad():
            for module in self._torch_modules():
                for param in module.parameters():
                    param.data = param.data.clone()

    def _torch_modules(self) -> List[torch.nn.Module]:
        # thinc's PyTorchShim keeps the module as ``_model`` and offers no public accessor.
        return [shim._model for node in self.model.walk() for shim in node.shims
                if isinstance(getattr(shim, "_model", None), torch.nn.Module)]

    # -- serialization ----------------------------------------------------------------
    def _initialize_before_deserializing(self) -> None:
        self._set_model_dims_from_cfg()
        self.model.initialize()
        self._after_load()

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        serialize = {
            "cfg": lambda: srsly.json_dumps(self.cfg),
            "model": lambda: self.model.to_bytes(),
        }
        return util.to_bytes(serialize, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()):
        msg = srsly.msgpack_loads(bytes_data)
        if "cfg" in msg and "cfg" not in exclude:
            self.cfg.update(srsly.json_loads(msg["cfg"]))
        self._initialize_before_deserializing()
        if "model" in msg and "model" not in exclude:
            self._load_model_bytes(msg["model"], "<bytes>")
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        path = util.ensure_path(path)
        serialize: Dict[str, Callable] = {
            "cfg": lambda p: srsly.write_json(p, self.cfg),
            "model": lambda p: self.model.to_disk(p),
        }
        util.to_disk(path, serialize, exclude)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()):
        path = util.ensure_path(path)
        cfg_path, model_path = path / "cfg", path / "model"
        for needed in (cfg_path, model_path):
            if not needed.exists():
                raise ValueError(Errors.E002.format(name=self.name, path=needed, reason="file not found"))
        if "cfg" not in exclude:
            try:
                self.cfg.update(srsly.read_json(cfg_path))
            except ValueError as e:
                raise ValueError(Errors.E002.format(name=self.name, path=cfg_path, reason=e)) from e
        self._initialize_before_deserializing()
        if "model" not in exclude:
            self._load_model_bytes(model_path.read_bytes(), model_path)
        return self

    def _load_model_bytes(self, data: bytes, where: Union[str, Path]) -> None:
        try:
            self.model.from_bytes(data)
        except Exception as e:  # msgpack, torch and thinc raise many types here
            raise ValueError(Errors.E002.format(name=self.name, path=where, reason=e)) from e

