"""Side by side: the book's recipe vs next_token_scorer's, equal size, same 10-minute budget.

Both train a tied GRU 2x200 word LM (embedding 200, ~7.2M parameters) on the
standard WikiText-2 split for the same wall-clock budget on 1 thread each, and
are launched **at the same time** as two processes, so they share whatever load
the machine carries. Then each reports its training tokens/s and its validation
perplexity under the same protocol (the validation stream cut into 10 contiguous
parts, hidden state carried through each; evaluation time not counted).

- reference: ``benchmarks/reference_word_language_model.py`` (pytorch/examples
  ``word_language_model``: full softmax, SGD lr 20, batch 20, bptt 35, clip 0.25);
- ours: the ``next_token_scorer`` component trained through ``nlp.update`` (thinc
  ``PyTorchWrapper_v2``, thinc Adam lr 3e-3, grad clip 1.0) with the tied adaptive
  softmax (``div_val = 1`` keeps every embedding 200-wide: equal parameter count),
  the same batch 20 x bptt 35 stream layout. Its learning rate follows the shape of
  ``lm-train``'s ``warmup_linear`` schedule (200 warm-up steps, then linear decay
  to zero), with the decay measured in wall-clock time against the budget, since
  the number of steps that fit in 10 minutes is not known in advance.
  ``--schedule constant`` keeps lr 3e-3 throughout; its
  end point is erratic: with a constant lr the weights sometimes sit where the
  GRU, run without dropout, falls into a state it never leaves (a whole
  validation stream then scores worse than uniform), and a later update undoes it.

    python benchmarks/bench_lm_vs_reference.py corpus/lm/wikitext-2 --minutes 10
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


WARMUP_STEPS = 200
LEARN_RATE = 0.003


def scheduled_rate(schedule: str, step: int, elapsed: float, budget: float) -> float:
    """Learning rate for update ``step`` (0-based) after ``elapsed`` of ``budget`` seconds."""
    if schedule == "constant":
        return LEARN_RATE
    warm = min(1.0, (step + 1) / WARMUP_STEPS)
    return LEARN_RATE * warm * max(0.0, 1.0 - elapsed / budget)


def run_ours(data_dir: str, minutes: float, threads: int, output: str, schedule: str = "linear") -> dict:
    import torch

    torch.set_num_threads(threads)
    import spacy
    from spacy.tokens import Doc
    from spacy.training import Example
    from thinc.api import Adam, fix_random_seed

    from spacy_rnn.training import wikitext2 as lm_data

    fix_random_seed(1111)
    texts = {s: (Path(data_dir) / f"{s}.txt").read_text(encoding="utf8") for s in ("train", "valid")}
    train = lm_data.stream_tokens(texts["train"])
    valid = lm_data.stream_tokens(texts["valid"])
    nlp = spacy.blank("en")
    cfg = {"weights": None, "model": {"@architectures": "spacy-rnn.WordRNNLM.v1", "emb_dim": 200,
           "hidden_size": 200, "n_layers": 2, "cell": "gru", "dropout": 0.2, "emb_dropout": 0.2,
           "cutoffs": [2000, 10000], "div_val": 1.0}}
    pipe = nlp.add_pipe("next_token_scorer", config=cfg)
    batch, bptt = 20, 35

    def make(words, stream=None, pos=None):
        doc = Doc(nlp.vocab, words=words)
        if stream is not None:
            doc.user_data["lm_stream"], doc.user_data["lm_pos"] = stream, pos
        return Example(doc, doc)

    segs = list(lm_data.interleave_segments(train, batch, bptt))
    examples = [make(w, j, k) for j, k, w in segs]
    nlp.initialize(lambda: examples)  # vocabulary from the whole training stream: 33,278 words
    optimizer = Adam(LEARN_RATE, grad_clip=1.0, L2=0.0)
    budget = minutes * 60
    n_tokens, start, curve, step = 0, time.time(), [], 0
    done = False
    while not done:
        for i in range(0, len(examples), batch):
            b = examples[i : i + batch]
            losses = {}
            optimizer.learn_rate = scheduled_rate(schedule, step, time.time() - start, budget)
            nlp.update(b, sgd=optimizer, losses=losses)
            n_tokens += sum(len(eg.reference) for eg in b)
            step += 1
            if step % 200 == 0:
                curve.append({"seconds": round(time.time() - start, 1), "tokens": n_tokens,
                              "train_ppl": math.exp(min(losses["next_token_scorer"], 20)),
                              "learn_rate": optimizer.learn_rate})
            if time.time() - start >= budget:
                done = True
                break
    train_seconds = time.time() - start
    t0 = time.time()
    parts = lm_data.contiguous_parts(valid, 10)
    docs = list(nlp.pipe([Doc(nlp.vocab, words=p) for p in parts], batch_size=10))
    nats = sum(math.log(2) * d._.surprisal for d in docs)
    n = sum(len(d) for d in docs)
    result = {
        "train_seconds": round(train_seconds, 1),
        "train_tokens": n_tokens,
        "tokens_per_second": round(n_tokens / train_seconds, 1),
        "valid_ppl": round(math.exp(nats / n), 2),
        "eval_seconds": round(time.time() - t0, 1),
        "curve": curve,
        "n_params": sum(p.numel() for p in pipe.module.parameters()),
        "threads": threads,
        "minutes": minutes,
        "schedule": schedule,
        "recipe": "next_token_scorer via nlp.update: GRU 2x200, tied adaptive softmax (cutoffs 2000/10000, "
                  "div_val 1), thinc Adam lr 3e-3, batch 20, bptt 35, dropout 0.2"
                  + (", lr warm-up 200 steps then linear decay to 0 over the time budget"
                     if schedule == "linear" else ", constant lr"),
    }
    Path(output).write_text(json.dumps(result, indent=2) + "\n")
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="directory with the standard train.txt/valid.txt (lm-preprocess writes it)")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--which", choices=["both", "ours"], default="both")
    ap.add_argument("--schedule", choices=["linear", "constant"], default="linear",
                    help="ours' learning rate: warm-up + linear decay over the time budget, or constant")
    ap.add_argument("--results", default=str(HERE / "results"))
    args = ap.parse_args()
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    ours_out = results / "lm_ours_10min.json"
    if args.which == "ours":
        run_ours(args.data, args.minutes, args.threads, str(ours_out), args.schedule)
        return
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    ref_out = results / "reference_word_language_model.json"
    procs = [
        subprocess.Popen([sys.executable, str(HERE / "reference_word_language_model.py"), args.data,
                          "--minutes", str(args.minutes), "--threads", str(args.threads),
                          "--output", str(ref_out)], env=env),
        subprocess.Popen([sys.executable, __file__, args.data, "--which", "ours", "--schedule", args.schedule,
                          "--minutes", str(args.minutes), "--threads", str(args.threads), "--results", str(results)], env=env),
    ]
    codes = [p.wait() for p in procs]
    if any(codes):
        raise SystemExit(f"benchmark processes exited with {codes}")
    ref = json.loads(ref_out.read_text())
    ours = json.loads(ours_out.read_text())
    summary = {
        "setting": f"{args.minutes:g} minutes each, {args.threads} thread(s) each, both processes launched "
                   "together on the same machine; validation perplexity on the 10-stream protocol",
        "reference": {k: v for k, v in ref.items() if k != "curve"},
        "ours": {k: v for k, v in ours.items() if k != "curve"},
        "speedup_tokens_per_s": round(ours["tokens_per_second"] / ref["tokens_per_second"], 2),
        "valid_ppl_ratio": round(ours["valid_ppl"] / ref["valid_ppl"], 3),
        "targets": {"speedup_at_least": 3.0, "ppl_ratio_at_most": 0.5},
    }
    summary["meets_targets"] = bool(summary["speedup_tokens_per_s"] >= 3.0 and summary["valid_ppl_ratio"] <= 0.5)
    (results / "lm_vs_reference.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
