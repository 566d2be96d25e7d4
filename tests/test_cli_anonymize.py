"""`spacy-rnn anonymize` / `deanonymize` on JSONL files: no record lost, errors reported, atomic outputs."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_rnn.cli import build_parser

KEY = "cli-test-key-0123456789abcdef"
RECORDS = [
    {"conversation_id": "a", "turn": 1, "user": {"name": "Rochdi Khalid"}, "text": "Hi, I'm Rochdi Khalid.",
     "score": 0.5, "tags": ["x", None]},
    {"conversation_id": "b", "turn": 1, "user": {"name": "Ingrid Johansson"}, "text": "ingrid here"},
    {"conversation_id": "a", "turn": 2, "text": "Can Khalid's order ship to Casablanca, ROCHDI?"},
    {"conversation_id": "b", "turn": 2, "text": "Thanks Ingrid, JOHANSSON's ticket is closed. 😊"},
    {"conversation_id": 7, "turn": 1, "text": ""},
]
BAD = ['{"conversation_id": "a", "text": ', "[1, 2]", '{"conversation_id": "a", "text": 5}',
       '{"conversation_id": "a"}', "", '{"text": "no conversation"}', '{"conversation_id": "z", "text": "\\ud83d"}',
       '{"conversation_id": "a", "text": "hi", "text": "again"}']


def write_input(path: Path, bad: bool = True) -> list:
    lines = [json.dumps(r, ensure_ascii=False) for r in RECORDS]
    if bad:
        lines = lines[:2] + BAD[:3] + lines[2:4] + BAD[3:] + lines[4:]
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return lines


def run(*argv) -> int:
    args = build_parser().parse_args(["anonymize" if argv[0] != "deanonymize" else "deanonymize",
                                      *argv[1 if argv[0] == "deanonymize" else 0:]])
    return args.func(args)


def anonymize(tmp_path, inp, out, *extra, key=True):
    argv = [str(inp), str(out), "--text-field", "text", "--conversation-field", "conversation_id",
            "--known-name-field", "user.name", "--no-progress", "--no-detector"]
    if key:
        (tmp_path / "secret.key").write_text(KEY)
        argv += ["--key-file", str(tmp_path / "secret.key")]
    return run(*argv, *extra)


def read_jsonl(path: Path) -> list:
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


def test_records_in_equal_records_out_plus_reported(tmp_path, capsys):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = write_input(inp)
    rc = anonymize(tmp_path, inp, out, "--summary-file", str(tmp_path / "summary.json"))
    assert rc == 1  # something was reported
    written = read_jsonl(out)
    errors = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    summary = json.loads((tmp_path / "summary.json").read_text())
    # the blank line is skipped and counted; the lone-surrogate record is written with a warning (issue #14)
    assert len(lines) - 1 == summary["records_in"] == len(written) + len(errors) and summary["blank_lines"] == 1
    assert summary["records_out"] == len(RECORDS) + 1 and summary["records_reported"] == len(BAD) - 2
    assert summary["warnings"] == {"lone surrogate": 1}
    assert [e["line"] for e in errors] == [3, 4, 5, 8, 10, 12]
    reasons = [e["reason"] for e in errors]
    assert reasons[0].startswith("invalid JSON") and reasons[1].startswith("not a JSON object")
    assert reasons[2] == "field 'text' is not a string (got int)"
    assert reasons[3] == "missing field 'text'"
    assert reasons[4] == "missing field 'conversation_id'"
    assert reasons[5] == "duplicate key 'text' (a value would be lost)"
    err = capsys.readouterr().err
    assert "line 3: invalid JSON" in err and KEY not in err
    assert written.pop(4) == {"conversation_id": "z", "text": "\ud83d"}
    # input order, other fields unchanged, names gone
    for original, anon in zip(RECORDS, written):
        assert {k: v for k, v in anon.items() if k != "text"} == {k: v for k, v in original.items() if k != "text"}
    texts = " ".join(r["text"] for r in written)
    for name in ("Rochdi", "Khalid", "ROCHDI", "ingrid", "Ingrid", "JOHANSSON"):
        assert name not in texts
    assert written[2]["text"].endswith("'s order ship to Casablanca, " + written[2]["text"].split(", ")[-1])
    assert "'s ticket is closed. 😊" in written[3]["text"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_allow_errors_and_clean_input_exit_zero(tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(inp)
    assert anonymize(tmp_path, inp, out, "--allow-errors") == 0
    write_input(inp, bad=False)
    assert anonymize(tmp_path, inp, tmp_path / "clean.jsonl") == 0
    assert not (tmp_path / "clean.jsonl.errors.jsonl").exists()


def test_same_key_same_output_and_consistency_across_records(tmp_path):
    inp = tmp_path / "in.jsonl"
    write_input(inp, bad=False)
    anonymize(tmp_path, inp, tmp_path / "o1.jsonl")
    anonymize(tmp_path, inp, tmp_path / "o2.jsonl")
    assert (tmp_path / "o1.jsonl").read_bytes() == (tmp_path / "o2.jsonl").read_bytes()
    first, third = read_jsonl(tmp_path / "o1.jsonl")[0]["text"], read_jsonl(tmp_path / "o1.jsonl")[2]["text"]
    given, surname = first[len("Hi, I'm "):-1].split(" ", 1)
    assert third == f"Can {surname}'s order ship to Casablanca, {given.upper()}?"
    os.environ["ANON_TEST_OTHER_KEY"] = "some-other-key-0123456789"
    try:
        assert run(str(inp), str(tmp_path / "o3.jsonl"), "--conversation-field", "conversation_id",
                   "--known-name-field", "user.name", "--no-progress", "--no-detector",
                   "--key-env", "ANON_TEST_OTHER_KEY") == 0
    finally:
        del os.environ["ANON_TEST_OTHER_KEY"]
    assert read_jsonl(tmp_path / "o3.jsonl")[0]["text"] != first


def test_round_trip_with_mapping_file(tmp_path):
    inp, out, back = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "back.jsonl"
    mapping = tmp_path / "map.jsonl"
    write_input(inp)
    anonymize(tmp_path, inp, out, "--mapping-file", str(mapping))
    assert oct(mapping.stat().st_mode & 0o777) == "0o600"
    entries = read_jsonl(mapping)
    assert {e["conversation"] for e in entries} == {"a", "b"}
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping),
               "--conversation-field", "conversation_id", "--no-progress") == 0
    assert read_jsonl(back) == RECORDS[:4] + [{"conversation_id": "z", "text": "\ud83d"}] + RECORDS[4:]


def test_nested_field_paths_and_records_without_conversation(tmp_path):
    inp, out, back = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "back.jsonl"
    recs = [{"id": 1, "meta": {"customer": "Hannah Schmidt"},
             "messages": [{"role": "user", "content": "Hannah Schmidt here"},
                          {"role": "assistant", "content": "Hi Hannah!"}, {"role": "user", "content": "schmidt"}]},
            {"id": 2, "messages": [{"role": "user", "content": None}]},
            {"id": 3, "meta": {"customer": "Hannah Schmidt"}, "messages": []}]
    inp.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    (tmp_path / "k").write_text(KEY)
    rc = run(str(inp), str(out), "--text-field", "messages[].content", "--known-name-field", "meta.customer",
             "--key-file", str(tmp_path / "k"), "--mapping-file", str(tmp_path / "m.jsonl"), "--no-progress",
             "--no-detector")
    assert rc == 1
    written = read_jsonl(out)
    assert [r["id"] for r in written] == [1]
    contents = [m["content"] for m in written[0]["messages"]]
    assert not any("annah" in c or "chmidt" in c for c in contents)
    assert written[0]["meta"] == {"customer": "Hannah Schmidt"}
    errors = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")  # no text at all: a null content, no message
    assert [e["line"] for e in errors] == [2, 3] and all(e["reason"].startswith("no text at") for e in errors)
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(tmp_path / "m.jsonl"),
               "--text-field", "messages[].content", "--no-progress") == 0
    assert read_jsonl(back) == [recs[0]]


def test_missing_key_and_bad_arguments_exit_2(tmp_path, monkeypatch):
    monkeypatch.delenv("SPACY_RNN_ANON_KEY", raising=False)
    inp = tmp_path / "in.jsonl"
    write_input(inp, bad=False)
    assert anonymize(tmp_path, inp, tmp_path / "o.jsonl", key=False) == 2
    assert not (tmp_path / "o.jsonl").exists()
    assert anonymize(tmp_path, tmp_path / "nope.jsonl", tmp_path / "o.jsonl") == 2
    assert anonymize(tmp_path, inp, tmp_path / "o.jsonl", "--text-field", "a..b") == 2


def test_failure_leaves_no_partial_output(tmp_path, monkeypatch):
    from spacy_rnn.anonymizer.conversation import Conversation

    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(inp, bad=False)
    out.write_text("previous complete output\n")

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Conversation, "rewrite", boom)
    with pytest.raises(RuntimeError):
        anonymize(tmp_path, inp, out)
    assert out.read_text() == "previous complete output\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_module_entry_point_create_key_and_n_process(tmp_path):
    inp, key = tmp_path / "in.jsonl", tmp_path / "new.key"
    write_input(inp, bad=False)
    base = [sys.executable, "-m", "spacy_rnn", "anonymize", str(inp)]
    opts = ["--conversation-field", "conversation_id", "--known-name-field", "user.name", "--key-file", str(key),
            "--no-progress", "--no-detector", "--batch-size", "2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    one = subprocess.run(base + [str(tmp_path / "o1.jsonl"), "--create-key", *opts], capture_output=True,
                         text=True, env=env, timeout=120)
    assert one.returncode == 0, one.stderr
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert key.read_text().strip() not in one.stderr + one.stdout
    two = subprocess.run(base + [str(tmp_path / "o2.jsonl"), "--n-process", "2", *opts], capture_output=True,
                         text=True, env=env, timeout=180)
    assert two.returncode == 0, two.stderr
    assert (tmp_path / "o1.jsonl").read_bytes() == (tmp_path / "o2.jsonl").read_bytes()


def test_extra_text_fields_anonymize_profile_names(tmp_path):
    inp, out, back = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "back.jsonl"
    write_input(inp, bad=False)
    rc = anonymize(tmp_path, inp, out, "--extra-text-field", "user.name", "--mapping-file", str(tmp_path / "m"))
    assert rc == 0
    written = read_jsonl(out)
    assert "Rochdi" not in written[0]["user"]["name"] and "Ingrid" not in written[1]["user"]["name"]
    assert written[0]["user"]["name"] in written[0]["text"]  # same pseudonym in profile and text
    assert "user" not in written[2]  # records without the field pass through
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(tmp_path / "m"), "--extra-text-field",
               "user.name", "--conversation-field", "conversation_id", "--no-progress") == 0
    assert read_jsonl(back) == RECORDS


def test_a_text_that_breaks_detection_is_reported_not_fatal(tmp_path, monkeypatch):
    import spacy_rnn.cli.workers as cli

    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(inp, bad=False)
    real = cli._detect

    def fragile(nlp, texts):
        if any("Casablanca" in t for t in texts):
            raise RuntimeError("detector bug")
        return real(nlp, texts)

    monkeypatch.setattr(cli, "_detect", fragile)
    assert anonymize(tmp_path, inp, out) == 1
    assert len(read_jsonl(out)) == len(RECORDS) - 1
    assert read_jsonl(tmp_path / "out.jsonl.errors.jsonl") == [
        {"line": 3, "reason": "name detection failed (RuntimeError)"}]


def test_texts_over_max_length_are_reported_with_the_reason(tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("\n".join(json.dumps({"conversation_id": "c", "text": t})
                             for t in ["Hi Rochdi Khalid! " * 200, "short, Rochdi"]) + "\n", encoding="utf8")
    assert anonymize(tmp_path, inp, out, "--known-names", "Rochdi Khalid", "--max-length", "1000") == 1
    assert [r["text"] for r in read_jsonl(out)][0].startswith("short, ") and "Rochdi" not in read_jsonl(out)[0]["text"]
    assert read_jsonl(tmp_path / "out.jsonl.errors.jsonl") == [
        {"line": 1, "reason": "text of 3,600 characters is longer than the pipeline's max_length (1,000; see --max-length)"}]
    # the blank pipeline's default takes texts beyond spaCy's usual 1,000,000 characters
    from spacy_rnn.cli.workers import BLANK_MAX_LENGTH, build_nlp
    assert build_nlp(None, "en", {"detector": "never", "key_env": None}).max_length == BLANK_MAX_LENGTH > 1_000_000


def test_the_component_and_the_cli_share_one_conversation_engine(tmp_path):
    """anonymize_conversation and the CLI give the same conversation the same pseudonyms."""
    import warnings

    import spacy

    texts = ["hey, is olena around?", "This is Olena Shevchenko from accounts", "ok thanks OLENA, and Dr. Weber?",
             "Dmitri Volkov here, @dmitri"]
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        anon = nlp.add_pipe("name_anonymizer", config={"known_names": ["Rochdi Khalid"]})
    anon.set_key(KEY.encode())
    with nlp.select_pipes(disable=["name_anonymizer"]):
        docs = anon.anonymize_conversation(list(nlp.pipe(texts)), "c1")
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text("".join(json.dumps({"conversation_id": "c1", "text": t}) + "\n" for t in texts))
    (tmp_path / "k").write_text(KEY)
    assert run(str(inp), str(out), "--conversation-field", "conversation_id", "--known-names", "Rochdi Khalid",
               "--key-file", str(tmp_path / "k"), "--no-progress") == 0
    assert [r["text"] for r in read_jsonl(out)] == [d._.anonymized for d in docs]
    assert "olena" not in " ".join(d._.anonymized.lower() for d in docs)
