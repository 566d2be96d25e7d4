"""``next_token_scorer``: a word-level RNN language model as a spaCy component.

The book's word-level RNN (NLPiA 2e ch. 8.4-8.5): it scores how expected each
token is given the tokens before it, suggests next words and writes new text.

    nlp = spacy.blank("en")
    nlp.add_pipe("next_token_scorer")          # bundled GRU LM trained on WikiText-2
    doc = nlp("The meat is tough and of low quality .")
    [t._.surprisal for t in doc]               # bits: -log2 p(token | tokens before it)
    doc._.perplexity
    doc._.unk_rate                              # share of the scored tokens that were <unk>
    scorer = nlp.get_pipe("next_token_scorer")
    scorer.suggest("Common starlings are trapped for", k=5)
    scorer.generate("The", n_words=40, temperature=0.8, seed=0)

A Doc is scored as one stream, its first token predicted after an implicit
``<eos>`` (as if a line had just ended); the model carries the hidden state
through long Docs. Tokens the LM vocabulary lacks are scored as ``<unk>`` and
flagged with ``token._.is_unk``, and ``doc._.unk_rate`` gives their share: ``<unk>``
is a likely token, so text outside the vocabulary (gibberish, another language)
gets a small perplexity that only the rate exposes; whitespace tokens that contain a newline are
scored as ``<eos>``; other whitespace tokens are skipped (their surprisal is
``None``). The scores are stored once per Doc (see ``extensions.py``); the
``extensions`` setting names the getters that read them.

Training is self-supervised (``spacy train``): the reference Docs are segments
of a token stream. Docs that carry ``user_data["lm_stream"]`` and
``user_data["lm_pos"]`` (written by ``scripts/preprocess_wikitext.py``) continue
the hidden state of segment ``lm_pos - 1`` of the same stream from the previous
update: truncated back-propagation through time as in the book's ``batchify``.
"""
import warnings
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example, validate_get_examples
from thinc.api import Config, Model

from ..errors import Errors, Warnings
from ..lazy_torch import lazy_layer, reset, torch_module
from ..torch_pipe import TorchPipe
from . import generate as gen
from .extensions import USER_DATA_KEY, check_names, install_extensions
from .scorer import score_lm
from .torch_model import WordRNNLM
from .vocab import LMVocab, build_vocab, count_tokens

default_model_config = """
[model]
@architectures = "spacy-rnn.WordRNNLM.v1"
emb_dim = 256
hidden_size = 256
n_layers = 1
cell = "gru"
dropout = 0.2
emb_dropout = 0.1
cutoffs = [2000, 10000]
div_val = 4.0
"""
DEFAULT_MODEL = Config().from_str(default_model_config)["model"]


@Language.factory(
    "next_token_scorer",
    assigns=["token._.surprisal", "token._.prob", "token._.is_unk", "doc._.perplexity", "doc._.surprisal",
             "doc._.unk_rate"],
    default_config={
        "model": DEFAULT_MODEL,
        "weights": "bundled",
        "min_count": 3,
        "max_vocab": 0,
        # role -> extension name; the doc_* getters are set on Doc and Span
        "extensions": {
            "token_surprisal": "surprisal",
            "token_prob": "prob",
            "token_is_unk": "is_unk",
            "doc_perplexity": "perplexity",
            "doc_surprisal": "surprisal",
            "doc_unk_rate": "unk_rate",
        },
        "scorer": {"@scorers": "spacy-rnn.next_token_scorer.v1"},
    },
    default_score_weights={
        "lm_score": 1.0,
        "lm_perplexity": None,
        "lm_bits_per_token": None,
        "lm_unk_rate": None,
    },
)
def make_next_token_scorer(
    nlp: Language,
    name: str,
    model: Model,
    weights: Optional[str],
    min_count: int,
    max_vocab: int,
    extensions: Dict[str, str],
    scorer: Optional[Callable],
    chunk_size: Optional[int] = None,
) -> "NextTokenScorer":
    """Build the component. ``weights="bundled"`` loads the packaged WikiText-2 model
    (its vocabulary and weights); ``weights=null`` leaves it to ``nlp.initialize``;
    a path loads a component directory written by ``to_disk``. ``chunk_size`` is
    accepted so that older configs load; it is ignored."""
    if chunk_size is not None:
        warnings.warn(Warnings.W102.format(name=name, value=chunk_size), DeprecationWarning)
    pipe = NextTokenScorer(nlp.vocab, model, name, min_count=min_count, max_vocab=max_vocab,
                           extensions=extensions, scorer=scorer)
    pipe._tokenizer = nlp.make_doc
    pipe.load_weights(weights, "next_token_scorer")
    return pipe


class NextTokenScorer(TorchPipe):
    """Word-level RNN language model that scores, suggests and generates tokens."""

    def __init__(
        self,
        vocab,
        model: Model,
        name: str = "next_token_scorer",
        *,
        min_count: int,
        max_vocab: int,
        extensions: Dict[str, str],
        scorer: Optional[Callable] = score_lm,
    ):
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        if not isinstance(min_count, int) or min_count < 1:
            raise ValueError(Errors.E102.format(arg="min_count", value=min_count))
        self.extensions = check_names(extensions, name)
        self.cfg = {
            "lm_vocab": [],
            "min_count": min_count,
            "max_vocab": max_vocab,
            "arch": dict(lazy_layer(model).attrs),
        }
        self._lm: Optional[LMVocab] = None
        self._tokenizer: Optional[Callable[[str], Doc]] = None
        self._train_state: Dict = {}
        install_extensions(self.extensions)

    # -- vocabulary ---------------------------------------------------------------------
    @property
    def lm_vocab(self) -> List[str]:
        return self.cfg["lm_vocab"]

    @property
    def unk_id(self) -> int:
        return self._lm.unk_id

    @property
    def eos_id(self) -> int:
        return self._lm.eos_id

    def _set_model_dims_from_cfg(self) -> None:
        n = len(self.cfg["lm_vocab"])
        layer = lazy_layer(self.model)
        if layer.has_dim("nV") and layer.get_dim("nV") is not None and layer.layers:
            if layer.get_dim("nV") == n:
                return
            raise ValueError(Errors.E002.format(
                name=self.name, path="<cfg>", reason=f"vocabulary of {n} words, model built for "
                f"{layer.get_dim('nV')}; load into a fresh pipeline"))
        # the stored architecture is the one the weights were trained with
        for key, value in self.cfg["arch"].items():
            if key in layer.attrs and layer.attrs[key] != value and not layer.layers:
                layer.attrs[key] = value
        layer.set_dim("nV", n)

    def _after_load(self) -> None:
        self._lm = LMVocab(self.cfg["lm_vocab"], name=self.name)
        self._train_state = {}
        self.cfg.pop("chunk_size", None)  # written by older versions; chunking is the model's own

    @property
    def module(self) -> WordRNNLM:
        self._require_ready()
        return torch_module(self.model)

    def token_ids(self, doc: Union[Doc, Sequence[str]]) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """(positions, ids, is_unk) of the tokens that are scored."""
        return self._lm.token_ids(doc)

    # -- inference ----------------------------------------------------------------------
    def predict(self, docs: Iterable[Doc]):
        """Per Doc: (positions, log-probs, is_unk) of its scored tokens."""
        self._require_ready()
        prepared = [self._lm.token_ids(doc) for doc in docs]
        first = numpy.full((len(prepared),), self._lm.eos_id, dtype="int64")
        logps, _ = self.model.predict(([ids for _, ids, _ in prepared], first, None))
        return [(pos, lp, unk) for (pos, _, unk), lp in zip(prepared, logps)]

    def set_annotations(self, docs: Iterable[Doc], scores) -> None:
        for doc, (pos, lp, unk) in zip(docs, scores):
            logp = numpy.full((len(doc),), numpy.nan, dtype="float32")
            is_unk = numpy.zeros((len(doc),), dtype="bool")
            logp[pos] = lp
            is_unk[pos] = unk
            doc.user_data[USER_DATA_KEY] = {"logp": logp, "unk": is_unk}

    def __call__(self, doc: Doc) -> Doc:
        install_extensions(self.extensions)
        return super().__call__(doc)

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128):
        install_extensions(self.extensions)
        yield from super().pipe(stream, batch_size=batch_size)

    # -- suggest / generate ---------------------------------------------------------------
    def _prompt_ids(self, prompt: Union[str, Doc]) -> List[int]:
        if isinstance(prompt, Doc):
            doc = prompt
        elif isinstance(prompt, str):
            doc = self.vocab_tokenizer(prompt)
        else:
            raise ValueError(Errors.E104.format(type_name=type(prompt).__name__))
        _, ids, unk = self.token_ids(doc)
        if len(ids) and unk.all():
            warnings.warn(Warnings.W100.format(prompt=str(prompt), name=self.name))
        return [self.eos_id] + ids.tolist()

    def vocab_tokenizer(self, text: str) -> Doc:
        """Tokenize a prompt with the pipeline's tokenizer if known, else on whitespace."""
        if self._tokenizer is not None:
            return self._tokenizer(text)
        return Doc(self.vocab, words=text.split())

    def next_logprobs(self, prompt: Union[str, Doc]):
        """Log-probabilities (natural) over the LM vocabulary for the word after the prompt,
        and the hidden state after it."""
        return gen.next_logprobs(self.module, self._prompt_ids(prompt))

    def suggest(self, prompt: Union[str, Doc], k: int = 5, *, include_unk: bool = False) -> List[Tuple[str, float]]:
        """The k most probable next words after the prompt, as (word, probability)."""
        if not isinstance(k, int) or k < 1:
            raise ValueError(Errors.E102.format(arg="k", value=k))
        return gen.top_words(self.module, self._lm, self._prompt_ids(prompt), k, include_unk)

    def generate(
        self,
        prompt: Union[str, Doc] = "",
        n_words: int = 40,
        *,
        temperature: float = 1.0,
        seed: Optional[int] = None,
        include_unk: bool = False,
    ) -> str:
        """Sample ``n_words`` words after the prompt; returns prompt + continuation.

        ``<eos>`` is written as a line break. With a ``seed`` the output is
        reproducible (a private torch Generator; global RNG state is untouched).
        """
        if not isinstance(n_words, int) or n_words < 0:
            raise ValueError(Errors.E102.format(arg="n_words", value=n_words))
        if not isinstance(temperature, (int, float)) or not temperature > 0:
            raise ValueError(Errors.E103.format(value=temperature))
        module = self.module
        words = gen.sample_words(module, self._lm, self._prompt_ids(prompt), n_words,
                                 temperature=temperature, seed=seed, include_unk=include_unk)
        return gen.join_words(str(prompt.text if isinstance(prompt, Doc) else prompt), words)

    # -- training -------------------------------------------------------------------------
    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        vocab_corpus: Optional[Union[str, Path]] = None,
    ) -> None:
        """Build the LM vocabulary (``min_count``, ``max_vocab``) and the torch model for it.

        The words are counted over the reference Docs of ``get_examples()``, or
        over every Doc of the DocBin ``vocab_corpus`` when it is given (set it in
        ``[initialize.components.next_token_scorer]``: ``spacy train`` with
        ``max_epochs = -1`` passes only the first 100 examples to initialize).
        """
        validate_get_examples(get_examples, "NextTokenScorer.initialize")
        if vocab_corpus:
            docs = DocBin().from_disk(vocab_corpus).get_docs(self.vocab)
        else:
            docs = (eg.reference for eg in get_examples())
        counts = count_tokens(docs)
        if not counts:
            raise ValueError(Errors.E100.format(name=self.name))
        vocab = build_vocab(counts, min_count=self.cfg["min_count"], max_size=self.cfg["max_vocab"])
        if nlp is not None:
            self._tokenizer = nlp.make_doc
        layer = lazy_layer(self.model)
        self.cfg["lm_vocab"] = vocab
        self.cfg["arch"] = dict(layer.attrs)
        reset(layer)  # re-initialising: start from a fresh model of the same config
        layer.set_dim("nV", len(vocab), force=True)
        self.model.initialize()
        self._after_load()

    def _batch(self, docs: Sequence[Doc], carry: bool):
        """(targets, first, hidden rows or None, stream keys) for a batch of reference Docs."""
        seqs = [self._lm.token_ids(doc)[1] for doc in docs]
        first = numpy.full((len(seqs),), self._lm.eos_id, dtype="int64")
        rows: List = [None] * len(seqs)
        keys = []
        for b, doc in enumerate(docs):
            stream, pos = doc.user_data.get("lm_stream"), doc.user_data.get("lm_pos")
            key = (stream, pos) if stream is not None and pos is not None else None
            keys.append(key)
            state = self._train_state.get((stream, pos - 1)) if (carry and key is not None) else None
            if state is not None:
                first[b], rows[b] = state
        return seqs, first, (rows if any(r is not None for r in rows) else None), keys

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd=None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """One truncated-BPTT step on a batch of stream segments (mean NLL in nats)."""
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        self._require_ready()
        examples = list(examples)
        if not examples:
            return losses
        seqs, first, rows, keys = self._batch([eg.reference for eg in examples], carry=True)
        (logps, new_rows), backprop = self.model.begin_update((seqs, first, rows))
        loss, d_logps = self.get_loss(examples, logps)
        backprop(d_logps)
        if sgd not in (None, False):
            self.finish_update(sgd)
        # keep the final state of every full-length segment for the next one of its stream
        # (a shorter segment's state has run over padding)
        T = max(len(s) for s in seqs)
        self._train_state = {
            key: (int(s[-1]), _clone_row(row))
            for key, s, row in zip(keys, seqs, new_rows) if key is not None and len(s) and len(s) == T
        }
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], scores) -> Tuple[float, List[numpy.ndarray]]:
        """Mean negative log-likelihood (nats) of the target tokens and its gradient
        with respect to their log-probabilities (``scores``: one array per Doc)."""
        n = max(float(sum(len(lp) for lp in scores)), 1.0)
        loss = -sum(float(lp.sum(dtype="float64")) for lp in scores) / n
        return loss, [numpy.full((len(lp),), -1.0 / n, dtype="float32") for lp in scores]


def _clone_row(row):
    # a copy, so the state kept for the next update does not hold the whole batch's tensor
    return tuple(part.clone() for part in row) if isinstance(row, tuple) else row.clone()
