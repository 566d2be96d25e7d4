"""``next_token_scorer``: a word-level RNN language model as a spaCy component.

The book's word-level RNN (NLPiA 2e ch. 8.4-8.5): it scores how expected each
token is given the tokens before it, suggests next words and writes new text.

    nlp = spacy.blank("en")
    nlp.add_pipe("next_token_scorer")          # bundled GRU LM trained on WikiText-2
    doc = nlp("The meat is tough and of low quality .")
    [t._.surprisal for t in doc]               # bits: -log2 p(token | tokens before it)
    doc._.perplexity
    scorer = nlp.get_pipe("next_token_scorer")
    scorer.suggest("Common starlings are trapped for", k=5)
    scorer.generate("The", n_words=40, temperature=0.8, seed=0)

A Doc is scored as one stream: it is cut into chunks of ``chunk_size`` tokens
internally and the hidden state is carried from one chunk to the next. The
first token is predicted after an implicit ``<eos>`` (as if a line had just
ended). Tokens the LM vocabulary lacks are scored as ``<unk>`` and flagged with
``token._.is_unk``; whitespace tokens that contain a newline are scored as
``<eos>``; other whitespace tokens are skipped (their surprisal is ``None``).

Training is self-supervised (``spacy train``): the reference Docs are segments
of a token stream. Docs that carry ``user_data["lm_stream"]`` and
``user_data["lm_pos"]`` (written by ``scripts/preprocess_wikitext.py``) continue
the hidden state of segment ``lm_pos - 1`` of the same stream from the previous
update: truncated back-propagation through time as in the book's ``batchify``.
"""
import math
import warnings
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy
import torch
from spacy.language import Language
from spacy.attrs import ORTH
from spacy.tokens import Doc, Span, Token
from spacy.training import Example, validate_get_examples
from spacy.util import registry
from thinc.api import Config, Model

from ..errors import Errors, Warnings
from ..layers.lazy_torch import torch_module
from ..layers.word_lm import WordRNNLM, select_hidden  # noqa: F401  (registers the architecture)
from ..lm_data import EOS, UNK, build_vocab
from ._base import TorchPipe, resolve_weights

USER_DATA_KEY = "spacy_rnn_lm"
LOG2E = 1.0 / math.log(2.0)
ORTH_CACHE_SIZE = 500_000  # token_ids' cache of ORTH hash -> LM id is cleared beyond this

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


# -- extensions -----------------------------------------------------------------------
def _lm_arrays(doc: Doc):
    return doc.user_data.get(USER_DATA_KEY)


def _token_logp(token: Token) -> Optional[float]:
    data = _lm_arrays(token.doc)
    if data is None:
        return None
    v = float(data["logp"][token.i])
    return None if math.isnan(v) else v


def _token_surprisal(token: Token) -> Optional[float]:
    lp = _token_logp(token)
    return None if lp is None else -lp * LOG2E


def _token_prob(token: Token) -> Optional[float]:
    lp = _token_logp(token)
    return None if lp is None else math.exp(lp)


def _token_is_unk(token: Token) -> Optional[bool]:
    data = _lm_arrays(token.doc)
    return None if data is None else bool(data["unk"][token.i])


def _span_logprobs(span: Union[Doc, Span]) -> Optional[numpy.ndarray]:
    """Log-probabilities (nats, float64, NaN where unscored) of the span's tokens, or None."""
    doc = span if isinstance(span, Doc) else span.doc
    data = _lm_arrays(doc)
    if data is None:
        return None
    start, end = (0, len(doc)) if isinstance(span, Doc) else (span.start, span.end)
    return numpy.asarray(data["logp"][start:end], dtype="float64")


def _span_perplexity(span: Union[Doc, Span]) -> Optional[float]:
    lp = _span_logprobs(span)
    if lp is None:
        return None
    lp = lp[~numpy.isnan(lp)]
    if lp.size == 0:
        return None
    return float(math.exp(-lp.mean()))


def _span_surprisal(span: Union[Doc, Span]) -> Optional[float]:
    """Total surprisal of the span's scored tokens in bits."""
    lp = _span_logprobs(span)
    return None if lp is None else float(-numpy.nansum(lp) * LOG2E)


def install_extensions() -> None:
    """Register the LM extensions once (getters over doc.user_data arrays)."""
    for name, getter in (
        ("surprisal", _token_surprisal),
        ("prob", _token_prob),
        ("is_unk", _token_is_unk),
    ):
        if not Token.has_extension(name):
            Token.set_extension(name, getter=getter)
    for cls in (Doc, Span):
        if not cls.has_extension("perplexity"):
            cls.set_extension("perplexity", getter=_span_perplexity)
        if not cls.has_extension("surprisal"):
            cls.set_extension("surprisal", getter=_span_surprisal)


# -- scorer ---------------------------------------------------------------------------
def score_next_token(examples: Iterable[Example], **kwargs) -> Dict[str, Optional[float]]:
    """Perplexity of the predicted Docs' scored tokens, pooled over all Docs.

    ``lm_score`` = 1 / perplexity (the geometric mean of the token
    probabilities) is the higher-is-better figure ``spacy train`` selects on.
    """
    total, n, n_unk = 0.0, 0, 0
    for eg in examples:
        data = _lm_arrays(eg.predicted)
        if data is None:
            continue
        lp = numpy.asarray(data["logp"], dtype="float64")
        ok = ~numpy.isnan(lp)
        total += float(-lp[ok].sum())
        n += int(ok.sum())
        n_unk += int(numpy.asarray(data["unk"])[ok].sum())
    if n == 0:
        return {"lm_score": None, "lm_perplexity": None, "lm_bits_per_token": None, "lm_unk_rate": None}
    nll = total / n
    return {
        "lm_score": math.exp(-nll),
        "lm_perplexity": math.exp(nll),
        "lm_bits_per_token": nll * LOG2E,
        "lm_unk_rate": n_unk / n,
    }


@registry.scorers("spacy-rnn.next_token_scorer.v1")
def make_next_token_scorer_fn() -> Callable:
    return score_next_token


# -- factory --------------------------------------------------------------------------
@Language.factory(
    "next_token_scorer",
    assigns=["token._.surprisal", "token._.prob", "token._.is_unk", "doc._.perplexity", "doc._.surprisal"],
    default_config={
        "model": DEFAULT_MODEL,
        "weights": "bundled",
        "min_count": 3,
        "max_vocab": 0,
        "chunk_size": 512,
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
    chunk_size: int,
    scorer: Optional[Callable],
) -> "NextTokenScorer":
    """Build the component. ``weights="bundled"`` loads the packaged WikiText-2 model
    (its vocabulary and weights); ``weights=null`` leaves it to ``nlp.initialize``;
    a path loads a component directory written by ``to_disk``."""
    pipe = NextTokenScorer(
        nlp.vocab, model, name, min_count=min_count, max_vocab=max_vocab,
        chunk_size=chunk_size, scorer=scorer,
    )
    pipe._tokenizer = nlp.make_doc
    path = resolve_weights(weights, "next_token_scorer")
    if path is not None:
        pipe.from_disk(path)
    return pipe


class NextTokenScorer(TorchPipe):
    """Word-level RNN language model that scores, suggests and generates tokens."""

    def __init__(
        self,
        vocab,
        model: Model,
        name: str = "next_token_scorer",
        *,
        min_count: int = 3,
        max_vocab: int = 0,
        chunk_size: int = 512,
        scorer: Optional[Callable] = score_next_token,
    ):
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        for arg, value in (("min_count", min_count), ("chunk_size", chunk_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(Errors.E102.format(arg=arg, value=value))
        self.cfg = {
            "lm_vocab": [],
            "min_count": min_count,
            "max_vocab": max_vocab,
            "chunk_size": chunk_size,
            "arch": {k: v for k, v in model.attrs.items()},
        }
        self._word2id: Dict[str, int] = {}
        self._orth_ids: Dict[int, int] = {}  # ORTH hash -> LM id (-1: not scored), see token_ids
        self._train_state: Dict = {}
        install_extensions()

    # -- vocabulary ---------------------------------------------------------------------
    @property
    def lm_vocab(self) -> List[str]:
        return self.cfg["lm_vocab"]

    def _set_model_dims_from_cfg(self) -> None:
        n = len(self.cfg["lm_vocab"])
        if self.model.has_dim("nV") and self.model.get_dim("nV") is not None and self.model.layers:
            if self.model.get_dim("nV") == n:
                return
            raise ValueError(Errors.E002.format(
                name=self.name, path="<cfg>", reason=f"vocabulary of {n} words, model built for "
                f"{self.model.get_dim('nV')}; load into a fresh pipeline"))
        for key, value in self.cfg.get("arch", {}).items():
            if key in self.model.attrs and self.model.attrs[key] != value and not self.model.layers:
                self.model.attrs[key] = value
        self.model.set_dim("nV", n)

    def _after_load(self) -> None:
        vocab = self.cfg["lm_vocab"]
        for special in (UNK, EOS):
            if special not in vocab:
                raise ValueError(Errors.E105.format(name=self.name, token=special))
        self._word2id = {w: i for i, w in enumerate(vocab)}
        self.unk_id = self._word2id[UNK]
        self.eos_id = self._word2id[EOS]
        self._orth_ids = {}
        self._train_state = {}

    @property
    def module(self) -> WordRNNLM:
        self._require_ready()
        return torch_module(self.model)

    def _text_id(self, text: str) -> int:
        """LM id of a token text: its own id, <unk>, <eos> (whitespace with a newline),
        or -1 (other whitespace: not scored)."""
        idx = self._word2id.get(text)
        if idx is not None:
            return idx
        if text.isspace() or not text:
            return self.eos_id if "\n" in text else -1
        return self.unk_id

    def token_ids(self, doc: Union[Doc, Sequence[str]]) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """(positions, ids, is_unk) of the tokens that are scored."""
        if isinstance(doc, Doc):
            # one dict look-up per token on the ORTH hashes, with an id cache per hash
            orths = doc.to_array(ORTH).tolist()
            cache = self._orth_ids
            vals = [cache.get(o) for o in orths]
            if None in vals:
                if len(cache) > ORTH_CACHE_SIZE:
                    cache.clear()
                strings = doc.vocab.strings
                for j, v in enumerate(vals):
                    if v is None:
                        vals[j] = cache[orths[j]] = self._text_id(strings[orths[j]])
        else:
            vals = [self._text_id(text) for text in doc]
        arr = numpy.asarray(vals, dtype="int64")
        pos = numpy.flatnonzero(arr >= 0)
        ids = arr[pos]
        return pos, ids, ids == self.unk_id

    # -- inference ----------------------------------------------------------------------
    def _score_id_seqs(self, seqs: List[numpy.ndarray]) -> List[numpy.ndarray]:
        """Natural-log probabilities of every id of every sequence, each started after <eos>.

        Each sequence is its own stream, starting from a zero hidden state. The
        sequences are sorted by length and scored together as one packed batch
        (``WordRNNLM.score_packed``): at each time step only the sequences still
        running take part, so no work is spent on padding. The time axis is cut
        into chunks of ``chunk_size`` steps and the hidden state of the
        sequences still running is carried from one chunk to the next.
        """
        out = [numpy.zeros((len(s),), dtype="float32") for s in seqs]
        order = sorted((i for i in range(len(seqs)) if len(seqs[i])), key=lambda i: -len(seqs[i]))
        if not order:
            return out
        module = self.module
        device = module.emb[0].weight.device
        lengths = numpy.asarray([len(seqs[i]) for i in order])
        T = int(lengths[0])
        chunk = int(self.cfg["chunk_size"])
        hidden = None
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                for start in range(0, T, chunk):
                    n_active = int((lengths > start).sum())
                    stop = min(start + chunk, T)
                    width = stop - start
                    ids = numpy.zeros((width, n_active), dtype="int64")
                    tgt = numpy.full((width, n_active), -1, dtype="int64")
                    for col, i in enumerate(order[:n_active]):
                        s = seqs[i]
                        piece = s[start:stop]
                        tgt[: len(piece), col] = piece
                        ids[0, col] = s[start - 1] if start else self.eos_id
                        ids[1 : len(piece), col] = piece[:-1]
                    # the sequences are sorted by length, so the real rows of each time
                    # step are a prefix of the columns: row-major masking packs them
                    mask = tgt >= 0
                    batch_sizes = torch.from_numpy(mask.sum(axis=1).astype("int64"))
                    if hidden is not None:
                        hidden = select_hidden(hidden, torch.arange(n_active, device=device))
                    logp, hidden = module.score_packed(
                        torch.from_numpy(ids[mask]).to(device), torch.from_numpy(tgt[mask]).to(device),
                        batch_sizes, hidden,
                    )
                    lp = numpy.zeros((width, n_active), dtype="float32")
                    lp[mask] = logp.float().cpu().numpy()
                    for col, i in enumerate(order[:n_active]):
                        n = min(stop, len(seqs[i])) - start
                        out[i][start : start + n] = lp[:n, col]
        finally:
            module.train(was_training)
        return out

    def predict(self, docs: Iterable[Doc]):
        """Per Doc: (positions, log-probs, is_unk) of its scored tokens."""
        self._require_ready()
        docs = list(docs)
        prepared = [self.token_ids(doc) for doc in docs]
        logps = self._score_id_seqs([ids for _, ids, _ in prepared])
        return [(pos, lp, unk) for (pos, _, unk), lp in zip(prepared, logps)]

    def set_annotations(self, docs: Iterable[Doc], scores) -> None:
        for doc, (pos, lp, unk) in zip(docs, scores):
            logp = numpy.full((len(doc),), numpy.nan, dtype="float32")
            is_unk = numpy.zeros((len(doc),), dtype="bool")
            logp[pos] = lp
            is_unk[pos] = unk
            doc.user_data[USER_DATA_KEY] = {"logp": logp, "unk": is_unk}

    def __call__(self, doc: Doc) -> Doc:
        install_extensions()
        return super().__call__(doc)

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128):
        install_extensions()
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
        tok = getattr(self, "_tokenizer", None)
        if tok is not None:
            return tok(text)
        return Doc(self.vocab, words=text.split())

    def next_logprobs(self, prompt: Union[str, Doc]) -> Tuple[torch.Tensor, object]:
        """Log-probabilities (natural) over the LM vocabulary for the word after the prompt."""
        module = self.module
        ids = torch.tensor(self._prompt_ids(prompt), dtype=torch.int64).unsqueeze(1)
        module.eval()
        with torch.no_grad():
            h, hidden = module.encode(ids, None)
            lp = module.full_logprobs(h[-1])[0]
        return lp, hidden

    def suggest(self, prompt: Union[str, Doc], k: int = 5, *, include_unk: bool = False) -> List[Tuple[str, float]]:
        """The k most probable next words after the prompt, as (word, probability)."""
        if not isinstance(k, int) or k < 1:
            raise ValueError(Errors.E102.format(arg="k", value=k))
        lp, _ = self.next_logprobs(prompt)
        if not include_unk:
            lp = lp.clone()
            lp[self.unk_id] = -math.inf
        vals, idx = torch.topk(lp, min(k, lp.shape[0]))
        vocab = self.lm_vocab
        return [(vocab[i], float(math.exp(v))) for v, i in zip(vals.tolist(), idx.tolist())]

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
        gen = torch.Generator()
        gen.manual_seed(int(seed) if seed is not None else int(torch.randint(0, 2**31 - 1, (1,)).item()))
        ids = self._prompt_ids(prompt)
        module.eval()
        words: List[str] = []
        with torch.no_grad():
            h, hidden = module.encode(torch.tensor(ids, dtype=torch.int64).unsqueeze(1), None)
            last = h[-1]
            for _ in range(n_words):
                lp = module.full_logprobs(last)[0] / float(temperature)
                if not include_unk:
                    lp[self.unk_id] = -math.inf
                nxt = int(torch.multinomial(torch.softmax(lp, dim=-1), 1, generator=gen).item())
                words.append(self.lm_vocab[nxt])
                h, hidden = module.encode(torch.tensor([[nxt]], dtype=torch.int64), hidden)
                last = h[-1]
        text = str(prompt.text if isinstance(prompt, Doc) else prompt).rstrip()
        for w in words:
            if w == EOS:
                text += "\n"
            elif not text or text.endswith("\n"):
                text += w
            else:
                text += " " + w
        return text

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
            from spacy.tokens import DocBin

            docs = DocBin().from_disk(vocab_corpus).get_docs(self.vocab)
        else:
            docs = (eg.reference for eg in get_examples())
        counts: Counter = Counter()
        for doc in docs:
            for tok in doc:
                text = tok.text
                if text.isspace() or not text:
                    if "\n" in text:
                        counts[EOS] += 1
                    continue
                counts[text] += 1
        if not counts:
            raise ValueError(Errors.E100.format(name=self.name))
        vocab = build_vocab(counts, min_count=self.cfg["min_count"], max_size=self.cfg["max_vocab"])
        if nlp is not None:
            self._tokenizer = nlp.make_doc
        self.cfg["lm_vocab"] = vocab
        self.cfg["arch"] = {k: v for k, v in self.model.attrs.items()}
        if self.model.layers:  # re-initialising: start from a fresh model of the same config
            self.model._layers = []
        self.model.set_dim("nV", len(vocab), force=True)
        self.model.initialize()
        self._after_load()

    def _batch(self, docs: Sequence[Doc], carry: bool):
        """Time-major (ids, targets, hidden, rows) for a batch of reference Docs."""
        module = torch_module(self.model)
        seqs = [self.token_ids(doc)[1] for doc in docs]
        T = max((len(s) for s in seqs), default=0)
        B = len(seqs)
        ids = numpy.zeros((max(T, 1), B), dtype="int64")
        tgt = numpy.full((max(T, 1), B), -1, dtype="int64")
        hidden = module.init_hidden(B)
        keys = []
        for b, (doc, s) in enumerate(zip(docs, seqs)):
            stream, pos = doc.user_data.get("lm_stream"), doc.user_data.get("lm_pos")
            key = (stream, pos) if stream is not None and pos is not None else None
            keys.append(key)
            first = self.eos_id
            state = self._train_state.get((stream, pos - 1)) if (carry and key is not None) else None
            if state is not None:
                first, h_row = state
                if isinstance(hidden, tuple):
                    for part, row in zip(hidden, h_row):
                        part[:, b] = row
                else:
                    hidden[:, b] = h_row
            if len(s):
                ids[0, b] = first
                ids[1 : len(s), b] = s[:-1]
                tgt[: len(s), b] = s
        return ids, tgt, hidden, seqs, keys

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
        docs = [eg.reference for eg in examples]
        ids, tgt, hidden, seqs, keys = self._batch(docs, carry=True)
        (logp, new_hidden), backprop = self.model.begin_update((ids, tgt, hidden))
        loss, d_logp = self.get_loss(examples, (logp, tgt))
        backprop(d_logp)
        if sgd not in (None, False):
            self.finish_update(sgd)
        # keep the final state of every full-length segment for the next one of its stream
        new_state = {}
        T = ids.shape[0]
        for b, (key, s) in enumerate(zip(keys, seqs)):
            if key is not None and len(s) == T:
                if isinstance(new_hidden, tuple):
                    row = tuple(part[:, b].clone() for part in new_hidden)
                else:
                    row = new_hidden[:, b].clone()
                new_state[key] = (int(s[-1]), row)
        self._train_state = new_state
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], scores) -> Tuple[float, numpy.ndarray]:
        """Mean negative log-likelihood (nats) of the target tokens and its gradient
        with respect to their log-probabilities."""
        logp, tgt = scores
        mask = (tgt >= 0).astype("float32")
        n = max(float(mask.sum()), 1.0)
        loss = float(-(logp * mask).sum() / n)
        return loss, -mask / n
