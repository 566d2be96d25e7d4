"""Person names in news: CoNLL-2003 English validation (a development set), as written, lowercased, in capitals.

Why: the detector is trained on tweets and news; its users also run it on text of other kinds and
cases. The CoNLL-2003 validation split (Reuters, 1996; 3,250 sentences, 1,842 gold ``PER`` spans)
is a development set: figures on it guide the recipe, they are not a held-out test (the split's
test part is never read). Built by ``scripts/preprocess_conll.py`` into ``corpus/conll``:
``valid.spacy`` (as written), ``valid_lower.spacy`` (lowercased), ``valid_upper.spacy`` (capitals).

Measured, each sentence its own conversation:
- ``anonymizer``: ``spacy.blank("en")`` + ``name_anonymizer`` with its defaults and the given
  detector weights (as users run it; the metrics of benchmarks/bench_anonymizer.py: span-overlap
  precision/recall of the replaced mentions, leak rate = share of gold name strings still in the
  output, case-insensitive, whole word);
- ``detector``: ``person_name_detector.find_names`` alone (span-overlap and exact-span P/R/F).
At the weights' own threshold (or ``--threshold``); ``--sweep`` adds the detector alone at
0.20 ... 0.60 (information only: the threshold is chosen on the tweets, benchmarks/bench_anonymizer_cv.py).

Results go into ``--out`` under ``--label`` (other labels already in the file are kept), so one file
holds the figures of the weights compared.

Bounded: about a minute per label on 1 thread (three passes of 3,250 sentences per system).
Usage: OMP_NUM_THREADS=1 python benchmarks/bench_detector_news.py [--corpus corpus/conll]
           [--weights bundled] [--label bundled] [--threshold T] [--sweep]
           [--out benchmarks/results/detector_news.json]
"""
import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import spacy
import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_anonymizer import build, evaluate_counts, load_gold, rates  # noqa: E402

from spacy_rnn.name_detector.scorer import name_span_counts, prf_from_counts  # noqa: E402

SETS = {"as_written": "valid.spacy", "lowercased": "valid_lower.spacy", "all_caps": "valid_upper.spacy"}
SWEEP = [round(0.20 + 0.05 * i, 2) for i in range(9)]


def detector_scores(det, nlp, gold, threshold: float) -> Dict[str, float]:
    """Span-overlap and exact P/R/F of the detector alone on (text, gold char spans)."""
    docs = [nlp.make_doc(t) for t, _ in gold]
    found = det.find_names(docs, threshold=threshold)
    pairs = [(sorted(g), [(s.start_char, s.end_char) for s in p]) for (_, g), p in zip(gold, found)]
    return {k: round(v, 3) for k, v in prf_from_counts(name_span_counts(pairs)).items()}


def measure(weights: str, corpus: Path, threshold: Optional[float], sweep: bool) -> Dict[str, object]:
    anon_nlp = build("blank", "", weights)
    anon = anon_nlp.get_pipe("name_anonymizer")
    det_nlp = spacy.blank("en")
    det = det_nlp.add_pipe("person_name_detector", config={"weights": weights})
    t = float(threshold if threshold is not None else det.threshold)
    anon.cfg["detector_threshold"] = t
    out: Dict[str, object] = {"weights": weights, "threshold": t}
    for name, file in SETS.items():
        gold = load_gold(corpus / file)
        start = time.perf_counter()
        row = rates(evaluate_counts(anon_nlp, gold, list_leaks=name == "as_written"))
        seconds = time.perf_counter() - start
        if "leaked_names" in row:  # the 40 most frequent leaks, for reading; the counts are in "leaks"
            names: Dict[str, int] = {}
            for n in row.pop("leaked_names"):
                names[n] = names.get(n, 0) + 1
            row["most_leaked"] = dict(sorted(names.items(), key=lambda x: (-x[1], x[0]))[:40])
        entry = {"anonymizer": {**row, "messages_per_second": round(len(gold) / seconds, 1)},
                 "detector": detector_scores(det, det_nlp, gold, t)}
        if sweep:
            entry["detector_by_threshold"] = {str(x): detector_scores(det, det_nlp, gold, x) for x in SWEEP}
        out[name] = entry
        a = entry["anonymizer"]
        print(f"{name}: anonymizer P {a['precision_overlap']} R {a['recall_overlap']} leak {a['leak_rate']}; "
              f"detector P {entry['detector']['names_overlap_p']} R {entry['detector']['names_overlap_r']}",
              flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("corpus/conll"))
    ap.add_argument("--weights", default="bundled", help="detector weights: bundled or a to_disk directory")
    ap.add_argument("--label", default="bundled")
    ap.add_argument("--threshold", type=float, default=None, help="default: the weights' stored threshold")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/detector_news.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    missing = [f for f in SETS.values() if not (args.corpus / f).exists()]
    if missing:
        raise SystemExit(f"✘ {args.corpus}: missing {', '.join(missing)} (run scripts/preprocess_conll.py)")
    results: Dict[str, object] = json.loads(args.out.read_text()) if args.out.exists() else {}
    results["data"] = ("CoNLL-2003 English validation (development set; the test split is never read): "
                       "3,250 sentences, 1,842 PER spans; as written, lowercased, in capitals")
    results["machine"] = {"cpus": os.cpu_count(), "torch_threads": 1, "python": platform.python_version()}
    systems: Dict[str, List] = results.setdefault("systems", {})
    systems[args.label] = measure(args.weights, args.corpus, args.threshold, args.sweep)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"✔ {args.out} [{args.label}]")


if __name__ == "__main__":
    main()
