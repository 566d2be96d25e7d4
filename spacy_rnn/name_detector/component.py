"""``person_name_detector``: a recurrent (BiGRU) token tagger that finds person names.

It is the blank-pipeline default of ``name_anonymizer``: no upstream NER needed.
The model (``spacy-rnn.NameTagger.v1`` by default; any ``Model[List[Doc], Floats2d]``
giving one row of O/B/I logits per token will do) reads spaCy tokens; the
component decodes the tags and writes the names to ``doc.spans[spans_key]``
(label ``PERSON``). It never touches ``doc.ents`` or ``doc.text``.

``find_names(docs)`` is the batch entry point for other components: it returns
the spans without mutating the Docs.
"""
import warnings
from itertools import islice
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model

from ..errors import Errors, Warnings, logger
from ..lazy_torch import TORCH_REF, reset
from ..torch_pipe import TorchPipe
from ..util import PERSON_LABELS, resolve_weights
from .decoding import B, I, O, SPAN_LABEL, decode_names, softmax
from .features import build_word_vocab, load_lexicon, load_vectors

COMPONENT = "person_name_detector"

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
nV = null
n_members = 1
pretrained_vectors = null
vector_dropout = 0.0
"""
DEFAULT_MODEL = Config().from_str(default_model_config)["model"]

# threshold of a component with no stored one (threshold = null and no weights)
UNTRAINED_THRESHOLD = 0.5
# settings that older weights stored in their cfg; the component no longer has them
_ENGINE_SETTINGS = ("batch_size", "n_threads")


@Language.factory(
    COMPONENT,
    assigns=["doc.spans"],
    default_config={
        "model": DEFAULT_MODEL,
        "spans_key": "person_names",
        "threshold": None,
        "weights": "bundled",
        "name_weight": 1.0,
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
    spans_key: str,
    threshold: Optional[float],
    weights: Optional[str],
    name_weight: float,
    scorer: Optional[Callable],
    batch_size: Optional[int] = None,
    n_threads: Optional[int] = None,
) -> "PersonNameDetector":
    """Create a person_name_detector component.

    model: List[Doc] -> one row of O/B/I logits per token (all docs' tokens in order).
    spans_key: where the found names go (``doc.spans[spans_key]``) and where
        gold names are read from when training (PERSON/PER entities are used
        when the reference Doc has no such key).
    threshold: a token is inside a name when P(B) + P(I) >= threshold; null = the
        value stored with the weights (0.40 for the bundled ones; 0.5 untrained).
    weights: "bundled" (pretrained weights shipped with spacy-rnn), a path to a
        directory written by ``to_disk``, or null to train from scratch.
    name_weight: training loss weight of tokens inside gold names (O tokens weigh 1);
        above 1 trades precision for recall.
    batch_size, n_threads: deprecated, accepted so that older configs load.
        ``batch_size`` sets the attribute of the same name (docs per forward pass of
        ``find_names``; ``nlp.pipe(batch_size=...)`` decides nlp.pipe's batches);
        ``n_threads`` is ignored (set ``torch.set_num_threads`` once for the process).
    """
    detector = PersonNameDetector(nlp.vocab, model, name, spans_key=spans_key, threshold=threshold,
                                  weights=weights, name_weight=name_weight, scorer=scorer)
    if batch_size is not None:
        warnings.warn(Warnings.W201.format(name=name, setting="batch_size", fate="sets the attribute batch_size "
                                           "(find_names); nlp.pipe(batch_size=...) sets nlp.pipe's batches"),
                      DeprecationWarning)
        detector.batch_size = batch_size
    if n_threads is not None:
        warnings.warn(Warnings.W201.format(name=name, setting="n_threads", fate="ignored: call "
                                           "torch.set_num_threads() once for the process"), DeprecationWarning)
    return detector


class PersonNameDetector(TorchPipe):
    """Tag person names in Docs with a BiGRU over tokens; write them to ``doc.spans``."""

    batch_size = 512  # docs per forward pass of find_names when the caller gives none

    def __init__(self, vocab: Vocab, model: Model, name: str = COMPONENT, *, spans_key: str,
                 threshold: Optional[float], weights: Optional[str], name_weight: float,
                 scorer: Optional[Callable]):
        if threshold is not None:
            _check_threshold(threshold)
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg = {"spans_key": spans_key, "threshold": UNTRAINED_THRESHOLD if threshold is None else threshold,
                    "name_weight": name_weight, "n_vocab": 0, "n_pretrained": 0, "n_members": self.n_members}
        path = resolve_weights(weights, COMPONENT)
        if path is not None and not (path / "cfg").exists():
            raise ValueError(Errors.E200.format(name=name, path=path))
        # the stored threshold is the one chosen for the weights, unless the factory gives one
        self.load_weights(path, COMPONENT, keep=("spans_key",) if threshold is None else ("spans_key", "threshold"))

    # -- readiness / IO hooks ----------------------------------------------------------
    @property
    def is_ready(self) -> bool:
        # n_vocab is set by initialize and by loading weights, both of which build the model
        return int(self.cfg["n_vocab"]) >= 2

    def _set_model_dims_from_cfg(self) -> None:
        for dim, key in (("nV", "n_vocab"), ("nM", "n_members"), ("nP", "n_pretrained")):
            if self.model.has_dim(dim) is not False:  # another architecture may lack some
                self.model.set_dim(dim, int(self.cfg[key]), force=True)
        layer = self._torch_layer()
        stored = self.cfg.get("architecture")
        if layer is not None and stored and {**layer.attrs["hyper"], **stored} != layer.attrs["hyper"]:
            # Weights keep the layer sizes they were trained with, so a to_disk directory
            # loads through `weights` (and name_anonymizer's detector_weights) whatever the
            # configured sizes are.
            reset(layer)
            layer.attrs["hyper"] = {**layer.attrs["hyper"], **stored}

    def _torch_layer(self):
        return self.model.get_ref(TORCH_REF) if self.model.has_ref(TORCH_REF) else None

    def _record_architecture(self) -> None:
        layer = self._torch_layer()
        if layer is not None:
            self.cfg["architecture"] = dict(layer.attrs["hyper"])

    def _after_load(self) -> None:
        for key in _ENGINE_SETTINGS:
            self.cfg.pop(key, None)
        if "architecture" not in self.cfg:  # older weights: they loaded with the configured sizes
            self._record_architecture()

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
        """Tag probabilities (n_tokens_total, 3) for O, B, I (a softmax of the model's logits);
        rows follow the docs' tokens in order."""
        self._require_ready()
        logits = self.model.predict(list(docs))
        return softmax(self.model.ops.to_numpy(logits))

    def find_names(self, docs: Iterable[Doc], *, batch_size: Optional[int] = None,
                   threshold: Optional[float] = None) -> List[List[Span]]:
        """Person-name spans for each Doc, without changing the Docs.

        Spans are sorted and never overlap; their label is ``PERSON``. Batched
        (``batch_size`` docs per forward pass, default the ``batch_size`` attribute).
        """
        self._require_ready()
        threshold = self.threshold if threshold is None else threshold
        _check_threshold(threshold)
        docs = list(docs)
        for i, doc in enumerate(docs):
            if not isinstance(doc, Doc):
                raise ValueError(Errors.E204.format(index=i, type_name=type(doc).__name__))
        size = batch_size or self.batch_size
        out: List[List[Span]] = []
        for start in range(0, len(docs), size):
            batch = docs[start:start + size]
            out.extend(decode_names(batch, self.predict(batch), threshold))
        return out

    def set_annotations(self, docs: Iterable[Doc], probs: np.ndarray) -> None:
        docs = list(docs)
        key = self.spans_key
        for doc, spans in zip(docs, decode_names(docs, probs, self.threshold)):
            doc.spans[key] = spans

    # -- training ------------------------------------------------------------------------
    def _trainable(self, example: Example) -> bool:
        return len(example.predicted) > 0

    def _gold_spans(self, example: Example) -> List[Span]:
        ref = example.reference
        key = self.spans_key
        spans = list(ref.spans[key]) if key in ref.spans else [e for e in ref.ents if e.label_ in PERSON_LABELS]
        return list(example.get_aligned_spans_y2x(spans, allow_overlap=True))

    def _gold_tags(self, examples: Sequence[Example]) -> np.ndarray:
        tags = []
        for eg in examples:
            t = np.full((len(eg.predicted),), O, dtype="int64")
            for span in self._gold_spans(eg):
                t[span.start:span.end] = I
                t[span.start] = B
            tags.append(t)
        return np.concatenate(tags) if tags else np.zeros((0,), dtype="int64")

    def get_loss(self, examples: Iterable[Example], scores) -> Tuple[float, np.ndarray]:
        """Weighted mean token cross-entropy over O/B/I (name tokens weigh ``name_weight``);
        ``scores`` are the model's logits, and the gradient is w.r.t. them."""
        examples = list(examples)
        gold = self._gold_tags(examples)
        scores = self.model.ops.to_numpy(scores)
        if len(gold) == 0:
            return 0.0, np.zeros_like(scores)
        probs = softmax(scores)
        n = len(gold)
        w = np.where(gold == O, 1.0, float(self.cfg["name_weight"]))
        total = w.sum()
        loss = -(w * np.log(np.clip(probs[np.arange(n), gold], 1e-9, None))).sum() / total
        d_scores = probs.copy()
        d_scores[np.arange(n), gold] -= 1.0
        return float(loss), (d_scores * (w / total)[:, None]).astype("float32")

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
        for eg in get_examples():
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
        vocab = build_word_vocab(counts, max_vocab, min_count)
        attrs = self.model.attrs
        attrs["vocab"] = vocab
        attrs["lexicon"] = load_lexicon(lexicon_path, self.name)
        vectors_path = attrs.get("pretrained_vectors_path")
        attrs["vectors"] = load_vectors(vectors_path, self.name) if vectors_path else {}
        self.cfg["n_pretrained"] = int(attrs["vectors"]["q"].shape[1]) if vectors_path else 0
        self.cfg["n_vocab"] = len(vocab) + 2
        self.cfg["n_members"] = self.n_members
        if self.model.has_ref(TORCH_REF):
            # a fresh torch module: initialize() means "start training from scratch"
            reset(self.model.get_ref(TORCH_REF))
        self._record_architecture()  # training uses the configured sizes
        self._set_model_dims_from_cfg()
        self.model.initialize(X=[eg.predicted for eg in islice(get_examples(), 10)])


def _check_threshold(value) -> None:
    if not isinstance(value, (int, float)) or not 0.0 < float(value) < 1.0:
        raise ValueError(Errors.E203.format(value=value))
