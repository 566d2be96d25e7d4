"""Doc/Span extensions for nationality predictions, installed idempotently.

A component stores one plain ``(labels, probs, threshold)`` tuple per name: a Doc's under
``doc.user_data[prediction_key(name)]`` (``"spacy_rnn.nationality"`` for the default name), a
Span's in the Span extension ``._.{name}_prediction``. Both are msgpack-able, so Docs survive
``nlp.pipe(n_process=...)`` and ``DocBin(store_user_data=True)``. ``._.{name}``,
``._.{name}_tags`` and, on Docs, ``._.{name}_prediction`` are getters over them.
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


def prediction_key(name: str) -> str:
    """The ``doc.user_data`` key of a Doc's stored prediction for extension base name ``name``."""
    return f"spacy_rnn.{name}"


def install_extensions(name: str) -> None:
    """Register ``._.{name}``, ``._.{name}_tags`` and ``._.{name}_prediction`` on Doc and Span."""
    store = f"{name}_prediction"
    if not Doc.has_extension(store):
        Doc.set_extension(store, getter=lambda doc, key=prediction_key(name): doc.user_data.get(key))
    if not Span.has_extension(store):
        Span.set_extension(store, default=None)
    for cls in (Doc, Span):
        if not cls.has_extension(name):
            cls.set_extension(name, getter=lambda obj, n=name: _as_dict(get_prediction(obj, n)))
        if not cls.has_extension(f"{name}_tags"):
            cls.set_extension(f"{name}_tags", getter=lambda obj, n=name: _tags(get_prediction(obj, n)))


def _as_dict(pred: Optional[NationalityPrediction]) -> Dict[str, float]:
    return pred.as_dict() if pred is not None else {}


def _tags(pred: Optional[NationalityPrediction]) -> List[str]:
    return pred.tags() if pred is not None else []


def get_prediction(obj: Union[Doc, Span], name: str) -> Optional[NationalityPrediction]:
    """The stored prediction of a Doc/Span as a NationalityPrediction, or None."""
    if isinstance(obj, Doc):
        stored = obj.user_data.get(prediction_key(name))
    else:
        store = f"{name}_prediction"
        stored = obj._.get(store) if obj.has_extension(store) else None
    if stored is None:
        return None
    labels, probs, threshold = stored
    return NationalityPrediction(labels, np.asarray(probs), threshold)
