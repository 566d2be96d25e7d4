"""Each shipped training config builds and initializes on toy data."""
from pathlib import Path

import spacy
from spacy.training import Example
from spacy.util import load_config

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def test_nationality_config_initializes():
    config = load_config(CONFIGS / "surname_nationality.cfg")
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.pipe_names == ["surname_nationality"]
    egs = []
    for name, label in [("Ivanov", "Russian"), ("Nguyen", "Vietnamese")]:
        ref = nlp.make_doc(name)
        ref.cats = {label: 1.0}
        egs.append(Example(nlp.make_doc(name), ref))
    nlp.initialize(lambda: egs)
    assert set(nlp.get_pipe("surname_nationality").labels) == {"Russian", "Vietnamese"}
    assert len(nlp("Petrov")._.nationality) == 2
