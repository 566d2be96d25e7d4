"""``person_name_detector``: a recurrent (BiGRU) token tagger that finds person names.

It is the blank-pipeline default of ``name_anonymizer``: no upstream NER needed.
The tagger reads spaCy tokens (word embedding, char-CNN, shape and lexicon
features), tags them O/B/I, and writes the names to ``doc.spans[spans_key]``
(label ``PERSON``). It never touches ``doc.ents`` or ``doc.text``.

``find_names(docs)`` is the batch entry point for other components: it returns
the spans without mutating the Docs.
"""
import json
from itertools import islice
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_get_examples
from spacy.util import registry
from spacy.vocab import Vocab
from thinc.api import Config, Model

from ..threads import torch_threads
from ..errors import Errors, Warnings, logger
from ..layers.name_tagger import PAD, UNK, lexicon_flags, load_vector_table, pack_vectors
from ._base import TorchPipe, resolve_weights

default_model_config = """
[model]
@architectures = "spacy-rnn.NameTagger.v1"
word_size = 48
char_size = 24
char_filters = 48
char_width = 3
hidden_size = 64
n_layers = 1
dropout = 0.25
word_dropout = 0.25
max_len = 128
max_chars = 12
"""
DEFAULT_MODEL = Config().from_str(default_model_config)["model"]

PERSON_LABELS = ("PERSON", "PER")
SPAN_LABEL = "PERSON"
O, B, I = range(3)


@Language.factory(
    "person_name_detector",
    assigns=["doc.spans"],
    default_config={
        "model": DEFAULT_MODEL,
        "spans_key": "person_names",
        "threshold": None,
        "weights": "bundled",
        "batch_size": 512,
        "name_weight": 1.0,
        "n_threads": 1,
        "scorer": {"@scorers": "spacy-rnn.person_name_scorer.v1"},
    },
    default_score_weights={
        "names_overlap_f": 0.6,
        "names_f": 0.4,
        "names_p": None,
        "names_r": None,
        "names_overlap_p": None,
        "names_overlap_r": None,
    },
)
def make_person_name_detector(
    nlp: Language,
    name: str,
    model: Model,
    *,
    spans_key: str,
    threshold: Optional[float],
    weights: Optional[str],
    batch_size: int,
    name_weight: float,
    n_threads: int,
    scorer: Optional[Callable],
) -> "PersonNameDetector":
    """Create a person_name_detector component.

    spans_key: where the found names go (``doc.spans[spans_key]``) and where
        gold names are read from when training (PERSON/PER entities are used
        when the reference Doc has no such key).
    threshold: a token is inside a name when P(B) + P(I) >= threshold; null = the
        value stored with the weights (0.40 for the bundled ones; 0.5 untrained).
    weights: "bundled" (pretrained weights shipped with spacy-rnn), a path to a
        directory written by ``to_disk``, or null to train from scratch.
    batch_size: docs per forward pass in ``pipe`` / ``find_names``.
    name_weight: training loss weight of tokens inside gold names (O tokens weigh 1);
        above 1 trades precision for recall.
    n_threads: torch intra-op threads while predicting (restored afterwards). The
        tagger is small: 1 thread is fastest on small machines; scale out with
        ``nlp.pipe(n_process=...)``. 0 leaves torch's own setting.
    """
    return PersonNameDetector(nlp.vocab, model, name, spans_key=spans_key, threshold=threshold,
                              weights=weights, batch_size=batch_size, name_weight=name_weight, n_threads=n_threads,
                              scorer=scorer)


class PersonNameDetector(TorchPipe):
    """Tag person names in Docs with a BiGRU over tokens; write them to ``doc.spans``."""

    def __init__(self, vocab: Vocab, model: Model, name: str = "person_name_detector", *,
                 spans_key: str = "person_names", threshold: Optional[float] = None,
                 weights: Optional[str] = "bundled",
                 batch_size: int = 512, name_weight: float = 1.0, n_threads: int = 1,
                 scorer: Optional[Callable] = None):
        if threshold is not None:
            _check_threshold(threshold)
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg = {"spans_key": spans_key, "threshold": 0.5 if threshold is None else threshold,
                    "batch_size": batch_size,
                    "name_weight": name_weight, "n_threads": n_threads, "n_vocab": 0, "n_pretrained": 0}
        weights_path = resolve_weights(weights, "person_name_detector")
        if weights_path is not None:
            if not (weights_path / "cfg").exists():
                raise ValueError(Errors.E200.format(name=name, path=weights_path))
            self.from_disk(weights_path)
            # The factory's settings win over the stored ones (stored = training-time defaults).
            self.cfg.update({"spans_key": spans_key, "batch_size": batch_size, "n_threads": n_threads})
            if threshold is not None:
                self.cfg["threshold"] = threshold

    # -- readiness / IO hooks ----------------------------------------------------------
    @property
    def is_ready(self) -> bool:
        return super().is_ready and int(self.cfg.get("n_vocab", 0)) >= 2

    def _set_model_dims_from_cfg(self) -> None:
        self.model.set_dim("nV", int(self.cfg["n_vocab"]), force=True)
        if "n_members" in self.cfg and self.model.has_dim("nM") is not False:
            # stored weights decide how many taggers the ensemble has (older ones: no key, 1)
            self.model.set_dim("nM", int(self.cfg["n_members"]), force=True)
        if self.model.has_dim("nP") is not False:
            # width of the stored pretrained word vectors (older weights: no key, none)
            self.model.set_dim("nP", int(self.cfg.get("n_pretrained", 0) or 0), force=True)

    @property
    def n_members(self) -> int:
        """Taggers whose probabilities are averaged (1 = a single tagger)."""
        return int(self.model.get_dim("nM")) if self.model.has_dim("nM") else 1

    @property
    def n_pretrained(self) -> int:
        """Width of the frozen pretrained word vectors the tagger reads (0 = none)."""
        return int(self.model.get_dim("nP")) if self.model.has_dim("nP") else 0

    @property
    def spans_key(self) -> str:
        return self.cfg["spans_key"]

    @property
    def threshold(self) -> float:
        return self.cfg["threshold"]

    @property
    def labels(self) -> Tuple[str, ...]:
        return (SPAN_LABEL,)

    # -- prediction ------------------------------------------------------------------------
    def predict(self, docs: Iterable[Doc]) -> np.ndarray:
        """Tag probabilities (n_tokens_total, 3) for O, B, I; rows follow the docs' tokens in order."""
        self._require_ready()
        docs = list(docs)
        with torch_threads(int(self.cfg.get("n_threads", 0) or 0)):
            logits = self.model.predict(docs)
        return _softmax(self.model.ops.to_numpy(logits))

    def _decode(self, docs: Sequence[Doc], probs: np.ndarray, threshold: float) -> List[List[Span]]:
        """BIO decoding: a token is inside a name when P(B)+P(I) >= threshold; a name
        starts at an inside token that follows an outside one, or whose P(B) >= P(I).
        Edge tokens without letters/digits and a trailing possessive are trimmed off."""
        inside = (1.0 - probs[:, O]) >= threshold
        begin = probs[:, B] >= probs[:, I]
        lengths = np.array([len(doc) for doc in docs], dtype="int64")
        starts = np.concatenate([[0], np.cumsum(lengths)])
        out: List[List[Span]] = [[] for _ in docs]
        positions = np.flatnonzero(inside)
        if not len(positions):
            return out
        doc_of = np.searchsorted(starts, positions, side="right") - 1
        cur_doc, span_start, span_end = -1, -1, -1
        for pos, d in zip(positions.tolist(), doc_of.tolist()):
            i = pos - int(starts[d])
            if d != cur_doc or i != span_end or begin[pos]:
                if cur_doc >= 0:
                    _add_trimmed(out[cur_doc], docs[cur_doc], span_start, span_end)
                cur_doc, span_start = d, i
            span_end = i + 1
        _add_trimmed(out[cur_doc], docs[cur_doc], span_start, span_end)
        return out

    def find_names(self, docs: Iterable[Doc], *, batch_size: Optional[int] = None,
                   threshold: Optional[float] = None) -> List[List[Span]]:
        """Person-name spans for each Doc, without changing the Docs.

        Spans are sorted and never overlap; their label is ``PERSON``. Batched
        (``batch_size`` docs per forward pass, default ``cfg["batch_size"]``).
        """
        self._require_ready()
        threshold = self.threshold if threshold is None else threshold
        _check_threshold(threshold)
        docs = list(docs)
        for i, doc in enumerate(docs):
            if not isinstance(doc, Doc):
                raise ValueError(Errors.E204.format(index=i, type_name=type(doc).__name__))
        size = batch_size or self.cfg["batch_size"]
        out: List[List[Span]] = []
        for start in range(0, len(docs), size):
            batch = docs[start:start + size]
            out.extend(self._decode(batch, self.predict(batch), threshold))
        return out

    def set_annotations(self, docs: Iterable[Doc], probs: np.ndarray) -> None:
        docs = list(docs)
        key = self.spans_key
        for doc, spans in zip(docs, self._decode(docs, probs, self.threshold)):
            doc.spans[key] = spans

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 512):
        return super().pipe(stream, batch_size=max(batch_size, self.cfg["batch_size"]))

    # -- training ------------------------------------------------------------------------
    def _gold_spans(self, example: Example) -> List[Span]:
        ref = example.reference
        key = self.spans_key
        spans = list(ref.spans[key]) if key in ref.spans else [e for e in ref.ents if e.label_ in PERSON_LABELS]
        return list(example.get_aligned_spans_y2x(spans, allow_overlap=True))

    def _gold_tags(self, examples: Sequence[Example]) -> np.ndarray:
        tags = []
        for eg in examples:
            t = np.zeros((len(eg.predicted),), dtype="int64")
            for span in self._gold_spans(eg):
                t[span.start:span.end] = I
                t[span.start] = B
            tags.append(t)
        return np.concatenate(tags) if tags else np.zeros((0,), dtype="int64")

    def get_loss(self, examples: Iterable[Example], scores: np.ndarray) -> Tuple[float, np.ndarray]:
        """Weighted mean token cross-entropy over O/B/I (name tokens weigh ``name_weight``);
        the gradient is w.r.t. the logits."""
        examples = list(examples)
        gold = self._gold_tags(examples)
        scores = self.model.ops.to_numpy(scores)
        if len(gold) == 0:
            return 0.0, np.zeros_like(scores)
        probs = _softmax(scores)
        n = len(gold)
        w = np.where(gold == O, 1.0, float(self.cfg.get("name_weight", 1.0)))
        total = w.sum()
        loss = -(w * np.log(np.clip(probs[np.arange(n), gold], 1e-9, None))).sum() / total
        d_scores = probs.copy()
        d_scores[np.arange(n), gold] -= 1.0
        return float(loss), (d_scores * (w / total)[:, None]).astype("float32")

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd=None,
               losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        """One step of training on Examples whose reference docs carry the gold names."""
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = [eg for eg in examples if len(eg.predicted)]
        if not examples:
            return losses
        self._require_ready()
        scores, backprop = self.model.begin_update([eg.predicted for eg in examples])
        loss, d_scores = self.get_loss(examples, scores)
        backprop(self.model.ops.asarray(d_scores))
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None,
                   lexicon_path: Optional[Union[str, Path]] = None, max_vocab: int = 20000,
                   min_count: int = 2) -> None:
        """Build the word vocabulary from the examples, load the lexicon, start a fresh model.

        lexicon_path: JSON with ``first`` and ``last`` (name lists), ``freq``
            (lowercase word -> count) and ``cap`` (lowercase word -> share of
            capitalised mid-sentence occurrences), as written by
            scripts/preprocess_ner.py. Without it those features stay zero.
        A component that already carries (bundled) weights and gets no examples
        with gold names keeps its weights.
        The model's ``pretrained_vectors`` table (if set) is read here and stored with
        the weights (int8 rows), so later loads do not need the file.
        """
        validate_get_examples(get_examples, "PersonNameDetector.initialize")
        counts: Dict[str, int] = {}
        n_spans = 0
        n_examples = 0
        for eg in get_examples():
            n_examples += 1
            for tok in eg.predicted:
                low = tok.text.lower()
                counts[low] = counts.get(low, 0) + 1
            n_spans += len(self._gold_spans(eg))
        if n_spans == 0 and self.is_ready:
            # e.g. nlp.initialize() without data on a pipeline with bundled weights
            logger.info("'%s': no gold names at initialize, keeping the loaded weights", self.name)
            return
        if n_spans == 0:
            raise ValueError(Errors.E201.format(key=self.spans_key, name=self.name))
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        vocab = {w: i + 2 for i, w in enumerate(words[:max_vocab])}
        assert PAD == 0 and UNK == 1
        self.model.attrs["vocab"] = vocab
        self.model.attrs["lexicon"] = load_lexicon(lexicon_path, self.name)
        vectors_path = self.model.attrs.get("pretrained_vectors_path")
        if vectors_path:
            try:
                words, vectors = load_vector_table(vectors_path)
            except (OSError, ValueError, KeyError) as e:
                raise ValueError(Errors.E205.format(path=vectors_path, name=self.name, reason=e)) from e
            self.model.attrs["vectors"] = pack_vectors(words, vectors)
            self.cfg["n_pretrained"] = int(vectors.shape[1])
        else:
            self.model.attrs["vectors"] = {}
            self.cfg["n_pretrained"] = 0
        self.cfg["n_vocab"] = len(vocab) + 2
        self.cfg["n_members"] = self.n_members
        # A fresh torch module: initialize() means "start training from scratch".
        self.model.layers[0]._layers = []
        self._set_model_dims_from_cfg()
        self.model.initialize(X=[eg.predicted for eg in islice(get_examples(), 10)])


def load_lexicon(path: Optional[Union[str, Path]], name: str = "person_name_detector") -> Dict[str, int]:
    """Lexicon JSON -> {lowercase word: bit flags} (see ``layers.name_tagger.lexicon_flags``)."""
    if not path:
        import warnings

        warnings.warn(Warnings.W200.format(name=name))
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf8"))
        first, last = set(data["first"]), set(data["last"])
        freq, cap = data["freq"], data["cap"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(Errors.E202.format(path=path, name=name, reason=e)) from e
    lexicon = {}
    for w in first | last | set(freq):
        flags = lexicon_flags(w in first, w in last, int(freq.get(w, 0)), cap.get(w))
        if flags:
            lexicon[w] = flags
    return lexicon


_EDGE_NON_NAME = {"'s", "’s", "'", "’", "s"}


def _add_trimmed(spans: List[Span], doc: Doc, start: int, end: int) -> None:
    """Append Span(start, end) without edge tokens that cannot be part of a name:
    tokens with no letter or digit (emoji, punctuation) and a trailing possessive 's."""
    while start < end and not any(c.isalnum() for c in doc[start].text):
        start += 1
    while end > start and (not any(c.isalnum() for c in doc[end - 1].text)
                           or (end - 1 > start and doc[end - 1].lower_ in _EDGE_NON_NAME)):
        end -= 1
    if end > start:
        spans.append(Span(doc, start, end, label=SPAN_LABEL))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)


def _check_threshold(value) -> None:
    if not isinstance(value, (int, float)) or not 0.0 < float(value) < 1.0:
        raise ValueError(Errors.E203.format(value=value))


# -- scoring -----------------------------------------------------------------------------
def _char_spans(doc: Doc, key: str, use_ents: bool) -> List[Tuple[int, int]]:
    if key in doc.spans:
        return sorted({(s.start_char, s.end_char) for s in doc.spans[key]})
    if use_ents:
        return sorted({(e.start_char, e.end_char) for e in doc.ents if e.label_ in PERSON_LABELS})
    return []


def name_span_counts(pairs: Iterable[Tuple[List[Tuple[int, int]], List[Tuple[int, int]]]]) -> Dict[str, int]:
    """Counts for exact and overlap matching over (gold, predicted) char-span lists."""
    c = dict(gold=0, pred=0, exact=0, pred_overlap=0, gold_overlap=0)
    for gold, pred in pairs:
        c["gold"] += len(gold)
        c["pred"] += len(pred)
        gold_set = set(gold)
        c["exact"] += sum(1 for p in pred if p in gold_set)
        c["pred_overlap"] += sum(1 for p in pred if any(p[0] < g[1] and g[0] < p[1] for g in gold))
        c["gold_overlap"] += sum(1 for g in gold if any(p[0] < g[1] and g[0] < p[1] for p in pred))
    return c


def prf_from_counts(c: Dict[str, int], prefix: str = "names") -> Dict[str, float]:
    def f(p, r):
        return 2 * p * r / (p + r) if p + r else 0.0

    p = c["exact"] / c["pred"] if c["pred"] else 0.0
    r = c["exact"] / c["gold"] if c["gold"] else 0.0
    op = c["pred_overlap"] / c["pred"] if c["pred"] else 0.0
    orr = c["gold_overlap"] / c["gold"] if c["gold"] else 0.0
    return {f"{prefix}_p": p, f"{prefix}_r": r, f"{prefix}_f": f(p, r),
            f"{prefix}_overlap_p": op, f"{prefix}_overlap_r": orr, f"{prefix}_overlap_f": f(op, orr)}


def score_person_names(examples: Iterable[Example], *, spans_key: str = "person_names", **kwargs) -> Dict[str, float]:
    """Exact-span and span-overlap P/R/F of predicted names against gold ones (by character offsets).

    Gold: ``reference.spans[spans_key]``, else PERSON/PER entities of the reference.
    Predicted: ``predicted.spans[spans_key]``.
    """
    pairs = [(_char_spans(eg.reference, spans_key, True), _char_spans(eg.predicted, spans_key, False))
             for eg in examples]
    return prf_from_counts(name_span_counts(pairs))


@registry.scorers("spacy-rnn.person_name_scorer.v1")
def make_person_name_scorer() -> Callable:
    return score_person_names
