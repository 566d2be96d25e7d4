"""Token-level dev figures of person_name_detector candidates (the adoption rule's inputs).

For each candidate, on the REAL dev tweets (corpus/ner/dev.spacy, never the test split):
P(inside a name) = P(B) + P(I) = 1 - P(O) per token, against the gold "inside a name" label.
- token AP: average precision of that score (threshold-free; sklearn's definition);
- token log-loss: mean binary cross-entropy of it (calibration and sharpness);
- AUC, and the AP on the lowercased dev tweets (same gold tokens).
Dev has only 49 names, too few to separate models by span-level P/R; these token figures use all
~5k dev tokens. Session 2's rule, kept: a new bundle is adopted only if both AP and log-loss beat the
current bundle's.

Since session 4 the bundled detector is trained on every WNUT tweet (dev and test included), so
``bundled`` on corpus/ner is no longer a held-out measurement; use it with candidates
trained on the fixed split's train part, or see benchmarks/bench_anonymizer_cv.py.

A candidate is ``bundled``, a component directory written by ``to_disk`` (has ``cfg``), or one
or several comma-separated trained pipelines (``training/ner/model-best,...``: merged into an
ensemble as scripts/bundle_detector.py does).

Usage: python scripts/eval_detector_dev.py CANDIDATE [CANDIDATE ...] [--dev corpus/ner/dev.spacy]
           [--out metrics/detector_dev.json]
Needs scikit-learn (the ``bench`` extra).
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import spacy
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from spacy.tokens import DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundle_detector import merge_members  # noqa: E402

KEY = "person_names"


def load_detector(spec: str):
    if spec == "bundled" or (Path(spec) / "cfg").exists():
        nlp = spacy.blank("en")
        return nlp, nlp.add_pipe("person_name_detector", config={"weights": spec})
    dirs = [d for d in spec.split(",") if d]
    nlp = spacy.load(dirs[0])
    det = nlp.get_pipe("person_name_detector")
    if len(dirs) > 1:
        det = merge_members(det, dirs)
    return nlp, det


def token_figures(det, nlp, gold_docs) -> dict:
    y = np.concatenate([[int(any(s.start <= t.i < s.end for s in d.spans[KEY])) for t in d] for d in gold_docs])
    p = 1.0 - det.predict([nlp.make_doc(d.text) for d in gold_docs])[:, 0]
    nll = float(-np.mean(np.log(np.clip(np.where(y == 1, p, 1.0 - p), 1e-9, None))))
    out = {"token_ap": round(float(average_precision_score(y, p)), 4), "token_logloss": round(nll, 5),
           "token_auc": round(float(roc_auc_score(y, p)), 4), "tokens": int(len(y)), "name_tokens": int(y.sum())}
    pl = 1.0 - det.predict([nlp.make_doc(d.text.lower()) for d in gold_docs])[:, 0]
    if len(pl) == len(y):
        out["lowercased_token_ap"] = round(float(average_precision_score(y, pl)), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("candidates", nargs="+")
    ap.add_argument("--dev", default="corpus/ner/dev.spacy")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    torch.set_num_threads(1)
    results = {}
    for spec in args.candidates:
        nlp, det = load_detector(spec)
        gold_docs = list(DocBin().from_disk(args.dev).get_docs(nlp.vocab))
        results[spec] = {"n_members": det.n_members, "n_pretrained": det.n_pretrained,
                         **token_figures(det, nlp, gold_docs)}
        print(f"{spec}: {results[spec]}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"dev": args.dev, "results": results}, indent=1))


if __name__ == "__main__":
    main()
