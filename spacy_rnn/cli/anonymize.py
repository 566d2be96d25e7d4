"""`spacy-rnn anonymize`: replace person names in a JSONL chat log with consistent pseudonyms, and
e-mail addresses, phone numbers, URLs, @handles, IPs, card numbers, IBANs and national IDs with
consistent, valid surrogates from reserved ranges (--entities chooses the types).

Two streaming passes over the input, so that a name found anywhere in a conversation
is replaced everywhere in it, earlier messages included, whatever the order of the
records:

1. read each line, check it, detect names in its text fields (optionally in
   ``--n-process`` worker processes) and add them to its conversation's name table;
   the detected spans go to a temporary spill file, one line per input line;
2. give every name a pseudonym (one batched nationality prediction), re-read the
   input with the spill file and write each record with its text fields anonymized
   and every other field as it was.

Memory holds the name tables only (a few entries per conversation, each dropped
after the conversation's last record), not the messages. The price is reading the
input twice, so it must be a file (stdin is spooled to an unnamed temporary file
first, which no killed run can leave behind).

Without --conversation-field each record is its own conversation (its line number is
the scope), so the same name gets unrelated pseudonyms in different records. Conversation
ids are told apart by JSON type and text (1 and "1" are two conversations).

Records in = records written + records reported: a line that is not JSON, not an
object, lacks a field or has a non-string text is reported (line number and reason,
never its content) in the errors file and the summary, and the command exits 1
unless ``--allow-errors``. A leading BOM is skipped; blank lines are skipped and
counted. A text with a lone surrogate is anonymized around it and written with
\\u escapes, with a warning. Exit status: 0 done, 1 records reported, 2 usage error
(colliding paths, a missing key or pipeline, ...), 3 disk full. Outputs are written to
hidden temporary files and renamed into place only when complete (the next run removes
those a killed run left); the mapping file is readable by its owner only.
"""
import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ..anonymizer.conversation import ENTITIES, PERSON, check_entities, check_identifier_settings
from ..anonymizer.keys import DEFAULT_KEY_ENV, load_key, record_scope, scope_of, write_key
from ..anonymizer.mapping import mapping_entry
from ..anonymizer.table import Mention
from ..errors import Errors
from .fields import FieldError, set_at
from .jsonl import (AtomicFile, Report, add_record_args, dump_line, errors_path, fail, has_lone_surrogate,
                    input_error, parse_record, progress, read_lines, record_paths, remove_stale_partials,
                    output_error, print_summary, same_file_error, spool_stdin, terminate_cleanly, unread_scripts,
                    without_lone_surrogates)
from .workers import ANON, BLANK_MAX_LENGTH, Detector, build_nlp, model_error
from .sharded import add_shard_args, is_sharded, run_sharded

EXIT_REPORTED, EXIT_USAGE, EXIT_DISK_FULL = 1, 2, 3


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("anonymize", help="Replace names and identifiers in a JSONL file with consistent "
                                                "pseudonyms and surrogates",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="JSONL file ('-' for stdin)")
    p.add_argument("output", help="JSONL file to write (replaced atomically when complete)")
    add_record_args(p)
    p.add_argument("--known-name-field", action="append", default=[], metavar="PATH",
                   help="field holding names to replace wherever they occur (e.g. user.name); repeatable")
    p.add_argument("--known-names", default="", help="comma-separated names to replace everywhere")
    p.add_argument("--entities", default=",".join(ENTITIES),
                   help=f"comma-separated types to replace (default: all of {','.join(ENTITIES)})")
    p.add_argument("--region", default="US",
                   help="phone region (ISO 3166 code) of numbers written without a country code (default: US)")
    p.add_argument("--keep", action="append", default=[], metavar="REGEX",
                   help="never replace identifiers matching this regular expression (e.g. 'ORD-\\d+'); repeatable")
    p.add_argument("--key-file", default=None, help="file with the secret key (never logged)")
    p.add_argument("--key-env", default=DEFAULT_KEY_ENV, help="environment variable with the key if no --key-file")
    p.add_argument("--create-key", action="store_true", help="create --key-file (mode 600) if it does not exist")
    p.add_argument("--mapping-file", default=None,
                   help="write original->pseudonym per conversation here (mode 600), for deanonymize")
    p.add_argument("--errors-file", default=None, help="default: OUTPUT.errors.jsonl (written if any error)")
    p.add_argument("--summary-file", default=None, help="also write the summary as JSON here")
    p.add_argument("--model", default=None,
                   help="spaCy pipeline to run before the anonymizer (e.g. en_core_web_sm); default: blank")
    p.add_argument("--lang", default="en", help="language of the blank pipeline")
    p.add_argument("--no-detector", action="store_true", help="do not run the bundled person_name_detector")
    p.add_argument("--detector-threshold", type=float, default=None,
                   help="detector probability threshold (default: its own); lower = fewer leaks, more false alarms")
    p.add_argument("--pool", default="bundled", choices=("bundled", "generate"), help="pseudonym pool source")
    p.add_argument("--n-process", type=int, default=1, help="processes for name detection")
    p.add_argument("--batch-size", type=int, default=512, help="texts per detection batch")
    p.add_argument("--max-length", type=int, default=None,
                   help=f"longest text in characters (default: {BLANK_MAX_LENGTH:,} for the blank pipeline, the "
                        "model's own max_length with --model, whose parser/NER need ~1 GB per 100,000 characters)")
    p.add_argument("--allow-errors", action="store_true", help="exit 0 even if records were reported")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_shard_args(p)  # a directory or glob of JSONL/Parquet shards, --dask (cli/sharded.py)
    p.set_defaults(func=run_anonymize)


def anonymizer_config(args) -> Dict[str, Any]:
    """The ``name_anonymizer`` config of the parsed options (the key is set on the component
    afterwards, never through its config)."""
    entities = [e.strip() for e in args.entities.split(",") if e.strip()]
    return {"handles": args.handles, "pool": args.pool, "entities": entities, "region": args.region,
            "keep": list(args.keep), "known_names": [n.strip() for n in args.known_names.split(",") if n.strip()],
            "detector": "never" if args.no_detector or PERSON not in [e.upper() for e in entities] else "auto",
            "detector_threshold": args.detector_threshold, "key_env": None, "key_file": None}


def _load_key(args) -> bytes:
    if args.key_file and args.create_key and write_key(args.key_file):
        print(f"✔ created a new secret key in {args.key_file} (mode 600); keep it safe", file=sys.stderr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        key = load_key(args.key_file, args.key_env)
    for w in caught:  # one line each, not Python's warning format
        print(f"⚠ {w.message}", file=sys.stderr)
    if key is None:
        raise ValueError(Errors.E300.format(env=args.key_env))
    return key


def _scope(conv: Any, line: int) -> str:
    return scope_of(conv) if conv is not None else record_scope(line)


def _batches(in_path, paths, args, counts: Counter, report: Report):
    """Pass 1's input: (meta, texts) batches of at least --batch-size texts; a record's meta is
    (line, scope, known names, texts), or (line, None, [reason], []) for a reported line. The texts
    are the ones detection reads: lone surrogates replaced by U+FFFD (same offsets)."""
    batch_meta: List[Tuple[int, Any, List[str], List[str]]] = []
    batch_texts: List[str] = []
    for line, raw in progress(read_lines(in_path, counts), desc="pass 1/2: detect", disable=args.no_progress):
        counts["lines"] = line
        counts["records"] += 1
        try:
            _, texts, conv, known = parse_record(raw, paths)
        except FieldError as e:
            batch_meta.append((line, None, [str(e)], []))
            continue
        plain = []
        for _, t in texts:
            if has_lone_surrogate(t):
                report.warn(line, "lone surrogate")
                t = without_lone_surrogates(t)
            scripts = unread_scripts(t)
            if scripts:
                counts["texts_unread_script"] += 1
                counts.update(f"script:{s}" for s in scripts)
            plain.append(t)
        batch_meta.append((line, _scope(conv, line), known, plain))
        batch_texts.extend(plain)
        counts["texts"] += len(texts)
        if len(batch_texts) >= args.batch_size:
            yield batch_meta, batch_texts
            batch_meta, batch_texts = [], []
    if batch_meta:
        yield batch_meta, batch_texts


def run_anonymize(args) -> int:
    """The command: exit 0, 1 (records reported), 2 (usage error) or 3 (disk full), one line per error."""
    if is_sharded(args):
        return run_sharded(args)
    out_path = Path(args.output)
    err_path = errors_path(args, out_path)
    collision = same_file_error([("the input", args.input), ("the output", out_path),
                                 ("--mapping-file", args.mapping_file), ("the errors file", err_path),
                                 ("--summary-file", args.summary_file), ("--key-file", args.key_file)])
    if collision:
        return fail(collision)
    with terminate_cleanly():
        try:
            return _run(args, out_path, err_path)
        except OSError as e:
            return output_error(e)


def _run(args, out_path: Path, err_path: Path) -> int:
    started = time.time()
    try:
        config = anonymizer_config(args)
        check_entities(config["entities"], "--entities")
        check_identifier_settings(args.region, args.keep, ("--region", "--keep"))
        key = _load_key(args)
        paths = record_paths(args, tuple(args.known_name_field))
    except ValueError as e:
        return fail(str(e))
    if args.input != "-" and input_error(Path(args.input)):
        return fail(input_error(Path(args.input)))
    build_args = (args.model, args.lang, config, args.max_length)
    try:
        nlp = build_nlp(*build_args)
    except (OSError, ImportError) as e:
        if not args.model:
            raise
        return fail(model_error(args.model, e))
    for path in (out_path, args.mapping_file, err_path, args.summary_file):
        if path:
            remove_stale_partials(path)
    spooled = spool_stdin() if args.input == "-" else None
    try:
        in_path = spooled if spooled is not None else Path(args.input)
        return _anonymize(args, in_path, nlp, key, build_args, paths, out_path, err_path, started)
    finally:
        if spooled is not None:
            spooled.close()


def _anonymize(args, in_path, nlp, key: bytes, build_args, paths, out_path: Path, err_path: Path,
               started: float) -> int:
    anon = nlp.get_pipe(ANON)
    anon.set_key(key)
    engine = anon.engine
    report = Report()
    conversations: Dict[str, Any] = {}
    last_line: Dict[Any, int] = {}
    counts: Counter = Counter()
    spill = tempfile.TemporaryFile(mode="w+", encoding="utf8")
    detector = Detector(nlp, args.n_process, build_args)
    outputs: List[AtomicFile] = []
    try:
        # pass 1: check records, detect names, observe them in their conversations
        for batch_meta, found in detector.map(_batches(in_path, paths, args, counts, report)):
            found_iter = iter(found)
            for line, scope, extra, texts in batch_meta:
                if scope is None:
                    report.add(line, extra[0])
                    spill.write("null\n")
                    continue
                spans = [next(found_iter) for _ in texts]
                failed = [x for x in spans if isinstance(x, str)]
                if failed:
                    report.add(line, failed[0])
                    spill.write("null\n")
                    continue
                spill.write(json.dumps(spans) + "\n")
                last_line[scope] = line
                conversation = conversations.get(scope)
                if conversation is None:
                    conversation = conversations[scope] = engine.start(scope)
                conversation.observe(texts, [[Mention(*m) for m in text_spans] for text_spans in spans], known=extra)
        detector.close()
        engine.resolve(conversations.values())  # one batched nationality prediction for the file's names

        # pass 2: write
        out = AtomicFile(out_path)
        outputs.append(out)
        mapping = AtomicFile(Path(args.mapping_file), private=True) if args.mapping_file else None
        if mapping:
            outputs.append(mapping)
        spill.seek(0)
        n_out = n_mentions = 0
        by_source: Counter = Counter()
        by_label: Counter = Counter()
        for line, raw in progress(read_lines(in_path), total=counts["records"], desc="pass 2/2: write",
                                  disable=args.no_progress):
            spans = json.loads(spill.readline())
            if spans is None:
                continue
            record, texts, conv, _ = parse_record(raw, paths)
            scope = _scope(conv, line)
            conversation = conversations[scope]
            for (loc, text), found in zip(texts, spans):
                new_text, records = conversation.rewrite(text, [Mention(*m) for m in found])
                set_at(record, loc, new_text)
                n_mentions += len(records)
                by_source.update(r.detected_by for r in records if r.label == PERSON)
                by_label.update(r.label for r in records)
            out.f.write(dump_line(record))
            n_out += 1
            if last_line[scope] == line:
                entry = mapping_entry(conversation, conv, n_out) if mapping else None
                if entry is not None:
                    mapping.f.write(dump_line(entry))
                del conversations[scope]
        n_reported = len(report.errors)
        if n_reported or args.errors_file:
            err = AtomicFile(err_path)
            outputs.append(err)
            report.write_to(err)
        seconds = time.time() - started
        n_texts = counts["texts"]
        scripts = {k.split(":", 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("script:")}
        summary = {"records_in": counts["records"], "records_out": n_out, "records_reported": n_reported,
                   "blank_lines": counts["blank_lines"], "reasons": dict(report.reasons),
                   "warnings": {w: len(lines) for w, lines in report.warnings.items()}, "texts": n_texts,
                   "texts_unread_script": counts["texts_unread_script"], "unread_scripts": scripts,
                   "conversations": len(last_line), "mentions_replaced": n_mentions,
                   "replaced": {label: by_label[label] for label in ENTITIES if by_label[label]},
                   "detected_by": dict(by_source),
                   "seconds": round(seconds, 2), "texts_per_second": round(n_texts / max(seconds, 1e-9), 1),
                   "output": str(out_path), "errors_file": str(err_path) if n_reported or args.errors_file else None,
                   "mapping_file": args.mapping_file}
        if args.summary_file:
            summary_out = AtomicFile(Path(args.summary_file))
            outputs.append(summary_out)
            summary_out.f.write(json.dumps(summary, indent=2) + "\n")
        for f in outputs:
            f.commit()
        if mapping:
            os.chmod(mapping.path, 0o600)
        if not (n_reported or args.errors_file) and err_path.is_file():
            err_path.unlink()  # an earlier run's, about an output that was just replaced
    except BaseException:
        for f in outputs:
            f.discard()
        detector.close(cancel=True)
        raise
    finally:
        spill.close()
    _print_summary(summary, report)
    return EXIT_REPORTED if n_reported and not args.allow_errors else 0


def _lines(lines: List[int], n: int = 10) -> str:
    shown = ", ".join(str(x) for x in lines[:n])
    return f"line{'s' if len(lines) > 1 else ''} {shown}{', ...' if len(lines) > n else ''}"


def _print_summary(summary: Dict[str, Any], report: Report) -> None:
    lone = report.warnings.get("lone surrogate")
    print_summary(summary, f"{summary['records_out']} records written to {summary['output']} "
                  f"({summary['texts']} texts, {summary['mentions_replaced']} mentions replaced, "
                  f"{summary['conversations']} conversations, {summary['texts_per_second']} texts/s)",
                  (len(lone), _lines(lone)) if lone else None,
                  [f"line {e['line']}: {e['reason']}" for e in report.errors])
