"""JSONL records for `anonymize` and `deanonymize`: the record options, parsing a line into its
text fields (line numbers and reasons for the lines that fail), writing lines, atomic outputs,
error reports, progress bars, and the guards of a run: distinct paths, an unnamed stdin spool,
SIGTERM/SIGINT turned into a clean exit, the partial outputs of a killed run removed."""
import contextlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import unicodedata
from collections import Counter
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

from ..errors import Errors
from .fields import FieldError, locate, locate_strings, parse_path


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


def same_file_error(named: List[Tuple[str, Optional[Union[str, Path]]]]) -> Optional[str]:
    """Why two of the ``(option, path)`` pairs are one file (links resolved, hard links too), or None.
    ``None`` paths and ``-`` (stdin) are skipped. Checked before anything is read or written."""
    seen: List[Tuple[str, str]] = []
    for option, path in named:
        if path is None or str(path) == "-":
            continue
        real = os.path.realpath(path)
        for other, other_real in seen:
            same = real == other_real
            if not same and os.path.exists(real) and os.path.exists(other_real):
                same = os.path.samefile(real, other_real)
            if same:
                return Errors.E321.format(first=other, second=option, path=path)
        seen.append((option, real))
    return None


class Report:
    """Reported records and counters; warnings about records that were written all the same."""

    def __init__(self):
        self.errors: List[Dict[str, Any]] = []
        self.reasons: Counter = Counter()
        self.warnings: Dict[str, List[int]] = {}

    def warn(self, line: int, what: str) -> None:
        lines = self.warnings.setdefault(what, [])
        if not lines or lines[-1] != line:
            lines.append(line)

    def add(self, line: int, reason: str) -> None:
        self.errors.append({"line": line, "reason": reason})
        self.reasons[reason.split(":")[0].split("'")[0].strip()] += 1

    def write_to(self, out: "AtomicFile") -> None:
        for e in self.errors:
            out.f.write(json.dumps(e) + "\n")


def print_summary(summary: Dict[str, Any], headline: str, lone: Optional[Tuple[int, str]],
                  reported: List[str]) -> None:
    """An anonymize run's summary on stderr: ``headline`` (what was written), the replacements per type, the
    blank lines, the warnings (``lone``: records with a lone surrogate and where they are) and the first ten
    ``reported`` records, one ``where: reason`` each."""
    err = sys.stderr
    print(f"✔ {headline}", file=err)
    if summary["replaced"]:
        print("  replaced: " + ", ".join(f"{label} {n}" for label, n in summary["replaced"].items()), file=err)
    if summary["blank_lines"]:
        n = summary["blank_lines"]
        print(f"  {n} blank line{'s' if n != 1 else ''} skipped", file=err)
    if lone:
        n, where = lone
        print(f"⚠ a lone surrogate in a text of {n} record{'s' if n != 1 else ''} ({where}): "
              f"anonymized around it and written with \\u escapes", file=err)
    if summary["texts_unread_script"]:
        scripts = ", ".join(f"{s} {n}" for s, n in summary["unread_scripts"].items())
        print(f"⚠ {summary['texts_unread_script']} texts hold letters of scripts the detector does not read "
              f"({scripts}): names written in them are not replaced", file=err)
    if summary["records_reported"]:
        print(f"✘ {summary['records_reported']} of {summary['records_in']} records reported, not written "
              f"(see {summary['errors_file']}):", file=err)
        for line in reported[:10]:
            print(f"  {line}", file=err)
        if len(reported) > 10:
            print(f"  ... and {len(reported) - 10} more", file=err)


def _no_duplicate_keys(pairs):
    """json object hook: a repeated key would silently lose a value on output, so report it."""
    record = dict(pairs)
    if len(record) != len(pairs):
        seen = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise FieldError(f"duplicate key '{dup}' (a value would be lost)")
    return record


def parse_record(raw: bytes, paths: RecordPaths):
    """(record, texts, conversation id (the JSON value), known names) or raises FieldError with the
    reason. A text may hold lone surrogates (see :func:`has_lone_surrogate`)."""
    try:
        text = raw.decode("utf8")
    except UnicodeDecodeError as e:
        raise FieldError(f"not valid UTF-8 (byte {e.start})") from None
    if not text.strip():
        raise FieldError("empty line")  # read_lines skips blank lines; this is for other callers
    try:
        record = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as e:
        raise FieldError(f"invalid JSON: {e.msg} (column {e.colno})") from None
    texts, conv, known = record_fields(record, paths)
    return record, texts, conv, known


def record_fields(record: Any, paths: RecordPaths):
    """(texts, conversation id (the JSON value), known names) of a parsed record (a JSON object or a
    Parquet row), or raises FieldError with the reason."""
    if not isinstance(record, dict):
        raise FieldError(f"not a JSON object (got {type(record).__name__})")
    texts = locate_strings(record, paths.text)
    for steps in paths.extra:  # optional: anonymized where present and a string, else left as is
        texts += [(loc, value) for loc, value in locate(record, steps, required=False) if isinstance(value, str)]
    conv = None
    if paths.conversation is not None:
        found = locate(record, paths.conversation, required=True)
        if len(found) != 1:
            raise FieldError("conversation field must hold exactly one value")
        value = found[0][1]
        if value is None or isinstance(value, (dict, list)):
            raise FieldError(f"conversation field is not a string or number (got "
                             f"{'null' if value is None else type(value).__name__})")
        conv = value  # the JSON value, type kept: keys.scope_of(conv) is its scope
    known: List[str] = []
    for steps in paths.known:
        for _, value in locate(record, steps, required=False):
            if isinstance(value, str):
                known.append(value)
            elif isinstance(value, list):
                known.extend(v for v in value if isinstance(v, str))
    return texts, conv, known


def dump_line(record: Any) -> str:
    """The record as one JSON line: UTF-8 as is, \\u escapes only where a string is not valid Unicode."""
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf8")
    except UnicodeEncodeError:
        line = json.dumps(record)
    return line + "\n"


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads joins valid pairs, so any left is lone


def has_lone_surrogate(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD: same length, so offsets are kept."""
    return _LONE_SURROGATE.sub("\ufffd", text)


# letters outside these ranges belong to scripts the detector and the name lists do not read
_LATIN = re.compile("[^\x00-\u02ff\u1d00-\u1dbf\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f"
                    "\uff00-\uff5a]")


def unread_scripts(text: str) -> List[str]:
    """The scripts of the letters of ``text`` that are not Latin (``CYRILLIC``, ``CJK``, ``ARABIC``, ...),
    the first word of their Unicode names; names written in them are not anonymized."""
    if text.isascii():
        return []
    found = set()
    for ch in _LATIN.findall(text):
        if ch.isalpha():
            found.add(unicodedata.name(ch, "UNKNOWN").split(" ")[0])
    return sorted(found)


BOM = b"\xef\xbb\xbf"


def read_lines(source: Union[Path, IO[bytes]], blank: Optional[Counter] = None) -> Iterator[Tuple[int, bytes]]:
    """(line number, bytes without the line end) of a file or an open binary file (read from its start),
    without a leading UTF-8 BOM. Blank lines are skipped (counted in ``blank["blank_lines"]``)."""
    f = open(source, "rb") if isinstance(source, (str, Path)) else source
    try:
        f.seek(0)
        for i, raw in enumerate(f, start=1):
            if i == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                if blank is not None:
                    blank["blank_lines"] += 1
                continue
            yield i, raw
    finally:
        if f is not source:
            f.close()


def spool_stdin() -> IO[bytes]:
    """Standard input copied to an unnamed temporary file, open for reading: it has no name in the
    temporary directory, so no copy of the input outlives the run, even a killed one (close it)."""
    f = tempfile.TemporaryFile(prefix="spacy-rnn-stdin-", suffix=".jsonl")
    try:
        shutil.copyfileobj(sys.stdin.buffer, f)
        f.flush()
    except BaseException:
        f.close()
        raise
    return f


@contextlib.contextmanager
def terminate_cleanly():
    """SIGTERM (and SIGINT, SIGHUP) raise SystemExit(128 + signal) inside the block, so its cleanup runs:
    partial outputs are discarded and the spool closed. A no-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    names = [n for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n)]
    previous = {n: signal.signal(getattr(signal, n), stop) for n in names}
    try:
        yield
    finally:
        for n, handler in previous.items():
            signal.signal(getattr(signal, n), handler)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True


def remove_stale_partials(path: Union[str, Path]) -> int:
    """Remove the hidden partial files (``.NAME.PID.XXXXXXXX.tmp``) that a killed run left beside
    ``path``, those of runs still going kept; the number removed."""
    path = Path(path)
    pattern = re.compile(r"(?:(\d+)\.)?[A-Za-z0-9_]+")
    prefix, n = f".{path.name}.", 0
    try:
        candidates = list(path.parent.glob(f"{glob_escape(prefix)}*.tmp"))
    except OSError:
        return 0
    for p in candidates:
        m = pattern.fullmatch(p.name[len(prefix):-len(".tmp")])
        if m is None or (m.group(1) and _alive(int(m.group(1)))):
            continue
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


class AtomicFile:
    """A temporary file beside ``path`` (``.NAME.PID.XXXXXXXX.tmp``, so that the next run can tell a
    killed run's from a running one's), renamed onto it by ``commit`` (removed otherwise)."""

    def __init__(self, path: Path, private: bool = False, mode: str = "w"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.{os.getpid()}.", suffix=".tmp")
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

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Commit when the block ends normally (unless committed already), discard when it raises."""
        if exc_type is not None:
            self.discard()
        elif not self.f.closed:
            self.commit()


def progress(iterable, total=None, desc="", disable=False, unit="rec"):
    """A progress bar on stderr, only when it is a terminal (never in logs or pipes)."""
    from tqdm import tqdm
    disable = disable or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, mininterval=0.5, file=sys.stderr)


def fail(message: str) -> int:
    """Print a usage error; the exit status of a command that could not start."""
    print(f"✘ {message}", file=sys.stderr)
    return 2


def output_error(e: OSError) -> int:
    """Print an error writing an output as one line: exit 3 when the disk is full (E323), else 2 (E324)."""
    import errno
    where = e.filename or "an output"
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        print(f"✘ {Errors.E323.format(path=where, reason=e.strerror or e)}", file=sys.stderr)
        return 3
    return fail(Errors.E324.format(path=where, reason=e.strerror or e))


__all__ = ["add_record_args", "RecordPaths", "record_paths", "record_fields", "print_summary", "output_error",
           "input_error", "errors_path", "same_file_error",
           "Report", "parse_record", "has_lone_surrogate", "without_lone_surrogates", "unread_scripts", "dump_line",
           "read_lines", "spool_stdin", "terminate_cleanly", "remove_stale_partials", "AtomicFile", "progress",
           "fail"]
