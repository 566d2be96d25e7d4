"""Shards for `anonymize` on a directory or glob: finding the input files, reading one into rows,
writing an output shard atomically, and the manifest written last.

Formats: JSONL (``.jsonl``, ``.jsonl.gz``) and Parquet (``.parquet``, through pyarrow). A shard is
read into a DataFrame of *rows*, one per input record, that carry everything the anonymizing
partition needs and nothing of the input's layout:

``_part``  the output partition of the record's conversation (a stable hash of its scope), so every
           record of a conversation, whichever shard it sits in, meets in one partition;
``_seq``   the shard's number << 40 | the record's line (or row) number: the input order;
``_kind``  ``RECORD``, ``REPORTED`` (``_reason`` says why, never quoting the record) or ``BLANK``
           (``_raw`` holds the shard's count of blank lines);
``_scope`` the conversation's scope (``keys.scope_of``), ``_raw`` the record: the JSON line, or the
           Parquet row pickled and base64-encoded (a plain string survives every DataFrame engine).

An output shard is written to a hidden temporary file beside its name and renamed onto it only when
complete; a partition retried after a worker died writes the same bytes (records in input order,
gzip without a timestamp), so the manifest's sha256 holds whichever attempt won.
"""
import base64
import glob
import gzip
import hashlib
import json
import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ..anonymizer.keys import record_scope, scope_of
from ..errors import Errors
from .fields import FieldError
from .jsonl import BOM, AtomicFile, RecordPaths, dump_line, parse_record, record_fields

FORMATS = ("jsonl", "jsonl.gz", "parquet")
MANIFEST = "_SUCCESS.json"
RECORD, REPORTED, BLANK = 0, 1, 2
LINE_BITS = 40  # line numbers below 2**40 per shard; 2**23 shards
COLUMNS = ["_part", "_seq", "_kind", "_scope", "_raw", "_reason"]
_PART_NAME = re.compile(r"part-\d{5,}\.(?:jsonl|jsonl\.gz|parquet)")


class ShardError(ValueError):
    """An input or output shard that cannot be read or written (the run stops, exit 2)."""


def format_of(path: Path) -> Optional[str]:
    name = path.name.lower()
    for fmt in ("jsonl.gz", "jsonl", "parquet"):
        if name.endswith("." + fmt):
            return fmt
    return None


def is_glob(spec: str) -> bool:
    return glob.has_magic(spec)


def find_inputs(spec: str) -> Tuple[Path, List[Path]]:
    """The input files of a file, a directory (every file under it, except hidden ones and ``_*`` ones
    such as a manifest) or a glob, sorted; and the folder their shard names are relative to.
    ValueError: nothing found (E340), a file not named by its format (E341)."""
    path = Path(spec)
    if not is_glob(spec) and path.is_file():
        files, root = [path], path.parent
    elif not is_glob(spec) and path.is_dir():
        root = path
        files = sorted(p for p in path.rglob("*") if p.is_file() and not any(
            part.startswith((".", "_")) for part in p.relative_to(path).parts))
    else:
        files = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
        fixed = [part for part in Path(spec).parts]
        stop = next((i for i, part in enumerate(fixed) if is_glob(part)), len(fixed))
        root = Path(*fixed[:stop]) if stop else Path(".")
    if not files:
        raise ValueError(Errors.E340.format(path=spec))
    for f in files:
        if format_of(f) is None:
            raise ValueError(Errors.E341.format(path=f))
    return root, files


def shard_names(root: Path, files: List[Path]) -> List[str]:
    return [f.relative_to(root).as_posix() if f.is_relative_to(root) else f.as_posix() for f in files]


def part_of(scope: str, n: int) -> int:
    """The output partition of a scope: the same in every process and on every machine."""
    digest = hashlib.blake2b(scope.encode("utf8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n


@dataclass(frozen=True)
class ShardSpec:
    """One input shard to read: its number (the order of the files), path, name and format."""

    index: int
    path: str
    name: str
    fmt: str


def scope_for(conv: Any, line: int, shard: ShardSpec, single: bool) -> str:
    """A record's scope: its conversation's, or its own (its line number; qualified by the shard's name
    when there are several shards, so records of two shards never share one)."""
    if conv is not None:
        return scope_of(conv)
    return record_scope(line if single else f"{shard.name}:{line}")


def _jsonl_lines(path: str, fmt: str) -> Iterator[Tuple[int, bytes]]:
    """(line number, bytes) of every line, blank ones included as b''."""
    opener = gzip.open if fmt == "jsonl.gz" else open
    with opener(path, "rb") as f:
        for i, raw in enumerate(f, start=1):
            if i == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            yield i, raw.rstrip(b"\r\n")


def _parquet_rows(path: str, batch_rows: int = 8192) -> Iterator[Tuple[int, Any]]:
    import pyarrow.parquet as pq
    n = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        for row in batch.to_pylist():
            n += 1
            yield n, row


def read_shard(shard: ShardSpec, paths: RecordPaths, n_parts: int, single: bool) -> "pd.DataFrame":
    """The rows of one input shard (see the module's docstring). ShardError if it cannot be read."""
    rows: Dict[str, list] = {c: [] for c in COLUMNS}
    blank = 0
    base = shard.index << LINE_BITS

    def add(line: int, kind: int, scope: str, raw: Optional[str], reason: Optional[str]) -> None:
        rows["_part"].append(part_of(scope, n_parts))
        rows["_seq"].append(base | line)
        rows["_kind"].append(kind)
        rows["_scope"].append(scope)
        rows["_raw"].append(raw)
        rows["_reason"].append(reason)

    try:
        if shard.fmt == "parquet":
            for line, row in _parquet_rows(shard.path):
                try:
                    _, conv, _ = record_fields(row, paths)
                except FieldError as e:
                    add(line, REPORTED, scope_for(None, line, shard, single), None, str(e))
                    continue
                encoded = base64.b64encode(pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)).decode("ascii")
                add(line, RECORD, scope_for(conv, line, shard, single), encoded, None)
        else:
            for line, raw in _jsonl_lines(shard.path, shard.fmt):
                if not raw.strip():
                    blank += 1
                    continue
                try:
                    _, _, conv, _ = parse_record(raw, paths)
                except FieldError as e:
                    add(line, REPORTED, scope_for(None, line, shard, single), None, str(e))
                    continue
                add(line, RECORD, scope_for(conv, line, shard, single), raw.decode("utf8"), None)
    except (OSError, EOFError, ValueError) as e:  # unreadable, truncated gzip, not Parquet
        if isinstance(e, FieldError):
            raise
        raise ShardError(Errors.E324.format(path=shard.path, reason=getattr(e, "strerror", None) or e)) from None
    except Exception as e:  # pyarrow's errors (ArrowInvalid is a ValueError; others are not)
        raise ShardError(Errors.E324.format(path=shard.path, reason=f"{type(e).__name__}: {e}")) from None
    if blank:
        add(0, BLANK, record_scope(f"{shard.name}:blank"), str(blank), None)
    return rows_frame(rows)


def rows_frame(rows: Optional[Dict[str, list]] = None) -> "pd.DataFrame":
    import pandas as pd  # here: the single-file command imports this module and never needs pandas
    rows = rows or {c: [] for c in COLUMNS}
    return pd.DataFrame({"_part": pd.Series(rows["_part"], dtype="int64"),
                         "_seq": pd.Series(rows["_seq"], dtype="int64"),
                         "_kind": pd.Series(rows["_kind"], dtype="int8"),
                         "_scope": pd.Series(rows["_scope"], dtype=object),
                         "_raw": pd.Series(rows["_raw"], dtype=object),
                         "_reason": pd.Series(rows["_reason"], dtype=object)})


def decode_record(raw: str, fmt: str):
    """A row's record: a parsed JSON line, or a Parquet row."""
    if fmt == "parquet":
        return pickle.loads(base64.b64decode(raw))
    return json.loads(raw)


def part_name(i: int, fmt: str) -> str:
    return f"part-{i:05d}.{fmt}"


def _json_default(value: Any) -> Any:
    """Parquet values JSON has no type for: dates and times in ISO 8601, bytes as base64, decimals as text."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def jsonl_line(record: Any) -> str:
    try:
        return dump_line(record)
    except TypeError:  # a Parquet row's date, bytes or decimal
        line = json.dumps(record, ensure_ascii=False, default=_json_default)
        try:
            line.encode("utf8")
        except UnicodeEncodeError:
            line = json.dumps(record, default=_json_default)
        return line + "\n"


def write_shard(path: Path, records: List[Any], fmt: str, schema: Any = None) -> Tuple[int, str]:
    """Write ``records`` to ``path`` atomically in ``fmt``; (bytes, sha256 of the file)."""
    with AtomicFile(path, mode="wb") as out:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq
            table = pa.Table.from_pylist(records, schema=schema) if records or schema is not None else pa.table({})
            pq.write_table(table, out.f)
        elif fmt == "jsonl.gz":
            with gzip.GzipFile(filename="", fileobj=out.f, mode="wb", mtime=0) as gz:  # no name, no time: same bytes
                for r in records:
                    gz.write(jsonl_line(r).encode("utf8"))
        else:
            for r in records:
                out.f.write(jsonl_line(r).encode("utf8"))
        out.f.flush()
        os.fsync(out.f.fileno())
        digest, size = hashlib.sha256(), 0
        with open(out.tmp, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
    return size, digest.hexdigest()


def prepare_output_dir(out_dir: Path) -> None:
    """Make ``out_dir`` ready for a run: created if missing; an earlier run's manifest removed first (so
    the folder never looks complete while shards change), then its shards and temporary files.
    ValueError (E344) if it holds anything else: nothing is removed then."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(Errors.E344.format(path=out_dir, name="no folder: it is a file"))
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = sorted(out_dir.iterdir())
    for p in entries:
        ours = p.name == MANIFEST or _PART_NAME.fullmatch(p.name) or (
            p.name.startswith((".part-", f".{MANIFEST}.")) and p.name.endswith(".tmp"))
        if not ours or not p.is_file():
            raise ValueError(Errors.E344.format(path=out_dir, name=repr(p.name)))
    if (out_dir / MANIFEST).exists():
        (out_dir / MANIFEST).unlink()
    for p in entries:
        if p.name != MANIFEST and p.exists():
            p.unlink()


def remove_partials(out_dir: Path) -> None:
    """The temporary files of shards that a killed worker left (every task has ended when this runs)."""
    for p in out_dir.glob(".part-*.tmp"):
        try:
            p.unlink()
        except OSError:
            pass


def write_manifest(out_dir: Path, manifest: Dict[str, Any]) -> None:
    with AtomicFile(out_dir / MANIFEST) as out:
        out.f.write(json.dumps(manifest, indent=2) + "\n")


__all__ = ["FORMATS", "MANIFEST", "RECORD", "REPORTED", "BLANK", "ShardError", "ShardSpec", "format_of", "is_glob",
           "find_inputs", "shard_names", "part_of", "scope_for", "read_shard", "rows_frame",
           "decode_record", "part_name", "jsonl_line", "write_shard", "prepare_output_dir", "remove_partials",
           "write_manifest"]
