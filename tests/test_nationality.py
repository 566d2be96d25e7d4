import subprocess
import sys
from typing import List

import numpy as np
import pytest
import spacy
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry
from thinc.api import Model, chain, fix_random_seed
from thinc.types import Floats2d

from spacy_rnn.nationality.scorer import label_set_scores
from spacy_rnn.text import fold_name

TINY_MODEL = {
    "@architectures": "spacy-rnn.CharRNNClassifier.v1",
    "cell": "gru", "embed_size": 16, "hidden_size": 24, "n_layers": 1,
    "bidirectional": True, "dropout": 0.0, "embed_dropout": 0.0, "max_len": 16, "lowercase": True,
    "ngram_max": 3, "ngram_buckets": 512, "ngram_dim": 8,
}
TRAIN_DATA = [
    ("Ivanov", ["Russian"]), ("Petrov", ["Russian"]), ("Smirnov", ["Russian"]), ("Kuznetsov", ["Russian"]),
    ("Shevchenko", ["Ukrainian"]), ("Kovalenko", ["Ukrainian"]), ("Bondarenko", ["Ukrainian"]),
    ("Nguyen", ["Vietnamese"]), ("Tran", ["Vietnamese"]), ("Pham", ["Vietnamese"]),
    ("Garcia", ["Spanish", "Mexican"]), ("Lopez", ["Spanish", "Mexican"]), ("Hernandez", ["Mexican"]),
]


def make_untrained(**cfg):
    nlp = spacy.blank("en")
    nlp.add_pipe("surname_nationality", config={"weights": None, "model": TINY_MODEL, **cfg})
    return nlp


def examples(nlp):
    out = []
    for name, labels in TRAIN_DATA:
        ref = nlp.make_doc(name)
        ref.cats = {lab: 1.0 for lab in labels}
        out.append(Example(nlp.make_doc(name), ref))
    return out


@pytest.fixture(scope="module")
def nlp_bundled():
    nlp = spacy.blank("en")
    nlp.add_pipe("surname_nationality")
    return nlp


def test_fold_name():
    assert fold_name("O’Néàl") == "O'Neal"
    assert fold_name("Çetin") == "Cetin"
    assert fold_name("Горбачёв") == "Gorbachev"
    assert fold_name("😀") == ""


def test_add_pipe_without_import():
    code = ("import spacy, sys; nlp = spacy.blank('en'); nlp.add_pipe('surname_nationality');"
            "assert 'spacy_rnn' in sys.modules; print(nlp('Khalid')._.nationality_tags)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith("[")


def test_bundled_weights_predict(nlp_bundled):
    pipe = nlp_bundled.get_pipe("surname_nationality")
    assert len(pipe.labels) == 37
    doc = nlp_bundled("Yamamoto")
    probs = doc._.nationality
    assert set(probs) == set(pipe.labels)
    assert all(0.0 <= p <= 1.0 for p in probs.values())
    assert next(iter(probs)) == "Japanese"              # most probable first
    assert "Japanese" in doc._.nationality_tags
    assert all(probs[t] >= pipe.threshold for t in doc._.nationality_tags)
    russian = nlp_bundled("Gorbachev")._.nationality
    assert russian["Russian"] > russian["Japanese"]


def test_unicode_folding_same_prediction(nlp_bundled):
    pipe = nlp_bundled.get_pipe("surname_nationality")
    a, b = pipe.predict_proba(["Горбачёв", "Gorbachev"])
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("text", ["", "   ", "😀🎉", "山田", "x" * 10_000, "Mc\u200bDonald", "\x00\n\t"])
def test_never_raises(nlp_bundled, text):
    doc = nlp_bundled(text)
    assert len(doc._.nationality) == 37
    assert isinstance(doc._.nationality_tags, list)


@pytest.mark.parametrize("text", ["", "   ", "😀🎉", "123", "!?"])
def test_letterless_text_has_no_nationality(nlp_bundled, text):
    doc = nlp_bundled(text)
    assert set(doc._.nationality.values()) == {0.0}
    assert doc._.nationality_tags == []


def test_predict_proba_batch_and_bad_items(nlp_bundled):
    pipe = nlp_bundled.get_pipe("surname_nationality")
    names = ["Khalid", "Nguyen", "Smith", "Müller"]
    probs = pipe.predict_proba(names)
    assert probs.shape == (4, 37) and probs.dtype == np.float32
    np.testing.assert_allclose(pipe.predict_proba(names, batch_size=1), probs, atol=1e-5)
    with pytest.raises(ValueError, match=r"RNN-E001.*item 2 is None"):
        pipe.predict_proba(["Khalid", "Nguyen", None])
    with pytest.raises(ValueError, match="item 0 is 3"):
        pipe.predict_proba([3])


def test_topk_hidden_history(nlp_bundled):
    pipe = nlp_bundled.get_pipe("surname_nationality")
    table = pipe.topk("Khalid", k=4)
    assert list(table.columns) == ["rank", "text", "nationality", "log_prob", "likelihood"]
    assert list(table["rank"]) == [1, 2, 3, 4]
    assert table["likelihood"].is_monotonic_decreasing
    np.testing.assert_allclose(np.exp(table["log_prob"]), table["likelihood"], rtol=1e-5)
    with pytest.raises(ValueError, match="E006"):
        pipe.topk("Khalid", k=0)
    hidden = pipe.predict_hidden("Khalid")
    assert hidden.ndim == 1 and hidden.shape[0] > 0 and np.isfinite(hidden).all()
    history = pipe.prediction_history("Khalid")
    assert list(history["prefix"]) == ["K", "Kh", "Kha", "Khal", "Khali", "Khalid"]
    assert history["nationality"].iloc[-1] == pipe.topk("Khalid", k=1)["nationality"].iloc[0]


def test_person_entities_get_span_predictions(nlp_bundled):
    doc = nlp_bundled.make_doc("Ask Yamamoto and Ivanov about it")
    doc.ents = [Span(doc, 1, 2, label="PERSON"), Span(doc, 3, 4, label="PERSON")]
    doc = nlp_bundled.get_pipe("surname_nationality")(doc)
    assert "Japanese" in doc.ents[0]._.nationality_tags
    assert doc.ents[1]._.nationality["Russian"] > doc.ents[1]._.nationality["Japanese"]
    assert doc.ents[0]._.nationality != doc._.nationality


def test_several_word_names_mix_in_their_words():
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("surname_nationality")
    whole_only = spacy.blank("en").add_pipe("surname_nationality", config={"words_weight": 0.0})
    name = "Olena Shevchenko"
    words = whole_only.predict_proba(["Olena", "Shevchenko"]).mean(axis=0)
    w = pipe.cfg["words_weight"]
    expected = (1 - w) * whole_only.predict_proba([name])[0] + w * words
    np.testing.assert_allclose(pipe.predict_proba([name])[0], expected, rtol=1e-5, atol=1e-6)
    assert pipe.labels[int(pipe.predict_proba([name])[0].argmax())] == "Ukrainian"
    # one-word names, and words without letters, are read as before
    for text in ["Shevchenko", "Shevchenko &", "😀 🙂", ""]:
        np.testing.assert_allclose(pipe.predict_proba([text]), whole_only.predict_proba([text]), atol=1e-6)
    with pytest.raises(ValueError, match="RNN-E010"):
        spacy.blank("en").add_pipe("surname_nationality", config={"words_weight": 1.5})


def test_spans_key():
    nlp = spacy.blank("en")
    nlp.add_pipe("surname_nationality", config={"spans_key": "names"})
    doc = nlp.make_doc("Ask Yamamoto about it")
    doc.spans["names"] = [Span(doc, 1, 2)]
    doc = nlp.get_pipe("surname_nationality")(doc)
    assert doc.spans["names"][0]._.nationality_tags[0] == "Japanese"


def test_pipe_equals_call(nlp_bundled):
    texts = ["Khalid", "", "Nguyen", "O’Néàl", "😀", "Schmidt", "x" * 10_000] * 3
    for a, b in zip(nlp_bundled.pipe(texts, batch_size=4), (nlp_bundled(t) for t in texts)):
        np.testing.assert_allclose(list(a._.nationality.values()), list(b._.nationality.values()), atol=1e-5)
        assert a._.nationality_tags == b._.nationality_tags


def small_batch_pipeline(overlap: bool):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": name} for name in ("Yamamoto", "Kowalski")])
    pipe = nlp.add_pipe("surname_nationality")
    pipe.batch_size, pipe.pipe_overlap, pipe.cache_size = 4, overlap, 0
    return nlp


@pytest.mark.parametrize("overlap", [True, False])
def test_pipe_over_several_batches_equals_call(overlap):
    """With pipe_overlap the network runs a batch ahead on a worker thread: docs still come
    out in order, each with what nlp() gives it, spans included."""
    nlp = small_batch_pipeline(overlap)
    texts = ["Khalid", "", "Ask Yamamoto and Kowalski", "😀", "Nguyen", "x" * 10_000, "Schmidt"] * 3
    docs = list(nlp.pipe(texts, batch_size=4))  # the caller's batch size is the component's
    assert [doc.text for doc in docs] == texts
    for doc, text in zip(docs, texts):
        alone = nlp(text)
        np.testing.assert_allclose(doc._.nationality_prediction[1], alone._.nationality_prediction[1], atol=1e-6)
        assert [e._.nationality_tags for e in doc.ents] == [e._.nationality_tags for e in alone.ents]
    assert docs[2].ents[0]._.nationality_tags[0] == "Japanese"


def test_pipe_overlap_hands_a_failing_batch_to_the_error_handler(monkeypatch):
    import itertools

    nlp = small_batch_pipeline(True)
    pipe = nlp.get_pipe("surname_nationality")
    calls, run = itertools.count(), pipe._run

    def fail_second_batch(inputs):
        if next(calls) == 1:
            raise RuntimeError("boom")
        return run(inputs)

    monkeypatch.setattr(pipe, "_run", fail_second_batch)
    texts = [f"Name{i}" for i in range(10)]
    with pytest.raises(RuntimeError, match="boom"):  # the default handler raises
        list(nlp.pipe(texts, batch_size=4))
    calls = itertools.count()
    failed = []
    nlp.set_error_handler(lambda name, component, docs, e: failed.append((name, [d.text for d in docs], str(e))))
    kept = [doc.text for doc in nlp.pipe(texts, batch_size=4)]
    assert failed == [("surname_nationality", texts[4:8], "boom")]
    assert kept == texts[:4] + texts[8:]


def test_pipe_overlap_needs_a_second_cpu(monkeypatch):
    import threading

    from spacy_rnn.nationality import batching

    nlp = small_batch_pipeline(True)
    monkeypatch.setattr(batching, "usable_cpus", lambda: 1)
    before = threading.active_count()
    stream = nlp.pipe([f"Name{i}" for i in range(12)], batch_size=4)
    first = next(stream)
    assert threading.active_count() == before  # no worker on one CPU
    assert first._.nationality_prediction is not None and len(list(stream)) == 11


def test_pipe_overlap_leaves_no_thread_behind():
    import threading

    nlp = small_batch_pipeline(True)
    before = threading.active_count()
    stream = nlp.pipe([f"Name{i}" for i in range(40)], batch_size=4)
    assert next(stream).text == "Name0"
    stream.close()  # abandoned halfway: the worker finishes its batch and goes
    list(nlp.pipe(["Ivanov"] * 9, batch_size=4))
    assert threading.active_count() == before


def test_doc_prediction_reads_the_doc_text(nlp_bundled):
    """One-token and several-token docs are read as their whole text (the one-token fast path
    included): the doc's prediction is predict_proba of doc.text, trailing whitespace and all."""
    pipe = nlp_bundled.get_pipe("surname_nationality")
    for text in ["Kowalski", "Kowalski ", "Anna Kowalski", " Li", "Jean-Luc Picard  "]:
        doc = nlp_bundled(text)
        expected = pipe.predict_proba([doc.text])[0]
        np.testing.assert_allclose(doc._.nationality_prediction[1], expected, atol=1e-6)


def test_call_before_initialize_raises():
    nlp = make_untrained()
    with pytest.raises(ValueError, match="E109"):
        nlp("Khalid")


def test_initialize_without_labels_raises():
    nlp = make_untrained()
    eg = Example(nlp.make_doc("x"), nlp.make_doc("x"))
    with pytest.raises(ValueError, match="E923"):
        nlp.initialize(lambda: [eg])


def test_bad_cell_raises():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="E003"):
        nlp.add_pipe("surname_nationality", config={"weights": None, "model": {**TINY_MODEL, "cell": "tcn"}})


def test_missing_and_corrupt_weights_name_the_file(tmp_path):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match=r"E002.*nowhere.*file not found"):
        nlp.add_pipe("surname_nationality", config={"weights": str(tmp_path / "nowhere")})
    trained = make_untrained()
    trained.initialize(lambda: examples(trained))
    trained.get_pipe("surname_nationality").to_disk(tmp_path / "pipe")
    (tmp_path / "pipe" / "model").write_bytes(b"\x00garbage")
    with pytest.raises(ValueError, match=r"E002.*pipe[/\\]model"):
        spacy.blank("en").add_pipe("surname_nationality", config={"weights": str(tmp_path / "pipe")})


def test_overfitting_io(tmp_path):
    fix_random_seed(0)
    nlp = make_untrained()
    train = examples(nlp)
    optimizer = nlp.initialize(lambda: train)
    optimizer.learn_rate = 0.01
    pipe = nlp.get_pipe("surname_nationality")
    assert set(pipe.labels) == {"Russian", "Ukrainian", "Vietnamese", "Spanish", "Mexican"}
    losses_seen = []
    for _ in range(80):
        losses = {}
        nlp.update(train, sgd=optimizer, losses=losses)
        losses_seen.append(losses["surname_nationality"])
    assert losses_seen[-1] < 0.2 * losses_seen[0]
    doc = nlp("Ivanov")
    assert doc._.nationality_tags[0] == "Russian"
    assert set(nlp("Garcia")._.nationality_tags) >= {"Spanish", "Mexican"}
    scores = nlp.evaluate(train)
    for key in ("nationality_top1", "nationality_top3", "nationality_macro_f", "nationality_per_label"):
        assert key in scores
    assert scores["nationality_top1"] == 1.0
    texts = [name for name, _ in TRAIN_DATA] + ["", "😀"]
    before = pipe.predict_proba(texts)
    nlp.to_disk(tmp_path / "nlp")
    nlp2 = spacy.load(tmp_path / "nlp")
    # `before` partly comes from the cache filled by nlp.evaluate's batches: equal up to BLAS rounding.
    np.testing.assert_allclose(nlp2.get_pipe("surname_nationality").predict_proba(texts), before,
                               rtol=1e-5, atol=1e-9)
    assert nlp2.get_pipe("surname_nationality").labels == pipe.labels
    # Batched and single-doc calls agree up to float rounding (BLAS blocking differs with batch shape).
    for a, b in zip(nlp2.pipe(texts), (nlp2(t) for t in texts)):
        assert list(a._.nationality) == list(b._.nationality)
        np.testing.assert_allclose(list(a._.nationality.values()), list(b._.nationality.values()), atol=1e-6)
        assert a._.nationality_tags == b._.nationality_tags


def test_retrained_bundled_pipe_reloads_with_its_own_labels(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("surname_nationality")                  # bundled weights, 37 labels
    nlp.initialize(lambda: examples(nlp))                # retrain from scratch on 5 labels
    pipe = nlp.get_pipe("surname_nationality")
    assert len(pipe.labels) == 5
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp").get_pipe("surname_nationality")
    assert loaded.labels == pipe.labels
    np.testing.assert_array_equal(loaded.predict_proba(["Ivanov", "Tran"]), pipe.predict_proba(["Ivanov", "Tran"]))


def test_bytes_round_trip():
    nlp = make_untrained()
    nlp.initialize(lambda: examples(nlp))
    pipe = nlp.get_pipe("surname_nationality")
    other = make_untrained().get_pipe("surname_nationality").from_bytes(pipe.to_bytes())
    names = ["Ivanov", "Tran", ""]
    np.testing.assert_array_equal(other.predict_proba(names), pipe.predict_proba(names))
    assert other.labels == pipe.labels


def test_label_set_scores():
    labels = ["A", "B", "C"]
    probs = np.array([[0.9, 0.2, 0.1], [0.3, 0.6, 0.7], [0.1, 0.8, 0.2]])
    gold = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1]], dtype=float)
    s = label_set_scores(probs, gold, labels, threshold=0.5)
    assert s["nationality_top1"] == pytest.approx(1 / 3)
    assert s["nationality_top3"] == pytest.approx(1.0)
    assert s["nationality_per_label"]["A"]["p"] == 1.0
    assert s["nationality_per_label"]["A"]["r"] == 0.5


def test_pickle_and_multiprocessing_and_docbin(nlp_bundled):
    import pickle

    from spacy.tokens import DocBin

    texts = ["Khalid", "Ivanov", "Yamamoto", ""] * 10
    restored = pickle.loads(pickle.dumps(nlp_bundled))
    np.testing.assert_array_equal(restored.get_pipe("surname_nationality").predict_proba(texts),
                                  nlp_bundled.get_pipe("surname_nationality").predict_proba(texts))
    single = [nlp_bundled(t) for t in texts]
    multi = list(nlp_bundled.pipe(texts, n_process=2, batch_size=8))
    for a, b in zip(multi, single):
        assert a._.nationality_tags == b._.nationality_tags
        np.testing.assert_allclose(list(a._.nationality.values()), list(b._.nationality.values()), atol=1e-6)
    db = DocBin(store_user_data=True, docs=single[:3])
    back = list(DocBin().from_bytes(db.to_bytes()).get_docs(nlp_bundled.vocab))
    assert [d._.nationality_tags for d in back] == [d._.nationality_tags for d in single[:3]]


def test_prediction_cache_is_bounded_and_follows_the_weights():
    nlp = make_untrained()
    train = examples(nlp)
    optimizer = nlp.initialize(lambda: train)
    pipe = nlp.get_pipe("surname_nationality")
    pipe.cache_size = 3
    names = ["Ivanov", "Tran", "Garcia", "Ivanov"]
    first = pipe.predict_proba(names)
    np.testing.assert_array_equal(first[0], first[3])            # a repeat is computed once
    assert len(pipe._cache) == 3
    np.testing.assert_array_equal(pipe.predict_proba(names), first)  # served from the cache
    pipe.predict_proba(["Schmidt", "Sato"])                       # over the bound: emptied, refilled
    assert len(pipe._cache) <= 3
    nlp.update(train, sgd=optimizer)                              # new weights: no stale answers
    assert not pipe._cache
    after = pipe.predict_proba(names)
    assert not np.allclose(after, first)
    uncached = make_untrained()
    uncached.initialize(lambda: examples(uncached))
    other = uncached.get_pipe("surname_nationality")
    other.cache_size = 0
    other.predict_proba(names)
    assert not other._cache


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("bidirectional,n_layers", [(True, 1), (False, 1), (True, 2)])
@pytest.mark.parametrize("compiled", [True, False])
def test_inference_path_equals_packed_training_path(cell, bidirectional, n_layers, compiled, monkeypatch):
    """Prediction groups names by length (and steps a 1-layer GRU from input-gate tables,
    in chunks of sorted names, compiled by TorchScript or not); it must give what the
    packed-sequence training path gives."""
    import torch

    from spacy_rnn.nationality import gru_inference
    from spacy_rnn.nationality.chars import encode_names
    from spacy_rnn.nationality.torch_model import CharRNNClassifier

    monkeypatch.setattr(gru_inference, "GRU_CHUNK", 5)  # several chunks, the last one short
    if not compiled:
        monkeypatch.setattr(gru_inference, "_COMPILED", {})
        monkeypatch.setattr(gru_inference.torch.jit, "script", lambda fn: 1 / 0)  # as if TorchScript were gone
    else:  # with the pinned torch the inference functions compile (what lets nlp.pipe overlap them)
        for function in (gru_inference.gru_sorted_features, gru_inference.gru_classifier_logits):
            assert isinstance(gru_inference.compiled(function), torch.jit.ScriptFunction)

    torch.manual_seed(0)
    names = ["Ivanov", "", "a", "Nguyen", "O'Neal-Smith", "x" * 40, "Kowalski", "Li", "😀"] * 7
    ids, lengths, _ = encode_names([fold_name(n) for n in names], 32, True)
    ids, lengths = torch.as_tensor(ids).long(), torch.as_tensor(lengths)
    module = CharRNNClassifier(5, cell=cell, embed_size=8, hidden_size=16, n_layers=n_layers,
                               bidirectional=bidirectional, dropout=0.3, embed_dropout=0.1, ngram_max=3,
                               ngram_buckets=512, ngram_dim=4, ngram_linear=True).eval()
    with torch.no_grad():
        packed = module._recurrent_packed(ids, lengths)
        inference = module._recurrent_inference(ids, lengths)
        logits, module_logits = module(ids, lengths), module._forward_modules(ids, lengths)
    np.testing.assert_allclose(inference.numpy(), packed.numpy(), atol=1e-5)
    np.testing.assert_allclose(logits.numpy(), module_logits.numpy(), atol=1e-5)


def test_doc_prediction_store_key(nlp_bundled):
    """A Doc's prediction lives under its documented public user_data key, never under the
    key spaCy's Doc._ keeps its own extension values in."""
    from spacy_rnn.nationality.extensions import prediction_key

    doc = nlp_bundled("Ivanov")
    assert prediction_key("nationality") == "spacy_rnn.nationality"
    assert doc._.nationality_prediction[1] is doc.user_data["spacy_rnn.nationality"][1]
    assert not [key for key in doc.user_data if isinstance(key, tuple) and key[:1] == ("._.",)]
    assert doc._.nationality_tags[0] == "Russian"


# -- a model of the same signature in the config is the one that predicts --------------------------
def _doc_lengths_forward(model, docs, is_train):
    lengths = model.ops.asarray2f([[float(len(doc.text))] for doc in docs])
    return lengths, lambda d_lengths: []


def _length_inputs(model, X, is_train):
    import torch
    from thinc.api import ArgsKwargs

    return ArgsKwargs(args=(torch.as_tensor(X),), kwargs={}), lambda dX: []


def _sigmoid_outputs(model, inputs_outputs, is_train):
    import torch
    from thinc.api import torch2xp

    return torch2xp(torch.sigmoid(inputs_outputs[1].detach())), lambda dY: None


@registry.architectures("test.DocLengthNationality.v1")
def build_doc_length_nationality(nO=None) -> Model[List[Doc], Floats2d]:
    """One row of probabilities per Doc: a sigmoid over a linear map of the Doc's text length."""
    import torch

    from spacy_rnn.lazy_torch import TORCH_REF, lazy_torch_model

    linear = lazy_torch_model("length_linear", lambda m: torch.nn.Linear(1, m.get_dim("nO")), _length_inputs,
                              _sigmoid_outputs, attrs={}, dims={"nO": nO})
    model = chain(Model("doc_lengths", _doc_lengths_forward), linear)
    model.set_ref(TORCH_REF, linear)
    return model


def test_the_configured_architecture_predicts_for_call_pipe_and_predict_proba():
    from spacy_rnn.lazy_torch import torch_module

    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("surname_nationality",
                        config={"weights": None, "model": {"@architectures": "test.DocLengthNationality.v1"}})
    nlp.initialize(lambda: examples(nlp))
    linear = torch_module(pipe.model)
    assert isinstance(linear, __import__("torch").nn.Linear) and linear.out_features == 5
    weight, bias = linear.weight.detach().numpy()[:, 0], linear.bias.detach().numpy()

    def by_length(text):
        return 1 / (1 + np.exp(-(weight * len(text) + bias)))

    names = ["Ivanov", "Tran", "Kowalski", "Nguyen"]
    for name, doc, row in zip(names, nlp.pipe(names, batch_size=2), pipe.predict_proba(names)):
        np.testing.assert_allclose(nlp(name)._.nationality_prediction[1], by_length(name), rtol=1e-5)
        np.testing.assert_allclose(doc._.nationality_prediction[1], by_length(name), rtol=1e-5)
        np.testing.assert_allclose(row, by_length(name), rtol=1e-5)
    # several-word names are still mixed with their words around the model
    w = pipe.cfg["words_weight"]
    mixed = (1 - w) * by_length("Olena Shevchenko") + w * (by_length("Olena") + by_length("Shevchenko")) / 2
    np.testing.assert_allclose(pipe.predict_proba(["Olena  Shevchenko"])[0], mixed, rtol=1e-5)


def test_engine_settings_of_older_configs_load_as_attributes():
    nlp = spacy.blank("en")
    with pytest.warns(DeprecationWarning, match=r"RNN-W001.*n_threads, cache_size, pipe_overlap, batch_size"):
        pipe = nlp.add_pipe("surname_nationality",
                            config={"n_threads": 1, "cache_size": 7, "pipe_overlap": False, "batch_size": 64})
    assert (pipe.cache_size, pipe.pipe_overlap, pipe.batch_size) == (7, False, 64)
    default = spacy.blank("en").add_pipe("surname_nationality")
    assert (default.cache_size, default.pipe_overlap, default.batch_size) == (50_000, True, 4096)
    # the bundled cfg still carries the old engine settings: read, then dropped
    assert not {"n_threads", "cache_size", "batch_size", "pipe_overlap"} & set(default.cfg)
    names = ["Khalid", "Nguyen", "Olena Shevchenko", ""]
    np.testing.assert_array_equal(pipe.predict_proba(names), default.predict_proba(names))


def test_prediction_leaves_torch_threads_alone(nlp_bundled, monkeypatch):
    import torch

    calls = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(n))
    before = torch.get_num_threads()
    pipe = nlp_bundled.get_pipe("surname_nationality")
    pipe.cache_size = 0
    try:
        nlp_bundled("Khalid")
        list(nlp_bundled.pipe(["Ivanov", "Nguyen"] * 5, batch_size=4))
        pipe.predict_proba(["Yamamoto", "Olena Shevchenko"])
    finally:
        pipe.cache_size = 50_000
    assert calls == [] and torch.get_num_threads() == before


def test_extension_name_is_configurable():
    nlp = spacy.blank("en")
    nlp.add_pipe("surname_nationality", config={"extension": "origin"})
    doc = nlp.make_doc("Ask Yamamoto")
    doc.ents = [Span(doc, 1, 2, label="PERSON")]
    doc = nlp.get_pipe("surname_nationality")(doc)
    assert doc.user_data["spacy_rnn.origin"] is doc._.origin_prediction
    assert doc.ents[0]._.origin_tags[0] == "Japanese" and len(doc._.origin) == 37


def test_plot_without_matplotlib_names_the_extra(nlp_bundled, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    with pytest.raises(ImportError, match=r"spacy-rnn\[plot\]"):
        nlp_bundled.get_pipe("surname_nationality").plot_prediction_history("Khalid")


def test_strings_read_directly_give_what_name_docs_give():
    """The bundled architecture reads plain strings (READS_STRINGS); the Doc path must agree."""
    from spacy_rnn.nationality.model import READS_STRINGS

    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("surname_nationality")
    pipe.cache_size = 0
    names = ["Khalid", "Çetin", "Olena Shevchenko", "O’Néàl", "", "🙂", "van der Berg"]
    assert pipe.model.attrs[READS_STRINGS] is True
    as_strings = pipe.predict_proba(names)
    pipe.model.attrs[READS_STRINGS] = False
    try:
        as_docs = pipe.predict_proba(names)
    finally:
        pipe.model.attrs[READS_STRINGS] = True
    np.testing.assert_array_equal(as_strings, as_docs)
