"""Shared serialization for components whose torch sizes depend on data.

Order matters when loading (spacy-experimental coref's
``_initialize_before_deserializing``): read ``cfg`` (labels, vocabulary, dims)
first, let the subclass set the model's dims from it and ``initialize`` the
model, and only then load the weights. Weights that fail to load raise an error
that names the file.
"""
from pathlib import Path
from typing import Callable, Dict, Iterable, Optional, Union

import srsly
import torch
from spacy import util
from spacy.pipeline import TrainablePipe
from thinc.api import Model

from ..errors import Errors


class TorchPipe(TrainablePipe):
    """TrainablePipe with cfg-first (de)serialization and a readiness check."""

    model: Model
    cfg: dict

    # -- hooks for subclasses -------------------------------------------------
    def _set_model_dims_from_cfg(self) -> None:
        """Copy data-dependent sizes from self.cfg onto self.model's dims."""
        raise NotImplementedError

    def _after_load(self) -> None:
        """Rebuild any derived state (label index, vocab table) after loading."""

    # -- shared behaviour ------------------------------------------------------
    @property
    def is_ready(self) -> bool:
        """True once the torch module exists, wherever the lazy layer sits in the model tree."""
        return any(node.shims for node in self.model.walk())

    def _require_ready(self) -> None:
        if not self.is_ready:
            raise ValueError(Errors.E004.format(name=self.name))

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
            for node in self.model.walk():
                for shim in node.shims:
                    module = getattr(shim, "_model", None)
                    if isinstance(module, torch.nn.Module):
                        for param in module.parameters():
                            param.data = param.data.clone()

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
            try:
                self.model.from_bytes(msg["model"])
            except (ValueError, KeyError) as e:
                raise ValueError(Errors.E002.format(name=self.name, path="<bytes>", reason=e)) from e
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
            try:
                self.model.from_bytes(model_path.read_bytes())
            except Exception as e:  # msgpack, torch and thinc raise many types here
                raise ValueError(Errors.E002.format(name=self.name, path=model_path, reason=e)) from e
        return self


def bundled_path(component: str) -> Path:
    """Directory of the pretrained weights shipped inside the package."""
    return Path(__file__).parent.parent / "models" / component


def resolve_weights(weights: Optional[str], component: str) -> Optional[Path]:
    """'bundled' -> the packaged weights; a path -> itself; None/'' -> no weights."""
    if not weights:
        return None
    if weights == "bundled":
        return bundled_path(component)
    return Path(weights)
