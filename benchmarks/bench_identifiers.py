"""Identifier detection: recall on identifiers inserted into real messages, false alarms on real
and number-dense text without identifiers, side by side with Presidio's predefined recognizers,
and the throughput of the name_anonymizer with every type on vs names only.

    python benchmarks/bench_identifiers.py [--per-type 2400] [--seed 0]
        [--presidio-python .venv-presidio/bin/python] [--out benchmarks/results/identifiers.json]

**Recall.** For each type, ``--per-type`` identifiers (:mod:`identifier_forms`: 16 countries'
phone numbers in 9 written forms, e-mails, URLs, cards, IBANs, IPs, handles) are put into chat
templates ("my number is {x}", "{x} is my mail", "call {x}.") and the template into a real
message (half WNUT-16 tweets, half WikiText-2 *train* sentences) at its start, end or between two
words. A hit is a detected span of the identifier's type that

- ``exact``: starts and ends where the inserted identifier does;
- ``covers``: starts at or before it and ends at or after it (the whole identifier is replaced).

The finder reads a national phone number with that number's country as its region (a user sets
``region`` to the country of the logs) and everything else with the default "US"; Presidio runs
with its defaults (its PhoneRecognizer tries US, GB, DE, FR, IL, IN, CA, BR). The @handles and
URLs already written in the tweets are reported as a separate, real-world recall.

**False alarms** per 1,000 messages per type (spans found, and messages with one) on text that
holds no identifiers: the tweets (``tweets_clean``: the 978 without any @handle, URL, domain,
e-mail or NANP phone number by :func:`identifier_texts.real_identifier_spans`;
``tweets_masked``: all 2,394, spans overlapping those real identifiers not counted),
WikiText-2 *valid* sentences (without the 9 that name a website), number-dense chat messages
(:func:`identifier_forms.number_dense`: sports results, prices, dates, years, times, ranges,
counts, versions) and order/invoice/ticket numbers, without and with
``keep=identifier_forms.ORDER_KEEP``. WikiText-2 test is never read.

**Presidio**: ``benchmarks/presidio_side.py`` in its own environment, on the same texts through a
temporary JSONL file; both tools are scored here by the same code. Its entity types are mapped
to ours (:data:`PRESIDIO_MAP`); DATE_TIME, CRYPTO, MAC_ADDRESS and UUID have no counterpart
and are counted apart.

**Throughput**: ``spacy.blank("en")`` + ``name_anonymizer`` with every type vs
``entities=["PERSON"]``, alternating rounds, medians; and the finder alone. One torch thread.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import identifier_forms as forms  # noqa: E402
import identifier_texts as texts  # noqa: E402
from spacy_rnn.anonymizer.identifiers import LABELS, IdentifierFinder  # noqa: E402

KEY = b"benchmark-key-not-secret-0123456789"
PRESIDIO_MAP = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "URL": "URL", "IP_ADDRESS": "IP",
    "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN",
    "US_SSN": "ID", "US_ITIN": "ID", "US_PASSPORT": "ID", "US_DRIVER_LICENSE": "ID", "US_BANK_NUMBER": "ID",
    "UK_NHS": "ID", "UK_NINO": "ID", "MEDICAL_LICENSE": "ID",
}
Spans = List[Tuple[int, int, str]]


# -- the texts -----------------------------------------------------------------------
def build_recall_set(rng: random.Random, per_type: int, tweets: List[str], wiki: List[str]) -> List[dict]:
    names = forms.Names()
    out = []
    for label, gen in forms.generators(names).items():
        for i in range(per_type):
            corpus, hosts = ("tweets", tweets) if i % 2 == 0 else ("wikitext_train", wiki)
            host = rng.choice(hosts)
            written, region, form = gen(rng)
            template = rng.choice(forms.TEMPLATES[label])
            text, start, end, where = forms.insert(rng, host, template, written)
            out.append({"label": label, "corpus": corpus, "form": form, "region": region, "template": template,
                        "where": where, "text": text, "start": start, "end": end})
    return out


def build_false_alarm_sets(rng: random.Random, tweets: List[str], n_numbers: int, n_orders: int) -> Dict[str, dict]:
    valid = texts.wikitext_sentences("valid")
    real_tweets = [texts.real_identifier_spans(t) for t in tweets]
    real_valid = [texts.real_identifier_spans(t) for t in valid]
    numbers = forms.number_dense(rng, n_numbers)
    return {
        "tweets_clean": {"texts": [t for t, r in zip(tweets, real_tweets) if not r], "masks": None},
        "tweets_masked": {"texts": tweets, "masks": real_tweets},
        "wikitext_valid": {"texts": [t for t, r in zip(valid, real_valid) if not r], "masks": None},
        "number_dense": {"texts": [t for t, _ in numbers], "groups": [g for _, g in numbers], "masks": None},
        "order_numbers": {"texts": forms.order_numbers(rng, n_orders), "masks": None},
    }, {"tweets_with_real_identifiers": sum(1 for r in real_tweets if r),
        "wikitext_valid_with_real_identifiers": sum(1 for r in real_valid if r),
        "real_spans_in_tweets": dict(Counter(s[2] for r in real_tweets for s in r))}


# -- the two tools -------------------------------------------------------------------
class Ours:
    """IdentifierFinder per (region, keep), every type on."""

    def __init__(self):
        self._finders = {}

    def __call__(self, text: str, region: str = "US", keep: Sequence[str] = ()) -> Spans:
        k = (region, tuple(keep))
        if k not in self._finders:
            self._finders[k] = IdentifierFinder(labels=LABELS, region=region, keep=keep)
        return [(i.start, i.end, i.label) for i in self._finders[k](text)]


def run_presidio(python: str, all_texts: List[str]) -> Tuple[dict, dict]:
    """Presidio's spans for every text at score thresholds 0 (its default) and 0.5: {threshold:
    (spans mapped to our labels, spans of unmapped types)}, and the run's meta."""
    script = Path(__file__).resolve().parent / "presidio_side.py"
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "texts.jsonl", Path(tmp) / "spans.jsonl"
        with open(src, "w", encoding="utf8") as f:
            for i, t in enumerate(all_texts):
                f.write(json.dumps({"id": i, "text": t}) + "\n")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        subprocess.run([python, str(script), str(src), str(dst)], check=True, env=env)
        # several Presidio types map to our ID (US_BANK_NUMBER and US_DRIVER_LICENSE on one
        # number): one span per (start, end, label), with the highest score
        best: List[Dict[Tuple[int, int, str], float]] = [{} for _ in all_texts]
        meta = {}
        with open(dst, encoding="utf8") as f:
            for line in f:
                rec = json.loads(line)
                if "meta" in rec:
                    meta = rec["meta"]
                    continue
                for s, e, ent, score in rec["spans"]:
                    k = (s, e, PRESIDIO_MAP.get(ent, ent))
                    best[rec["id"]][k] = max(score, best[rec["id"]].get(k, 0.0))
    by_threshold = {}
    for threshold in (0.0, 0.5):
        mapped = [sorted(k for k, sc in b.items() if k[2] in LABELS and sc >= threshold) for b in best]
        other = [sorted(k for k, sc in b.items() if k[2] not in LABELS and sc >= threshold) for b in best]
        by_threshold[threshold] = (mapped, other)
    return by_threshold, meta


def keep_filter(text: str, spans: Spans, keep: Sequence[str]) -> Spans:
    """Our ``keep`` semantics (a span overlapping a keep match is dropped), for Presidio's spans."""
    import re
    kept = [m.span() for p in keep for m in re.finditer(p, text)]
    return [sp for sp in spans if not any(s < sp[1] and sp[0] < e for s, e in kept)]


# -- scoring -------------------------------------------------------------------------
def hit(spans: Spans, label: str, start: int, end: int) -> Tuple[bool, bool]:
    exact = any(s == start and e == end and lab == label for s, e, lab in spans)
    covers = any(s <= start and e >= end and lab == label for s, e, lab in spans)
    return exact, covers


def score_recall(records: List[dict], spans: List[Spans], skip_labels=()) -> dict:
    tot = defaultdict(Counter)
    by_form = defaultdict(Counter)
    by_corpus = defaultdict(Counter)
    misses = defaultdict(list)
    for rec, sp in zip(records, spans):
        label = rec["label"]
        exact, covers = hit(sp, label, rec["start"], rec["end"])
        for c in (tot[label], by_form[f"{label}|{rec['form']}"], by_corpus[f"{label}|{rec['corpus']}"]):
            c["n"] += 1
            c["exact"] += exact
            c["covers"] += covers
        if not covers:
            misses[label].append(rec)
    rate = lambda c: {"n": c["n"], "exact": round(c["exact"] / c["n"], 4), "covers": round(c["covers"] / c["n"], 4)}
    out = {"per_type": {}, "per_corpus": {}, "per_form": {}}
    for label in tot:
        out["per_type"][label] = None if label in skip_labels else rate(tot[label])
    for k, c in sorted(by_corpus.items()):
        label, corpus = k.split("|")
        if label not in skip_labels:
            out["per_corpus"].setdefault(label, {})[corpus] = rate(c)
    for k, c in sorted(by_form.items()):
        label, form = k.split("|")
        if label not in skip_labels:
            out["per_form"].setdefault(label, {})[form] = rate(c)
    return out, misses


def score_real(tweets: List[str], masks: List[Spans], spans: List[Spans]) -> dict:
    """Recall of the @handles and URLs written in the tweets themselves."""
    c = defaultdict(Counter)
    for t, gold, sp in zip(tweets, masks, spans):
        for s, e, label in gold:
            if label not in ("HANDLE", "URL"):
                continue
            # a real URL token may end with punctuation the tweet's tokenizer glued on
            while e > s and t[e - 1] in ".,!?)\"'":
                e -= 1
            exact, covers = hit(sp, label, s, e)
            c[label]["n"] += 1
            c[label]["exact"] += exact
            c[label]["covers"] += covers
    return {k: {"n": v["n"], "exact": round(v["exact"] / v["n"], 4), "covers": round(v["covers"] / v["n"], 4)}
            for k, v in sorted(c.items())}


def score_false_alarms(fa_set: dict, spans: List[Spans], labels: Sequence[str]) -> dict:
    n = len(fa_set["texts"])
    found, msgs = Counter(), Counter()
    examples = defaultdict(list)
    masks = fa_set.get("masks")
    for i, (t, sp) in enumerate(zip(fa_set["texts"], spans)):
        if masks:
            sp = [x for x in sp if not any(s < x[1] and x[0] < e for s, e, _ in masks[i])]
        seen = set()
        for s, e, label in sp:
            found[label] += 1
            seen.add(label)
            if len(examples[label]) < 5:
                examples[label].append(t[max(0, s - 25):e + 25].replace("\n", " ") + f"  [{t[s:e]}]")
        for label in seen:
            msgs[label] += 1
    per_1000 = {lab: round(1000 * found[lab] / n, 2) for lab in labels}
    per_1000_msgs = {lab: round(1000 * msgs[lab] / n, 2) for lab in labels}
    extra = {lab: round(1000 * c / n, 2) for lab, c in found.items() if lab not in labels}
    return {"messages": n, "spans_per_1000": per_1000, "messages_with_one_per_1000": per_1000_msgs,
            "unmapped_per_1000": extra, "examples": {k: v for k, v in examples.items()}}


# -- throughput ----------------------------------------------------------------------
def pipeline_throughput(messages: List[str], rounds: int) -> dict:
    import spacy
    import torch

    torch.set_num_threads(1)
    from spacy_rnn.anonymizer.conversation import ENTITIES

    def build(entities):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nlp = spacy.blank("en")
            nlp.add_pipe("name_anonymizer", config={"entities": list(entities)})
        nlp.get_pipe("name_anonymizer").set_key(KEY)
        return nlp

    configs = {"all_types": build(ENTITIES), "names_only": build(["PERSON"])}
    for nlp in configs.values():  # warm-up: models loaded, caches filled the same way
        list(nlp.pipe(messages[:300], batch_size=256))
    speed = defaultdict(list)
    for r in range(rounds):
        order = list(configs) if r % 2 == 0 else list(reversed(configs))
        for name in order:
            t0 = time.perf_counter()
            for _ in configs[name].pipe(messages, batch_size=256):
                pass
            speed[name].append(len(messages) / (time.perf_counter() - t0))
    med = {k: round(statistics.median(v), 1) for k, v in speed.items()}
    ratios = [a / b for a, b in zip(speed["all_types"], speed["names_only"])]
    return {"messages": len(messages), "rounds": rounds, "messages_per_second_median": med,
            "per_round": {k: [round(x, 1) for x in v] for k, v in speed.items()},
            "ratio_all_over_names_median": round(statistics.median(ratios), 3),
            "ratio_of_medians": round(med["all_types"] / med["names_only"], 3)}


def finder_throughput(messages: List[str], rounds: int) -> dict:
    finder = IdentifierFinder(labels=LABELS)
    speeds = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for m in messages:
            finder(m)
        speeds.append(len(messages) / (time.perf_counter() - t0))
    return {"messages": len(messages), "rounds": rounds, "messages_per_second_median": round(statistics.median(speeds), 1)}


# -- main ----------------------------------------------------------------------------
def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-type", type=int, default=2400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-numbers", type=int, default=3000)
    ap.add_argument("--n-orders", type=int, default=1000)
    ap.add_argument("--presidio-python", default=".venv-presidio/bin/python",
                    help="the benchmark-only environment with presidio-analyzer; '' to skip Presidio")
    ap.add_argument("--throughput-messages", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-pipeline", action="store_true", help="measure the finder alone")
    ap.add_argument("--out", default="benchmarks/results/identifiers.json")
    ap.add_argument("--misses", default="benchmarks/results/identifiers_misses.json")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    load_before = os.getloadavg()

    rng = random.Random(args.seed)
    tweets = texts.read_tweets()
    wiki_train = texts.wikitext_sentences("train")
    recall_set = build_recall_set(rng, args.per_type, tweets, wiki_train)
    fa_sets, fa_info = build_false_alarm_sets(rng, tweets, args.n_numbers, args.n_orders)
    print(f"recall set {len(recall_set)} texts; false-alarm sets "
          + ", ".join(f"{k} {len(v['texts'])}" for k, v in fa_sets.items()), file=sys.stderr)

    ours = Ours()
    labels = list(LABELS)
    t0 = time.perf_counter()
    ours_recall = [ours(r["text"], r["region"]) for r in recall_set]
    ours_fa = {k: [ours(t) for t in v["texts"]] for k, v in fa_sets.items()}
    ours_fa_keep = [ours(t, keep=forms.ORDER_KEEP) for t in fa_sets["order_numbers"]["texts"]]
    ours_seconds = time.perf_counter() - t0

    result = {
        "seed": args.seed, "per_type": args.per_type,
        "hit_definitions": {"exact": "a span of the identifier's type with the same start and end",
                            "covers": "a span of the identifier's type that starts at or before and ends at "
                                      "or after the inserted identifier"},
        "false_alarm_definition": "spans of each type found in text without identifiers, per 1,000 messages "
                                  "(and messages with at least one, per 1,000)",
        "corpora": {"recall_hosts": {"tweets": len(tweets), "wikitext_train_sentences": len(wiki_train)},
                    "false_alarms": {k: len(v["texts"]) for k, v in fa_sets.items()}, **fa_info},
        "keep_patterns_for_order_numbers": forms.ORDER_KEEP,
        "ours": {}, "presidio": {},
    }
    rec, misses = score_recall(recall_set, ours_recall)
    result["ours"]["recall"] = rec
    result["ours"]["real_tweet_identifiers"] = score_real(tweets, fa_sets["tweets_masked"]["masks"],
                                                          ours_fa["tweets_masked"])
    result["ours"]["false_alarms"] = {k: score_false_alarms(fa_sets[k], ours_fa[k], labels) for k in fa_sets}
    result["ours"]["false_alarms"]["order_numbers_keep"] = score_false_alarms(fa_sets["order_numbers"], ours_fa_keep,
                                                                              labels)
    result["ours"]["seconds_all_texts"] = round(ours_seconds, 2)

    if args.presidio_python:
        all_texts = [r["text"] for r in recall_set]
        offsets = {}
        for k, v in fa_sets.items():
            offsets[k] = len(all_texts)
            all_texts += v["texts"]
        by_threshold, meta = run_presidio(args.presidio_python, all_texts)
        n = len(recall_set)
        orders = fa_sets["order_numbers"]["texts"]
        for threshold, key in ((0.0, "presidio"), (0.5, "presidio_score_0.5")):
            p_spans, p_other = by_threshold[threshold]
            p_rec, _ = score_recall(recall_set, p_spans[:n], skip_labels=("HANDLE",))
            p_fa = {k: p_spans[offsets[k]:offsets[k] + len(v["texts"])] for k, v in fa_sets.items()}
            p_fa_other = {k: p_other[offsets[k]:offsets[k] + len(v["texts"])] for k, v in fa_sets.items()}
            res = {"recall": p_rec, "false_alarms": {},
                   "real_tweet_identifiers": score_real(tweets, fa_sets["tweets_masked"]["masks"], p_fa["tweets_masked"])}
            for k in fa_sets:
                res["false_alarms"][k] = score_false_alarms(fa_sets[k], [a + b for a, b in zip(p_fa[k], p_fa_other[k])],
                                                            labels)
            res["false_alarms"]["order_numbers_keep"] = score_false_alarms(
                fa_sets["order_numbers"],
                [keep_filter(t, sp, forms.ORDER_KEEP) for t, sp in zip(orders, p_fa["order_numbers"])], labels)
            result[key] = res
        result["presidio"]["meta"] = meta
        result["presidio"]["note"] = (
            "score threshold 0, AnalyzerEngine's default_score_threshold (presidio_score_0.5: spans scored "
            ">= 0.5 only; without an NLP engine no context word raises PhoneRecognizer's 0.4, so its "
            "phone recall there is 0 by construction). HANDLE: Presidio has no recognizer. ID: US_SSN, US_ITIN, US_PASSPORT, "
            "US_DRIVER_LICENSE, US_BANK_NUMBER, UK_NHS, UK_NINO, MEDICAL_LICENSE. order_numbers_keep: our keep "
            "rule (drop spans overlapping a keep match) applied to Presidio's spans.")

    # throughput on real messages: tweets and WikiText-2 valid sentences, as they are
    tp_rng = random.Random(args.seed + 1)
    pool = tweets + fa_sets["wikitext_valid"]["texts"]
    messages = [tp_rng.choice(pool) for _ in range(args.throughput_messages)]
    rich = [r["text"] for r in tp_rng.sample(recall_set, min(args.throughput_messages, len(recall_set)))]
    result["throughput"] = {"threads": 1, "finder_alone_real": finder_throughput(messages, args.rounds),
                            "finder_alone_with_identifiers": finder_throughput(rich, args.rounds)}
    if not args.no_pipeline:
        result["throughput"]["pipeline_real"] = pipeline_throughput(messages, args.rounds)
        result["throughput"]["pipeline_with_identifiers"] = pipeline_throughput(rich, args.rounds)
    result["loadavg_before"] = [round(x, 2) for x in load_before]
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.perf_counter() - t_start, 1)

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf8")
    if args.misses:
        out = []
        for label, recs in sorted(misses.items()):
            per_form = Counter()
            for r in recs:
                per_form[r["form"]] += 1
                if per_form[r["form"]] > 5:  # a few of each form that fails
                    continue
                written = r["text"][r["start"]:r["end"]]
                found = [(r["text"][s:e], lab) for s, e, lab in ours(r["text"], r["region"])]
                out.append({"label": r["label"], "form": r["form"], "region": r["region"], "written": written,
                            "template": r["template"], "found": found})
        Path(args.misses).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf8")
    print(json.dumps(summary(result), indent=1), file=sys.stderr)


def summary(result: dict) -> dict:
    out = {}
    for tool in ("ours", "presidio", "presidio_score_0.5"):
        if not result.get(tool):
            continue
        out[tool] = {"recall_covers": {k: (v or {}).get("covers") for k, v in result[tool]["recall"]["per_type"].items()},
                     "false_alarms_per_1000": {k: {lab: x for lab, x in v["spans_per_1000"].items() if x}
                                               for k, v in result[tool]["false_alarms"].items()}}
    out["throughput"] = result.get("throughput")
    return out


if __name__ == "__main__":
    main()
