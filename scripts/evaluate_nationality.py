"""Evaluate a trained surname_nationality pipeline on a DocBin split.

Writes metrics.json (top-1/top-3 where a prediction counts if it is in the
surname's label set, macro/micro F1, per-label P/R/F), per_label.csv and a
confusion-matrix heat map (confusion.png, rows = gold, normalised).
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import spacy
from spacy.tokens import DocBin

from spacy_rnn.nationality.scorer import label_set_scores


def confusion(probs: np.ndarray, gold: np.ndarray):
    """Rows: each gold label g; columns: the top-1 prediction of the names whose gold set
    contains g. Returns (all predictions, only the wrong ones: top-1 not in the gold set)."""
    n_labels = probs.shape[1]
    matrix = np.zeros((n_labels, n_labels), dtype=np.int64)
    errors = np.zeros_like(matrix)
    for top, g in zip(probs.argmax(axis=1), gold):
        for lab in np.flatnonzero(g):
            matrix[lab, top] += 1
            if not g[top]:
                errors[lab, top] += 1
    return matrix, errors


def plot_confusion(matrix: np.ndarray, labels, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    norm = matrix / np.clip(matrix.sum(axis=1, keepdims=True), 1, None)
    fig, ax = plt.subplots(figsize=(13, 11))
    im = ax.imshow(norm, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("top-1 prediction")
    ax.set_ylabel("names whose gold label set contains")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of the row's names")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def load_split(path: str, labels) -> tuple:
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    index = {lab: i for i, lab in enumerate(labels)}
    gold = np.zeros((len(docs), len(labels)), dtype="float32")
    for i, doc in enumerate(docs):
        for lab, val in doc.cats.items():
            if val > 0.5 and lab in index:
                gold[i, index[lab]] = 1.0
    return [d.text for d in docs], gold


def main(model_dir: str, test_path: str, out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nlp = spacy.load(model_dir)
    pipe = nlp.get_pipe("surname_nationality")
    labels = list(pipe.labels)
    names, gold = load_split(test_path, labels)
    probs = pipe.predict_proba(names)
    scores = label_set_scores(probs, gold, labels, pipe.threshold)
    per_label = pd.DataFrame(scores.pop("nationality_per_label")).T.sort_values("support", ascending=False)
    per_label.index.name = "nationality"
    per_label.to_csv(out / "per_label.csv", float_format="%.4f")
    matrix, off = confusion(probs, gold)
    top_pairs = [
        {"gold": labels[i], "predicted": labels[j], "count": int(off[i, j])}
        for i, j in zip(*np.unravel_index(np.argsort(-off, axis=None)[:15], off.shape)) if off[i, j] > 0
    ]
    plot_confusion(matrix, labels, out / "confusion.png",
                   f"surname_nationality on {len(names)} held-out surnames (top-1 {scores['nationality_top1']:.3f})")
    metrics = {**scores, "n_names": len(names), "threshold": pipe.threshold, "top_confusions": top_pairs}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(json.dumps({k: v for k, v in metrics.items() if k != "top_confusions"}, indent=2))
    print(per_label.to_string(float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main(*sys.argv[1:])
