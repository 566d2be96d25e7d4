"""JSONL records for `anonymize` and `deanonymize`: the record options, parsing a line into its
text fields (line numbers and reasons for the lines that fail), writing lines, atomic outputs,
error reports and progress bars."""
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from ..errors import Errors
from .fields import FieldError, locate, locate_strings, parse_path, show_location


def add_record_args(p) -> None:
    p.add_argument("--text-field", default="text",
                   help="path of the text(s) to anonymize: 'text', 'message.body', 'messages[].content'")
    p.add_argument("--extra-text-field", action="append", default=[], metavar="PATH",
                   help="another field to anonymize where present (e.g. user.name, so profile names do not "
                        "leak); repeatable")
    p.add_argument("--conversation-field", default=None,
                   help="path of the conversation id; without it each record is its own conversation")
    p.add_argument("--handles", action="store_true", help="also replace names inside @handles")


class RecordPaths(NamedTuple):
    """Parsed field paths: the text, the optional extra texts, the conversation id, known names."""

    text: list
    extra: List[list]
    conversation: Optional[list]
    known: List[list]


def record_paths(args, known_fields: Tuple[str, ...] = ()) -> RecordPaths:
    """The field paths of the record options; ValueError (E305) for a path that does not parse."""
    return RecordPaths(parse_path(args.text_field), [parse_path(p) for p in args.extra_text_field],
                       parse_path(args.conversation_field) if args.conversation_field else None,
                       [parse_path(p) for p in known_fields])


def input_error(path: Path) -> Optional[str]:
    """Why ``path`` cannot be read as the input, or None."""
    return None if path.is_file() else Errors.E307.format(path=path)


def errors_path(args, out_path: Path) -> Path:
    return Path(args.errors_file) if args.errors_file else out_path.with_name(out_path.name + ".errors.jsonl")


class Report:
    """Reported records and counters."""

    def __init__(self):
        self.errors: List[Dict[str, Any]] = []
        self.reasons: Counter = Counter()

    def add(self, line: int, reason: str) -> None:
        self.errors.append({"line": line, "reason": reason})
        self.reasons[reason.split(":")[0].split("'")[0].strip()] += 1

    def write_to(self, out: "AtomicFile") -> None:
        for e in self.errors:
            out.f.write(json.dumps(e) + "\n")


def _no_duplicate_keys(pairs):
    """json object hook: a repeated key would silently lose a value on output, so report it."""
    record = dict(pairs)
    if len(record) != len(pairs):
        seen = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise FieldError(f"duplicate key '{dup}' (a value would be lost)")
    return record


def parse_record(raw: bytes, paths: RecordPaths):
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
    texts = locate_strings(record, paths.text)
    for steps in paths.extra:  # optional: anonymized where present and a string, else left as is
        texts += [(loc, value) for loc, value in locate(record, steps, required=False) if isinstance(value, str)]
    for loc, value in texts:
        try:
            value.encode("utf8")
        except UnicodeEncodeError:
            raise FieldError(f"field '{show_location(loc)}' is not valid Unicode (lone surrogate)") from None
    conv = None
    if paths.conversation is not None:
        found = locate(record, paths.conversation, required=True)
        if len(found) != 1:
            raise FieldError("conversation field must hold exactly one value")
        value = found[0][1]
        if value is None or isinstance(value, (dict, list)):
            raise FieldError(f"conversation field is not a string or number (got "
                             f"{'null' if value is None else type(value).__name__})")
        conv = value if isinstance(value, str) else json.dumps(value)
    known: List[str] = []
    for steps in paths.known:
        for _, value in locate(record, steps, required=False):
            if isinstance(value, str):
                known.append(value)
            elif isinstance(value, list):
                known.extend(v for v in value if isinstance(v, str))
    return record, texts, conv, known


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


def spool_stdin() -> Path:
    """Standard input copied to a temporary file (the caller removes it)."""
    fd, tmp = tempfile.mkstemp(prefix="spacy-rnn-stdin-", suffix=".jsonl")
    with os.fdopen(fd, "wb") as f:
        shutil.copyfileobj(sys.stdin.buffer, f)
    return Path(tmp)


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


def fail(message: str) -> int:
    """Print a usage error; the exit status of a command that could not start."""
    print(f"✘ {message}", file=sys.stderr)
    return 2


__all__ = ["add_record_args", "RecordPaths", "record_paths", "input_error", "errors_path", "Report",
           "parse_record", "dump_line", "read_lines", "spool_stdin", "AtomicFile", "progress", "fail"]
