"""`spacy-rnn deanonymize`: restore the original names and identifiers with the mapping file of `anonymize`.

Each occurrence gets back the spelling it had (the mapping records, per pseudonym as written, the
originals it replaced in output order), so deanonymizing the unchanged output of anonymize gives
its input back. Run it with the record options anonymize was run with (``--text-field``,
``--extra-text-field``, ``--conversation-field``, ``--handles``): a mapping of conversations without
``--conversation-field`` (or the reverse) is refused, as is a malformed mapping line (exit 2)."""
import sys
from pathlib import Path
from typing import Any, Dict

from ..anonymizer.keys import scope_of
from ..anonymizer.mapping import Reverser, read_mapping
from ..errors import Errors
from .fields import FieldError, set_at
from .jsonl import (AtomicFile, Report, add_record_args, dump_line, errors_path, fail, input_error, parse_record,
                    progress, read_lines, record_paths, same_file_error)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("deanonymize", help="Restore the original names and identifiers with an anonymize "
                                                  "mapping file",
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


def run_deanonymize(args) -> int:
    collision = same_file_error([("the input", args.input), ("the output", args.output),
                                 ("--mapping-file", args.mapping_file),
                                 ("the errors file", errors_path(args, Path(args.output)))])
    if collision:  # before anything is read: an output over the mapping or the input would lose it
        return fail(collision)
    try:
        paths = record_paths(args)
    except ValueError as e:
        return fail(str(e))
    in_path, out_path = Path(args.input), Path(args.output)
    if input_error(in_path):
        return fail(input_error(in_path))
    try:
        by_conv, by_record = read_mapping(args.mapping_file)
    except ValueError as e:
        return fail(str(e))
    # a mapping keyed the other way would silently restore nothing
    if by_conv and paths.conversation is None:
        return fail(Errors.E311.format(path=args.mapping_file))
    if by_record and paths.conversation is not None:
        return fail(Errors.E312.format(path=args.mapping_file))
    report = Report()
    err_path = errors_path(args, out_path)
    out = AtomicFile(out_path)
    tables: Dict[Any, Reverser] = {}
    n_out = 0
    try:
        for line, raw in progress(read_lines(in_path), desc="deanonymize", disable=args.no_progress):
            try:
                record, texts, conv, _ = parse_record(raw, paths)
            except FieldError as e:
                report.add(line, str(e))
                continue
            n_out += 1
            entry = by_conv.get(scope_of(conv)) if conv is not None else by_record.get(n_out)
            if entry is not None:
                scope = scope_of(conv) if conv is not None else n_out
                table = tables.get(scope)
                if table is None:
                    table = tables[scope] = Reverser(entry)
                for loc, text in texts:
                    set_at(record, loc, table.rewrite(text, handles=args.handles))
            out.f.write(dump_line(record))
        out.commit()
        if report.errors:
            err = AtomicFile(err_path)
            report.write_to(err)
            err.commit()
    except BaseException:
        out.discard()
        raise
    print(f"✔ {n_out} records written to {out_path}", file=sys.stderr)
    if report.errors:
        print(f"✘ {len(report.errors)} records reported, not written (see {err_path})", file=sys.stderr)
    return 1 if report.errors and not args.allow_errors else 0
