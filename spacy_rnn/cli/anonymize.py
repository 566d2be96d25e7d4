"""`spacy-rnn anonymize`: replace person names in a JSONL chat log with consistent pseudonyms.

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
input twice, so it must be a file (stdin is spooled to a temporary file first).

Records in = records written + records reported: a line that is not JSON, not an
object, lacks a field or has a non-string text is reported (line number and reason,
never its content) in the errors file and the summary, and the command exits 1
unless ``--allow-errors``. Outputs are written to temporary files and renamed into
place only when complete; the mapping file is readable by its owner only.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from ..anonymize.core import KNOWN, ConversationTable, Mention, apply, name_parts
from ..anonymize.fields import FieldError, locate, locate_strings, parse_path, set_at
from ..anonymize.keys import DEFAULT_KEY_ENV, load_key, write_key
from ..anonymize.shape import shape_of, titlecase
from ..errors import Errors

ANON = "name_anonymizer"
BLANK_MAX_LENGTH = 2_000_000  # characters: the blank pipeline peaks at about 1 GB of memory per 1,000,000


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("anonymize", help="Replace person names in a JSONL file with consistent pseudonyms",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="JSONL file ('-' for stdin)")
    p.add_argument("output", help="JSONL file to write (replaced atomically when complete)")
    add_record_args(p)
    p.add_argument("--known-name-field", action="append", default=[], metavar="PATH",
                   help="field holding names to replace wherever they occur (e.g. user.name); repeatable")
    p.add_argument("--known-names", default="", help="comma-separated names to replace everywhere")
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
    p.set_defaults(func=run_anonymize)


def add_record_args(p) -> None:
    p.add_argument("--text-field", default="text",
                   help="path of the text(s) to anonymize: 'text', 'message.body', 'messages[].content'")
    p.add_argument("--extra-text-field", action="append", default=[], metavar="PATH",
                   help="another field to anonymize where present (e.g. user.name, so profile names do not "
                        "leak); repeatable")
    p.add_argument("--conversation-field", default=None,
                   help="path of the conversation id; without it each record is its own conversation")
    p.add_argument("--handles", action="store_true", help="also replace names inside @handles")


# -- helpers -------------------------------------------------------------------------------------
class Report:
    """Reported records and counters."""

    def __init__(self):
        self.errors: List[Dict[str, Any]] = []
        self.reasons: Counter = Counter()

    def add(self, line: int, reason: str) -> None:
        self.errors.append({"line": line, "reason": reason})
        self.reasons[reason.split(":")[0].split("'")[0].strip()] += 1


def _no_duplicate_keys(pairs):
    """json object hook: a repeated key would silently lose a value on output, so report it."""
    record = dict(pairs)
    if len(record) != len(pairs):
        seen = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise FieldError(f"duplicate key '{dup}' (a value would be lost)")
    return record


def parse_record(raw: bytes, line: int, text_steps, conv_steps, known_steps):
    """(record, texts, conversation id, known names) or raises FieldError with the reason."""
    try:
        text = raw.decode("utf8")
    except UnicodeDecodeError as e:
        raise FieldError(f"not valid UTF-8 (byte {e.start})") from None
    if not text.strip():
        raise FieldError("empty line")
    try:
        record = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as e:
        raise FieldError(f"invalid JSON: {e.msg} (column {e.colno})") from None
    if not isinstance(record, dict):
        raise FieldError(f"not a JSON object (got {type(record).__name__})")
    main_steps, extra_steps = text_steps if isinstance(text_steps, tuple) else (text_steps, [])
    texts = locate_strings(record, main_steps)
    for steps in extra_steps:  # optional: anonymized where present and a string, else left as is
        texts += [(loc, value) for loc, value in locate(record, steps, required=False) if isinstance(value, str)]
    for loc, value in texts:
        try:
            value.encode("utf8")
        except UnicodeEncodeError:
            raise FieldError(f"field '{_show_loc(loc)}' is not valid Unicode (lone surrogate)") from None
    conv = None
    if conv_steps is not None:
        found = locate(record, conv_steps, required=True)
        if len(found) != 1:
            raise FieldError("conversation field must hold exactly one value")
        value = found[0][1]
        if value is None or isinstance(value, (dict, list)):
            raise FieldError(f"conversation field is not a string or number (got "
                             f"{'null' if value is None else type(value).__name__})")
        conv = value if isinstance(value, str) else json.dumps(value)
    known: List[str] = []
    for steps in known_steps:
        for _, value in locate(record, steps, required=False):
            if isinstance(value, str):
                known.append(value)
            elif isinstance(value, list):
                known.extend(v for v in value if isinstance(v, str))
    return record, texts, conv, known


def _show_loc(loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))


def dump_line(record: Any) -> str:
    """The record as one JSON line: UTF-8 as is, \\u escapes only where a string is not valid Unicode."""
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf8")
    except UnicodeEncodeError:
        line = json.dumps(record)
    return line + "\n"


def read_lines(path: Path) -> Iterator[Tuple[int, bytes]]:
    with path.open("rb") as f:
        for i, raw in enumerate(f, start=1):
            yield i, raw.rstrip(b"\r\n")


class AtomicFile:
    """A temporary file beside ``path``, renamed onto it by ``commit`` (removed otherwise)."""

    def __init__(self, path: Path, private: bool = False, mode: str = "w"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self.tmp = Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o600 if private else 0o666 & ~umask)
        self.f = os.fdopen(fd, mode, encoding="utf8" if "b" not in mode else None, newline="" if "b" not in mode else None)

    def commit(self) -> None:
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        if not self.f.closed:
            self.f.close()
        if self.tmp.exists():
            self.tmp.unlink()


def progress(iterable, total=None, desc="", disable=False, unit="rec"):
    from tqdm import tqdm
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, mininterval=0.5, file=sys.stderr)


# -- the pipeline (also built in worker processes) ---------------------------------------------------
def build_nlp(model: Optional[str], lang: str, anon_config: Dict[str, Any], max_length: Optional[int] = None):
    import warnings

    import spacy

    nlp = spacy.load(model) if model else spacy.blank(lang)
    if max_length is not None:
        nlp.max_length = max_length
    elif not model:  # spaCy's 1,000,000 guards parser/NER memory; the blank pipeline's models read chunks
        nlp.max_length = BLANK_MAX_LENGTH
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[RNN-W300\]")  # the CLI sets the key itself
        if ANON not in nlp.pipe_names:
            nlp.add_pipe(ANON, config=anon_config)
    return nlp


_WORKER: Dict[str, Any] = {}


def _init_worker(*build_args) -> None:
    import torch
    torch.set_num_threads(1)
    _WORKER["nlp"] = build_nlp(*build_args)


def _detect(nlp, texts: Sequence[str]) -> List[List[Tuple[int, int, str]]]:
    anon = nlp.get_pipe(ANON)
    with nlp.select_pipes(disable=[ANON]):
        docs = list(nlp.pipe(texts))
    return [[(m.start, m.end, m.source) for m in mentions] for mentions in anon.detect(docs)]


def _detect_safe(nlp, texts: Sequence[str]) -> List[Any]:
    """Like _detect; if the batch fails, text by text, with the reason (a string) for a text
    that still fails (its record is then reported instead of crashing the run). Reasons
    name the error's type, never the text."""
    try:
        return _detect(nlp, texts)
    except Exception:
        out: List[Any] = []
        for text in texts:
            if len(text) > nlp.max_length:
                out.append(f"text of {len(text):,} characters is longer than the pipeline's max_length "
                           f"({nlp.max_length:,}; see --max-length)")
                continue
            try:
                out.extend(_detect(nlp, [text]))
            except Exception as e:
                out.append(f"name detection failed ({type(e).__name__})")
        return out


def _detect_in_worker(texts: Sequence[str]) -> List[Any]:
    return _detect_safe(_WORKER["nlp"], texts)


class Detector:
    """Runs detection on batches of texts, in this process or in a pool, preserving order.
    Worker processes build their pipeline from ``build_args`` (build_nlp's arguments)."""

    def __init__(self, nlp, n_process: int, build_args: Tuple[Any, ...]):
        self.nlp = nlp
        self.pool = None
        if n_process > 1:
            self.pool = ProcessPoolExecutor(max_workers=n_process, mp_context=get_context("spawn"),
                                            initializer=_init_worker, initargs=build_args)
        self.n_process = max(1, n_process)

    def map(self, batches: Iterator[Tuple[Any, List[str]]]) -> Iterator[Tuple[Any, List[List[Tuple[int, int, str]]]]]:
        if self.pool is None:
            for meta, texts in batches:
                yield meta, _detect_safe(self.nlp, texts)
            return
        window: List[Tuple[Any, Any]] = []
        for meta, texts in batches:
            window.append((meta, self.pool.submit(_detect_in_worker, texts)))
            if len(window) >= 2 * self.n_process:
                m, fut = window.pop(0)
                yield m, fut.result()
        for m, fut in window:
            yield m, fut.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _load_key(args) -> bytes:
    if args.key_file and args.create_key and write_key(args.key_file):
        print(f"✔ created a new secret key in {args.key_file} (mode 600); keep it safe", file=sys.stderr)
    key = load_key(args.key_file, args.key_env)
    if key is None:
        raise ValueError(Errors.E300.format(env=args.key_env))
    return key


def _spool_stdin() -> Path:
    fd, tmp = tempfile.mkstemp(prefix="spacy-rnn-stdin-", suffix=".jsonl")
    with os.fdopen(fd, "wb") as f:
        shutil.copyfileobj(sys.stdin.buffer, f)
    return Path(tmp)


# -- anonymize -----------------------------------------------------------------------------------------
def run_anonymize(args) -> int:
    started = time.time()
    try:
        key = _load_key(args)
        text_steps = (parse_path(args.text_field), [parse_path(p) for p in args.extra_text_field])
        conv_steps = parse_path(args.conversation_field) if args.conversation_field else None
        known_steps = [parse_path(p) for p in args.known_name_field]
    except ValueError as e:
        print(f"✘ {e}", file=sys.stderr)
        return 2
    spooled = None
    if args.input == "-":
        in_path = spooled = _spool_stdin()
    else:
        in_path = Path(args.input)
        if not in_path.is_file():
            print(f"✘ {Errors.E307.format(path=in_path)}", file=sys.stderr)
            return 2
    out_path = Path(args.output)
    errors_path = Path(args.errors_file) if args.errors_file else out_path.with_name(out_path.name + ".errors.jsonl")
    known_cfg = [n.strip() for n in args.known_names.split(",") if n.strip()]
    anon_config = {"handles": args.handles, "known_names": known_cfg, "pool": args.pool,
                   "detector": "never" if args.no_detector else "auto",
                   "detector_threshold": args.detector_threshold,
                   "key_env": None, "key_file": None}
    build_args = (args.model, args.lang, anon_config, args.max_length)
    nlp = build_nlp(*build_args)
    anon = nlp.get_pipe(ANON)
    anon.set_key(key)
    pseudo = anon.pseudonymizer
    report = Report()
    tables: Dict[Any, ConversationTable] = {}
    last_line: Dict[Any, int] = {}
    n_lines = n_texts = 0
    spill = tempfile.TemporaryFile(mode="w+", encoding="utf8")
    detector = Detector(nlp, args.n_process, build_args)
    outputs: List[AtomicFile] = []
    try:
        # pass 1: check records, detect names, fill the conversation tables
        def batches():
            nonlocal n_lines, n_texts
            batch_meta: List[Tuple[int, Any, List[str], List[str]]] = []
            batch_texts: List[str] = []
            for line, raw in progress(read_lines(in_path), desc="pass 1/2: detect", disable=args.no_progress):
                n_lines = line
                try:
                    _, texts, conv, known = parse_record(raw, line, text_steps, conv_steps, known_steps)
                except FieldError as e:
                    batch_meta.append((line, None, [str(e)], []))
                    continue
                scope = conv if conv is not None else ("", line)
                batch_meta.append((line, scope, known, [t for _, t in texts]))
                batch_texts.extend(t for _, t in texts)
                n_texts += len(texts)
                if len(batch_texts) >= args.batch_size:
                    yield batch_meta, batch_texts
                    batch_meta, batch_texts = [], []
            if batch_meta:
                yield batch_meta, batch_texts

        for batch_meta, found in detector.map(batches()):
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
                table = tables.get(scope)
                if table is None:
                    table = tables[scope] = ConversationTable(scope if isinstance(scope, str) else "")
                for name in known_cfg + extra:
                    parts = [p[2] for p in name_parts(name)]
                    if parts:
                        table.add_name(parts, KNOWN)
                for text, text_spans in zip(texts, spans):
                    table.observe_text(text, pseudo.words)
                    table.add_mentions(text, [Mention(s, e, src) for s, e, src in text_spans])
        detector.close()
        # pseudonyms: one batched nationality prediction for every name of the file
        pending = sorted({e.surface for t in tables.values() for e in t.entries.values() if e.pseudonym is None})
        for i in range(0, len(pending), 4096):
            anon.nationality_of(pending[i: i + 4096])
        for table in tables.values():
            table.resolve(pseudo, anon.nationality_of)

        # pass 2: write
        out = AtomicFile(out_path)
        outputs.append(out)
        mapping = AtomicFile(Path(args.mapping_file), private=True) if args.mapping_file else None
        if mapping:
            outputs.append(mapping)
        spill.seek(0)
        n_out = n_mentions = 0
        by_source: Counter = Counter()
        for line, raw in progress(read_lines(in_path), total=n_lines, desc="pass 2/2: write",
                                  disable=args.no_progress):
            spans = json.loads(spill.readline())
            if spans is None:
                continue
            record, texts, conv, _ = parse_record(raw, line, text_steps, conv_steps, known_steps)
            scope = conv if conv is not None else ("", line)
            table = tables[scope]
            for (loc, text), found in zip(texts, spans):
                occ = table.find(text, [Mention(s, e, src) for s, e, src in found], handles=args.handles)
                new_text, records = apply(text, table, occ)
                set_at(record, loc, new_text)
                n_mentions += len(records)
                by_source.update(r.detected_by for r in records)
            out.f.write(dump_line(record))
            n_out += 1
            if last_line[scope] == line:
                if mapping and table.entries:
                    mapping.f.write(dump_line(_mapping_entry(table, conv, n_out)))
                del tables[scope]
        n_reported = len(report.errors)
        if n_reported or args.errors_file:
            err = AtomicFile(errors_path)
            outputs.append(err)
            for e in report.errors:
                err.f.write(json.dumps(e) + "\n")
        for f in outputs:
            f.commit()
        if mapping:
            os.chmod(mapping.path, 0o600)
    except BaseException:
        for f in outputs:
            f.discard()
        detector.close()
        raise
    finally:
        spill.close()
        if spooled is not None:
            spooled.unlink()
    seconds = time.time() - started
    summary = {"records_in": n_lines, "records_out": n_out, "records_reported": n_reported,
               "reasons": dict(report.reasons), "texts": n_texts, "conversations": len(last_line),
               "mentions_replaced": n_mentions, "detected_by": dict(by_source),
               "seconds": round(seconds, 2), "texts_per_second": round(n_texts / max(seconds, 1e-9), 1),
               "output": str(out_path), "errors_file": str(errors_path) if n_reported or args.errors_file else None,
               "mapping_file": args.mapping_file}
    _print_summary(summary, report)
    if args.summary_file:
        Path(args.summary_file).write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if n_reported and not args.allow_errors else 0


def _mapping_entry(table: ConversationTable, conv: Optional[str], record: int) -> Dict[str, Any]:
    names = []
    for e in sorted(table.entries.values(), key=lambda e: e.key):
        names.append({"original": e.surface, "surfaces": sorted(set(e.surfaces.values())),
                      "pseudonym": titlecase(e.pseudonym), "kind": e.kind, "nationality": e.nationality})
    entry: Dict[str, Any] = {"conversation": conv} if conv is not None else {"record": record}
    entry["names"] = names
    return entry


def _print_summary(summary: Dict[str, Any], report: Report) -> None:
    err = sys.stderr
    print(f"✔ {summary['records_out']} records written to {summary['output']} "
          f"({summary['texts']} texts, {summary['mentions_replaced']} name mentions replaced, "
          f"{summary['conversations']} conversations, {summary['texts_per_second']} texts/s)", file=err)
    if summary["records_reported"]:
        print(f"✘ {summary['records_reported']} of {summary['records_in']} records reported, not written "
              f"(see {summary['errors_file']}):", file=err)
        for e in report.errors[:10]:
            print(f"  line {e['line']}: {e['reason']}", file=err)
        if len(report.errors) > 10:
            print(f"  ... and {len(report.errors) - 10} more", file=err)


# -- deanonymize ----------------------------------------------------------------------------------------
def add_deanonymize_parser(subparsers) -> None:
    p = subparsers.add_parser("deanonymize", help="Restore the original names with an anonymize mapping file",
                              description="Reverse `spacy-rnn anonymize` on its output, using the mapping "
                                          "file it wrote (authorised re-identification).")
    p.add_argument("input", help="JSONL written by anonymize")
    p.add_argument("output", help="JSONL to write")
    p.add_argument("--mapping-file", required=True, help="the mapping file written by anonymize")
    add_record_args(p)
    p.add_argument("--errors-file", default=None)
    p.add_argument("--allow-errors", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_deanonymize)


def _reverse_table(entry: Dict[str, Any]) -> ConversationTable:
    table = ConversationTable("")
    for name in entry["names"]:
        pseudonym = name["pseudonym"]
        keys = table.add_name([pseudonym], "ner")
        if not keys:
            continue
        e = table.entries[keys[0]]
        e.pseudonym = name["original"]
        for surface in name.get("surfaces") or [name["original"]]:
            e.restore.setdefault(shape_of(surface), surface)
    return table


def run_deanonymize(args) -> int:
    try:
        text_steps = (parse_path(args.text_field), [parse_path(p) for p in args.extra_text_field])
        conv_steps = parse_path(args.conversation_field) if args.conversation_field else None
    except ValueError as e:
        print(f"✘ {e}", file=sys.stderr)
        return 2
    in_path, out_path = Path(args.input), Path(args.output)
    if not in_path.is_file():
        print(f"✘ {Errors.E307.format(path=in_path)}", file=sys.stderr)
        return 2
    by_conv: Dict[str, Dict[str, Any]] = {}
    by_record: Dict[int, Dict[str, Any]] = {}
    try:
        with open(args.mapping_file, encoding="utf8") as f:
            for i, raw in enumerate(f, start=1):
                entry = json.loads(raw)
                if "conversation" in entry:
                    by_conv[entry["conversation"]] = entry
                else:
                    by_record[int(entry["record"])] = entry
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"✘ {Errors.E306.format(path=args.mapping_file, reason=e)}", file=sys.stderr)
        return 2
    report = Report()
    errors_path = Path(args.errors_file) if args.errors_file else out_path.with_name(out_path.name + ".errors.jsonl")
    out = AtomicFile(out_path)
    tables: Dict[Any, ConversationTable] = {}
    n_out = 0
    try:
        for line, raw in progress(read_lines(in_path), desc="deanonymize", disable=args.no_progress):
            try:
                record, texts, conv, _ = parse_record(raw, line, text_steps, conv_steps, [])
            except FieldError as e:
                report.add(line, str(e))
                continue
            n_out += 1
            entry = by_conv.get(conv) if conv is not None else by_record.get(n_out)
            if entry is not None:
                scope = conv if conv is not None else n_out
                table = tables.get(scope)
                if table is None:
                    table = tables[scope] = _reverse_table(entry)
                for loc, text in texts:
                    new_text, _ = apply(text, table, table.find(text, (), handles=args.handles))
                    set_at(record, loc, new_text)
            out.f.write(dump_line(record))
        out.commit()
        if report.errors:
            err = AtomicFile(errors_path)
            for e in report.errors:
                err.f.write(json.dumps(e) + "\n")
            err.commit()
    except BaseException:
        out.discard()
        raise
    print(f"✔ {n_out} records written to {out_path}", file=sys.stderr)
    if report.errors:
        print(f"✘ {len(report.errors)} records reported, not written (see {errors_path})", file=sys.stderr)
    return 1 if report.errors and not args.allow_errors else 0
