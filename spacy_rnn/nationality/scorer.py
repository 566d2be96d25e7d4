"""``spacy-rnn.nationality_scorer.v1``. All keys are higher-is-better and off spaCy's ``cats_*``
namespace so ``spacy train`` selects ``model-best`` on them (STYLE pitfall 5)."""
from typing import Any, Dict, Iterable, List, Optional, Sequence

import numpy as np
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

from .extensions import get_prediction


def gold_matrix(references: Sequence[Doc], labels: Sequence[str]) -> np.ndarray:
    """0/1 targets (n_docs, n_labels) from each reference Doc's ``cats`` (a label counts above 0.5)."""
    index = {lab: i for i, lab in enumerate(labels)}
    gold = np.zeros((len(references), len(index)), dtype="float32")
    for i, doc in enumerate(references):
        for lab, val in doc.cats.items():
            if lab in index and val > 0.5:
                gold[i, index[lab]] = 1.0
    return gold


def topk_hits(probs: np.ndarray, gold: np.ndarray, k: int, order: Optional[np.ndarray] = None) -> np.ndarray:
    """Per name: is one of its ``k`` most probable labels in its gold set (``order``: the
    labels of each row most probable first, when the caller has it already)."""
    if order is None:
        order = np.argsort(-probs, axis=1)
    return np.take_along_axis(gold, order[:, :k], axis=1).max(axis=1) > 0


def label_set_scores(probs: np.ndarray, gold: np.ndarray, labels: Sequence[str], threshold: float,
                     prefix: str = "nationality") -> Dict[str, Any]:
    """Multi-label scores of ``probs`` against a 0/1 ``gold`` matrix.

    top-1/top-3: a name counts as right when its highest (or one of its three
    highest) predicted labels is in its gold label set. Precision/recall/F1 use
    the labels whose probability reaches ``threshold``, plus the top-1 label so
    that every name predicts at least one nationality.
    """
    n, n_labels = probs.shape
    if n == 0:
        return {f"{prefix}_top1": None, f"{prefix}_top3": None, f"{prefix}_macro_f": None,
                f"{prefix}_micro_f": None, f"{prefix}_per_label": {}}
    order = np.argsort(-probs, axis=1)
    has_gold = gold.sum(axis=1) > 0
    top1 = topk_hits(probs, gold, 1, order)
    top3 = topk_hits(probs, gold, 3, order)
    pred = probs >= threshold
    pred[np.arange(n), order[:, 0]] = True
    gold_b = gold > 0
    tp = (pred & gold_b).sum(axis=0).astype(float)
    fp = (pred & ~gold_b).sum(axis=0).astype(float)
    fn = (~pred & gold_b).sum(axis=0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        r = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    present = (tp + fn) > 0
    micro_p = tp.sum() / max(tp.sum() + fp.sum(), 1)
    micro_r = tp.sum() / max(tp.sum() + fn.sum(), 1)
    micro_f = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0
    per_label = {lab: {"p": float(p[i]), "r": float(r[i]), "f": float(f[i]), "support": int(tp[i] + fn[i])}
                 for i, lab in enumerate(labels)}
    return {
        f"{prefix}_top1": float(top1[has_gold].mean()) if has_gold.any() else None,
        f"{prefix}_top3": float(top3[has_gold].mean()) if has_gold.any() else None,
        f"{prefix}_macro_f": float(f[present].mean()) if present.any() else None,
        f"{prefix}_micro_f": float(micro_f),
        f"{prefix}_per_label": per_label,
    }


def examples_to_matrices(examples: Iterable[Example], labels: Sequence[str], extension: str):
    """Predicted probabilities (from the doc extension) and gold 0/1 targets (from reference.cats)
    of the examples that have both."""
    probs: List[np.ndarray] = []
    references: List[Doc] = []
    for eg in examples:
        pred = get_prediction(eg.predicted, extension)
        if pred is None or not eg.reference.cats:
            continue
        probs.append(pred.probs)
        references.append(eg.reference)
    if not probs:
        return np.zeros((0, len(labels))), np.zeros((0, len(labels)))
    return np.vstack(probs), gold_matrix(references, labels)


def score_nationality(examples: Iterable[Example], *, labels: Sequence[str], threshold: float,
                      extension: str, **kwargs) -> Dict[str, Any]:
    """Score surname_nationality predictions (``Pipe.score`` passes the component's cfg as kwargs)."""
    probs, gold = examples_to_matrices(examples, labels, extension)
    return label_set_scores(probs, gold, labels, threshold)


@registry.scorers("spacy-rnn.nationality_scorer.v1")
def make_nationality_scorer():
    return score_nationality
