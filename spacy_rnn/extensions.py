"""Doc/Span extensions for nationality predictions, installed idempotently.

A component stores one plain ``(labels, probs, threshold)`` tuple per Doc/Span
under ``._.{name}_prediction`` (cheap: one attribute write per doc; msgpack-able,
so Docs survive ``nlp.pipe(n_process=...)`` and ``DocBin(store_user_data=True)``);
``._.{name}`` and ``._.{name}_tags`` are getters over it.
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from spacy.tokens import Doc, Span


class NationalityPrediction:
    """Per-label probabilities for one name (a Doc or a Span)."""

    __slots__ = ("labels", "probs", "threshold")

    def __init__(self, labels: Sequence[str], probs: np.ndarray, threshold: float):
        self.labels = labels
        self.probs = probs
        self.threshold = threshold

    def as_dict(self) -> Dict[str, float]:
        """Every label with its probability, most probable first."""
        order = np.argsort(-self.probs)
        return {self.labels[i]: float(self.probs[i]) for i in order}

    def tags(self) -> List[str]:
        """Labels whose probability reaches the threshold, most probable first."""
        order = np.argsort(-self.probs)
        return [self.labels[i] for i in order if self.probs[i] >= self.threshold]

    def __repr__(self) -> str:
        top = list(self.as_dict().items())[:3]
        return f"NationalityPrediction({', '.join(f'{k}={v:.2f}' for k, v in top)})"


def install_extensions(name: str = "nationality") -> None:
    """Register ``._.{name}``, ``._.{name}_tags`` and ``._.{name}_prediction`` on Doc and Span."""
    store = f"{name}_prediction"
    for cls in (Doc, Span):
        if not cls.has_extension(store):
            cls.set_extension(store, default=None)
        if not cls.has_extension(name):
            cls.set_extension(name, getter=lambda obj, n=name: _as_dict(get_prediction(obj, n)))
        if not cls.has_extension(f"{name}_tags"):
            cls.set_extension(f"{name}_tags", getter=lambda obj, n=name: _tags(get_prediction(obj, n)))


def _as_dict(pred: Optional[NationalityPrediction]) -> Dict[str, float]:
    return pred.as_dict() if pred is not None else {}


def _tags(pred: Optional[NationalityPrediction]) -> List[str]:
    return pred.tags() if pred is not None else []


def get_prediction(obj: Union[Doc, Span], name: str = "nationality") -> Optional[NationalityPrediction]:
    """The stored prediction of a Doc/Span as a NationalityPrediction, or None."""
    store = f"{name}_prediction"
    if not obj.has_extension(store):
        return None
    stored = obj._.get(store)
    if stored is None:
        return None
    labels, probs, threshold = stored
    return NationalityPrediction(labels, np.asarray(probs), threshold)
