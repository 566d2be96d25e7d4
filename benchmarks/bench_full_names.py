"""surname_nationality on names of several words: whole string only vs ``words_weight``.

Two test sets, both built from the held-out test split (never trained on):

- full names: each single-label test surname whose nationality has a Faker locale
  (22 of 37) with a given name of that locale (seeded choice; Chinese, Korean and
  Vietnamese names also in surname-first order);
- the table's own several-word surnames ("Abu Jaber", "van der Berg").

Top-1 (a prediction counts when it is the surname's label / in its label set) for:
the whole string only (``words_weight: 0``), the component's default mix, and, for
full names, the surname alone (an upper reference).

    python benchmarks/bench_full_names.py     # needs corpus/nationality and assets/given_names
"""
import argparse
import json
import random
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import DocBin

from spacy_rnn.text import fold_name

LOCALES = {"Brazilian": ["pt_BR"], "Chilean": ["es_CL"], "Chinese": ["zh_CN", "zh_TW"], "Czech": ["cs_CZ"],
           "Dutch": ["nl_NL"], "English": ["en_GB", "en_US"], "Finnish": ["fi_FI"], "French": ["fr_FR"],
           "German": ["de_DE"], "Greek": ["el_GR"], "Indian": ["en_IN"], "Irish": ["en_IE"], "Italian": ["it_IT"],
           "Korean": ["ko_KR"], "Mexican": ["es_MX"], "Nigerian": ["yo_NG", "en_NG", "ig_NG", "ha_NG"],
           "Polish": ["pl_PL"], "Portuguese": ["pt_PT"], "Russian": ["ru_RU"], "Spanish": ["es_ES"],
           "Ukrainian": ["uk_UA"], "Vietnamese": ["vi_VN"]}
SURNAME_FIRST = {"Chinese", "Korean", "Vietnamese"}


def given_names(path: Path) -> dict:
    raw = json.loads(path.read_text(encoding="utf8"))
    out = {}
    for label, locales in LOCALES.items():
        folded = {fold_name(g).strip() for loc in locales for g in raw.get(loc, [])}
        out[label] = sorted(f for f in folded if f and " " not in f and f.replace("-", "").isalpha())
    return out


def top1(probs: np.ndarray, gold: np.ndarray) -> float:
    return round(float(gold[np.arange(len(probs)), probs.argmax(1)].mean()), 4)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--test", type=Path, default=Path("corpus/nationality/test.spacy"))
    ap.add_argument("--given", type=Path, default=Path("assets/given_names/faker-40.63.0.json"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/nationality_full_names.json"))
    args = ap.parse_args()
    nlp = spacy.blank("en")
    mixed = nlp.add_pipe("surname_nationality")
    whole = spacy.blank("en").add_pipe("surname_nationality", config={"words_weight": 0.0})
    labels = list(mixed.labels)
    docs = list(DocBin().from_disk(args.test).get_docs(nlp.vocab))
    given, rng = given_names(args.given), random.Random(args.seed)

    full, surnames, gold = [], [], []
    for doc in docs:
        cats = [label for label, v in doc.cats.items() if v > 0]
        if len(cats) != 1 or cats[0] not in LOCALES or not given[cats[0]] or " " in doc.text:
            continue
        first = rng.choice(given[cats[0]])
        orders = [f"{first} {doc.text}"] + ([f"{doc.text} {first}"] if cats[0] in SURNAME_FIRST else [])
        for name in orders:
            full.append(name)
            surnames.append(doc.text)
            gold.append([float(label == cats[0]) for label in labels])
    gold = np.array(gold)
    several = [d for d in docs if len(fold_name(d.text).split()) > 1]
    several_gold = np.array([[d.cats.get(label, 0.0) for label in labels] for d in several])
    result = {
        "words_weight": mixed.cfg["words_weight"],
        "full_names": {"n": len(full), "nationalities": len(LOCALES),
                       "whole_string_only": top1(whole.predict_proba(full), gold),
                       "with_words_weight": top1(mixed.predict_proba(full), gold),
                       "surname_alone": top1(whole.predict_proba(surnames), gold)},
        "several_word_surnames_of_the_table": {
            "n": len(several),
            "whole_string_only": top1(whole.predict_proba([d.text for d in several]), several_gold),
            "with_words_weight": top1(mixed.predict_proba([d.text for d in several]), several_gold)},
        "command": "python benchmarks/bench_full_names.py",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
