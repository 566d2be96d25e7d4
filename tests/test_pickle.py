"""Pipelines with our components pickle (needed by nlp.pipe(n_process=...) under spawn)."""
import pickle

import spacy

TEXT = "Hi, I'm Rochdi Khalid. Can Khalid's order ship to Casablanca? ask maria"


def test_detector_and_anonymizer_pipelines_pickle(monkeypatch):
    monkeypatch.setenv("SPACY_RNN_TEST_KEY", "a-test-key-0123456789")
    nlp = spacy.blank("en")
    nlp.add_pipe("person_name_detector")
    nlp.add_pipe("name_anonymizer", config={"key_env": "SPACY_RNN_TEST_KEY"})
    doc = nlp(TEXT)
    restored = pickle.loads(pickle.dumps(nlp))
    again = restored(TEXT)
    assert [s.text for s in again.spans["person_names"]] == [s.text for s in doc.spans["person_names"]]
    assert again._.anonymized == doc._.anonymized != TEXT
