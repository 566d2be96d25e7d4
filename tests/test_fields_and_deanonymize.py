"""OpenAI-style chat records (null, missing and list contents) and exact `deanonymize` (every surface as written,
old mapping files, refusals and malformed mapping lines)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_rnn.cli import build_parser
from spacy_rnn.cli.fields import FieldError, locate_strings, parse_path

KEY = "fields-test-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[1]


def run(*argv) -> int:
    args = build_parser().parse_args(list(argv))
    return args.func(args)


def read_jsonl(path: Path) -> list:
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


def write_jsonl(path: Path, records) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf8")


def key_file(tmp_path: Path) -> str:
    (tmp_path / "secret.key").write_text(KEY)
    (tmp_path / "secret.key").chmod(0o600)
    return str(tmp_path / "secret.key")


# -- item 2: OpenAI-style chat logs --------------------------------------------------------------------------------
CHAT = [
    {"id": "r1", "messages": [
        {"role": "system"},
        {"role": "user", "content": "Hi, I'm Maria Lopez, my order is late"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "call_1", "type": "function",
                         "function": {"name": "lookup_order", "arguments": "{\"customer\": \"x\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "order 881: shipped"},
        {"role": "user", "content": [{"type": "text", "text": "Here is the label, Lopez on it"},
                                     {"type": "image_url", "image_url": {"url": "https://img.example/l.png"}}]},
        {"role": "assistant", "content": "Thanks Maria, it arrives Friday."}]},
    {"id": "r2", "messages": [{"role": "assistant", "content": None, "tool_calls": []}]},
    {"id": "r3", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}]},
]


def test_locate_strings_skips_null_and_missing_and_reads_text_parts():
    steps = parse_path("messages[].content")
    found = locate_strings(CHAT[0], steps)
    assert [loc for loc, _ in found] == [("messages", 1, "content"), ("messages", 3, "content"),
                                         ("messages", 4, "content", 0, "text"), ("messages", 5, "content")]
    assert found[2][1] == "Here is the label, Lopez on it"
    for record in CHAT[1:]:
        with pytest.raises(FieldError, match="no text"):
            locate_strings(record, steps)
    with pytest.raises(FieldError, match="no text"):
        locate_strings({"messages": []}, steps)
    with pytest.raises(FieldError, match="is not a string"):  # a number or an object is not read as text
        locate_strings({"messages": [{"content": "hi"}, {"content": 5}]}, steps)
    # a plain field keeps its reasons
    with pytest.raises(FieldError, match=r"^missing field 'text'$"):
        locate_strings({}, parse_path("text"))
    with pytest.raises(FieldError, match=r"^field 'text' is not a string \(got null\)$"):
        locate_strings({"text": None}, parse_path("text"))


def test_openai_chat_records_are_kept(tmp_path):
    inp, out, back = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "back.jsonl"
    write_jsonl(inp, CHAT)
    mapping = tmp_path / "map.jsonl"
    rc = run("anonymize", str(inp), str(out), "--text-field", "messages[].content", "--known-names", "Maria Lopez",
             "--no-detector", "--no-progress", "--key-file", key_file(tmp_path), "--mapping-file", str(mapping))
    assert rc == 1  # r2 and r3 hold no text at all
    written = read_jsonl(out)
    assert [r["id"] for r in written] == ["r1"]
    errors = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert [e["line"] for e in errors] == [2, 3] and all(e["reason"].startswith("no text") for e in errors)
    msgs = written[0]["messages"]
    blob = json.dumps(written[0])
    assert "Maria" not in blob and "Lopez" not in blob
    assert msgs[0] == {"role": "system"} and msgs[2] == CHAT[0]["messages"][2]  # null content and tool call kept
    assert msgs[4]["content"][1] == CHAT[0]["messages"][4]["content"][1]  # the image part untouched
    assert msgs[4]["content"][0]["type"] == "text" and msgs[4]["content"][0]["text"].endswith(" on it")
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping), "--text-field",
               "messages[].content", "--no-progress") == 0
    assert read_jsonl(back) == CHAT[:1]


def test_bundled_openai_example_loses_no_record(tmp_path):
    example = ROOT / "examples" / "chats_openai.jsonl"
    records = read_jsonl(example)
    assert len(records) >= 4
    shapes = [m.get("content", "missing") for r in records for m in r["messages"]]
    assert None in shapes and "missing" in shapes and any(isinstance(c, list) for c in shapes)
    out, back, mapping = tmp_path / "out.jsonl", tmp_path / "back.jsonl", tmp_path / "map.jsonl"
    rc = run("anonymize", str(example), str(out), "--text-field", "messages[].content",
             "--key-file", key_file(tmp_path), "--mapping-file", str(mapping), "--no-progress")
    assert rc == 0 and len(read_jsonl(out)) == len(records)
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping), "--text-field",
               "messages[].content", "--no-progress") == 0
    assert read_jsonl(back) == records


# -- item 7: deanonymize restores every occurrence as it was written --------------------------------------------------
VARIANTS = [
    {"c": "a", "text": "Hi, I'm Maria Novak. zoe.muller@example.com is my colleague Zoë Müller's address."},
    {"c": "a", "text": "María again: Jose and José both wrote. O'Brien, O’Brien and KhAlId too."},
    {"c": "b", "text": "Khalid here, KHALID on the form; khalid in lowercase; Maria and MARIA."},
    {"c": "a", "text": "Thanks Maria, jose, Khalid, o'brien. Write to zoe.muller@example.com or zoë.müller@x.org"},
]
NAMES = "Maria Novak,Zoë Müller,Jose,O'Brien,Khalid"


def test_deanonymize_restores_each_spelling(tmp_path):
    inp, out, back, mapping = (tmp_path / n for n in ("in.jsonl", "out.jsonl", "back.jsonl", "map.jsonl"))
    write_jsonl(inp, VARIANTS)
    assert run("anonymize", str(inp), str(out), "--conversation-field", "c", "--known-names", NAMES, "--handles",
               "--no-detector", "--no-progress", "--key-file", key_file(tmp_path),
               "--mapping-file", str(mapping)) == 0
    anon = " ".join(r["text"] for r in read_jsonl(out))
    for name in ("Maria", "María", "Jose", "José", "Brien", "Khalid", "KhAlId", "zoe", "muller", "Zoë"):
        assert name not in anon
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping), "--conversation-field", "c",
               "--handles", "--no-progress") == 0
    assert read_jsonl(back) == VARIANTS


def test_deanonymize_per_record_scopes_restore_each_spelling(tmp_path):
    inp, out, back, mapping = (tmp_path / n for n in ("in.jsonl", "out.jsonl", "back.jsonl", "map.jsonl"))
    records = [{"text": r["text"]} for r in VARIANTS]
    write_jsonl(inp, records)
    assert run("anonymize", str(inp), str(out), "--known-names", NAMES, "--handles", "--no-detector",
               "--no-progress", "--key-file", key_file(tmp_path), "--mapping-file", str(mapping)) == 0
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping), "--handles",
               "--no-progress") == 0
    assert read_jsonl(back) == records


def test_deanonymize_reads_mapping_files_of_earlier_versions(tmp_path):
    inp, back, mapping = tmp_path / "in.jsonl", tmp_path / "back.jsonl", tmp_path / "map.jsonl"
    write_jsonl(inp, [{"conversation_id": "c1", "text": "Hi Abdelawin! ABDELAWIN Zarrouki, abdelawin"}])
    mapping.write_text(json.dumps({"conversation": "c1", "names": [
        {"original": "Rochdi", "surfaces": ["ROCHDI", "Rochdi"], "pseudonym": "Abdelawin", "kind": "given",
         "nationality": "Palestinian"},
        {"original": "Khalid", "surfaces": ["Khalid"], "pseudonym": "Zarrouki", "kind": "surname",
         "nationality": "Palestinian"}]}) + "\n")
    assert run("deanonymize", str(inp), str(back), "--mapping-file", str(mapping), "--conversation-field",
               "conversation_id", "--no-progress") == 0
    assert read_jsonl(back)[0]["text"] == "Hi Rochdi! ROCHDI Khalid, rochdi"


def test_deanonymize_refuses_a_mapping_of_conversations_without_conversation_field(tmp_path, capsys):
    inp, out, back, mapping = (tmp_path / n for n in ("in.jsonl", "out.jsonl", "back.jsonl", "map.jsonl"))
    write_jsonl(inp, VARIANTS)
    assert run("anonymize", str(inp), str(out), "--conversation-field", "c", "--known-names", NAMES,
               "--no-detector", "--no-progress", "--key-file", key_file(tmp_path),
               "--mapping-file", str(mapping)) == 0
    capsys.readouterr()
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping), "--no-progress") == 2
    err = capsys.readouterr().err
    assert "--conversation-field" in err and len(err.strip().splitlines()) == 1
    assert not back.exists()
    # and the other way round: per-record mapping, conversation field given
    write_jsonl(inp, [{"c": "a", "text": "Hi Maria"}])
    assert run("anonymize", str(inp), str(out), "--known-names", NAMES, "--no-detector", "--no-progress",
               "--key-file", key_file(tmp_path), "--mapping-file", str(mapping)) == 0
    capsys.readouterr()
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping), "--conversation-field", "c",
               "--no-progress") == 2
    assert "--conversation-field" in capsys.readouterr().err and not back.exists()


# -- item 11: a malformed mapping entry is one clean line, exit 2 -----------------------------------------------------
GOOD = {"conversation": "c1", "names": [{"original": "Rochdi", "pseudonym": "Abdelawin", "kind": "given"}]}


@pytest.mark.parametrize("bad", [
    "not json", "[1, 2]", '{"conversation": "c2"}', '{"names": []}', '{"conversation": "c2", "names": 5}',
    '{"conversation": "c2", "names": [{"original": "Rochdi"}]}',
    '{"conversation": "c2", "names": [{"original": "Rochdi", "pseudonym": 7}]}',
    '{"conversation": "c2", "names": ["Rochdi"]}',
    '{"conversation": "c2", "names": [{"original": "Rochdi", "pseudonym": "Ab", "surfaces": "Rochdi"}]}',
    '{"conversation": "c2", "names": [{"original": "Rochdi", "pseudonym": "Ab", "written": {"Ab": 3}}]}',
    '{"conversation": {"id": "c2"}, "names": []}', '{"record": "first", "names": []}',
    json.dumps(GOOD),  # the same conversation twice
])
def test_malformed_mapping_entry_is_one_line_exit_2(tmp_path, capsys, bad):
    inp, back, mapping = tmp_path / "in.jsonl", tmp_path / "back.jsonl", tmp_path / "map.jsonl"
    write_jsonl(inp, [{"conversation_id": "c1", "text": "Hi Abdelawin"}])
    mapping.write_text(json.dumps(GOOD) + "\n" + bad + "\n")
    assert run("deanonymize", str(inp), str(back), "--mapping-file", str(mapping), "--conversation-field",
               "conversation_id", "--no-progress") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "line 2" in err and str(mapping) in err
    assert "Rochdi" not in err and not back.exists()


def test_malformed_mapping_no_traceback_from_the_command_line(tmp_path):
    inp, mapping = tmp_path / "in.jsonl", tmp_path / "map.jsonl"
    write_jsonl(inp, [{"text": "Hi Abdelawin"}])
    mapping.write_text('{"record": 1, "names": [{"original": "Rochdi"}]}\n')
    proc = subprocess.run([sys.executable, "-m", "spacy_rnn", "deanonymize", str(inp), str(tmp_path / "o.jsonl"),
                           "--mapping-file", str(mapping), "--no-progress"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "line 1" in proc.stderr
