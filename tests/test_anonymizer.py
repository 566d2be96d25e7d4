"""name_anonymizer: detection sources, propagation, consistency, determinism, shapes, robustness."""
import json
import subprocess
import sys
import warnings

import pytest
import spacy
import torch
from spacy.tokens import Doc

from spacy_rnn.anonymizer.component import NameAnonymizer
from spacy_rnn.anonymizer.keys import keyed_int, load_key, write_key
from spacy_rnn.anonymizer.pseudonyms import load_pools
from spacy_rnn.anonymizer.shape import shape_of, transfer_shape

KEY = "test-key-0123456789abcdef-not-secret"
PEOPLE = ["Rochdi Khalid", "Fatima Khalid", "Ingrid Johansson", "Pieter", "Dmitri Volkov", "Olena Shevchenko",
          "Aiko Tanaka", "Will Turner", "Siobhan O'Brien"]


def make_nlp(key=KEY, ruler=True, **config):
    nlp = spacy.blank("en")
    if ruler:
        er = nlp.add_pipe("entity_ruler")
        er.add_patterns([{"label": "PERSON", "pattern": p} for p in PEOPLE])
    config.setdefault("detector", "never")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        anon = nlp.add_pipe("name_anonymizer", config=config)
    if key is not None:
        anon.set_key(key.encode())
    return nlp


@pytest.fixture(scope="module")
def nlp():
    return make_nlp()


def by_original(doc):
    return {p["original"]: p for p in doc._.pseudonyms}


def test_add_pipe_on_blank_pipeline_and_readme_example(nlp):
    doc = nlp("Hi, I'm Rochdi Khalid. Can Khalid's order ship to Casablanca?")
    assert isinstance(nlp.get_pipe("name_anonymizer"), NameAnonymizer)
    out = doc._.anonymized
    assert "Rochdi" not in out and "Khalid" not in out
    assert out.startswith("Hi, I'm ") and out.endswith("'s order ship to Casablanca?")
    full, poss = doc._.pseudonyms
    assert (full["original"], full["detected_by"]) == ("Rochdi Khalid", "ner")
    assert (poss["original"], poss["detected_by"]) == ("Khalid", "propagation")
    assert full["replacement"].split(" ", 1)[1] == poss["replacement"]  # the surname keeps its pseudonym
    for p in doc._.pseudonyms:
        assert doc.text[p["start_char"]:p["end_char"]] == p["original"]
        assert set(p) == {"start_char", "end_char", "original", "replacement", "label", "detected_by", "nationality"}
        assert p["nationality"]
    assert doc.text == "Hi, I'm Rochdi Khalid. Can Khalid's order ship to Casablanca?"  # never rewritten


def test_empty_emoji_long_and_odd_strings_never_raise():
    nlp = make_nlp(detector="auto")
    texts = ["", " ", "\n\n", "😊🙏🏽", "\x00\x01\u200b", "@" * 50, "Khalid's" * 3, "'s", "-", "O'",
             "Rochdi Khalid " * 800, "a" * 10000, "Ἀριστοτέλης und محمد und 李小龍", "Mr. Mr. Dr.",
             "Will will WILL", "Rochdi Khalid\u0301s"]
    for text in texts:
        doc = nlp(text)
        assert isinstance(doc._.anonymized, str)
        assert len(doc._.anonymized) >= 0
    long_doc = nlp("Rochdi Khalid " * 800)
    assert "Khalid" not in long_doc._.anonymized


def test_pipe_equals_call(nlp):
    texts = ["Ask Dmitri Volkov.", "Nothing here.", "AIKO TANAKA wrote", ""]
    assert [d._.anonymized for d in nlp.pipe(texts, batch_size=2)] == [nlp(t)._.anonymized for t in texts]


def test_never_the_original_nor_another_name_of_the_conversation(nlp):
    anon = nlp.get_pipe("name_anonymizer")
    with anon.conversation("c-never"):
        docs = [nlp(t) for t in ["Rochdi Khalid and Fatima Khalid", "Ingrid Johansson met Dmitri Volkov",
                                 "Olena Shevchenko, Aiko Tanaka"]]
    table = anon.table("c-never")
    keys = set(table.entries)
    pseudonyms = [e.pseudonym for e in table.entries.values()]
    assert len(set(pseudonyms)) == len(pseudonyms)  # two people never merge
    assert not keys & set(pseudonyms)
    for doc in docs:
        for p in doc._.pseudonyms:
            assert p["replacement"].lower() != p["original"].lower()


def test_consistent_within_a_conversation(nlp):
    anon = nlp.get_pipe("name_anonymizer")
    with anon.conversation("c1"):
        a = nlp("Hi, this is Ingrid Johansson")
        b = nlp("ingrid here again, is johansson's ticket closed?")
    first = a._.pseudonyms[0]["replacement"]
    assert b._.anonymized.startswith(first.split()[0].lower() + " here again, is " + first.split(" ", 1)[1].lower() + "'s")
    assert all(p["detected_by"] == "propagation" for p in b._.pseudonyms)
    # user_data works like the context manager
    doc = nlp.make_doc("INGRID!")
    doc.user_data["conversation_id"] = "c1"
    assert nlp.get_pipe("name_anonymizer")(nlp.get_pipe("entity_ruler")(doc))._.anonymized == \
        first.split()[0].upper() + "!"


def test_other_conversations_get_other_pseudonyms(nlp):
    anon = nlp.get_pipe("name_anonymizer")
    seen = set()
    for i in range(6):
        with anon.conversation(f"conv-{i}"):
            seen.add(nlp("Dmitri Volkov")._.anonymized)
    assert len(seen) >= 5


def test_deterministic_in_same_process_and_across_processes(nlp):
    anon = nlp.get_pipe("name_anonymizer")
    anon.forget()
    with anon.conversation("x"):
        here = nlp("Siobhan O'Brien and Aiko Tanaka")._.anonymized
    nlp2 = make_nlp()
    with nlp2.get_pipe("name_anonymizer").conversation("x"):
        assert nlp2("Siobhan O'Brien and Aiko Tanaka")._.anonymized == here
    code = (
        "import sys, warnings, spacy\n"
        "warnings.simplefilter('ignore')\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_anonymizer import make_nlp\n"
        "nlp = make_nlp()\n"
        "with nlp.get_pipe('name_anonymizer').conversation('x'):\n"
        "    print(nlp(\"Siobhan O'Brien and Aiko Tanaka\")._.anonymized)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == here
    other = make_nlp(key="another-key-0123456789abcdef")
    with other.get_pipe("name_anonymizer").conversation("x"):
        assert other("Siobhan O'Brien and Aiko Tanaka")._.anonymized != here


def test_case_and_possessive_shapes(nlp):
    anon = nlp.get_pipe("name_anonymizer")
    with anon.conversation("shapes"):
        base = nlp("Aiko Tanaka")._.pseudonyms[0]["replacement"]
        given, surname = base.split(" ", 1)
        doc = nlp("AIKO TANAKA, aiko tanaka, Tanaka's and TANAKA'S")
    assert doc._.anonymized == (f"{given.upper()} {surname.upper()}, {given.lower()} {surname.lower()}, "
                                f"{surname}'s and {surname.upper()}'S")
    assert shape_of("O'Brien") == "title" and shape_of("McDonald") == "mixed"
    assert transfer_shape("MCDONALD", "jelson") == "JELSON"
    assert transfer_shape("o'brien", "d'arcy") == "d'arcy"
    assert transfer_shape("O'Brien", "d'arcy") == "D'Arcy"


def test_backward_propagation_with_anonymize_conversation(nlp):
    anon = nlp.get_pipe("name_anonymizer")
    texts = ["hey, is olena around?", "This is Olena Shevchenko from accounts", "ok thanks OLENA"]
    with nlp.select_pipes(disable=["name_anonymizer"]):
        docs = list(nlp.pipe(texts))
    anon.anonymize_conversation(docs, "back")
    assert all("olena" not in d._.anonymized.lower() for d in docs)
    assert docs[0]._.pseudonyms[0]["detected_by"] == "propagation"


def test_known_names_from_config_and_user_data():
    nlp = make_nlp(ruler=False, known_names=["Zygmunt Brzęczyszczykiewicz"])
    doc = nlp("zygmunt wrote to BRZĘCZYSZCZYKIEWICZ and Brzeczyszczykiewicz")
    assert "zygmunt" not in doc._.anonymized.lower()
    assert "brz" not in doc._.anonymized.lower()
    assert {p["detected_by"] for p in doc._.pseudonyms} == {"known name"}
    doc = nlp.make_doc("Hello Amadou, Amadou Diallo called")
    doc.user_data["known_names"] = ["Amadou Diallo"]
    doc = nlp.get_pipe("name_anonymizer")(doc)
    assert "Amadou" not in doc._.anonymized and "Diallo" not in doc._.anonymized


def test_stop_word_names_replaced_only_when_capitalized(nlp):
    doc = nlp("Will Turner said he will call. WILL TURNER again")
    out = doc._.anonymized
    assert " he will call." in out
    assert "Will" not in out and "WILL" not in out and "Turner" not in out


def test_handles_inside_words_when_configured():
    # names only: handles=True replaces the name parts inside @handles, handles=False keeps the handles
    nlp = make_nlp(handles=True, entities=["PERSON"])
    doc = nlp("Dmitri Volkov is @dmitrivolkov99 and @volkov.d")
    out = doc._.anonymized
    assert "dmitri" not in out.lower() and "volkov" not in out.lower()
    plain = make_nlp(handles=False, entities=["PERSON"])
    assert "dmitrivolkov99" in plain("Dmitri Volkov is @dmitrivolkov99")._.anonymized
    # with HANDLE among the entities (the default) every handle is replaced as a whole
    out = make_nlp(handles=False)("Dmitri Volkov is @dmitrivolkov99")._.anonymized
    assert "dmitrivolkov99" not in out and "@" in out


def test_span_keys_and_spans_output():
    nlp = spacy.blank("en")
    anon = nlp.add_pipe("name_anonymizer", config={"detector": "never", "spans_key": "replaced"})
    anon.set_key(KEY.encode())
    doc = nlp.make_doc("talk to Maria Lopez today")
    doc.spans["person_names"] = [doc[2:4]]
    doc = anon(doc)
    assert "Maria" not in doc._.anonymized and "Lopez" not in doc._.anonymized
    assert doc._.pseudonyms[0]["detected_by"] == "model"
    assert [s.text for s in doc.spans["replaced"]] == ["Maria Lopez"]


def test_serialization_keeps_behaviour_but_not_the_key(tmp_path):
    nlp = make_nlp(ruler=False, known_names=["Olena Shevchenko", "Dmitri Volkov"])
    text = "Olena Shevchenko called Dmitri Volkov"
    nlp.to_disk(tmp_path / "p")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = spacy.load(tmp_path / "p")
    assert not any(KEY in p.read_text(errors="ignore") for p in (tmp_path / "p").rglob("*") if p.is_file())
    loaded.get_pipe("name_anonymizer").set_key(KEY.encode())
    assert loaded(text)._.anonymized == nlp(text)._.anonymized != text
    restored = make_nlp(ruler=False, known_names=["Olena Shevchenko", "Dmitri Volkov"])
    restored.from_bytes(nlp.to_bytes())
    assert restored(text)._.anonymized == nlp(text)._.anonymized


def test_keys_from_file_and_env(tmp_path, monkeypatch):
    path = tmp_path / "k"
    assert write_key(path) and not write_key(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(load_key(path)) == 64
    monkeypatch.setenv("MY_ANON_KEY", KEY)
    assert load_key(None, "MY_ANON_KEY") == KEY.encode()
    monkeypatch.delenv("MY_ANON_KEY")
    assert load_key(None, "MY_ANON_KEY") is None
    short = tmp_path / "short"
    short.write_text("abc")
    with pytest.raises(ValueError, match="E301"):
        load_key(short)
    assert keyed_int(b"k" * 16, "a", "b") != keyed_int(b"k" * 16, "ab", "")
    nlp = spacy.blank("en")
    nlp.add_pipe("name_anonymizer", config={"detector": "never", "key_file": str(path)})
    assert nlp.get_pipe("name_anonymizer")._key == load_key(path)


def test_missing_key_warns_and_bad_options_raise(monkeypatch):
    monkeypatch.delenv("SPACY_RNN_ANON_KEY", raising=False)
    nlp = spacy.blank("en")
    with pytest.warns(UserWarning, match="W300"):
        nlp.add_pipe("name_anonymizer", config={"detector": "never"})
    with pytest.raises(ValueError, match="E304"):
        spacy.blank("en").add_pipe("name_anonymizer", config={"detector": "sometimes"})


def test_docs_are_plain_spacy_docs(nlp):
    doc = nlp("Aiko Tanaka")
    assert isinstance(doc, Doc)
    json.dumps(doc._.pseudonyms)  # JSON-serializable


def test_generated_pools_are_keyed():
    torch.set_num_threads(1)
    a = make_nlp(pool="generate", pool_size=10)
    c = make_nlp(key="a-different-key-0123456789abcdef", pool="generate", pool_size=10)
    anon_a = a.get_pipe("name_anonymizer")
    pa, pc = anon_a.pseudonymizer, c.get_pipe("name_anonymizer").pseudonymizer
    assert pa.pools != pc.pools
    assert all(5 <= len(names) <= 10 for kinds in pa.pools.values() for names in kinds.values())
    assert load_pools("generate", 10, anon_a._key) == load_pools("generate", 10, anon_a._key)
    text = "Aiko Tanaka"
    assert a(text)._.anonymized == a(text)._.anonymized != text


def test_gazetteer_catches_common_given_names_mid_sentence():
    nlp = make_nlp(ruler=False)
    doc = nlp("thanks, ask Katie or Robert about it. Robert knows")
    out = doc._.anonymized
    assert "Katie" not in out and "Robert" not in out  # the sentence-initial one by propagation
    assert {p["detected_by"] for p in doc._.pseudonyms} == {"known name"}
    off = make_nlp(ruler=False, gazetteer=False)
    assert off("thanks, ask Katie about it")._.anonymized == "thanks, ask Katie about it"


def test_title_and_honorific_cues_mark_names_in_any_case():
    from spacy_rnn.anonymizer.name_parts import cue_spans

    def cued(text):
        return [text[s:e] for s, e in cue_spans(text)]

    assert cued("please ask mrs. dubois") == ["dubois"]
    assert cued("Dr. Anna Weber and Dr. who") == ["Anna Weber"]  # later parts Title-case, stop words never
    assert cued("MR. JONES CALLED") == ["JONES"]
    assert cued("Mr. and Mrs. Smith arrived") == ["Smith"]
    assert cued("can Sato-sensei sign it? ask yuki-chan") == ["Sato", "yuki"]
    assert cued("I miss home. Gonna Miss Everybody. the drs. office. x-ray and e-mail. open MS Word") == []
    nlp = make_nlp(ruler=False, gazetteer=False)
    doc = nlp("can Sato-sensei sign it? please ask mrs. dubois, Sato's friend")
    out = doc._.anonymized
    assert "Sato" not in out and "dubois" not in out
    assert "-sensei sign" in out and "mrs. " in out  # the honorific and the title stay
    assert {p["detected_by"] for p in doc._.pseudonyms} == {"known name"}
    off = make_nlp(ruler=False, gazetteer=False, title_cues=False)
    assert off("please ask mrs. dubois")._.anonymized == "please ask mrs. dubois"


def test_japanese_honorific_stays_outside_the_replaced_name():
    nlp = make_nlp(known_names=["Aiko Tanaka"], ruler=False, title_cues=False)
    out = nlp("Tanaka-san and Aiko-chan said hi; Tanaka-san's bag")._.anonymized
    assert out.count("-san") == 2 and "-chan" in out and "Tanaka" not in out and "Aiko" not in out


def test_multiprocess_pipe_matches_single_process(nlp):
    texts = ["hi I am Rochdi Khalid", "ask Olena Shevchenko", "nothing"] * 4
    single = [d._.anonymized for d in nlp.pipe(texts)]
    multi = [d._.anonymized for d in nlp.pipe(texts, n_process=2, batch_size=3)]
    assert multi == single and single[0] != texts[0]


def test_detector_threshold_trades_precision_for_recall():
    text = "hey rochdi, did maria lopez and Sam call you? dmitri volkov said yes"
    strict = make_nlp(ruler=False, detector="auto", gazetteer=False, detector_threshold=0.99)(text)
    loose = make_nlp(ruler=False, detector="auto", gazetteer=False, detector_threshold=0.05)(text)
    assert len(loose._.pseudonyms) >= len(strict._.pseudonyms)
    assert sum(len(p["original"]) for p in loose._.pseudonyms) > sum(len(p["original"]) for p in strict._.pseudonyms)


def test_extension_names_are_configurable():
    nlp = make_nlp(anonymized_extension="anon_text", pseudonyms_extension="anon_names")
    doc = nlp("Ask Dmitri Volkov.")
    assert doc._.anon_text == make_nlp()("Ask Dmitri Volkov.")._.anonymized != doc.text
    assert [p["original"] for p in doc._.anon_names] == ["Dmitri Volkov"]
    assert doc._.anonymized is None and doc._.pseudonyms is None  # the default names are not written
    assert not any(isinstance(k, tuple) and k[:1] == ("._.",) for k in doc.user_data)  # spaCy's private keys


def test_engine_settings_of_saved_configs_load_as_attributes():
    nlp = spacy.blank("en")
    with pytest.warns(DeprecationWarning, match="W303"):
        anon = nlp.add_pipe("name_anonymizer", config={"detector": "never", "known_names": ["Dmitri Volkov"],
                                                       "max_conversations": 2, "batch_size": 8, "key_env": None})
    assert (anon.max_conversations, anon.batch_size) == (2, 8)
    for cid in ("a", "b", "c"):
        with anon.conversation(cid):
            nlp("Dmitri Volkov")
    assert list(anon._conversations) == ["b", "c"]  # the least recently used one was dropped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # W300: no key
        warnings.simplefilter("error", DeprecationWarning)  # the default config sets none of them
        spacy.blank("en").add_pipe("name_anonymizer", config={"detector": "never", "key_env": None})
