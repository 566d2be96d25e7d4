"""Surname table → train/dev/test DocBins (one Doc per surname, gold labels in doc.cats).

Also writes train_full.spacy = train + dev: the whole 80 % training split, which
the bundled model is trained on with a fixed schedule (dev then only monitors fit).
"""
import argparse
import json
from pathlib import Path

import pandas as pd
import spacy
from spacy.tokens import DocBin

from spacy_rnn.training.surnames import grouped_split, load_surnames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--dev-fraction", type=float, default=0.1)
    parser.add_argument("--skip-existing", action="store_true", help="do nothing if the DocBins exist")
    args = parser.parse_args()
    out = Path(args.out_dir)
    parts = ("train", "dev", "test")
    if args.skip_existing and all((out / f"{p}.spacy").exists() for p in parts + ("train_full",)):
        print(f"✔ {out} already has {', '.join(parts)} DocBins")
        return
    table = load_surnames(args.csv)
    splits = grouped_split(table, seed=args.seed, test_fraction=args.test_fraction,
                           dev_fraction=args.dev_fraction)
    nlp = spacy.blank("en")
    out.mkdir(parents=True, exist_ok=True)
    summary = {"n_surnames": len(table), "labels": sorted({l for ls in table["labels"] for l in ls})}
    full = pd.concat(splits[:2], ignore_index=True)
    for part, df in zip(parts + ("train_full",), splits + (full,)):
        db = DocBin(attrs=[])
        for surname, labels in zip(df["surname"], df["labels"]):
            doc = nlp.make_doc(surname)
            doc.cats = {label: 1.0 for label in labels}
            db.add(doc)
        db.to_disk(out / f"{part}.spacy")
        summary[part] = {"surnames": len(df), "multi_label": int(sum(len(l) > 1 for l in df["labels"]))}
        print(f"✔ {part}: {len(df)} surnames → {out / f'{part}.spacy'}")
    (out / "summary.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
