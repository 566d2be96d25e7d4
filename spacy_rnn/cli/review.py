"""`spacy-rnn review`: one HTML page to check an anonymized file before publishing it.

    python -m spacy_rnn review anonymized.jsonl --mapping-file mapping.jsonl --sample 50 --output review.html

The page gives the replacements per type over the whole file, the residual risks (digit runs, e-mail,
URL and ``@`` shapes, capitalised words the name detector scores near its threshold, none of them
replacements) with their record and context, the records that cannot be read, and a seeded sample of
conversations with every replacement marked in its type's colour. Run it with the record options
anonymize was run with. Original values are shown only with ``--show-originals``; such a page is
written with mode 600."""
import errno
import sys
from functools import partial
from pathlib import Path

from ..errors import Errors
from .jsonl import (AtomicFile, add_record_args, fail, input_error, progress, read_lines, record_paths,
                    same_file_error, terminate_cleanly)

DEFAULT_SEED = 0
DEFAULT_MARGIN = 0.2
DEFAULT_MAX_RISKS = 200


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("review", help="Write an HTML page to review an anonymized file before publishing",
                              description=__doc__.splitlines()[0])
    p.add_argument("input", help="JSONL written by anonymize")
    p.add_argument("--mapping-file", required=True, help="the mapping file written by anonymize")
    p.add_argument("--output", required=True, help="the HTML page to write")
    p.add_argument("--sample", type=int, default=50, help="conversations shown in full (default 50)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed of the sample (default {DEFAULT_SEED})")
    p.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                   help="list capitalised words the name detector scores at or above its threshold minus this "
                        f"(default {DEFAULT_MARGIN}; 0: no name scores)")
    p.add_argument("--max-risks", type=int, default=DEFAULT_MAX_RISKS,
                   help=f"residual risks listed per kind (all are counted; default {DEFAULT_MAX_RISKS})")
    p.add_argument("--show-originals", action="store_true",
                   help="show each replacement's original value as its tooltip (the page is written mode 600)")
    add_record_args(p)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_review)


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _check_numbers(args):
    """Why a numeric option is out of range, or None."""
    if args.sample < 0:
        return Errors.E350.format(option="--sample", what="0 or more", value=args.sample)
    if args.max_risks < 0:
        return Errors.E350.format(option="--max-risks", what="0 or more", value=args.max_risks)
    if not 0.0 <= args.margin < 1.0:
        return Errors.E350.format(option="--margin", what="a number in [0, 1)", value=args.margin)
    return None


def run_review(args) -> int:
    """The command: exit 0 (page written) or 2 (usage error, nothing written), one line per error."""
    collision = same_file_error([("the input", args.input), ("--mapping-file", args.mapping_file),
                                 ("--output", args.output)])
    if collision:  # before anything is read: a page over the input or the mapping would lose it
        return fail(collision)
    with terminate_cleanly():
        try:
            return _run(args)
        except OSError as e:
            where = e.filename or args.output
            if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
                return fail(Errors.E323.format(path=where, reason=e.strerror or e))
            return fail(Errors.E324.format(path=where, reason=e.strerror or e))


def _run(args) -> int:
    from ..anonymizer.mapping import read_mapping
    from ..review import Scanner, render_page, review
    from ..review.risks import NameScorer

    problem = _check_numbers(args)
    if problem:
        return fail(problem)
    try:
        paths = record_paths(args)
    except ValueError as e:
        return fail(str(e))
    in_path, out_path = Path(args.input), Path(args.output)
    if input_error(in_path):
        return fail(input_error(in_path))
    try:
        by_conv, by_record = read_mapping(args.mapping_file)
    except ValueError as e:  # E306 / E310: names the file and line, never its content
        return fail(str(e))
    if by_conv and paths.conversation is None:
        return fail(Errors.E311.format(path=args.mapping_file))
    if by_record and paths.conversation is not None:
        return fail(Errors.E352.format(path=args.mapping_file))
    scorer = None
    if args.margin > 0:
        try:
            scorer = NameScorer(args.margin)
        except (OSError, ValueError, ImportError) as e:
            return fail(Errors.E351.format(reason=str(e).splitlines()[0] if str(e) else type(e).__name__))
    scanner = Scanner(paths, by_conv, by_record, handles=args.handles)
    rv = review(partial(read_lines, in_path), scanner, scorer, args.sample, args.seed, args.max_risks,
                progress=partial(progress, desc="review", disable=args.no_progress),
                show_originals=args.show_originals)
    page = render_page(rv, in_path.name, args.sample, args.seed, args.show_originals)
    # a page with originals is as secret as the mapping: created mode 600, never readable by others
    with AtomicFile(out_path, private=args.show_originals) as out:
        out.f.write(page)
    print(f"✔ review page written to {out_path}{' (mode 600, with originals)' if args.show_originals else ''}: "
          f"{_n(rv.n_records, 'record')}, {_n(sum(rv.found.values()), 'replacement')}, "
          f"{_n(sum(rv.risk_counts.values()), 'residual risk')}, "
          f"{_n(len({m.scope for m in rv.sample}), 'conversation')} sampled", file=sys.stderr)
    if rv.not_shown:
        print(f"✘ {_n(len(rv.not_shown), 'record')} cannot be read (listed on the page as not shown)",
              file=sys.stderr)
    return 0
