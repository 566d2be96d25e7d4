"""person_name_detector: bundled weights, errors, edge cases, overfitting IO, serialization."""
import json
import warnings
from pathlib import Path
from typing import List

import numpy as np
import pytest
import spacy
import torch
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import fix_random_seed, load_config, registry
from thinc.api import Model
from thinc.types import Floats2d

from spacy_rnn.lazy_torch import torch_module
from spacy_rnn.name_detector.decoding import softmax
from spacy_rnn.name_detector.features import FIRST_NAME, LAST_NAME, N_FEATS, TokenFeaturizer, load_lexicon
from spacy_rnn.name_detector.scorer import name_span_counts, prf_from_counts
from spacy_rnn.name_detector.torch_model import NameTaggerEnsemble, NameTaggerModule
from spacy_rnn.util import bundled_path

KEY = "person_names"
TINY_MODEL = {
    "@architectures": "spacy-rnn.NameTagger.v1", "word_size": 8, "char_size": 8, "char_filters": 8,
    "char_width": 3, "hidden_size": 16, "n_layers": 1, "dropout": 0.0, "word_dropout": 0.0,
    "max_len": 6, "max_chars": 8,
}
TRAIN = [
    ("my name is Rochdi Khalid", [(11, 24)]),
    ("hi there , how are you ?", []),
    ("ask maria about it", [(4, 9)]),
    ("thanks John and Mary for the help today", [(7, 11), (16, 20)]),
    ("I love New York in May", []),
]


@pytest.fixture(scope="module")
def bundled_nlp():
    if not (bundled_path("person_name_detector") / "cfg").exists():
        pytest.fail("bundled weights missing in spacy_rnn/models/person_name_detector")
    nlp = spacy.blank("en")
    nlp.add_pipe("person_name_detector")
    return nlp


def make_examples(nlp, data=TRAIN):
    examples = []
    for text, spans in data:
        ref = nlp.make_doc(text)
        ref.spans[KEY] = [ref.char_span(s, e, label="PERSON") for s, e in spans]
        examples.append(Example(nlp.make_doc(text), ref))
    return examples


def tiny_nlp(model=None):
    nlp = spacy.blank("en")
    nlp.add_pipe("person_name_detector", config={"weights": None, "model": model or TINY_MODEL})
    return nlp


def initialized_tiny(model=None, seed=0):
    """(nlp, detector, examples, optimizer): a tiny detector initialized on TRAIN."""
    fix_random_seed(seed)
    nlp = tiny_nlp(model)
    examples = make_examples(nlp)
    with pytest.warns(UserWarning, match="W200"):
        optimizer = nlp.initialize(lambda: examples)
    return nlp, nlp.get_pipe("person_name_detector"), examples, optimizer


def names(doc):
    return [s.text for s in doc.spans[KEY]]


def featurize(det, docs):
    """The NameBatch the detector's model reads for ``docs`` (a fresh featurizer, no cache)."""
    attrs = det.model.attrs
    return TokenFeaturizer(attrs["max_len"], attrs["max_chars"])(docs, attrs["vocab"], attrs["lexicon"],
                                                                 attrs["vectors"])


def module_probs(det, docs, module=None):
    """O/B/I probabilities of the detector's torch module (or of ``module``, e.g. one ensemble
    member) run directly on the featurized docs, without the string-vector cache."""
    module = module or torch_module(det.model)
    batch = featurize(det, docs)
    training = module.training
    module.eval()
    with torch.no_grad():
        out = module(*[torch.from_numpy(x) for x in (batch.word_ids, batch.char_ids, batch.feats,
                                                      batch.idx, batch.lengths)])
    module.train(training)
    return softmax(out[torch.from_numpy(batch.mask())].numpy())


# -- bundled weights ------------------------------------------------------------------
def test_bundled_finds_names(bundled_nlp):
    doc = bundled_nlp("My name is Rochdi Khalid")
    assert "Rochdi Khalid" in names(doc)
    doc = bundled_nlp("hi, i'm john smith and this is my friend Maria")
    found = " ".join(names(doc))
    assert "john" in found and "Maria" in found
    assert all(s.label_ == "PERSON" for s in doc.spans[KEY])


def test_bundled_no_names_in_plain_text(bundled_nlp):
    assert names(bundled_nlp("can you help me with my python homework?")) == []


def test_find_names_does_not_mutate(bundled_nlp):
    det = bundled_nlp.get_pipe("person_name_detector")
    docs = [bundled_nlp.make_doc(t) for t in ("My name is Rochdi Khalid", "", "ok thanks")]
    spans = det.find_names(docs, batch_size=2)
    assert [s.text for s in spans[0]] == ["Rochdi Khalid"]
    assert spans[1] == [] and spans[2] == []
    assert all(KEY not in d.spans for d in docs)


def test_edge_cases_never_raise(bundled_nlp):
    assert names(bundled_nlp("")) == []
    for text in ("😀🎉👍", "\n\n \t", "a" * 10_000, ("hello Maria 😀 " * 800)[:10_000], "@user #tag http://x.y"):
        doc = bundled_nlp(text)
        assert all(0 <= s.start <= s.end <= len(doc) for s in doc.spans[KEY])
    chat = ["The weather was nice so we went out 😀.", "my sister Priya is visiting next week.",
            "Can you write a message for my friend Carlos?", "ok thanks, see you soon!",
            "tell Bob that the meeting moved to 3pm."]
    long_doc = bundled_nlp(" ".join(chat * 100)[:10_000])
    found = [s for s in long_doc.spans[KEY]]
    assert {s.text for s in found} == {"Priya", "Carlos", "Bob"}
    assert len(found) > 100 and max(s.start for s in found) > 1000  # far beyond the first 128-token chunk


def test_pipe_equals_call_bundled(bundled_nlp):
    texts = ["My name is Rochdi Khalid", "", "tell Bob that Alice says hi", "x " * 300 + "Maria"]
    piped = [names(d) for d in bundled_nlp.pipe(texts, batch_size=2)]
    assert piped == [names(bundled_nlp(t)) for t in texts]


def test_threshold_stored_with_weights_unless_given(bundled_nlp):
    stored = json.loads((bundled_path("person_name_detector") / "cfg").read_text())["threshold"]
    assert bundled_nlp.get_pipe("person_name_detector").threshold == stored
    nlp = spacy.blank("en")
    det = nlp.add_pipe("person_name_detector", config={"threshold": 0.99})
    assert det.threshold == 0.99
    assert len(det.find_names([nlp.make_doc("hi i'm john and this is maria")])[0]) <= len(
        bundled_nlp.get_pipe("person_name_detector").find_names([nlp.make_doc("hi i'm john and this is maria")])[0])


def test_spans_trim_emoji_and_possessive(bundled_nlp):
    assert names(bundled_nlp("tell Ahmed 👍")) == ["Ahmed"]
    assert names(bundled_nlp("Maria's cat is cute")) == ["Maria"]


def test_bytes_roundtrip_bundled(bundled_nlp):
    nlp2 = spacy.blank("en")
    nlp2.add_pipe("person_name_detector", config={"weights": None})
    nlp2.from_bytes(bundled_nlp.to_bytes())
    docs = [bundled_nlp.make_doc("My name is Rochdi Khalid, ask maria")]
    p1 = bundled_nlp.get_pipe("person_name_detector").predict(docs)
    p2 = nlp2.get_pipe("person_name_detector").predict(docs)
    np.testing.assert_allclose(p1, p2, rtol=1e-5, atol=1e-6)


# -- errors -----------------------------------------------------------------------------
def test_before_initialize_raises_E109():
    nlp = tiny_nlp()
    with pytest.raises(ValueError, match="E109"):
        nlp("My name is Rochdi Khalid")


def test_missing_weights_path_raises_E200(tmp_path):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="E200"):
        nlp.add_pipe("person_name_detector", config={"weights": str(tmp_path / "nope")})


@pytest.mark.filterwarnings("ignore:.*W200")
def test_no_gold_names_raises_E201():
    nlp = tiny_nlp()
    examples = make_examples(nlp, [("hi there", []), ("no names here", [])])
    with pytest.raises(ValueError, match="E201"):
        nlp.initialize(lambda: examples)


def test_bad_arguments_raise(bundled_nlp):
    det = bundled_nlp.get_pipe("person_name_detector")
    with pytest.raises(ValueError, match="E204"):
        det.find_names(["not a doc"])
    with pytest.raises(ValueError, match="E203"):
        det.find_names([bundled_nlp.make_doc("hi")], threshold=1.5)
    with pytest.raises(ValueError, match="E202"):
        load_lexicon("/nonexistent/lexicon.json")


# -- training ---------------------------------------------------------------------------------
def test_overfitting_IO(tmp_path):
    nlp, _, examples, optimizer = initialized_tiny()
    optimizer.learn_rate = 0.01
    first = None
    for i in range(100):
        losses = {}
        nlp.update(examples, sgd=optimizer, losses=losses)
        first = losses["person_name_detector"] if first is None else first
    assert losses["person_name_detector"] < first / 5
    scores = nlp.evaluate(examples)
    for key in ("names_p", "names_r", "names_f", "names_overlap_p", "names_overlap_r", "names_overlap_f"):
        assert key in scores
    assert scores["names_f"] == 1.0
    doc = nlp("my name is Rochdi Khalid")
    assert names(doc) == ["Rochdi Khalid"]

    nlp.to_disk(tmp_path / "nlp")
    nlp2 = spacy.load(tmp_path / "nlp")
    texts = [t for t, _ in TRAIN] + ["", "Rochdi and maria met John"]
    docs1 = [nlp(t) for t in texts]
    docs2 = list(nlp2.pipe(texts, batch_size=3))
    assert [names(d) for d in docs1] == [names(d) for d in docs2]
    det1, det2 = nlp.get_pipe("person_name_detector"), nlp2.get_pipe("person_name_detector")
    np.testing.assert_allclose(det1.predict(docs1), det2.predict(docs1), rtol=1e-5, atol=1e-6)
    assert [names(d) for d in nlp.pipe(texts, batch_size=2)] == [names(d) for d in docs1]


def test_ensemble_averages_members_and_roundtrips(tmp_path):
    """n_members=2: probabilities are the mean of the members' softmaxes, and the member count
    travels with the weights (a default-config component loads a saved ensemble)."""
    nlp, det, examples, optimizer = initialized_tiny({**TINY_MODEL, "n_members": 2})
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    module = torch_module(det.model)
    assert isinstance(module, NameTaggerEnsemble) and len(module.members) == 2
    assert det.n_members == 2 and det.cfg["n_members"] == 2
    docs = [nlp.make_doc(t) for t, _ in TRAIN]
    probs = det.predict(docs)
    assert probs.shape == (sum(len(d) for d in docs), 3)
    # the same tokens through each member alone
    member_probs = [module_probs(det, docs, m) for m in module.members]
    np.testing.assert_allclose(probs, np.mean(member_probs, axis=0), rtol=1e-5, atol=1e-6)
    assert not np.allclose(member_probs[0], member_probs[1])
    assert np.allclose(softmax(np.log(probs)), probs, atol=1e-6)
    # save, then load into a component whose config says nothing about members
    det.to_disk(tmp_path / "ens")
    nlp2 = spacy.blank("en")
    det2 = nlp2.add_pipe("person_name_detector", config={"weights": str(tmp_path / "ens"), "model": TINY_MODEL})
    assert det2.n_members == 2
    np.testing.assert_allclose(det2.predict(docs), probs, rtol=1e-5, atol=1e-6)
    assert torch.is_tensor(next(torch_module(det2.model).parameters()))


def test_bundle_script_merges_trained_runs_into_an_ensemble(tmp_path):
    """scripts/bundle_detector.py's merge: two runs on the same data (other seeds) become one
    2-tagger component whose probabilities are the mean of the runs' probabilities."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from bundle_detector import merge_members

    paths, docs_text = [], [t for t, _ in TRAIN]
    for seed in (0, 1):
        nlp, _, examples, optimizer = initialized_tiny(seed=seed)
        for _ in range(3):
            nlp.update(examples, sgd=optimizer)
        nlp.to_disk(tmp_path / f"run{seed}")
        paths.append(str(tmp_path / f"run{seed}"))
    runs = [spacy.load(p) for p in paths]
    probs = [r.get_pipe("person_name_detector").predict([r.make_doc(t) for t in docs_text]) for r in runs]
    det = merge_members(runs[0].get_pipe("person_name_detector"), paths)
    assert det.n_members == 2
    merged = det.predict([runs[0].make_doc(t) for t in docs_text])
    np.testing.assert_allclose(merged, np.mean(probs, axis=0), rtol=1e-5, atol=1e-6)
    det.to_disk(tmp_path / "ens")
    det2 = spacy.blank("en").add_pipe("person_name_detector", config={"weights": str(tmp_path / "ens"),
                                                                      "model": TINY_MODEL})
    np.testing.assert_allclose(det2.predict([runs[0].make_doc(t) for t in docs_text]), merged, atol=1e-6)


def test_string_vector_cache_matches_uncached_and_follows_updates():
    """Eval-mode string vectors are cached across batches; an update to the weights must not
    leave stale vectors behind."""
    nlp, det, examples, optimizer = initialized_tiny()
    docs = [nlp.make_doc(t) for t, _ in TRAIN]
    before = det.predict(docs)
    np.testing.assert_allclose(det.predict(docs[:2]), before[:sum(len(d) for d in docs[:2])], atol=1e-6)
    np.testing.assert_allclose(before, module_probs(det, docs), atol=1e-6)
    optimizer.learn_rate = 0.05
    nlp.update(examples, sgd=optimizer)
    after = det.predict(docs)
    np.testing.assert_allclose(after, module_probs(det, docs), atol=1e-6)
    assert not np.allclose(after, before)


def test_initialize_without_examples_keeps_loaded_weights(bundled_nlp, tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("person_name_detector")
    nlp.initialize()
    assert names(nlp("My name is Rochdi Khalid")) == names(bundled_nlp("My name is Rochdi Khalid"))


# -- pieces ---------------------------------------------------------------------------------------
def test_lexicon_and_featurizer(tmp_path):
    path = tmp_path / "lex.json"
    path.write_text(json.dumps({"first": ["maria"], "last": ["khalid"], "freq": {"the": 5000, "maria": 3},
                                "cap": {"maria": 0.95, "the": 0.01}}))
    lex = load_lexicon(path)
    assert lex["maria"] & FIRST_NAME and lex["khalid"] & LAST_NAME and not lex["the"] & FIRST_NAME
    nlp = spacy.blank("en")
    feat = TokenFeaturizer(max_len=2, max_chars=4)
    batch = feat([nlp.make_doc("maria the maria Khalid"), nlp.make_doc("")], {"the": 2}, lex)
    assert batch.n_tokens == 4 and list(batch.lengths) == [2, 2]
    assert batch.word_ids[batch.idx[0, 1]] == 2  # "the" in the vocabulary
    assert batch.idx[0, 0] == batch.idx[1, 0]     # "maria" featurized once
    assert batch.char_ids.shape[1] == 4


def test_scorer_counts():
    c = name_span_counts([([(0, 5), (10, 15)], [(0, 5), (11, 13), (20, 22)])])
    s = prf_from_counts(c)
    assert c == {"gold": 2, "pred": 3, "exact": 1, "pred_overlap": 2, "gold_overlap": 2}
    assert s["names_p"] == pytest.approx(1 / 3) and s["names_overlap_r"] == 1.0


def test_training_config_builds():
    config = load_config(Path(__file__).parent.parent / "configs" / "person_name_detector.cfg")
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.pipe_names == ["person_name_detector"]


# -- pretrained word vectors -------------------------------------------------------------------
def _tiny_vector_table(path, dims=5):
    """A small .npz in scripts/prune_glove.py's format (no GloVe needed)."""
    words = ["my", "name", "is", "rochdi", "khalid", "maria", "john", "mary", "the", "new", "york"]
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(words), dims)).astype("float16")
    np.savez(path, keys=np.frombuffer("\n".join(words).encode("utf8"), dtype=np.uint8), vectors=vectors)
    return words, vectors.astype("float32")


def test_pretrained_vectors_featurized_stored_and_roundtrip(tmp_path):
    """Frozen vectors: looked up by the lowercased string (zeros + OOV flag otherwise), stored with
    the weights (a default-config component loads them without the table file), shared by the
    members of an ensemble, never trained."""
    words, vectors = _tiny_vector_table(tmp_path / "vec.npz")
    model = {**TINY_MODEL, "n_members": 2, "pretrained_vectors": str(tmp_path / "vec.npz")}
    nlp, det, examples, optimizer = initialized_tiny(model)
    assert det.n_pretrained == 5 and det.cfg["n_pretrained"] == 5
    module = torch_module(det.model)
    assert all(m.proj[0].in_features == 8 + 8 + N_FEATS + 6 for m in module.members)
    # featurizer: "Maria" gets maria's vector (int8-quantised), "zzz" zeros + flag
    batch = featurize(det, [nlp.make_doc("Maria zzz")])
    maria, zzz = batch.feats[batch.idx[0, 0]], batch.feats[batch.idx[0, 1]]
    np.testing.assert_allclose(maria[N_FEATS:-1], vectors[words.index("maria")], atol=0.02)
    assert maria[-1] == 0.0 and zzz[-1] == 1.0 and not zzz[N_FEATS:-1].any()
    table = det.model.attrs["vectors"]["q"].copy()
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    np.testing.assert_array_equal(det.model.attrs["vectors"]["q"], table)  # frozen
    docs = [nlp.make_doc(t) for t, _ in TRAIN] + [nlp.make_doc("Rochdi and zzz met Mary")]
    probs = det.predict(docs)
    det.to_disk(tmp_path / "det")
    (tmp_path / "vec.npz").unlink()  # loading must not need the table
    det2 = spacy.blank("en").add_pipe("person_name_detector",
                                      config={"weights": str(tmp_path / "det"), "model": TINY_MODEL})
    assert det2.n_pretrained == 5 and det2.n_members == 2
    np.testing.assert_allclose(det2.predict(docs), probs, rtol=1e-5, atol=1e-6)
    det3 = spacy.blank("en").add_pipe("person_name_detector", config={"weights": None, "model": TINY_MODEL})
    det3.from_bytes(det.to_bytes())
    np.testing.assert_allclose(det3.predict(docs), probs, rtol=1e-5, atol=1e-6)
    # the whole pipeline too (config says where the table was; loading ignores it)
    nlp.to_disk(tmp_path / "nlp")
    np.testing.assert_allclose(spacy.load(tmp_path / "nlp").get_pipe("person_name_detector").predict(docs),
                               probs, rtol=1e-5, atol=1e-6)


def test_component_without_vectors_loads_with_new_code(tmp_path):
    """An older-format component (cfg without n_pretrained, no vectors attr) still loads and predicts."""
    import srsly

    nlp, det, examples, optimizer = initialized_tiny()
    nlp.update(examples, sgd=optimizer)
    docs = [nlp.make_doc(t) for t, _ in TRAIN]
    probs = det.predict(docs)
    det.to_disk(tmp_path / "old")
    cfg = srsly.read_json(tmp_path / "old" / "cfg")
    del cfg["n_pretrained"]
    srsly.write_json(tmp_path / "old" / "cfg", cfg)
    msg = srsly.msgpack_loads((tmp_path / "old" / "model").read_bytes())
    for node, attrs in zip(msg["nodes"], msg["attrs"]):
        node["dims"].pop("nP", None)
        attrs.pop("vectors", None)
        attrs.pop("pretrained_vectors_path", None)
    (tmp_path / "old" / "model").write_bytes(srsly.msgpack_dumps(msg))
    det2 = spacy.blank("en").add_pipe("person_name_detector", config={"weights": str(tmp_path / "old"),
                                                                      "model": TINY_MODEL})
    assert det2.n_pretrained == 0
    np.testing.assert_allclose(det2.predict(docs), probs, rtol=1e-5, atol=1e-6)


def test_missing_vector_table_raises_E205(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("person_name_detector", config={
        "weights": None, "model": {**TINY_MODEL, "pretrained_vectors": str(tmp_path / "nope.npz")}})
    with pytest.raises(ValueError, match="E205"), pytest.warns(UserWarning, match="W200"):
        nlp.initialize(lambda: make_examples(nlp))


def test_vector_dropout_replaces_vectors_by_unknown_in_training_only():
    hyper = dict(word_size=4, char_size=4, char_filters=4, char_width=3, hidden_size=8, n_layers=1, dropout=0.0,
                 word_dropout=0.0, n_feats=N_FEATS)
    m = NameTaggerModule(5, 3, **hyper, n_pretrained=2, vector_dropout=1.0)
    feats = torch.rand(4, N_FEATS + 3)
    feats[:, -1] = 0.0
    args = (torch.tensor([2, 3, 4, 1]), torch.randint(0, 50, (4, 6)), feats)
    m.train()
    out = m.encode_strings(*args)
    assert torch.equal(out[:, -3:], torch.tensor([[0.0, 0.0, 1.0]] * 4))
    assert torch.equal(out[:, -(N_FEATS + 3):-3], feats[:, :N_FEATS])
    m.eval()
    assert torch.equal(m.encode_strings(*args)[:, -3:], feats[:, -3:])
    assert NameTaggerModule(5, 3, **hyper, n_pretrained=0, vector_dropout=0.5).vector_dropout == 0.0  # nothing to drop


def test_cross_validation_folds_partition_the_tweets():
    """scripts/preprocess_ner.py --fold k: every tweet is held out by exactly one of the 5 folds and
    trains the other four; --fold -1 trains on all; the default fixed split is unchanged; every
    fold has a non-empty log dev set drawn from its own training tweets."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from preprocess_ner import log_dev, split_of

    texts = [f"tweet number {i} @someone" for i in range(400)]
    held_out = [[k for k in range(5) if split_of(t, k) == "test"] for t in texts]
    assert all(len(ks) == 1 for ks in held_out)
    assert {ks[0] for ks in held_out} == set(range(5))
    assert all(split_of(t, -1) == "train" for t in texts)
    assert {split_of(t) for t in texts} == {"train", "dev", "test"}
    for k in range(5):
        train = [(t, []) for t in texts if split_of(t, k) == "train"]
        dev = log_dev(train)
        assert dev and all(x in train for x in dev)


# -- the model in the config predicts; engine settings ------------------------------------------------
@registry.architectures("spacy-rnn-test.TitleCaseTagger.v1")
def build_title_case_tagger() -> Model[List[Doc], Floats2d]:
    """A stand-in architecture without torch: every title-case token begins a name (O/B/I logits)."""
    def forward(model, docs, is_train):
        rows = [[0.0, 5.0, 0.0] if t.is_title else [5.0, 0.0, 0.0] for doc in docs for t in doc]
        return model.ops.asarray2f(np.array(rows, dtype="f").reshape(-1, 3)), lambda d_rows: []

    return Model("title_case_tagger", forward)


@pytest.mark.filterwarnings("ignore:.*W200")
def test_custom_architecture_in_config_is_the_one_that_predicts():
    nlp = spacy.blank("en")
    det = nlp.add_pipe("person_name_detector", config={
        "weights": None, "model": {"@architectures": "spacy-rnn-test.TitleCaseTagger.v1"}})
    nlp.initialize(lambda: make_examples(nlp))
    texts = ["ask Maria and bob about Paris", "nothing here", ""]
    want = [["Maria", "Paris"], [], []]
    assert [names(nlp(t)) for t in texts] == want
    assert [names(d) for d in nlp.pipe(texts, batch_size=2)] == want
    assert [[s.text for s in spans] for spans in det.find_names([nlp.make_doc(t) for t in texts])] == want


def test_config_with_engine_settings_still_loads(bundled_nlp):
    """batch_size / n_threads left the factory: a config that sets them loads, with one warning each,
    and gives the same names; batch_size becomes the find_names attribute."""
    nlp = spacy.blank("en")
    with pytest.warns(DeprecationWarning, match="W201") as record:
        det = nlp.add_pipe("person_name_detector", config={"batch_size": 64, "n_threads": 1})
    assert sum("W201" in str(w.message) for w in record) == 2
    assert det.batch_size == 64 and "n_threads" not in det.cfg and "batch_size" not in det.cfg
    defaults = bundled_nlp.config["components"]["person_name_detector"]
    assert defaults["n_threads"] is None and defaults["batch_size"] is None  # filled from the signature
    texts = ["My name is Rochdi Khalid", "tell Bob that Alice says hi", "ok"]
    assert [names(d) for d in nlp.pipe(texts)] == [names(d) for d in bundled_nlp.pipe(texts)]
    # a training config of the same age: the engine settings, and no n_members / vector_dropout
    config = load_config(Path(__file__).parent.parent / "configs" / "person_name_detector.cfg")
    config["components"]["person_name_detector"].update({"batch_size": 512, "n_threads": 1})
    for key in ("n_members", "vector_dropout"):
        config["components"]["person_name_detector"]["model"].pop(key, None)
    with pytest.warns(DeprecationWarning, match="W201"):
        old = spacy.util.load_model_from_config(config, auto_fill=False, validate=True)
    assert old.get_pipe("person_name_detector").model.get_dim("nM") == 1


def test_nlp_pipe_batch_size_is_the_callers(bundled_nlp, monkeypatch):
    det = bundled_nlp.get_pipe("person_name_detector")
    sizes = []
    predict = det.predict
    monkeypatch.setattr(det, "predict", lambda docs: sizes.append(len(docs)) or predict(docs))
    list(bundled_nlp.pipe(["hi Maria"] * 7, batch_size=3))
    assert sizes == [3, 3, 1]


def test_predict_leaves_torch_threads_alone(bundled_nlp, monkeypatch):
    before = torch.get_num_threads()
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    bundled_nlp("My name is Rochdi Khalid")
    list(bundled_nlp.pipe(["ask maria", "", "hi Bob"], batch_size=2))
    bundled_nlp.get_pipe("person_name_detector").find_names([bundled_nlp.make_doc("tell John")])
    assert calls == [] and torch.get_num_threads() == before


def test_weights_carry_their_architecture(tmp_path):
    """A detector trained with non-default layer settings, saved with to_disk, loads through
    `weights` (and through name_anonymizer's `detector_weights`) with the settings it was trained with."""
    nlp, det, examples, optimizer = initialized_tiny({**TINY_MODEL, "n_layers": 2})
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    det.to_disk(tmp_path / "det")
    docs = [nlp.make_doc(t) for t, _ in TRAIN]
    other = spacy.blank("en")
    loaded = other.add_pipe("person_name_detector", config={"weights": str(tmp_path / "det")})
    np.testing.assert_allclose(loaded.predict(docs), det.predict(docs), atol=1e-5)
    key = tmp_path / "k"
    key.write_bytes(b"a test key, not a secret, 0123456789")
    key.chmod(0o600)
    anon = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the detector must load, not be dropped with a warning
        anon.add_pipe("name_anonymizer", config={"detector_weights": str(tmp_path / "det"), "key_file": str(key)})
        assert anon.get_pipe("name_anonymizer").has_detector


def test_anonymizer_refuses_detector_weights_it_cannot_load(tmp_path):
    """Weights the user named but that cannot be read must stop the pipeline, not leave it
    without a detector (most names would then pass through)."""
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "cfg").write_text("{}")
    (tmp_path / "broken" / "model").write_bytes(b"not a model")
    for weights in (str(tmp_path / "missing"), str(tmp_path / "broken")):
        nlp = spacy.blank("en")
        with pytest.raises(ValueError, match="person_name_detector"):
            nlp.add_pipe("name_anonymizer", config={"detector_weights": weights})
