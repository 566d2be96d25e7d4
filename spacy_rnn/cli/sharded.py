"""`anonymize` on many shards: a directory or glob of JSONL/Parquet files, in one process or on Dask.

    python -m spacy_rnn anonymize 'logs/*.jsonl.gz' out/ --conversation-field conversation_id \\
        --key-file secret.key [--dask local:2 | --dask tcp://scheduler:8786]

Every input shard is read into rows (``shards.read_shard``), each row tagged with the output
partition of its conversation; the rows are grouped by partition (Dask: a shuffle; one process: one
unnamed temporary file per partition), so a conversation's records meet whatever shard they sit
in, and each partition is anonymized as the single-file command anonymizes a file (the records in
input order, every text of a conversation observed before any is rewritten) and written as the
output shard ``part-NNNNN``. Partition ``i`` holds the same records in every mode and on any number
of workers, so the output shards are the same bytes too. The manifest ``_SUCCESS.json`` is written
last: a folder without it is not a complete output.
"""
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..anonymizer.conversation import ENTITIES, PERSON, check_entities, check_identifier_settings
from ..anonymizer.mapping import mapping_entry
from ..errors import Errors
from .fields import FieldError, set_at
from .jsonl import (AtomicFile, RecordPaths, dump_line, errors_path, fail, has_lone_surrogate, parse_record,
                    output_error, print_summary, record_fields, same_file_error, terminate_cleanly, unread_scripts)
from .shards import (BLANK, FORMATS, LINE_BITS, REPORTED, ShardError, ShardSpec, decode_record,
                     find_inputs, format_of, is_glob, part_name, prepare_output_dir, read_shard,
                     remove_partials, rows_frame, shard_names, write_manifest, write_shard)

DEFAULT_PARTITION_SIZE = 64 * 2 ** 20  # input bytes per output partition
GZIP_RATIO = 4  # a gzipped chat log holds about 4 times its size in JSON: the partition count's estimate
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.I)
EXIT_REPORTED, EXIT_USAGE, EXIT_DISK_FULL = 1, 2, 3


def add_shard_args(p) -> None:
    """The options of a sharded run (an input directory or glob, or any input with --dask)."""
    p.add_argument("--dask", default=None, metavar="local:N|ADDRESS",
                   help="run on Dask: 'local:N' starts N worker processes here; an address (tcp://host:8786) "
                        "uses that cluster (its workers need spacy-rnn and must see the input and output folders)")
    p.add_argument("--output-format", default=None, choices=FORMATS,
                   help="format of the output shards (default: the input's); the output is then a folder")
    p.add_argument("--partition-size", default="64MB", metavar="SIZE",
                   help="input per output partition (e.g. 64MB; gzip counted at 4x its size): sets the memory "
                        "a worker needs")
    p.add_argument("--partitions", type=int, default=None, metavar="N",
                   help="number of output partitions (shards), instead of --partition-size")


def is_sharded(args) -> bool:
    """Whether ``anonymize`` runs on shards: --dask or --output-format given, or an input that is a
    directory or a glob (not an existing file)."""
    if getattr(args, "dask", None) or getattr(args, "output_format", None):
        return True
    spec = args.input
    return spec != "-" and not Path(spec).is_file() and (Path(spec).is_dir() or is_glob(spec))


def parse_size(text: str) -> int:
    m = _SIZE.match(str(text))
    if not m or float(m.group(1)) <= 0:
        raise ValueError(Errors.E346.format(option="--partition-size", value=text,
                                            reason="expected a size such as 64MB or 1GB"))
    return int(float(m.group(1)) * 1024 ** " kmgt".index((m.group(2) or " ").lower()))


def n_partitions(files: List[Path], size: int) -> int:
    """Output partitions: one per ``size`` of input (gzip counted at GZIP_RATIO times its size), and at
    least one per input shard, so that the shards' parallelism is kept. It depends on the input only,
    never on the number of workers, so partition ``i`` holds the same records in every mode."""
    total = sum(f.stat().st_size * (GZIP_RATIO if format_of(f) == "jsonl.gz" else 1) for f in files)
    return max(1, len(files), math.ceil(total / size))


@dataclass
class Job:
    """What every partition task needs (picklable; its repr and Dask token show no key)."""

    out_dir: str
    out_fmt: str
    in_fmts: List[str]
    names: List[str]
    paths: RecordPaths
    build_args: Tuple[Any, ...]
    key: Any  # a scale.engine.Secret
    batch_size: int
    mapping_dir: Optional[str] = None
    schema: Any = None  # the Parquet schema of the output (a Parquet input's)
    torch_threads: Optional[int] = None


@dataclass
class PartResult:
    """What a partition task sends back: its shard's figures, the records it reported, its counts."""

    part: int
    name: str
    records: int = 0
    bytes: int = 0
    sha256: str = ""
    records_in: int = 0
    blank_lines: int = 0
    errors: List[Tuple[int, int, str]] = field(default_factory=list)  # (shard, line, reason)
    warnings: Dict[str, List[Tuple[int, int]]] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    detected_by: Counter = field(default_factory=Counter)
    replaced: Counter = field(default_factory=Counter)  # mentions replaced per entity type
    pid: int = 0
    builds: int = 0
    seconds: float = 0.0  # the partition's task, from its rows to its written shard
    peak_rss: int = 0  # bytes: the peak resident memory of the process that ran the partition, so far


def run_partition(part: int, rows, job: Job) -> PartResult:
    """Anonymize one partition's rows and write its output shard (and mapping part): the same bytes
    however often it runs."""
    from ..scale.engine import BUILDS, Item, anonymize_items, pipeline

    started = time.perf_counter()
    rows = rows.sort_values("_seq", kind="stable")
    res = PartResult(part, part_name(part, job.out_fmt))
    items: List[Item] = []
    kept: List[Tuple[int, int, Any, Any, list]] = []  # (shard, line, record, conversation id, text locations)
    for seq, kind, scope, raw, reason in zip(rows["_seq"].tolist(), rows["_kind"].tolist(), rows["_scope"].tolist(),
                                             rows["_raw"].tolist(), rows["_reason"].tolist()):
        shard, line = seq >> LINE_BITS, seq & ((1 << LINE_BITS) - 1)
        if kind == BLANK:
            res.blank_lines += int(raw)
            continue
        res.records_in += 1
        if kind == REPORTED:
            res.errors.append((shard, line, reason))
            continue
        fmt = job.in_fmts[shard]
        try:
            if fmt == "parquet":
                record = decode_record(raw, fmt)
                texts, conv, known = record_fields(record, job.paths)
            else:
                record, texts, conv, known = parse_record(raw.encode("utf8"), job.paths)
        except FieldError as e:  # read_shard checked it; kept so that a record is never lost silently
            res.errors.append((shard, line, str(e)))
            continue
        for _, t in texts:
            if has_lone_surrogate(t):
                res.warnings.setdefault("lone surrogate", []).append((shard, line))
                break
        for _, t in texts:
            scripts = unread_scripts(t)
            if scripts:
                res.counts["texts_unread_script"] += 1
                res.counts.update(f"script:{s}" for s in scripts)
        res.counts["texts"] += len(texts)
        items.append(Item(scope, [t for _, t in texts], known))
        kept.append((shard, line, record, conv, [loc for loc, _ in texts]))
    p = pipeline(job.build_args, threads=job.torch_threads)
    out_records: List[Any] = []
    mapping_lines: List[str] = []
    scopes = set()
    with p.lock:
        p.anonymizer(job.key)
        outcomes = anonymize_items(p.nlp, items, job.batch_size)
    for item, (shard, line, record, conv, locs), outcome in zip(items, kept, outcomes):
        if outcome.error is not None:
            res.errors.append((shard, line, outcome.error))
            continue
        for loc, new_text in zip(locs, outcome.texts):
            set_at(record, loc, new_text)
        res.detected_by.update(r.detected_by for r in outcome.replaced if r.label == PERSON)
        res.replaced.update(r.label for r in outcome.replaced)
        res.counts["mentions"] += len(outcome.replaced)
        out_records.append(record)
        scopes.add(item.scope)
        if outcome.last and job.mapping_dir:
            entry = mapping_entry(outcome.conversation, conv, len(out_records))
            if entry is not None:
                if conv is None:  # a record's own entry: its position in its output shard
                    entry = {"shard": res.name, **entry}
                mapping_lines.append(dump_line(entry))
    res.counts["conversations"] = len(scopes)
    res.records = len(out_records)
    out_dir = Path(job.out_dir)
    res.bytes, res.sha256 = write_shard(out_dir / res.name, out_records, job.out_fmt, job.schema)
    if job.mapping_dir:
        with AtomicFile(Path(job.mapping_dir) / f"part-{part:05d}.jsonl", private=True) as m:
            m.f.writelines(mapping_lines)
    res.errors.sort()
    res.pid = os.getpid()
    res.builds = BUILDS.get(res.pid, 0)
    res.peak_rss = _peak_rss()
    res.seconds = time.perf_counter() - started
    return res


def _peak_rss() -> int:
    try:
        import resource
    except ImportError:  # not on Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def run_local(specs: List[ShardSpec], job: Job, n_parts: int, single: bool) -> List[PartResult]:
    """Every partition in this process: the rows of each shard go to one unnamed temporary file per
    partition (no copy of the input outlives the run), then each partition is anonymized."""
    import pickle
    spills = [tempfile.TemporaryFile(prefix="spacy-rnn-part-") for _ in range(n_parts)]
    try:
        for spec in specs:
            rows = read_shard(spec, job.paths, n_parts, single)
            for part, piece in rows.groupby("_part", sort=True):
                pickle.dump(piece, spills[int(part)], protocol=pickle.HIGHEST_PROTOCOL)
        results = []
        for part, spill in enumerate(spills):
            spill.seek(0)
            pieces = []
            while True:
                try:
                    pieces.append(pickle.load(spill))
                except EOFError:
                    break
            spill.close()
            import pandas as pd
            rows = pd.concat(pieces) if pieces else rows_frame()
            results.append(run_partition(part, rows, job))
        return results
    finally:
        for s in spills:
            s.close()


def run_sharded(args) -> int:
    """The sharded command: exit 0, 1 (records reported), 2 (usage error) or 3 (disk full)."""
    out_dir = Path(args.output)
    err_path = errors_path(args, out_dir)
    if args.input == "-":
        return fail(Errors.E340.format(path="-"))
    try:
        root, files = find_inputs(args.input)
    except ValueError as e:
        return fail(str(e))
    collision = same_file_error([("the output", out_dir), ("--mapping-file", args.mapping_file),
                                 ("the errors file", err_path), ("--summary-file", args.summary_file),
                                 ("--key-file", args.key_file)])
    if collision:
        return fail(collision)
    out_real = os.path.realpath(out_dir)
    for f in files:
        if os.path.realpath(f).startswith(out_real + os.sep):
            return fail(Errors.E321.format(first="the input", second="the output", path=f))
    with terminate_cleanly():
        try:
            return _run(args, root, files, out_dir, err_path)
        except OSError as e:
            return output_error(e)


def _pipeline_error(args, build_args) -> Optional[str]:
    """Build the pipeline here first, so that a missing --model is one line (exit 2) before any work."""
    from ..scale.engine import pipeline
    from .workers import model_error
    try:
        pipeline(build_args)
    except (OSError, ImportError) as e:
        if not args.model:
            raise
        return model_error(args.model, e)
    return None


def _run(args, root: Path, files: List[Path], out_dir: Path, err_path: Path) -> int:
    from .anonymize import _load_key, anonymizer_config  # here: anonymize.py imports this module
    from .jsonl import record_paths, remove_stale_partials
    from ..scale.engine import Secret

    started = time.time()
    try:
        config = anonymizer_config(args)
        check_entities(config["entities"], "--entities")
        check_identifier_settings(args.region, args.keep, ("--region", "--keep"))
        key = Secret(_load_key(args))
        paths = record_paths(args, tuple(args.known_name_field))
        size = parse_size(args.partition_size)
        if args.partitions is not None and args.partitions < 1:
            raise ValueError(Errors.E346.format(option="--partitions", value=args.partitions,
                                                reason="expected a positive number"))
        cluster = _parse_dask(args.dask) if args.dask else None
    except ValueError as e:
        return fail(str(e))
    if cluster is not None:
        try:
            import dask.dataframe  # noqa: F401
            import distributed  # noqa: F401
        except ImportError as e:
            return fail(Errors.E343.format(what="--dask", extra="dask", reason=e))
    in_fmts = [format_of(f) for f in files]
    out_fmt = args.output_format or in_fmts[0]
    if "parquet" in in_fmts or out_fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as e:
            return fail(Errors.E343.format(what="Parquet", extra="parquet", reason=e))
    build_args = (args.model, args.lang, config, args.max_length)
    # built here first in one process (and then reused there); on Dask only to check --model, since the
    # workers build their own and this process would load the bundled models for nothing
    problem = _pipeline_error(args, build_args) if cluster is None or args.model else None
    if problem:
        return fail(problem)
    schema = _parquet_schema(files, in_fmts) if out_fmt == "parquet" and "parquet" in in_fmts else None
    try:
        prepare_output_dir(out_dir)
    except ValueError as e:
        return fail(str(e))
    for path in (args.mapping_file, err_path, args.summary_file):
        if path:
            remove_stale_partials(path)
    mapping_dir = _mapping_dir(Path(args.mapping_file)) if args.mapping_file else None
    n_parts = args.partitions or n_partitions(files, size)
    names = shard_names(root, files)
    specs = [ShardSpec(i, str(f), n, fmt) for i, (f, n, fmt) in enumerate(zip(files, names, in_fmts))]
    single = len(files) == 1
    job = Job(str(out_dir), out_fmt, in_fmts, names, paths, build_args, key, args.batch_size,
              str(mapping_dir) if mapping_dir else None, schema, _torch_threads(cluster))
    outputs: List[AtomicFile] = []
    try:
        try:
            if cluster is None:
                results = run_local(specs, job, n_parts, single)
                workers = 1
            else:
                from ..dask import run_partitions
                results, workers = run_partitions(cluster, specs, job, n_parts, single)
        except ShardError as e:
            return fail(str(e))
        remove_partials(out_dir)
        return _finish(args, results, names, out_dir, err_path, mapping_dir, n_parts, workers, started, outputs)
    except BaseException:
        for f in outputs:
            f.discard()
        raise
    finally:
        if mapping_dir is not None:
            shutil.rmtree(mapping_dir, ignore_errors=True)


def _torch_threads(cluster) -> Optional[int]:
    """Torch threads per worker: one on Dask (a worker process is one core's worth of work, as Dask's
    nanny sets up its workers); torch's default in one process."""
    return None if cluster is None else 1


def _parse_dask(value: str):
    m = re.fullmatch(r"local:(\d+)", value.strip())
    if m and int(m.group(1)) >= 1:
        return int(m.group(1))
    if re.fullmatch(r"(tcp|tls|ucx|inproc|ws|wss)://\S+", value.strip()) or re.fullmatch(r"[\w.-]+:\d+", value.strip()):
        return value.strip()
    raise ValueError(Errors.E342.format(value=value))


def _parquet_schema(files: List[Path], fmts: List[str]):
    import pyarrow as pa
    import pyarrow.parquet as pq
    try:
        return pa.unify_schemas([pq.read_schema(f) for f, fmt in zip(files, fmts) if fmt == "parquet"])
    except Exception as e:
        raise ShardError(Errors.E324.format(path=files[0], reason=f"{type(e).__name__}: {e}")) from None


def _mapping_dir(mapping: Path) -> Path:
    """A private folder beside the mapping file for the partitions' parts (removed at the end; a killed
    run's is removed by the next run for the same mapping file)."""
    parent = mapping.parent if str(mapping.parent) else Path(".")
    for stale in parent.glob(f".{mapping.name}.parts-*"):
        shutil.rmtree(stale, ignore_errors=True)
    d = parent / f".{mapping.name}.parts-{uuid.uuid4().hex[:12]}"
    d.mkdir(mode=0o700, parents=True)
    return d


def _finish(args, results: List[PartResult], names: List[str], out_dir: Path, err_path: Path,
            mapping_dir: Optional[Path], n_parts: int, workers: int, started: float, outputs: List[AtomicFile]) -> int:
    results = sorted(results, key=lambda r: r.part)
    errors = sorted(e for r in results for e in r.errors)
    reasons: Counter = Counter(reason.split(":")[0].split("'")[0].strip() for _, _, reason in errors)
    warnings: Dict[str, List[Tuple[int, int]]] = {}
    counts: Counter = Counter()
    detected_by: Counter = Counter()
    replaced: Counter = Counter()
    for r in results:
        replaced.update(r.replaced)
        for what, where in r.warnings.items():
            warnings.setdefault(what, []).extend(where)
        counts.update(r.counts)
        detected_by.update(r.detected_by)
    for where in warnings.values():
        where.sort()
    records_in = sum(r.records_in for r in results)
    written = sum(r.records for r in results)
    n_reported = len(errors)
    if records_in != written + n_reported:  # the invariant every record is counted by
        raise RuntimeError(f"records in {records_in} != written {written} + reported {n_reported}")
    if args.mapping_file:
        mapping = AtomicFile(Path(args.mapping_file), private=True)
        outputs.append(mapping)
        for r in results:
            with open(Path(mapping_dir) / f"part-{r.part:05d}.jsonl", "r", encoding="utf8") as f:
                shutil.copyfileobj(f, mapping.f)
    if n_reported or args.errors_file:
        err = AtomicFile(err_path)
        outputs.append(err)
        for shard, line, reason in errors:
            err.f.write(json.dumps({"shard": names[shard], "line": line, "reason": reason}) + "\n")
    seconds = time.time() - started
    scripts = {k.split(":", 1)[1]: v for k, v in sorted(counts.items()) if k.startswith("script:")}
    summary = {"records_in": records_in, "records_out": written, "records_reported": n_reported,
               "blank_lines": sum(r.blank_lines for r in results), "reasons": dict(reasons),
               "warnings": {w: len(v) for w, v in warnings.items()}, "texts": counts["texts"],
               "texts_unread_script": counts["texts_unread_script"], "unread_scripts": scripts,
               "conversations": counts["conversations"], "mentions_replaced": counts["mentions"],
               "replaced": {label: replaced[label] for label in ENTITIES if replaced[label]},
               "detected_by": dict(detected_by), "seconds": round(seconds, 2),
               "texts_per_second": round(counts["texts"] / max(seconds, 1e-9), 1), "output": str(out_dir),
               "errors_file": str(err_path) if n_reported or args.errors_file else None,
               "mapping_file": args.mapping_file, "input_shards": len(names), "output_shards": len(results),
               "partitions": n_parts, "workers": workers,
               "peak_memory_mb": _peak_memory(results),
               "partition_seconds": round(sum(r.seconds for r in results), 2)}
    if args.summary_file:
        s = AtomicFile(Path(args.summary_file))
        outputs.append(s)
        s.f.write(json.dumps(summary, indent=2) + "\n")
    for f in outputs:
        f.commit()
    if args.mapping_file:
        os.chmod(args.mapping_file, 0o600)
    if not (n_reported or args.errors_file) and err_path.is_file():
        err_path.unlink()
    manifest = {"format": results[0].name.split(".", 1)[1] if results else None,
                "shards": [{"name": r.name, "records": r.records, "bytes": r.bytes, "sha256": r.sha256}
                           for r in results],
                "records_in": records_in, "records_written": written, "records_reported": n_reported,
                "blank_lines": summary["blank_lines"], "inputs": names}
    write_manifest(out_dir, manifest)  # last: its presence says every shard above is complete
    _print_summary(summary, errors, warnings, names)
    return EXIT_REPORTED if n_reported and not args.allow_errors else 0


def _peak_memory(results: List[PartResult]) -> Dict[str, float]:
    """The peak resident memory of each process that ran partitions (MB, by process id)."""
    peak: Dict[int, int] = {}
    for r in results:
        peak[r.pid] = max(peak.get(r.pid, 0), r.peak_rss)
    return {str(pid): round(rss / 2 ** 20, 1) for pid, rss in sorted(peak.items())}


def _where(items: List[Tuple[int, int]], names: List[str], n: int = 10) -> str:
    shown = ", ".join(f"{names[s]} line {line}" for s, line in items[:n])
    return shown + (", ..." if len(items) > n else "")


def _print_summary(summary: Dict[str, Any], errors, warnings, names: List[str]) -> None:
    workers = summary["workers"]
    lone = warnings.get("lone surrogate")
    shards = summary["output_shards"]
    print_summary(summary, f"{summary['records_out']} records written to {summary['output']} in "
                  f"{shards} shard{'s' if shards != 1 else ''} from {summary['input_shards']} "
                  f"({summary['texts']} texts, {summary['mentions_replaced']} mentions replaced, {summary['conversations']} conversations, "
                  f"{summary['texts_per_second']} texts/s, {workers} worker{'s' if workers != 1 else ''})",
                  (len(lone), _where(lone, names)) if lone else None,
                  [f"{names[shard]} line {line}: {reason}" for shard, line, reason in errors])


__all__ = ["add_shard_args", "is_sharded", "run_sharded", "run_partition", "run_local", "Job", "PartResult"]
