"""name_anonymizer and the CLI with every entity type: identifiers replaced with consistent, keyed surrogates,
linked to the names they contain, chosen by `entities`, in the mapping file and restored by deanonymize."""
import json
import warnings
from pathlib import Path

import phonenumbers
import pytest
import spacy
from stdnum import iban, luhn

from spacy_rnn.anonymizer.identifiers import canonical
from spacy_rnn.cli import build_parser

KEY = "entities-test-key-0123456789abcdef"
TEXT = ("I'm Ingrid Johansson, ingrid.johansson@telia.se or +46 70 123 45 67. "
        "Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, from 81.2.69.160.")


def make_nlp(**config):
    nlp = spacy.blank("en")
    er = nlp.add_pipe("entity_ruler")
    er.add_patterns([{"label": "PERSON", "pattern": p} for p in ("Ingrid Johansson", "Ingrid")])
    config.setdefault("detector", "never")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        anon = nlp.add_pipe("name_anonymizer", config=config)
    anon.set_key(KEY.encode())
    return nlp


@pytest.fixture(scope="module")
def nlp():
    return make_nlp()


def by_label(doc):
    out = {}
    for p in doc._.pseudonyms:
        out.setdefault(p["label"], []).append(p)
    return out


def test_every_type_is_replaced_by_default_with_a_valid_surrogate(nlp):
    doc = nlp(TEXT)
    anon = doc._.anonymized
    for original in ("Ingrid", "Johansson", "telia", "123 45 67", "4111 1111 1111 1111", "DE89 3704", "81.2.69.160"):
        assert original not in anon
    found = by_label(doc)
    assert set(found) >= {"PERSON", "EMAIL", "PHONE", "CARD", "IBAN", "IP"}
    email = found["EMAIL"][0]["replacement"]
    assert email.split("@")[1] in ("example.com", "example.org", "example.net")
    phone = phonenumbers.parse(found["PHONE"][0]["replacement"], "US")
    assert phone.country_code == 46
    card = found["CARD"][0]["replacement"]
    assert len(card) == len("4111 1111 1111 1111") and card[4] == " " and luhn.is_valid(card.replace(" ", ""))
    assert card.startswith("4")  # the brand is kept
    assert iban.is_valid(found["IBAN"][0]["replacement"]) and found["IBAN"][0]["replacement"].startswith("DE")
    assert found["IP"][0]["replacement"].rsplit(".", 1)[0] in ("192.0.2", "198.51.100", "203.0.113")
    for p in doc._.pseudonyms:
        assert anon[:0] == "" and p["replacement"] != p["original"]


def test_an_email_holding_a_name_is_rebuilt_from_its_pseudonym(nlp):
    doc = nlp("Ingrid Johansson here, write to ingrid.johansson@telia.se")
    names = {p["original"]: p["replacement"] for p in doc._.pseudonyms if p["label"] == "PERSON"}
    given, surname = names["Ingrid Johansson"].split(" ", 1)
    email = [p["replacement"] for p in doc._.pseudonyms if p["label"] == "EMAIL"][0]
    local = email.split("@")[0]
    assert given.lower() in local and surname.lower().replace(" ", "").replace("'", "") in local


def test_same_value_same_surrogate_within_a_conversation_and_keyed(nlp):
    anon = nlp.get_pipe("name_anonymizer")
    with anon.conversation("c1"):
        a = nlp("mail me at zed.q@mail.example.org or call +44 20 7946 0123")
        b = nlp("again: zed.q@mail.example.org, +44 20 7946 0123")
    assert by_label(a)["EMAIL"][0]["replacement"] == by_label(b)["EMAIL"][0]["replacement"]
    assert by_label(a)["PHONE"][0]["replacement"] == by_label(b)["PHONE"][0]["replacement"]
    other = make_nlp()
    other.get_pipe("name_anonymizer").set_key(b"another-key-0123456789abcdef")
    with other.get_pipe("name_anonymizer").conversation("c1"):
        c = other("mail me at zed.q@mail.example.org or call +44 20 7946 0123")
    assert by_label(c)["EMAIL"][0]["replacement"] != by_label(a)["EMAIL"][0]["replacement"]


def test_one_phone_number_written_two_ways_gets_one_surrogate_number(nlp):
    anon = nlp.get_pipe("name_anonymizer")
    docs = anon.anonymize_conversation(list(nlp.pipe(["call +44 7911 123456", "or 07911 123456 after six"],
                                                     disable=["name_anonymizer"])), "c2")
    numbers = [phonenumbers.parse(by_label(d)["PHONE"][0]["replacement"], "GB") for d in docs]
    assert numbers[0] == numbers[1]
    assert by_label(docs[0])["PHONE"][0]["replacement"].startswith("+44 ")
    assert by_label(docs[1])["PHONE"][0]["replacement"].startswith("0")


def test_entities_choose_the_types():
    names_only = make_nlp(entities=["PERSON"])(TEXT)
    assert "ingrid.johansson@telia.se" not in names_only._.anonymized  # the name part is replaced by propagation
    assert "4111 1111 1111 1111" in names_only._.anonymized and "81.2.69.160" in names_only._.anonymized
    assert {p["label"] for p in names_only._.pseudonyms} == {"PERSON"}
    ids_only = make_nlp(entities=["email", "CARD"])(TEXT)
    assert "Ingrid Johansson" in ids_only._.anonymized and "81.2.69.160" in ids_only._.anonymized
    assert {p["label"] for p in ids_only._.pseudonyms} == {"EMAIL", "CARD"}


def test_keep_patterns_are_never_replaced():
    doc = make_nlp(keep=[r"\b4111 1111 1111 1111\b"])("Card 4111 1111 1111 1111 and 5555 5555 5555 4444")
    assert "4111 1111 1111 1111" in doc._.anonymized and "5555 5555 5555 4444" not in doc._.anonymized


@pytest.mark.parametrize("config, code", [({"entities": ["PERSON", "PASSPORT"]}, "E330"),
                                          ({"keep": ["(unclosed"]}, "E331"),
                                          ({"region": "XX"}, "E332")])
def test_bad_settings_are_coded_errors(config, code):
    with pytest.raises(ValueError, match=code):
        make_nlp(**config)


def test_spans_key_labels_each_type():
    doc = make_nlp(spans_key="anon")(TEXT)
    assert {s.label_ for s in doc.spans["anon"]} >= {"PERSON", "EMAIL", "PHONE", "CARD"}


# -- the command line ---------------------------------------------------------------------------------------------
RECORDS = [
    {"c": "a", "text": "Hi, I'm Ingrid Johansson, ingrid.johansson@telia.se, +46 70 123 45 67"},
    {"c": "a", "text": "INGRID here again: INGRID.JOHANSSON@TELIA.SE or 070-123 45 67, card 4111111111111111."},
    {"c": "b", "text": "server 2001:4860:4860::8888 and 8.8.8.8, see https://example.net/users/ingrid?id=99123"},
    {"c": "b", "text": "ask @ingrid_j or IBAN GB82WEST12345698765432"},
    "not a record",
]


def run(*argv) -> int:
    args = build_parser().parse_args(list(argv))
    return args.func(args)


def write(path: Path, records) -> None:
    path.write_text("".join((json.dumps(r) if isinstance(r, dict) else r) + "\n" for r in records), encoding="utf8")


def test_cli_replaces_every_type_maps_them_and_deanonymize_restores_bytes(tmp_path, capsys):
    inp, out, back, mapping, summary = (tmp_path / n for n in ("in.jsonl", "out.jsonl", "back.jsonl", "map.jsonl",
                                                                "summary.json"))
    write(inp, RECORDS)
    (tmp_path / "k").write_text(KEY)
    (tmp_path / "k").chmod(0o600)
    common = ["--conversation-field", "c", "--no-progress"]
    assert run("anonymize", str(inp), str(out), "--key-file", str(tmp_path / "k"), "--known-names", "Ingrid Johansson",
               "--no-detector", "--mapping-file", str(mapping), "--summary-file", str(summary), "--allow-errors",
               *common) == 0
    written = out.read_text(encoding="utf8")
    for original in ("ingrid", "INGRID", "telia", "123 45 67", "4111111111111111", "2001:4860", "8.8.8.8", "99123",
                     "GB82WEST"):
        assert original not in written
    assert len(written.splitlines()) == 4
    s = json.loads(summary.read_text())
    assert s["records_in"] == 5 and s["records_out"] == 4 and s["records_reported"] == 1
    assert {"PERSON", "EMAIL", "PHONE", "CARD", "IP", "URL", "HANDLE", "IBAN"} <= set(s["replaced"])
    assert "replaced: PERSON" in capsys.readouterr().err
    lines = [json.loads(line) for line in mapping.read_text().splitlines()]
    labels = {i["label"] for line in lines for i in line.get("identifiers", [])}
    assert {"EMAIL", "PHONE", "CARD", "IP", "URL", "HANDLE", "IBAN"} <= labels
    assert all(n["label"] == "PERSON" for line in lines for n in line["names"])
    assert run("deanonymize", str(out), str(back), "--mapping-file", str(mapping), *common) == 0
    assert back.read_text(encoding="utf8") == "".join(json.dumps(r) + "\n" for r in RECORDS if isinstance(r, dict))


def test_cli_entities_option_and_its_bad_value(tmp_path, capsys):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write(inp, RECORDS[:2])
    (tmp_path / "k").write_text(KEY)
    (tmp_path / "k").chmod(0o600)
    base = ["anonymize", str(inp), str(out), "--key-file", str(tmp_path / "k"), "--no-detector", "--no-progress",
            "--conversation-field", "c"]
    assert run(*base, "--entities", "PHONE") == 0
    written = out.read_text(encoding="utf8")
    assert "Ingrid Johansson" in written and "123 45 67" not in written
    assert run(*base, "--entities", "PERSON,SHOE_SIZE") == 2
    err = capsys.readouterr().err
    assert "E330" in err and "SHOE_SIZE" in err and "Traceback" not in err
    assert run(*base, "--region", "Narnia") == 2
    assert "E332" in capsys.readouterr().err


def test_surrogates_are_valid_for_their_type(nlp):
    doc = nlp(TEXT)
    for p in doc._.pseudonyms:
        if p["label"] != "PERSON":
            assert canonical(p["label"], p["replacement"], "US") is not None, p["label"]


@pytest.mark.parametrize("section", ["## Every identifier, not only names", "## `name_anonymizer`"])
def test_readme_examples_give_the_outputs_they_show(section, tmp_path, monkeypatch):
    from readme_examples import check, example

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPACY_RNN_ANON_KEY", raising=False)
    (tmp_path / "secret.key").write_text("example-key-for-the-readme-0123456789")
    (tmp_path / "secret.key").chmod(0o600)
    assert len(check(example(section))) >= 3
