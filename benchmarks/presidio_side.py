"""Presidio's predefined pattern recognizers on the texts of ``bench_identifiers.py``.

Run with the benchmark-only environment (``python -m venv .venv-presidio &&
.venv-presidio/bin/pip install presidio-analyzer``), never with the project's venv:

    .venv-presidio/bin/python benchmarks/presidio_side.py texts.jsonl spans.jsonl

Input: one JSON object per line, ``{"id": ..., "text": ...}``. Output: one line per input,
``{"id": ..., "spans": [[start, end, entity_type, score], ...]}``, so both tools are scored by
one scorer in ``bench_identifiers.py``. The last line of the output is ``{"meta": {...}}``: the
versions, the recognizers run, the score threshold and the seconds spent.

No NLP engine and no spaCy model: every recognizer that Presidio's default registry loads for
English (``conf/default_recognizers.yaml``: enabled, language "en" or language-agnostic), except
the NER one (``SpacyRecognizer``), plus ``UkNinoRecognizer`` (disabled there), is instantiated
directly and called as ``recognizer.analyze(text, entities, nlp_artifacts=None)``. None of
these reads ``nlp_artifacts`` to find a span; the NLP artifacts only feed the context
enhancer, which can only raise scores. Then, as ``AnalyzerEngine.analyze`` does, results under
the score threshold are dropped (``AnalyzerEngine``'s ``default_score_threshold`` is 0, and a
recognizer's own invalidation sets a score of 0, which ``remove_duplicates`` drops) and
duplicates are removed with ``EntityRecognizer.remove_duplicates``.

``tldextract`` (used by ``EmailRecognizer.validate_result``) would fetch the public suffix list
over HTTP on its first call; it is replaced by an extractor that reads only the snapshot bundled
with the package (``suffix_list_urls=()``), so the run is offline and repeatable.
"""
import importlib.metadata
import json
import os
import sys
import time
from typing import List

import tldextract

# offline: the public suffix list snapshot shipped in the wheel, no cache, no HTTP
_EXTRACTOR = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)
tldextract.extract = _EXTRACTOR

import presidio_analyzer  # noqa: E402
import yaml  # noqa: E402
from presidio_analyzer import EntityRecognizer  # noqa: E402
from presidio_analyzer import predefined_recognizers as pr  # noqa: E402

# NER/remote recognizers need a model or a service: not part of the pattern comparison
SKIP = {"SpacyRecognizer", "HuggingFaceNerRecognizer", "StanzaRecognizer", "TransformersRecognizer"}
EXTRA = ["UkNinoRecognizer"]


def default_english_recognizers() -> List[str]:
    """Names of the recognizers Presidio's default registry loads for English (no NER)."""
    path = os.path.join(os.path.dirname(presidio_analyzer.__file__), "conf", "default_recognizers.yaml")
    with open(path, encoding="utf8") as f:
        conf = yaml.safe_load(f)
    names = []
    for entry in conf["recognizers"]:
        if entry.get("type") != "predefined" or not entry.get("enabled", True):
            continue
        langs = [x if isinstance(x, str) else x.get("language") for x in entry.get("supported_languages") or []]
        if langs and "en" not in langs:
            continue
        if entry["name"] not in SKIP:
            names.append(entry["name"])
    return names


def build():
    default = default_english_recognizers()
    recognizers = []
    for name in default + [n for n in EXTRA if n not in default]:
        rec = getattr(pr, name)()
        if not rec.is_loaded:
            rec.load()
            rec.is_loaded = True
        recognizers.append(rec)
    return default, recognizers


def analyze(recognizers, text: str):
    results = []
    for rec in recognizers:
        found = rec.analyze(text=text, entities=rec.supported_entities, nlp_artifacts=None)
        results.extend(found or [])
    results = [r for r in results if r.score >= 0.0]  # AnalyzerEngine default_score_threshold = 0
    results = EntityRecognizer.remove_duplicates(results)
    return sorted([[r.start, r.end, r.entity_type, round(r.score, 3)] for r in results])


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        sys.exit("usage: presidio_side.py texts.jsonl spans.jsonl")
    src, dst = argv
    default, recognizers = build()
    t0 = time.perf_counter()
    n = 0
    with open(src, encoding="utf8") as fin, open(dst, "w", encoding="utf8") as fout:
        for line in fin:
            rec = json.loads(line)
            fout.write(json.dumps({"id": rec["id"], "spans": analyze(recognizers, rec["text"])}) + "\n")
            n += 1
        meta = {
            "presidio_analyzer": importlib.metadata.version("presidio-analyzer"),
            "recognizers_default_english": default,
            "recognizers_extra": EXTRA,
            "entities": sorted({e for r in recognizers for e in r.supported_entities}),
            "score_threshold": 0.0,
            "phone_regions": list(pr.PhoneRecognizer.DEFAULT_SUPPORTED_REGIONS),
            "phone_leniency": 1,
            "texts": n,
            "seconds": round(time.perf_counter() - t0, 2),
        }
        fout.write(json.dumps({"meta": meta}) + "\n")


if __name__ == "__main__":
    main()
