"""A pipeline configured with spacy-rnn 0.1.0 still loads and gives the same output.

``data/pipeline_config_0.1.0.cfg`` is the ``config.cfg`` that ``nlp.to_disk`` wrote for a
pipeline of all four components (bundled weights) with spacy-rnn 0.1.0, engine settings such
as ``n_threads`` and ``cache_size`` included; ``data/pipeline_outputs_0.1.0.json`` holds what
that pipeline produced for the texts below, except two anonymized texts that issue #14 changed on
purpose: a one-word surname gets a one-word pseudonym ("Khalid" no longer becomes "Al Bassar") and
"Nguyen Van Minh" is read family name first, with a Vietnamese pseudonym.
"""
from pathlib import Path

import pytest
import spacy
import srsly

DATA = Path(__file__).parent / "data"
TEXTS = ["Hi, I'm Rochdi Khalid. Can Khalid's order ship to Casablanca? ask maria",
         "thanks Olena Shevchenko, see you at noon", "Meet Dr. Nguyen Van Minh and John Smith tomorrow."]


@pytest.fixture(scope="module")
def nlp():
    mp = pytest.MonkeyPatch()
    mp.setenv("SPACY_RNN_TEST_KEY", "a-test-key-0123456789")
    config = spacy.util.load_config(DATA / "pipeline_config_0.1.0.cfg")
    with pytest.warns(DeprecationWarning):  # engine settings that left the factories
        nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    yield nlp
    mp.undo()


def test_config_of_0_1_0_loads_and_gives_the_same_output(nlp):
    expected = srsly.read_json(DATA / "pipeline_outputs_0.1.0.json")
    for doc, want in zip(nlp.pipe(TEXTS), expected):
        names = doc.spans["person_names"]
        assert [[s.start_char, s.end_char] for s in names] == want["spans"]
        for span, top3 in zip(names, want["nat"]):
            got = list(span._.nationality.items())[:3]
            assert [label for label, _ in got] == [label for label, _ in top3]
            assert [p for _, p in got] == pytest.approx([p for _, p in top3], abs=1e-6)
        assert doc._.anonymized == want["anon"]
        assert doc._.perplexity == pytest.approx(want["ppl"], rel=1e-6)
