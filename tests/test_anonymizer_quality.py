"""name_anonymizer quality: what it must not replace, what it must not miss, and the kind of
pseudonym it writes (issue #14, items 3, 13, 14 and 15)."""
import re
import warnings

import pytest
import spacy

from spacy_rnn.anonymizer.name_parts import part_key
from spacy_rnn.anonymizer.pseudonyms import GIVEN, SURNAME, Pseudonymizer

KEY = b"test-key-0123456789abcdef-not-secret"


def make_nlp(patterns=(), **config):
    nlp = spacy.blank("en")
    if patterns:
        nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": p} for p in patterns])
        config.setdefault("detector", "never")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nlp.add_pipe("name_anonymizer", config=config).set_key(KEY)
    return nlp


@pytest.fixture(scope="module")
def nlp():
    """The default pipeline of the README and the CLI: blank English, the bundled detector."""
    return make_nlp()


def parts_of(name):
    return {part_key(p) for p in re.split(r"[\s\-'’]+", name) if p}


# -- item 3: a pseudonym shares no name part with the original or another name ------------------
def test_pseudonym_never_contains_a_part_of_the_original_or_of_another_name():
    pools = {"English": {GIVEN: ["maria-olice", "wei-lin", "olice-maria", "tomas", "ann-wei"],
                         SURNAME: ["lopez-chen", "brandt", "chen"]}}
    p = Pseudonymizer(pools, KEY)
    for scope in map(str, range(60)):
        for kind, name, taken in ((GIVEN, "maria", {"maria", "wei", "chen"}), (GIVEN, "wei", {"maria", "wei"}),
                                  (SURNAME, "chen", {"maria", "chen", "lopez"})):
            pseudonym = p.pick(scope, kind, "English", name, set(taken))
            assert not parts_of(pseudonym) & (taken | {name}), (scope, name, pseudonym)


def test_pseudonym_of_a_hyphenated_original_shares_none_of_its_parts():
    pools = {"English": {GIVEN: ["jean-pierre", "luc", "marc-luc", "paul"], SURNAME: ["brandt"]}}
    p = Pseudonymizer(pools, KEY)
    for scope in map(str, range(40)):
        pseudonym = p.pick(scope, GIVEN, "English", "jean-luc", {"jean-luc"})
        assert not parts_of(pseudonym) & {"jean", "luc", "jean-luc"}, pseudonym


# -- item 13: non-names are left alone --------------------------------------------------------------
@pytest.mark.parametrize("text,kept", [
    ("Hola, I need help with my order", "Hola"),
    ("Olá, tudo bem? Obrigado pela ajuda", "Olá"),
    ("Merhaba, siparişim nerede?", "Merhaba"),
    ("Dzień dobry, mam pytanie", "Dzień dobry"),
    ("xin chào, tôi cần giúp đỡ", "xin chào"),
    ("Jeddah is hot.", "Jeddah"),
    ("I moved from Accra to Jeddah, my sister lives in Victoria.", "in Victoria"),
    ("Send it to Calle Mayor 5, Madrid.", "Calle Mayor 5"),
    ("Send to Rua Augusta 12, Lisboa", "Rua Augusta 12, Lisboa"),
])
def test_greetings_cities_and_streets_are_not_names(nlp, text, kept):
    assert kept in nlp(text)._.anonymized


def test_khun_is_an_honorific_and_the_name_after_it_is_replaced(nlp):
    doc = nlp("Khun Somchai asked about the refund.")
    assert doc._.anonymized.startswith("Khun ") and "Somchai" not in doc._.anonymized


def test_month_in_a_date_and_modal_verb_starting_a_question_stay():
    nlp = make_nlp(["Will Turner", "June Carter", "May Chen"])
    anon = nlp.get_pipe("name_anonymizer")
    with anon.conversation("c1"):
        first = nlp("Will Turner and June Carter wrote, May Chen too")._.anonymized
        assert "Will" not in first and "June" not in first and "May" not in first
        assert nlp("Will it arrive on June 3?")._.anonymized == "Will it arrive on June 3?"
        assert nlp("May I pay on 3 June or in May?")._.anonymized == "May I pay on 3 June or in May?"


def test_bundled_example_keeps_the_street_name():
    import json
    from pathlib import Path
    lines = (Path(__file__).parents[1] / "examples" / "chats.jsonl").read_text(encoding="utf8").splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    texts = [r["text"] for r in records if r.get("conversation_id") == "c007" and isinstance(r.get("text"), str)]
    nlp = make_nlp()
    docs = nlp.get_pipe("name_anonymizer").anonymize_conversation(
        list(nlp.pipe(texts, disable=["name_anonymizer"])), "c007")
    out = " ".join(d._.anonymized for d in docs)
    assert "Calle Mayor 5, Madrid" in out
    assert "María" not in out and "maria" not in out and "García" not in out


# -- item 14: names that were missed -------------------------------------------------------------------
@pytest.fixture(scope="module")
def ner_only():
    """A pipeline whose upstream NER found nothing here (the detector runs only without one)."""
    return make_nlp(["Somebody Else"])


GREETED = [("Thanks Ingrid!", "Ingrid"), ("Bye Ingrid!", "Ingrid"), ("Thank you Precious.", "Precious"),
           ("Hi Joy, thanks for the update", "Joy"), ("Thanks Destiny!", "Destiny"), ("Hello Precious, hi", "Precious")]


@pytest.mark.parametrize("text,name", GREETED)
def test_given_names_that_are_words_after_a_greeting_or_thanks(nlp, ner_only, text, name):
    assert name not in nlp(text)._.anonymized
    out = ner_only(text)._.anonymized
    assert name not in out and len(out.split()) == len(text.split())


def test_greeting_cue_skips_ordinary_words(nlp):
    for text in ("Thanks Everyone!", "Hi There, quick question", "Hello World!", "Thanks Again.", "Hey It's me!"):
        assert nlp(text)._.anonymized == text
    assert "Hi, I'm " in nlp("Hi, I'm Lee.")._.anonymized  # a contraction is no name


def test_all_caps_female_surname_forms(nlp):
    out = nlp("TELL NOVAKOVA I SAID HI")._.anonymized
    assert "NOVAKOVA" not in out and out.startswith("TELL ") and out.endswith(" I SAID HI")


def test_all_caps_given_names_in_a_text_written_in_capitals(ner_only):
    for text, name in (("EMAIL MARIA JOHANSSON", "MARIA"), ("PLEASE CALL OLIVIA TOMORROW", "OLIVIA"),
                       ("ASK ANNA ABOUT THE INVOICE", "ANNA")):
        out = ner_only(text)._.anonymized
        assert name not in out and len(out.split()) == len(text.split()), out
    assert ner_only("WILL YOU CALL ME TOMORROW")._.anonymized == "WILL YOU CALL ME TOMORROW"


def test_surname_that_appears_only_inside_an_email_address():
    nlp = make_nlp(["Hiroshi"])
    out = nlp("Contact Hiroshi at hiroshi.novak@example.com")._.anonymized
    assert "novak" not in out.lower() and "hiroshi" not in out.lower() and out.endswith("@example.com")


def test_second_part_of_a_hyphenated_korean_given_name():
    nlp = make_nlp([[{"LOWER": "park"}, {"LOWER": "ji"}]])  # a detector that stops at the hyphen
    out = nlp("Park Ji-eun called.")._.anonymized
    assert "eun" not in out.lower() and "Park" not in out and out.endswith(" called.")


# -- item 15: pseudonyms of the right kind ---------------------------------------------------------------
def test_a_one_word_part_gets_a_one_word_pseudonym():
    nlp = make_nlp(["Siti", "Siti Rahman", "Rahman"], nationality_weights=None, default_nationality="Malaysian")
    for text in ("Hello Rahman!", "Siti Rahman wrote", "Hello Siti!"):
        doc = nlp(text)
        for p in doc._.pseudonyms:
            assert len(p["replacement"].split()) == len(p["original"].split()), p


def test_no_spaces_inside_emails_and_handles():
    nlp = make_nlp(["Siti Rahman"], nationality_weights=None, default_nationality="Malaysian", handles=True)
    text = "Siti Rahman: write to siti.rahman@example.com or @rahman_siti"
    out = nlp(text)._.anonymized
    assert len(out.split()) == len(text.split()), out
    assert re.search(r"\s\S+\.\S+@example\.com\s", out)


@pytest.mark.parametrize("text,surname,given,nationality", [
    ("Nguyen Van Minh called", "nguyen", ["van", "minh"], "Vietnamese"),
    ("Tran Thi Mai called", "tran", ["thi", "mai"], "Vietnamese"),
    ("Wang Jianguo called", "wang", ["jianguo"], "Chinese"),
    ("Park Seo-yeon called", "park", ["seo-yeon"], "Korean"),
])
def test_family_name_first_names_are_read_in_their_order(text, surname, given, nationality):
    name = text.rsplit(" ", 1)[0]
    nlp = make_nlp([name])
    anon = nlp.get_pipe("name_anonymizer")
    with anon.conversation("asia"):
        doc = nlp(text)
    entries = anon.table("asia").entries
    assert entries[surname].kind == SURNAME
    assert all(entries[g].kind == GIVEN for g in given)
    assert {entries[k].nationality for k in [surname] + given} == {nationality}
    (record,) = doc._.pseudonyms
    assert record["original"] == name and record["nationality"] == nationality


def test_family_name_first_in_the_default_pipeline(nlp):
    doc = nlp("Park Seo-yeon called.")
    out = doc._.anonymized
    assert "Park" not in out and "Seo" not in out and "yeon" not in out
    assert {p["nationality"] for p in doc._.pseudonyms} == {"Korean"}


def test_western_names_keep_given_name_first():
    nlp = make_nlp(["Kim Kardashian", "Wei Chen"])
    anon = nlp.get_pipe("name_anonymizer")
    with anon.conversation("west"):
        nlp("Kim Kardashian met Wei Chen")
    entries = anon.table("west").entries
    assert entries["kardashian"].kind == SURNAME and entries["kim"].kind == GIVEN
    assert entries["chen"].kind == SURNAME and entries["wei"].kind == GIVEN
