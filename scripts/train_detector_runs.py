"""Train the person_name_detector recipe on several corpora x seeds, two runs at a time.

For each corpus directory (built by scripts/preprocess_ner.py, e.g. the cross-validation folds
``corpus/ner_cv/fold0`` ... ``fold4`` or the all-tweets ``corpus/ner_all``) and each seed, runs
``spacy train configs/person_name_detector.cfg`` on 1 thread into ``OUT/<corpus name>_s<seed>``
(a run whose ``model-last`` exists is skipped, so the script resumes), then merges each corpus's
seeds into one ensemble (``scripts/bundle_detector.py --threshold``) in ``OUT/<corpus name>``.
The runs keep ``model-last`` (a fixed 2,000 steps): their dev.spacy is a slice of their own
training tweets, only for spacy train's log, so nothing is chosen on held-out text.

Bounded: about 3-5 minutes per run on 1 thread; ``--jobs 2`` runs two at once on 2 cores. A corpus
without its files, or a failed run, stops the script with the name of what is missing or of the
run's log.
Usage: python scripts/train_detector_runs.py corpus/ner_cv/fold0 [...] [--out training/ner_cv]
           [--seeds 0 1 2 3 4] [--jobs 2] [--threshold 0.45] [--set training.max_steps=3000 ...]
"""
import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Sequence


CORPUS_FILES = ("train.spacy", "dev.spacy", "lexicon.json", "glove_vectors.npz")


def train_command(corpus: Path, output: Path, seed: int, overrides: Sequence[str] = ()) -> List[str]:
    """``spacy train`` of the recipe on ``corpus``; ``overrides`` are ``section.key=value`` config settings."""
    extra = []
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"✘ --set {item!r}: expected section.key=value")
        extra += [f"--{key}", value]
    return [sys.executable, "-m", "spacy", "train", "configs/person_name_detector.cfg", "--output", str(output),
            "--paths.train", str(corpus / "train.spacy"), "--paths.dev", str(corpus / "dev.spacy"),
            "--paths.lexicon", str(corpus / "lexicon.json"), "--paths.glove", str(corpus / "glove_vectors.npz"),
            "--system.seed", str(seed), *extra]


def run(corpus: Path, output: Path, seed: int, overrides: Sequence[str] = ()) -> Path:
    if (output / "model-last").exists():
        print(f"✔ {output} already trained", flush=True)
        return output / "model-last"
    log = output.with_suffix(".log")
    print(f"… training {output} (log {log})", flush=True)
    with log.open("w") as f:
        result = subprocess.run(train_command(corpus, output, seed, overrides), stdout=f, stderr=subprocess.STDOUT,
                                env={**os.environ, "OMP_NUM_THREADS": "1"})
    if result.returncode:
        raise SystemExit(f"✘ training {output} failed (exit {result.returncode}): see {log}")
    print(f"✔ {output}", flush=True)
    return output / "model-last"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("training/ner_cv"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=0.45, help="threshold stored in each ensemble")
    ap.add_argument("--set", dest="overrides", nargs="*", default=[], metavar="SECTION.KEY=VALUE",
                    help="config overrides for every run, e.g. components.person_name_detector.model.n_layers=2")
    args = ap.parse_args()
    for corpus in args.corpora:
        missing = [n for n in CORPUS_FILES if not (corpus / n).exists()]
        if missing:
            raise SystemExit(f"✘ {corpus}: missing {', '.join(missing)} (run scripts/preprocess_ner.py and "
                             "scripts/prune_glove.py for it first)")
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [(c, args.out / f"{c.name}_s{s}", s) for c in args.corpora for s in args.seeds]
    with ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda j: run(*j, args.overrides), jobs))
    for corpus in args.corpora:
        members = [str(d) for (c, _, _), d in zip(jobs, done) if c == corpus]
        subprocess.run([sys.executable, "scripts/bundle_detector.py", ",".join(members), "--out",
                        str(args.out / corpus.name), "--threshold", str(args.threshold)], check=True)


if __name__ == "__main__":
    main()
