"""Pick the decision threshold on the dev split and bundle the trained person_name_detector.

Reads one trained pipeline (``training/ner/model-best``) or several, comma-separated (runs of
the same recipe with different seeds: their taggers become one ensemble whose O/B/I
probabilities are averaged; they must share the vocabulary, lexicon and pretrained word vectors (stored once,
shared by the members), which they do when trained on the same corpus and table), sweeps the threshold on the REAL dev
tweets (corpus/ner/dev.spacy, never the test split) and keeps the one with the highest
span-overlap recall among those with precision >= 0.60 (the issue's target; recall first because
a missed name is a leak, a false alarm only replaces a word), else the best F2, then writes
the component with ``to_disk`` into spacy_rnn/models/person_name_detector/ (cfg + model). The
MODEL_CARD.md there is written by hand from benchmarks/results/name_detection.json.

Usage: python scripts/bundle_detector.py [training/ner/model-best[,training/ner_s1/model-best,...]]
           [corpus/ner/dev.spacy] [--out DIR] [--dry-run] [--threshold T | --threshold-from JSON]
(--out: write somewhere else than the package, e.g. to compare candidates on dev or to build the
cross-validation folds' ensembles; --threshold: no dev sweep, use T, chosen elsewhere, e.g. by
benchmarks/bench_anonymizer_cv.py on the folds' held-out predictions.)
"""
import argparse
import json
from pathlib import Path
from typing import Optional

import numpy as np
import spacy
import torch
from spacy.tokens import DocBin

from spacy_rnn.lazy_torch import TORCH_REF, reset, torch_module
from spacy_rnn.name_detector.scorer import name_span_counts, prf_from_counts
from spacy_rnn.training.fp16 import halve_model_bytes
from spacy_rnn.util import bundled_path

KEY = "person_names"
MIN_PRECISION = 0.60


def same_vectors(a, b) -> bool:
    """The same pretrained word-vector table (attrs["vectors"]), or none in both."""
    if not a or not b:
        return not a and not b
    return (a["keys"] == b["keys"] and np.array_equal(a["q"], b["q"])
            and np.array_equal(a["scale"], b["scale"]))


def merge_members(det, model_dirs):
    """Turn ``det`` (loaded from model_dirs[0]) into an ensemble of the taggers of all model_dirs."""
    states, ref = [], det.model.attrs
    for path in model_dirs:
        other = spacy.load(path).get_pipe("person_name_detector")
        if other.model.attrs["vocab"] != ref["vocab"] or other.model.attrs["lexicon"] != ref["lexicon"]:
            raise SystemExit(f"{path}: vocabulary/lexicon differ from {model_dirs[0]} (train on the same corpus)")
        if not same_vectors(other.model.attrs.get("vectors"), ref.get("vectors")):
            raise SystemExit(f"{path}: pretrained word vectors differ from {model_dirs[0]} (use the same table)")
        module = torch_module(other.model)
        members = getattr(module, "members", [module])
        states.extend(m.state_dict() for m in members)
    det.cfg["n_members"] = len(states)
    reset(det.model.get_ref(TORCH_REF))  # rebuild the torch module with n_members taggers
    det._initialize_before_deserializing()
    ensemble = torch_module(det.model)
    for member, state in zip(getattr(ensemble, "members", [ensemble]), states):
        member.load_state_dict(state)
    ensemble.eval()
    return det


def main(model_dir: str = "training/ner/model-best", dev_path: str = "corpus/ner/dev.spacy",
         out: str = "", dry_run: bool = False, threshold: Optional[float] = None,
         threshold_source: str = "given (--threshold)") -> None:
    torch.set_num_threads(1)
    model_dirs = [p for p in model_dir.split(",") if p]
    nlp = spacy.load(model_dirs[0])
    det = nlp.get_pipe("person_name_detector")
    if len(model_dirs) > 1:
        det = merge_members(det, model_dirs)
        print(f"✔ ensemble of {det.n_members} taggers: {model_dirs}")
    if threshold is not None:
        write_bundle(det, threshold, Path(out) if out else bundled_path("person_name_detector"),
                     {"chosen": threshold, "rule": threshold_source, "n_members": det.n_members})
        return
    gold_docs = list(DocBin().from_disk(dev_path).get_docs(nlp.vocab))
    gold = [sorted((s.start_char, s.end_char) for s in d.spans[KEY]) for d in gold_docs]
    docs = [nlp.make_doc(d.text) for d in gold_docs]
    sweep = {}
    for t in np.round(np.arange(0.15, 0.86, 0.05), 2):
        preds = det.find_names(docs, threshold=float(t))
        pairs = [(g, [(s.start_char, s.end_char) for s in p]) for g, p in zip(gold, preds)]
        s = prf_from_counts(name_span_counts(pairs))
        p, r = s["names_overlap_p"], s["names_overlap_r"]
        f2 = 5 * p * r / (4 * p + r) if p + r else 0.0
        sweep[float(t)] = {"overlap_p": round(p, 3), "overlap_r": round(r, 3), "f2": round(f2, 4),
                           "exact_f": round(s["names_f"], 3)}
    # The target: most recall at span-overlap precision >= MIN_PRECISION (ties -> higher
    # precision); when no threshold reaches it, the best F2.
    ok = [t for t in sweep if sweep[t]["overlap_p"] >= MIN_PRECISION]
    if ok:
        best = max(ok, key=lambda t: (sweep[t]["overlap_r"], sweep[t]["overlap_p"]))
    else:
        best = max(sweep, key=lambda t: (sweep[t]["f2"], -abs(t - 0.5)))
    for t, row in sweep.items():
        print(f"  t={t:.2f}  P {row['overlap_p']:.3f}  R {row['overlap_r']:.3f}  F2 {row['f2']:.3f}  exact F {row['exact_f']:.3f}")
    print(f"✔ threshold {best}: {sweep[best]}")
    if dry_run:
        return
    write_bundle(det, best, Path(out) if out else bundled_path("person_name_detector"),
                 {"chosen": best, "rule": f"max overlap recall at overlap precision >= {MIN_PRECISION} (else max F2)",
                  "n_members": det.n_members, "dev": dev_path, "sweep": sweep})


def write_bundle(det, threshold: float, out: Path, record: dict) -> None:
    det.cfg["threshold"] = threshold
    out.mkdir(parents=True, exist_ok=True)
    det.to_disk(out)
    # fp16 storage, as for the other bundles (loading converts back to fp32). On all 2,394 WNUT tweets
    # the 5-tagger bundle's probabilities moved by at most 1.3e-4 and no found span changed.
    model_file = out / "model"
    model_file.write_bytes(halve_model_bytes(model_file.read_bytes()))
    # how the threshold was chosen (no training-run directories: they exist only where it was trained)
    (out / "threshold.json").write_text(json.dumps(record, indent=1))
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f"✔ bundled into {out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir", nargs="?", default="training/ner/model-best",
                    help="trained pipeline, or several comma-separated (an ensemble)")
    ap.add_argument("dev_path", nargs="?", default="corpus/ner/dev.spacy")
    ap.add_argument("--out", default="", help="output directory (default: the package's bundled weights)")
    ap.add_argument("--dry-run", action="store_true", help="sweep and print only")
    ap.add_argument("--threshold", type=float, default=None, help="no dev sweep: bundle with this threshold")
    ap.add_argument("--threshold-from", type=Path, default=None,
                    help="no dev sweep: the threshold_for_bundle of this JSON (benchmarks/bench_anonymizer_cv.py)")
    a = ap.parse_args()
    source = "given (--threshold)"
    if a.threshold_from is not None:
        cv = json.loads(a.threshold_from.read_text())
        a.threshold = float(cv["threshold_for_bundle"])
        source = f"threshold_for_bundle of {a.threshold_from}: {cv.get('protocol', '')}"
    main(a.model_dir, a.dev_path, a.out, a.dry_run, a.threshold, source)
