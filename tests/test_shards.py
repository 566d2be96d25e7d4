"""`anonymize` on a directory or glob of JSONL(.gz)/Parquet shards in one process (issue #17), and
``spacy_rnn.anonymize_frame``. No Dask here: tests/test_dask.py runs the same on a cluster."""
import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_rnn.cli import build_parser

KEY = "shard-test-key-0123456789abcdef"
# conversation "a" is split over three shards: its known name (user.name) is in shard 0, bare mentions in 1 and 2
SHARDS = [
    [{"conversation_id": "a", "turn": 1, "user": {"name": "Rochdi Khalid"}, "text": "Hi, I'm Rochdi Khalid.",
      "score": 0.5, "tags": ["x", None]},
     {"conversation_id": "b", "turn": 1, "user": {"name": "Ingrid Johansson"}, "text": "ingrid here"}],
    [{"conversation_id": "a", "turn": 2, "text": "Can Khalid's order ship to Casablanca, ROCHDI?"},
     {"conversation_id": 7, "turn": 1, "text": "no names"},
     {"conversation_id": "c", "turn": 1, "user": {"name": "Kenji Tanaka"}, "text": "Tanaka-san, hello"}],
    [{"conversation_id": "b", "turn": 2, "text": "Thanks Ingrid, JOHANSSON's ticket is closed. 😊"},
     {"conversation_id": "a", "turn": 3, "text": "Rochdi again: call me at +44 20 7946 0958"},
     {"conversation_id": "c", "turn": 2, "text": "kenji says thanks"}],
]
NAMES = ("Rochdi", "Khalid", "ROCHDI", "ingrid", "Ingrid", "JOHANSSON", "Tanaka", "kenji")


def run(*argv) -> int:
    args = build_parser().parse_args(["anonymize", *map(str, argv)])
    return args.func(args)


def anonymize(tmp_path, inp, out, *extra):
    key = tmp_path / "secret.key"
    if not key.exists():
        key.write_text(KEY)
        key.chmod(0o600)
    return run(inp, out, "--text-field", "text", "--conversation-field", "conversation_id", "--known-name-field",
               "user.name", "--no-progress", "--no-detector", "--key-file", key, *extra)


def write_jsonl(path: Path, records, extra_lines=()):
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra_lines)
    data = ("\n".join(lines) + "\n").encode("utf8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def write_parquet(path: Path, records):
    import pyarrow as pa
    import pyarrow.parquet as pq
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([flat(r) for r in records]), path)


def flat(r):
    """A record as a Parquet row holds it: every column in every row, one type per column."""
    return {"conversation_id": str(r["conversation_id"]), "turn": r["turn"], "text": r["text"],
            "score": r.get("score"), "user": r.get("user")}


def read_lines(path: Path):
    """The record lines of a file or of an output folder's part-* shards."""
    files = [path] if path.is_file() else sorted(path.glob("part-*"))
    out = []
    for f in files:
        data = gzip.decompress(f.read_bytes()) if f.name.endswith(".gz") else f.read_bytes()
        out.extend(data.decode("utf8").splitlines())
    return out


def read_parquet_rows(folder: Path):
    import pyarrow.parquet as pq
    return [row for f in sorted(folder.glob("part-*.parquet")) for row in pq.read_table(f).to_pylist()]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_gz_directory_equals_the_single_file_command_and_manifest(tmp_path, capsys):
    for i, records in enumerate(SHARDS):  # a bad line and a blank one in shard 1
        write_jsonl(tmp_path / "logs" / f"day-{i}.jsonl.gz", records, ['{"conversation_id": "a", "text": ', ""]
                    if i == 1 else ())
    # the single-file command on the same records, shard after shard
    (tmp_path / "all.jsonl").write_bytes(b"".join(gzip.decompress(p.read_bytes())
                                                  for p in sorted((tmp_path / "logs").iterdir())))
    assert anonymize(tmp_path, tmp_path / "all.jsonl", tmp_path / "single.jsonl", "--mapping-file",
                     tmp_path / "m1.jsonl") == 1
    capsys.readouterr()
    out = tmp_path / "out"
    rc = anonymize(tmp_path, tmp_path / "logs", out, "--partitions", "2", "--summary-file", tmp_path / "s.json",
                   "--mapping-file", tmp_path / "m2.jsonl")
    err = capsys.readouterr().err
    assert rc == 1 and "day-1.jsonl.gz line 4: invalid JSON" in err and KEY not in err
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS.json", "part-00000.jsonl.gz", "part-00001.jsonl.gz"]
    lines = read_lines(out)
    assert sorted(lines) == sorted(read_lines(tmp_path / "single.jsonl"))  # the same records, as a multiset
    assert sorted(read_lines(tmp_path / "m2.jsonl")) == sorted(read_lines(tmp_path / "m1.jsonl"))
    records = [json.loads(x) for x in lines]
    assert len(records) == sum(map(len, SHARDS))
    text = " ".join(r["text"] for r in records)
    assert not any(name in text for name in NAMES)
    # conversation "a" across three shards: one pseudonym
    by_turn = {r["turn"]: r["text"] for r in records if r["conversation_id"] == "a"}
    given, surname = by_turn[1][len("Hi, I'm "):-1].split(" ", 1)
    assert by_turn[2] == f"Can {surname}'s order ship to Casablanca, {given.upper()}?"
    assert by_turn[3].startswith(f"{given} again") and "7946 0958" not in by_turn[3]
    # every other field unchanged
    originals = {(str(r["conversation_id"]), r["turn"]): r for s in SHARDS for r in s}
    for r in records:
        o = originals[(str(r["conversation_id"]), r["turn"])]
        assert {k: v for k, v in r.items() if k != "text"} == {k: v for k, v in o.items() if k != "text"}
    # the manifest: per shard records, bytes, sha256; totals; records in = written + reported
    manifest = json.loads((out / "_SUCCESS.json").read_text())
    for shard in manifest["shards"]:
        path = out / shard["name"]
        assert shard["bytes"] == path.stat().st_size and shard["sha256"] == sha256(path)
        assert shard["records"] == len(read_lines(path))
    assert manifest["records_in"] == manifest["records_written"] + manifest["records_reported"] == len(records) + 1
    assert manifest["records_reported"] == 1 and manifest["blank_lines"] == 1
    assert manifest["inputs"] == ["day-0.jsonl.gz", "day-1.jsonl.gz", "day-2.jsonl.gz"]
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["records_in"] == summary["records_out"] + summary["records_reported"]
    assert summary["replaced"]["PERSON"] > 0 and summary["replaced"]["PHONE"] == 1
    errors = [json.loads(x) for x in read_lines(tmp_path / "out.errors.jsonl")]
    assert errors == [{"shard": "day-1.jsonl.gz", "line": 4, "reason": errors[0]["reason"]}]
    # the manifest is written after every shard
    assert (out / "_SUCCESS.json").stat().st_mtime_ns >= max(p.stat().st_mtime_ns for p in out.glob("part-*"))
    # any partition count, same records; the same partitions, the same bytes
    assert anonymize(tmp_path, tmp_path / "logs", tmp_path / "out5", "--partitions", "5") == 1
    assert sorted(read_lines(tmp_path / "out5")) == sorted(lines)
    assert anonymize(tmp_path, tmp_path / "logs", out, "--partitions", "2") == 1
    assert json.loads((out / "_SUCCESS.json").read_text())["shards"] == manifest["shards"]


def test_parquet_shards_keep_every_column_and_equal_jsonl(tmp_path):
    for i, records in enumerate(SHARDS):
        write_parquet(tmp_path / "pq" / f"part-{i}.parquet", records)
        write_jsonl(tmp_path / "js" / f"part-{i}.jsonl", [flat(r) for r in records])
    assert anonymize(tmp_path, tmp_path / "pq", tmp_path / "out-pq", "--partitions", "2") == 0
    assert anonymize(tmp_path, tmp_path / "js", tmp_path / "out-js", "--partitions", "2") == 0
    rows = read_parquet_rows(tmp_path / "out-pq")
    assert len(rows) == sum(map(len, SHARDS)) and set(rows[0]) == {"conversation_id", "turn", "text", "score", "user"}
    assert sorted(json.dumps(r, sort_keys=True) for r in rows) == sorted(
        json.dumps(json.loads(x), sort_keys=True) for x in read_lines(tmp_path / "out-js"))
    assert "Khalid" not in " ".join(r["text"] for r in rows)
    manifest = json.loads((tmp_path / "out-pq" / "_SUCCESS.json").read_text())
    assert manifest["format"] == "parquet" and manifest["records_written"] == len(rows)
    # Parquet in, JSONL out; a glob input
    assert anonymize(tmp_path, str(tmp_path / "pq" / "*.parquet"), tmp_path / "out-pj", "--output-format",
                     "jsonl", "--partitions", "2") == 0
    assert sorted(read_lines(tmp_path / "out-pj")) == sorted(read_lines(tmp_path / "out-js"))


def test_incomplete_output_never_looks_complete(tmp_path, monkeypatch):
    from spacy_rnn.cli import shards

    for i, records in enumerate(SHARDS):
        write_jsonl(tmp_path / "logs" / f"{i}.jsonl", records)
    out = tmp_path / "out"
    assert anonymize(tmp_path, tmp_path / "logs", out, "--partitions", "3") == 0
    assert (out / "_SUCCESS.json").exists()
    real, calls = shards.write_shard, []

    def fail_second(path, *a, **k):
        calls.append(path)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(path, *a, **k)

    monkeypatch.setattr("spacy_rnn.cli.sharded.write_shard", fail_second)
    with pytest.raises(RuntimeError):
        anonymize(tmp_path, tmp_path / "logs", out, "--partitions", "3")
    # the earlier run's manifest went first; no temporary file is left; the folder is not complete
    assert not (out / "_SUCCESS.json").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    assert anonymize(tmp_path, tmp_path / "logs", out, "--partitions", "3") == 0
    assert (out / "_SUCCESS.json").exists() and len(list(out.glob("part-*"))) == 3


@pytest.mark.parametrize("case", ["missing", "empty_dir", "wrong_suffix", "bad_dask", "foreign_output",
                                  "bad_size", "truncated_gzip", "not_parquet", "stdin_dask"])
def test_bad_inputs_exit_2_with_one_line(tmp_path, capsys, case):
    logs = tmp_path / "logs"
    write_jsonl(logs / "0.jsonl", SHARDS[0])
    inp, out, extra = logs, tmp_path / "out", []
    if case == "missing":
        inp = tmp_path / "nothing-*.jsonl"
    elif case == "empty_dir":
        inp = tmp_path / "empty"
        inp.mkdir()
    elif case == "wrong_suffix":
        (logs / "notes.txt").write_text("hi")
    elif case == "bad_dask":
        extra = ["--dask", "local:zero"]
    elif case == "foreign_output":
        out.mkdir()
        (out / "important.csv").write_text("keep me")
    elif case == "bad_size":
        extra = ["--partition-size", "lots"]
    elif case == "truncated_gzip":
        data = gzip.compress(b'{"conversation_id": "a", "text": "hi"}\n' * 100)
        (logs / "1.jsonl.gz").write_bytes(data[: len(data) // 2])
    elif case == "not_parquet":
        (logs / "1.parquet").write_bytes(b"this is not parquet")
    elif case == "stdin_dask":
        inp, extra = "-", ["--dask", "local:1"]
    assert anonymize(tmp_path, inp, out, *extra) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("✘") == 1, err
    assert "RNN-E3" in err
    if case == "foreign_output":
        assert (out / "important.csv").read_text() == "keep me"
    else:
        assert not (out / "_SUCCESS.json").exists()


def test_dask_not_installed_is_one_line(tmp_path, capsys, monkeypatch):
    write_jsonl(tmp_path / "logs" / "0.jsonl", SHARDS[0])
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    assert anonymize(tmp_path, tmp_path / "logs", tmp_path / "out", "--dask", "local:2") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "RNN-E343" in err and 'pip install "spacy-rnn[dask]"' in err
    assert not (tmp_path / "out").exists()


def test_the_single_file_path_never_imports_dask_or_pandas(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", SHARDS[0])
    (tmp_path / "k").write_text(KEY)
    code = ("import sys; from spacy_rnn.cli import build_parser; "
            f"a = build_parser().parse_args(['anonymize', {str(tmp_path / 'in.jsonl')!r}, "
            f"{str(tmp_path / 'o.jsonl')!r}, '--key-file', {str(tmp_path / 'k')!r}, '--no-progress', "
            "'--no-detector']); rc = a.func(a); "
            "print(rc, sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'pyarrow'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "0 []"


def test_anonymize_frame_keeps_other_columns():
    import pandas as pd
    import spacy_rnn

    df = pd.DataFrame({"conversation_id": ["a", "b", "a", 7], "turn": [1, 1, 2, 1],
                       "text": ["Hi, I'm Rochdi Khalid.", "ingrid here", "Khalid again", None],
                       "score": [0.5, None, 1.5, 2.0]}, index=[10, 11, 12, 13])
    out = spacy_rnn.anonymize_frame(df, text="text", conversation="conversation_id", key=KEY,
                                    known_names=["Rochdi Khalid"], detector="never")
    assert list(out.columns) == list(df.columns) and list(out.index) == list(df.index)
    pd.testing.assert_frame_equal(out.drop(columns=["text"]), df.drop(columns=["text"]))
    assert "Khalid" not in out.loc[10, "text"] and out.loc[11, "text"] == "ingrid here"
    assert out.loc[12, "text"].split()[0] == out.loc[10, "text"][len("Hi, I'm "):-1].split()[1]
    assert pd.isna(out.loc[13, "text"]) and out["text"].dtype == df["text"].dtype  # missing stays missing
    with pytest.raises(ValueError, match="E347"):
        spacy_rnn.anonymize_frame(df, text="body", key=KEY)


def test_atomic_file_block_commits_or_leaves_nothing(tmp_path):
    from spacy_rnn.cli.jsonl import AtomicFile

    with AtomicFile(tmp_path / "ok.txt") as out:
        out.f.write("done")
    with pytest.raises(RuntimeError):
        with AtomicFile(tmp_path / "bad.txt") as out:
            out.f.write("half")
            raise RuntimeError("killed")
    assert (tmp_path / "ok.txt").read_text() == "done"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.txt"]  # no bad.txt, no temporary file
