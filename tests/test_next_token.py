"""Tests for next_token_scorer (word-level RNN LM). No data files, no network."""
import math

import numpy
import pytest
import spacy
import torch
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import Model, fix_random_seed

from spacy_rnn.lazy_torch import TORCH_REF, torch_module
from spacy_rnn.next_token import vocab as lm_vocab
from spacy_rnn.next_token.component import NextTokenScorer
from spacy_rnn.next_token.torch_model import WordRNNLM
from spacy_rnn.training import wikitext2 as lm_data

TEXT = (
    "the cat sat on the mat . the dog sat on the rug . a cat and a dog sat on the mat . "
    "the bird sang in the tree . a bird and a cat sat in the tree . the dog ran to the park . "
    "the cat ran to the mat . a dog and a bird ran in the park . "
)
TINY_MODEL = {
    "@architectures": "spacy-rnn.WordRNNLM.v1", "emb_dim": 16, "hidden_size": 24, "n_layers": 1,
    "cell": "gru", "dropout": 0.0, "emb_dropout": 0.0, "cutoffs": [8, 16], "div_val": 2.0,
}


def small_lm(cell: str = "gru") -> WordRNNLM:
    return WordRNNLM(50, emb_dim=12, hidden_size=10, n_layers=1, cell=cell, dropout=0.2, emb_dropout=0.1,
                     cutoffs=[10, 30], div_val=2.0).eval()


def tiny_examples(nlp: Language, n_streams: int = 4, seg_len: int = 6):
    tokens = (TEXT * 3).split()
    out = []
    for stream, pos, words in lm_data.interleave_segments(tokens, n_streams, seg_len):
        doc = Doc(nlp.vocab, words=words)
        doc.user_data["lm_stream"], doc.user_data["lm_pos"] = stream, pos
        out.append(Example(doc, doc))
    return out


def make_nlp(cell: str = "gru", min_count: int = 1, **model):
    nlp = spacy.blank("en")
    cfg = dict(TINY_MODEL, cell=cell, **model)
    nlp.add_pipe("next_token_scorer", config={"weights": None, "model": cfg, "min_count": min_count})
    return nlp


def trained_nlp(n_updates: int = 60, cell: str = "gru"):
    fix_random_seed(0)
    nlp = make_nlp(cell)
    examples = tiny_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = 0.02
    losses_seen = []
    batches = [examples[i : i + 4] for i in range(0, len(examples), 4)]
    for i in range(n_updates):
        losses = {}
        nlp.update(batches[i % len(batches)], sgd=optimizer, losses=losses)
        losses_seen.append(losses["next_token_scorer"])
    return nlp, examples, losses_seen


@pytest.fixture(scope="module")
def trained():
    return trained_nlp()


def scores(doc):
    return [t._.surprisal for t in doc]


def test_add_pipe_and_factory_defaults():
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("next_token_scorer", config={"weights": None})
    assert isinstance(pipe, NextTokenScorer)
    assert nlp.get_pipe_meta("next_token_scorer").default_score_weights["lm_score"] == 1.0


def test_call_before_initialize_raises_E109():
    nlp = make_nlp()
    with pytest.raises(ValueError, match="E109"):
        nlp("the cat sat")


def test_overfitting_IO(trained, tmp_path):
    nlp, examples, losses = trained
    assert numpy.mean(losses[-10:]) < 0.5 * numpy.mean(losses[:5])
    scores_ = nlp.evaluate(examples[:8])
    for key in ("lm_score", "lm_perplexity", "lm_bits_per_token", "lm_unk_rate"):
        assert key in scores_
    assert 0 < scores_["lm_score"] <= 1
    assert scores_["lm_perplexity"] == pytest.approx(1 / scores_["lm_score"])
    text = "the cat sat on the mat . a dog ran in the park ."
    doc = nlp(text)
    nlp.to_disk(tmp_path / "lm")
    nlp2 = spacy.load(tmp_path / "lm")
    doc2 = nlp2(text)
    assert scores(doc) == pytest.approx(scores(doc2), abs=1e-5)
    texts = [text, "the bird", "a dog and a cat sat on the rug . the cat ran to the tree ."]
    piped = [scores(d) for d in nlp.pipe(texts, batch_size=3)]
    called = [scores(nlp(t)) for t in texts]
    for a, b in zip(piped, called):
        assert a == pytest.approx(b, abs=1e-4)
    # a trained model finds the training text far less surprising than shuffled words
    shuffled = " ".join(sorted(text.split()))
    assert nlp(text)._.perplexity < nlp(shuffled)._.perplexity


def test_bytes_roundtrip(trained):
    nlp, _, _ = trained
    pipe = nlp.get_pipe("next_token_scorer")
    nlp2 = make_nlp()
    pipe2 = nlp2.get_pipe("next_token_scorer")
    pipe2.from_bytes(pipe.to_bytes())
    assert pipe2.lm_vocab == pipe.lm_vocab
    text = "a bird sat on the mat ."
    assert scores(nlp(text)) == pytest.approx(scores(nlp2(text)), abs=1e-6)


def test_vocab_built_in_initialize_with_min_count():
    nlp = make_nlp(min_count=3)
    examples = tiny_examples(nlp)
    nlp.initialize(lambda: examples)
    vocab = nlp.get_pipe("next_token_scorer").lm_vocab
    counts = lm_data.word_counts(TEXT * 3)
    assert {"<unk>", "<eos>"} <= set(vocab)
    assert set(vocab) - {"<unk>", "<eos>"} == {w for w, n in counts.items() if n >= 3}
    # frequency-sorted (the adaptive softmax relies on it)
    freq = [counts.get(w, 0) for w in vocab if w not in ("<unk>", "<eos>")]
    assert freq == sorted(freq, reverse=True)


def test_never_raises_on_odd_text(trained):
    nlp, _, _ = trained
    for text in ["", " ", "\n\n", "🙂🙂 emoji 🚀", "x" * 10000, "word " * 2000, "the\ncat\n"]:
        doc = nlp(text)
        ppl = doc._.perplexity
        assert ppl is None or (math.isfinite(ppl) and ppl > 0)
    assert nlp("")._.perplexity is None


def test_unk_and_newline_and_space_tokens(trained):
    nlp, _, _ = trained
    doc = nlp("the zyzzyva sat\nthe  cat")
    by_text = {t.text: t for t in doc}
    assert by_text["zyzzyva"]._.is_unk is True
    assert by_text["the"]._.is_unk is False
    assert by_text["\n"]._.surprisal is not None  # a newline is scored as <eos>
    space = [t for t in doc if t.is_space and "\n" not in t.text]
    assert space and space[0]._.surprisal is None  # plain spaces are skipped
    for t in doc:
        if t._.surprisal is not None:
            assert t._.prob == pytest.approx(2 ** -t._.surprisal)


def test_long_doc_is_one_stream_across_chunks(trained):
    """Chunking the time axis must not change the scores (hidden state carried)."""
    nlp, _, _ = trained
    pipe = nlp.get_pipe("next_token_scorer")
    text = (TEXT * 2).strip()
    module = pipe.module
    before = module.chunk_size
    try:
        module.chunk_size = 512
        whole = scores(nlp(text))
        module.chunk_size = 7
        chunked = scores(nlp(text))
    finally:
        module.chunk_size = before
    assert whole == pytest.approx(chunked, abs=1e-5)


def _padded_logp(m, seqs, eos=0):
    """Reference: each sequence alone through the padded (T, 1) forward, after <eos>."""
    out = []
    with torch.no_grad():
        for s in seqs:
            if not len(s):
                out.append(torch.zeros(0))
                continue
            t = torch.tensor(s)[:, None]
            ids = torch.cat([torch.tensor([[eos]]), t[:-1]])
            out.append(m.target_logprob(m.encode(ids)[0][:, 0], t[:, 0]))
    return out


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_score_packed_equals_one_stream_at_a_time(cell):
    """Packed scoring of several streams (sorted by length, different lengths) gives each
    stream's own values, from a zero state; the returned state continues each stream."""
    torch.manual_seed(0)
    m = small_lm(cell)
    m.head_block, m.tail_block_bytes = 3, 4  # many small blocks
    seqs = [torch.randint(0, 50, (n,)).tolist() for n in (9, 6, 6, 2, 1)]
    ids = numpy.zeros((9, 5), dtype="int64")
    tgt = numpy.full((9, 5), -1, dtype="int64")
    for b, s in enumerate(seqs):
        tgt[: len(s), b] = s
        ids[1 : len(s), b] = s[:-1]
    mask = tgt >= 0
    with torch.no_grad():
        logp, hidden = m.score_packed(torch.from_numpy(ids[mask]), torch.from_numpy(tgt[mask]),
                                      torch.from_numpy(mask.sum(1)))
        padded = numpy.zeros((9, 5), dtype="float32")
        padded[mask] = logp.numpy()
        for b, ref in enumerate(_padded_logp(m, seqs)):
            assert padded[: len(seqs[b]), b] == pytest.approx(ref.numpy(), abs=1e-5)
        # forward without autograd (thinc predict) gives the same values and each stream's
        # final state, whatever the chunking of the time axis
        streams = [torch.tensor(s) for s in seqs]
        first = torch.zeros(5, dtype=torch.int64)
        for chunk in (512, 4):
            m.chunk_size = chunk
            fwd, rows = m(streams, first)
            for b, s in enumerate(seqs):
                assert fwd[b].numpy() == pytest.approx(padded[: len(s), b], abs=1e-5)
            for got, want in zip(rows, m.split_rows(hidden)):
                for g, w in (zip(got, want) if cell == "lstm" else [(got, want)]):
                    assert torch.allclose(g, w, atol=1e-6)
    # ... and so does the padded training path (begin_update), here in eval mode (no dropout)
    train_fwd, _ = m(streams, first)
    for b, s in enumerate(seqs):
        assert train_fwd[b].detach().numpy() == pytest.approx(padded[: len(s), b], abs=1e-5)
    with torch.no_grad():
        # carried state: stream 0 continued by one more token equals scoring it whole
        h0 = tuple(x[:, :1] for x in hidden) if cell == "lstm" else hidden[:, :1]
        nxt, _ = m.score_packed(torch.tensor([seqs[0][-1]]), torch.tensor([7]), torch.tensor([1]), h0)
        whole = _padded_logp(m, [seqs[0] + [7]])[0]
        assert float(nxt[0]) == pytest.approx(float(whole[-1]), abs=1e-5)


def test_score_targets_equals_target_logprob():
    torch.manual_seed(0)
    m = small_lm()
    h = torch.randn(40, 12)
    tgt = torch.randint(0, 50, (40,))
    with torch.no_grad():
        ref = m.target_logprob(h, tgt)
        for head_block, tail_bytes in ((128, 1 << 19), (1, 1), (7, 200)):
            m.head_block, m.tail_block_bytes = head_block, tail_bytes
            assert torch.allclose(m.score_targets(h, tgt), ref, atol=1e-5)
        assert m.score_targets(h[:0], tgt[:0]).shape == (0,)


def test_pipe_batch_equals_one_doc_at_a_time(trained):
    """A batch mixing empty, whitespace-only, one-token and long (multi-chunk) Docs is
    scored exactly as each Doc alone."""
    nlp, _, _ = trained
    pipe = nlp.get_pipe("next_token_scorer")
    long_text = (TEXT * 2).strip()
    texts = [long_text, "", "the", " ", "cat\n", "zyzzyva", "the  cat sat\n\non the mat .",
             long_text[:90], "\n", "a dog"]
    module = pipe.module
    before = module.chunk_size
    try:
        for chunk in (512, 7):
            module.chunk_size = chunk
            for batch_size in (1, 3, len(texts)):
                piped = list(nlp.pipe(texts, batch_size=batch_size))
                for text, doc in zip(texts, piped):
                    alone = nlp(text)
                    assert scores(doc) == pytest.approx(scores(alone), abs=1e-5)
                    assert [t._.prob for t in doc] == pytest.approx([t._.prob for t in alone], abs=1e-5)
                    if alone._.perplexity is None:
                        assert doc._.perplexity is None
                    else:
                        assert doc._.perplexity == pytest.approx(alone._.perplexity, rel=1e-5)
    finally:
        module.chunk_size = before
    assert nlp("")._.perplexity is None and nlp(" ")._.perplexity is None
    assert nlp("the")[0]._.surprisal is not None


def test_token_ids_doc_path_equals_text_path(trained):
    """token_ids on a Doc (ORTH-hash cache) gives the same as on its token texts."""
    nlp, _, _ = trained
    pipe = nlp.get_pipe("next_token_scorer")
    for text in ["the zyzzyva sat\nthe  cat", "", " ", "\n\n", "<unk> <eos> the", "the zyzzyva"]:
        doc = nlp.make_doc(text)
        for a, b in zip(pipe.token_ids(doc), pipe.token_ids([t.text for t in doc])):
            assert a.tolist() == b.tolist()
    pos, ids, unk = pipe.token_ids(["the", "  ", "zyzzyva", " \n", "", "<unk>"])
    assert pos.tolist() == [0, 2, 3, 5]
    assert ids.tolist() == [pipe._lm.word2id["the"], pipe.unk_id, pipe.eos_id, pipe.unk_id]
    assert unk.tolist() == [False, True, False, True]


def test_probabilities_are_exact_and_normalised():
    torch.manual_seed(0)
    m = small_lm()
    ids = torch.randint(0, 50, (7, 3))
    with torch.no_grad():
        h, _ = m.encode(ids)
        flat = h.reshape(21, -1)
        full = m.full_logprobs(flat)
        assert torch.allclose(full.exp().sum(1), torch.ones(21), atol=1e-5)
        tgt = torch.randint(0, 50, (21,))
        assert torch.allclose(m.target_logprob(flat, tgt), full.gather(1, tgt[:, None])[:, 0], atol=1e-5)
        tgt[3] = -1
        assert m.target_logprob(flat, tgt)[3] == 0


def test_suggest_and_generate(trained):
    nlp, _, _ = trained
    pipe = nlp.get_pipe("next_token_scorer")
    sugg = pipe.suggest("the cat sat on the", k=3)
    assert len(sugg) == 3
    probs = [p for _, p in sugg]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.0 + 1e-6
    assert all(w in pipe.lm_vocab and w != "<unk>" for w, _ in sugg)
    a = pipe.generate("the", n_words=12, temperature=0.8, seed=0)
    b = pipe.generate("the", n_words=12, temperature=0.8, seed=0)
    assert a == b and a.startswith("the") and len(a.split()) >= 2
    assert "<unk>" not in a
    with pytest.raises(ValueError, match="E103"):
        pipe.generate("the", temperature=0)
    with pytest.raises(ValueError, match="E102"):
        pipe.suggest("the", k=0)


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_other_cells_train(cell):
    nlp, _, losses = trained_nlp(n_updates=15, cell=cell)
    assert losses[-1] < losses[0]
    assert nlp("the cat sat")._.perplexity > 0


def test_hidden_state_is_carried_across_batches():
    fix_random_seed(0)
    nlp = make_nlp()
    examples = tiny_examples(nlp)
    nlp.initialize(lambda: examples)
    pipe = nlp.get_pipe("next_token_scorer")
    first, second = examples[:4], examples[4:8]
    pipe.update(first)
    assert set(pipe._train_state) == {(j, 0) for j in range(4)}
    _, first_ids, rows, _ = pipe._batch([eg.reference for eg in second], carry=True)
    # segment 1 of each stream starts from segment 0's state, after its last token
    assert rows is not None and all(float(row.abs().sum()) > 0 for row in rows)
    assert list(first_ids) == [pipe._lm.word2id[eg.reference[-1].text] for eg in first]


def test_lm_data_rules():
    train = " a b a c a b \n b a d \n"
    keep = lm_data.standard_vocab(train, min_count=2)
    assert keep == {"a", "b"}
    assert lm_data.rebuild_split(" a  c b \n", keep) == " a <unk> b \n"
    assert lm_data.stream_tokens(" a b \n \n c \n") == ["a", "b", "<eos>", "<eos>", "c", "<eos>"]
    vocab = lm_vocab.build_vocab(lm_data.word_counts("a a a b b c"), min_count=2, max_size=0)
    assert vocab[:2] == ["a", "b"] and set(vocab) == {"a", "b", "<unk>", "<eos>"}
    segs = list(lm_data.interleave_segments(list("abcdefgh"), 2, 2))
    assert [(j, k, "".join(w)) for j, k, w in segs] == [(0, 0, "ab"), (1, 0, "ef"), (0, 1, "cd"), (1, 1, "gh")]


def test_bundled_model():
    """The packaged WikiText-2 model loads by default and behaves like a language model."""
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("next_token_scorer")
    assert len(pipe.lm_vocab) == lm_data.STANDARD_VOCAB_SIZE
    assert pipe.lm_vocab[0] == "the"
    fluent = nlp("The album was released in the United States in 1998 .")
    scrambled = nlp("album The in 1998 released United was the in States .")
    assert fluent._.perplexity < scrambled._.perplexity
    assert all(t._.surprisal > 0 for t in fluent)
    words = [w for w, _ in pipe.suggest("He was born in", k=10)]
    assert "the" in words or "1" in words or any(w.istitle() for w in words)
    assert pipe.generate("The", n_words=40, temperature=0.8, seed=0) == pipe.generate(
        "The", n_words=40, temperature=0.8, seed=0)


def test_shipped_config_trains_with_spacy_train(tmp_path):
    """configs/next_token_scorer.cfg runs through `spacy train` (streamed corpus, carried
    state, vocabulary from vocab_corpus, model-best selected on lm_score) on toy DocBins."""
    from pathlib import Path

    from spacy.cli.train import train
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    train_bin, dev_bin = DocBin(store_user_data=True), DocBin()
    tokens = (TEXT * 4).split()
    for stream, pos, words in lm_data.interleave_segments(tokens, 32, 35):
        doc = Doc(nlp.vocab, words=words)
        doc.user_data["lm_stream"], doc.user_data["lm_pos"] = stream, pos
        train_bin.add(doc)
    for part in lm_data.contiguous_parts(tokens, 2):
        dev_bin.add(Doc(nlp.vocab, words=part))
    train_bin.to_disk(tmp_path / "train.spacy")
    dev_bin.to_disk(tmp_path / "dev.spacy")
    config = Path(__file__).resolve().parent.parent / "configs" / "next_token_scorer.cfg"
    train(config, tmp_path / "out", overrides={
        "paths.train": str(tmp_path / "train.spacy"), "paths.dev": str(tmp_path / "dev.spacy"),
        "training.max_steps": 6, "training.eval_frequency": 3,
        "components.next_token_scorer.min_count": 1,
    })
    best = spacy.load(tmp_path / "out" / "model-best")
    pipe = best.get_pipe("next_token_scorer")
    assert set(pipe.lm_vocab) == set(tokens) | {"<unk>", "<eos>"}
    assert best("the cat sat on the mat .")._.perplexity > 0


def test_pickle_and_docbin_user_data(trained):
    """Annotations survive DocBin(store_user_data=True); the pipeline pickles (n_process)."""
    import pickle

    from spacy.tokens import DocBin

    nlp, _, _ = trained
    doc = nlp("the cat sat on the zyzzyva .")
    db = DocBin(store_user_data=True)
    db.add(doc)
    restored = list(DocBin().from_bytes(db.to_bytes()).get_docs(nlp.vocab))[0]
    assert scores(restored) == pytest.approx(scores(doc))
    assert [t._.is_unk for t in restored] == [t._.is_unk for t in doc]
    nlp2 = pickle.loads(pickle.dumps(nlp))
    assert scores(nlp2("the cat sat")) == pytest.approx(scores(nlp("the cat sat")), abs=1e-6)


def test_custom_extension_names(trained):
    """The ``extensions`` setting names the getters; a partial dict keeps the other defaults."""
    nlp, examples, _ = trained
    pipe = nlp.get_pipe("next_token_scorer")
    nlp2 = spacy.blank("en")
    config = {"weights": None, "model": TINY_MODEL,
              "extensions": {"token_surprisal": "lm_bits", "doc_perplexity": "lm_ppl"}}
    pipe2 = nlp2.add_pipe("next_token_scorer", name="lm2", config=config)
    assert pipe2.extensions["token_prob"] == "prob"
    pipe2.from_bytes(pipe.to_bytes())
    text = "the cat sat on the mat ."
    doc, doc2 = nlp(text), nlp2(text)
    assert [t._.lm_bits for t in doc2] == pytest.approx(scores(doc), abs=1e-6)
    assert doc2._.lm_ppl == pytest.approx(doc._.perplexity, rel=1e-6)
    assert doc2[1:3]._.lm_ppl == pytest.approx(doc[1:3]._.perplexity, rel=1e-6)
    with pytest.raises(ValueError, match="E108"):
        nlp2.add_pipe("next_token_scorer", name="lm3", config={"weights": None, "extensions": {"tokn_prob": "p"}})


def test_torch_threads_untouched_and_batch_size_respected(trained, monkeypatch):
    nlp, _, _ = trained
    pipe = nlp.get_pipe("next_token_scorer")
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    torch.set_num_threads(target)
    try:
        nlp2 = spacy.blank("en")
        nlp2.add_pipe("next_token_scorer")  # bundled weights
        list(nlp2.pipe(["the cat sat", "a dog ran"] * 5, batch_size=4))
        list(nlp.pipe(["the cat sat"] * 3))
        assert torch.get_num_threads() == target
    finally:
        torch.set_num_threads(before)
    sizes = []
    predict = pipe.predict
    monkeypatch.setattr(pipe, "predict", lambda docs: sizes.append(len(docs)) or predict(docs))
    list(nlp.pipe(["the cat sat"] * 10, batch_size=3))
    assert sizes == [3, 3, 3, 1]


def test_removed_chunk_size_setting_still_loads(trained):
    """Configs written before chunking moved into the model still load (with a warning)."""
    nlp, _, _ = trained
    nlp2 = spacy.blank("en")
    with pytest.warns(DeprecationWarning, match="W102"):
        pipe2 = nlp2.add_pipe("next_token_scorer", config={"weights": None, "model": TINY_MODEL,
                                                            "chunk_size": 512})
    data = nlp.get_pipe("next_token_scorer").to_bytes()
    pipe2.from_bytes(data)
    assert "chunk_size" not in pipe2.cfg
    assert scores(nlp2("the cat sat")) == pytest.approx(scores(nlp("the cat sat")), abs=1e-6)


@spacy.registry.architectures("test.HalvedWordRNNLM.v1")
def halved_word_rnn_lm(lm: Model) -> Model:
    """An architecture of the same signature that wraps the LM and halves its log-probabilities."""
    def forward(model, X, is_train):
        (logps, hidden), backprop = model.layers[0](X, is_train)
        return ([lp / 2 for lp in logps], hidden), lambda dY: backprop([d / 2 for d in dY])

    def init(model, X=None, Y=None):
        model.layers[0].initialize(X, Y)

    return Model("halved_lm", forward, init=init, layers=[lm], refs={TORCH_REF: lm})


def test_scoring_goes_through_the_configured_model():
    """Whatever registered architecture the config names is the one that scores; suggest and
    generate find the torch module through the architecture's ref, however deep it sits."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    model = {"@architectures": "test.HalvedWordRNNLM.v1", "lm": TINY_MODEL}
    pipe = nlp.add_pipe("next_token_scorer", config={"weights": None, "model": model, "min_count": 1})
    examples = tiny_examples(nlp)
    nlp.initialize(lambda: examples)
    nlp.update(examples[:4])
    doc = nlp("the cat sat on the mat .")
    lm = pipe.model.get_ref(TORCH_REF)
    (full, _) = lm.predict(([pipe.token_ids(doc)[1]], numpy.asarray([pipe.eos_id]), None))
    assert doc.user_data["spacy_rnn_lm"]["logp"].tolist() == pytest.approx((full[0] / 2).tolist(), abs=1e-6)
    assert torch_module(pipe.model) is torch_module(lm) is pipe.module
    assert len(pipe.suggest("the cat", k=2)) == 2


def test_unk_rate_reported_beside_perplexity():
    """Text the vocabulary lacks gets a small perplexity (every token is the likely ``<unk>``):
    ``doc._.unk_rate`` says how much of the perplexity is about ``<unk>`` (issue #14, item 17)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("next_token_scorer")
    gibberish = nlp("asdkj qwpeo zxmcn vbnqw")
    hindi = nlp("मेरा नाम राहुल है और मैं दिल्ली में रहता हूँ")
    prose = nlp("The album was released in 1998 .")
    assert gibberish._.perplexity < prose._.perplexity  # the defect the rate explains
    assert gibberish._.unk_rate == 1.0 and hindi._.unk_rate == 1.0
    assert prose._.unk_rate == 0.0
    doc = nlp("He was born in Zyzzyvaville , Ohio .")
    assert doc._.unk_rate == pytest.approx(1 / 8)
    assert doc[4:6]._.unk_rate == pytest.approx(1 / 2)  # "Zyzzyvaville ,"
    assert nlp("")._.unk_rate is None and nlp(" ")._.unk_rate is None
    assert spacy.blank("en")("not scored")._.unk_rate is None


def test_unk_rate_extension_name_is_configurable(trained):
    nlp, _, _ = trained
    nlp2 = spacy.blank("en")
    pipe2 = nlp2.add_pipe("next_token_scorer", name="lm_unk",
                          config={"weights": None, "model": TINY_MODEL, "extensions": {"doc_unk_rate": "oov_share"}})
    assert pipe2.extensions["doc_unk_rate"] == "oov_share"
    pipe2.from_bytes(nlp.get_pipe("next_token_scorer").to_bytes())
    assert nlp2("the zyzzyva sat")._.oov_share == pytest.approx(1 / 3)
    assert "doc._.unk_rate" in nlp.get_pipe_meta("next_token_scorer").assigns


def test_readme_example_runs_and_shows_real_output():
    from readme_examples import check, example

    checked = check(example("## `next_token_scorer`"))
    assert any("unk_rate" in c for c in checked) and len(checked) >= 8
