"""``surname_nationality``: a character RNN that predicts the nationalities of a name.

Multi-label: every one of the labels gets an independent sigmoid probability,
because many surnames belong to several nationalities (Spanish-speaking
countries, Arabic-speaking countries, Russian/Ukrainian, ...).
"""
import warnings
from contextlib import contextmanager
from itertools import islice
from typing import Callable, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
from spacy import util
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model
from thinc.types import Floats2d

from ..errors import Errors, Warnings
from ..lazy_torch import TORCH_REF, lazy_layer, reset
from ..torch_pipe import TorchPipe
from ..util import PERSON_LABELS
from . import batching
from .batching import BATCH_SIZE, CACHE_SIZE, PredictionCache, Request
from .chars import MAX_DOC_CHARS, doc_text
from .explain import Explanations
from .extensions import install_extensions, prediction_key
from .model import READS_STRINGS, multi_label_loss, name_doc
from .scorer import gold_matrix

default_model_config = """
[model]
@architectures = "spacy-rnn.CharRNNClassifier.v1"
cell = "gru"
embed_size = 32
hidden_size = 64
n_layers = 1
bidirectional = true
dropout = 0.4
embed_dropout = 0.25
ngram_max = 5
ngram_buckets = 65536
ngram_dim = 64
ngram_linear = true
max_len = 32
lowercase = true
nO = null
"""
DEFAULT_MODEL = Config().from_str(default_model_config)["model"]

# factory settings that stay as configured when weights are loaded; the rest of cfg comes with them
CHOSEN_SETTINGS = ("threshold", "spans_key", "extension", "words_weight")
# engine settings older versions kept in the factory config and in the component's cfg
ENGINE_SETTINGS = ("n_threads", "cache_size", "pipe_overlap", "batch_size")


class _Batch(NamedTuple):
    """A batch of docs ready for the model: the names to predict, their name Docs, the name spans."""

    request: Request
    inputs: List[List[Doc]]
    names_per_doc: List[Sequence[Span]]


@Language.factory(
    "surname_nationality",
    assigns=["doc._.nationality", "doc._.nationality_tags", "span._.nationality", "span._.nationality_tags"],
    default_config={
        "model": DEFAULT_MODEL,
        "threshold": 0.3,
        "weights": "bundled",
        "spans_key": None,
        "extension": "nationality",
        "softmax_weight": 1.0,
        "words_weight": 0.33,
        "scorer": {"@scorers": "spacy-rnn.nationality_scorer.v1"},
    },
    default_score_weights={
        "nationality_top1": 0.5,
        "nationality_top3": 0.25,
        "nationality_macro_f": 0.25,
        "nationality_micro_f": None,
        "nationality_per_label": None,
    },
)
def make_surname_nationality(
    nlp: Language,
    name: str,
    model: Model[List[Doc], Floats2d],
    threshold: float,
    weights: Optional[str],
    spans_key: Optional[str],
    extension: str,
    softmax_weight: float,
    words_weight: float,
    scorer: Optional[Callable],
    n_threads: Optional[int] = None,
    cache_size: Optional[int] = None,
    pipe_overlap: Optional[bool] = None,
    batch_size: Optional[int] = None,
) -> "SurnameNationality":
    """Create a surname_nationality component.

    model: a Model[List[Doc], Floats2d] giving one row of per-label probabilities per Doc
        (the default: spacy-rnn.CharRNNClassifier.v1).
    threshold: probability at which a label joins ``._.nationality_tags``.
    weights: "bundled" (the pretrained weights shipped with spacy-rnn), a path
        to a component directory written by ``to_disk``, or null to start
        untrained (``nlp.initialize()`` then learns labels from the data).
    spans_key: read names from ``doc.spans[spans_key]``; when null, the
        PERSON/PER entities of an upstream NER are used.
    extension: base name of the Doc/Span extensions.
    softmax_weight: weight of the auxiliary softmax ranking loss in training.
    words_weight: a name of several words ("Olena Shevchenko") is read as a whole and
        word by word; its probabilities are (1 - words_weight) x the whole's + words_weight
        x the mean of its words'. The network learned from surnames, some of several words
        ("Abu Jaber", "van der Berg"), so the whole keeps most of the weight; 0 reads the
        whole string only. Chosen on dev (see the model card).
    n_threads, cache_size, pipe_overlap, batch_size: deprecated, accepted so that older
        configs load. n_threads is ignored (torch's thread count belongs to the process);
        the others set the component's attributes of the same names.
    """
    pipe = SurnameNationality(nlp.vocab, model, name, threshold=threshold, weights=weights, spans_key=spans_key,
                              extension=extension, softmax_weight=softmax_weight, words_weight=words_weight,
                              scorer=scorer)
    given = {key: value for key, value in zip(ENGINE_SETTINGS, (n_threads, cache_size, pipe_overlap, batch_size))
             if value is not None}
    if given:
        warnings.warn(Warnings.W001.format(name=name, settings=", ".join(given)), DeprecationWarning)
    for key, value in given.items():
        if key != "n_threads":
            setattr(pipe, key, value)
    return pipe


class SurnameNationality(Explanations, TorchPipe):
    """Predict the nationalities of names: whole Docs, and name Spans inside them.

    ``doc._.nationality`` reads the Doc's text as one name (a name-only Doc is
    the intended use; longer texts are read by their last 64 characters). With the
    bundled architecture, text with no letter after ASCII folding (empty, whitespace,
    emoji, a script unidecode cannot fold) gets probability 0 for every label and no tags.
    Each PERSON entity (or span under ``spans_key``) gets ``span._.nationality`` too.
    ``topk``, ``predict_hidden``, ``prediction_history`` and ``plot_prediction_history``
    (explain.py) look inside a prediction.

    Every prediction comes from ``self.model.predict``, one input per distinct folded name of a
    batch: a short Doc is its own; span texts, words of several-word names and the strings
    given to ``predict_proba`` are passed as strings to a model that reads them (the bundled
    architecture does, see ``READS_STRINGS``) and as one-token Docs to any other. A Doc's prediction is stored
    under ``doc.user_data[prediction_key(extension)]``, a Span's in ``span._.{extension}_prediction``.

    Engine attributes (not config): ``cache_size`` (distinct names whose answer is kept, 0 =
    no cache; emptied whenever the weights change), ``pipe_overlap`` (in ``nlp.pipe``, run the
    model on a worker thread one batch ahead; ignored where the process may use one CPU only)
    and ``batch_size`` (names per model call). Torch's thread count is left as the process set it.
    """

    def __init__(self, vocab: Vocab, model: Model, name: str = "surname_nationality", *, threshold: float,
                 weights: Optional[str], spans_key: Optional[str], extension: str, softmax_weight: float,
                 words_weight: float, scorer: Optional[Callable]):
        if not 0.0 <= words_weight <= 1.0:
            raise ValueError(Errors.E010.format(value=words_weight))
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg = {"labels": [], "threshold": round(float(threshold), 6), "spans_key": spans_key,
                    "extension": extension, "softmax_weight": softmax_weight, "words_weight": float(words_weight)}
        self._labels: Tuple[str, ...] = ()
        self._cache = PredictionCache(CACHE_SIZE)
        self.pipe_overlap = True
        self.batch_size = BATCH_SIZE
        install_extensions(extension)
        self.load_weights(weights, "surname_nationality", keep=CHOSEN_SETTINGS)

    # -- labels, settings & readiness ------------------------------------------------
    @property
    def labels(self) -> Tuple[str, ...]:
        return self._labels

    def add_label(self, label: str) -> int:
        if label in self.cfg["labels"]:
            return 0
        self.cfg["labels"].append(label)
        self._labels = tuple(self.cfg["labels"])
        return 1

    @property
    def threshold(self) -> float:
        return self.cfg["threshold"]

    @property
    def cache_size(self) -> int:
        return self._cache.size

    @cache_size.setter
    def cache_size(self, size: int) -> None:
        self._cache.size = int(size)
        self._cache.clear()

    def _set_model_dims_from_cfg(self) -> None:
        n_labels = len(self.cfg["labels"])
        if self.model.has_ref(TORCH_REF):
            # Weights being loaded may have another label count than a module built
            # earlier (e.g. bundled weights, then a saved 5-label pipeline): rebuild.
            layer = lazy_layer(self.model)
            reset(layer)
            layer.set_dim("nO", n_labels, force=True)
        if self.model.has_dim("nO") is not False:
            self.model.set_dim("nO", n_labels, force=True)

    def _after_load(self) -> None:
        self._cache.clear()
        self._labels = tuple(self.cfg["labels"])
        # float32 round trips left 0.30000000000000004 in older saved cfgs
        self.cfg["threshold"] = round(float(self.cfg["threshold"]), 6)
        for key in ENGINE_SETTINGS:  # attributes now, not what the weights learned
            self.cfg.pop(key, None)

    # -- the spaCy pipe API ------------------------------------------------------------
    def _names_of(self, doc: Doc) -> Sequence[Span]:
        # A doc without names gets the shared empty tuple, not a new list: thousands of
        # short-lived lists per batch would be promoted by the garbage collector and
        # trigger extra full collections over every Doc the caller keeps (measured).
        key = self.cfg["spans_key"]
        if key:
            return tuple(doc.spans[key]) if key in doc.spans else ()
        ents = doc.ents
        return tuple(ent for ent in ents if ent.label_ in PERSON_LABELS) if ents else ()

    def predict(self, docs: Iterable[Doc]):
        """Probabilities for each doc's text and for every name span of the docs, in order,
        and the name spans of each doc (so set_annotations need not look them up again)."""
        docs = list(docs)
        batch = self._batch(docs)
        return self._scores(docs, batch, self._run(batch))

    def _batch(self, docs: List[Doc]) -> _Batch:
        """The work before the model for a batch of docs: each doc's text, then every name span's."""
        self._require_ready()
        texts = [doc_text(doc) for doc in docs]
        keys = [text[-MAX_DOC_CHARS:] for text in texts]
        names_per_doc = [self._names_of(doc) for doc in docs]
        span_texts = [span.text for names in names_per_doc for span in names]
        request = self._prepare(keys + span_texts)
        if self.model.attrs.get(READS_STRINGS):
            inputs = [strings for strings, _ in request.batches]
        else:
            # a doc no longer than what is read is its own name Doc
            own = {key: doc for key, text, doc in zip(keys, texts, docs) if len(key) == len(text)}
            inputs = [[own[source] if source in own else name_doc(self.vocab, string)
                       for string, source in zip(strings, sources)] for strings, sources in request.batches]
        return _Batch(request, inputs, names_per_doc)

    def _run(self, batch: _Batch) -> List[np.ndarray]:
        """The model's rows for a batch: the one step ``pipe`` runs on its worker thread."""
        return [self._predict_docs(docs) for docs in batch.inputs]

    def _predict_docs(self, docs: List[Doc]) -> np.ndarray:
        self._require_ready()
        return self.model.ops.to_numpy(self.model.predict(docs))

    def _scores(self, docs: List[Doc], batch: _Batch, outputs: List[np.ndarray]):
        probs = self._answer(batch.request, outputs)
        return probs[: len(docs)], probs[len(docs):], batch.names_per_doc

    def set_annotations(self, docs: Iterable[Doc], scores) -> None:
        doc_probs, span_probs, names_per_doc = scores
        extension = self.cfg["extension"]
        store, doc_key = f"{extension}_prediction", prediction_key(extension)
        labels, threshold = self._labels, self.threshold
        j = 0
        for doc, row, names in zip(docs, doc_probs, names_per_doc):
            doc.user_data[doc_key] = (labels, row, threshold)
            for span in names:
                span._.set(store, (labels, span_probs[j], threshold))
                j += 1

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 2048) -> Iterator[Doc]:
        """Annotate a stream of docs, in order, in batches of ``batch_size`` docs.

        With ``pipe_overlap`` only ``self.model.predict`` runs on the worker thread
        (``batching.overlapped``); names are collected, looked up in the cache and written
        here. A failing batch goes to the pipeline's error handler, as in ``TrainablePipe.pipe``.
        """
        install_extensions(self.cfg["extension"])
        if not self._overlap():
            yield from super().pipe(stream, batch_size=batch_size)
            return
        error_handler = self.get_error_handler()
        yield from batching.overlapped(util.minibatch(stream, size=batch_size), self._batch, self._run,
                                       self._annotated, lambda docs, e: error_handler(self.name, self, docs, e),
                                       thread_name=f"spacy-rnn-{self.name}")

    def _annotated(self, docs: List[Doc], batch: _Batch, outputs: List[np.ndarray]) -> List[Doc]:
        self.set_annotations(docs, self._scores(docs, batch, outputs))
        return docs

    def __call__(self, doc: Doc) -> Doc:
        install_extensions(self.cfg["extension"])
        self.set_annotations([doc], self.predict([doc]))
        return doc

    # -- training --------------------------------------------------------------------
    def _trainable(self, example: Example) -> bool:
        return bool(example.reference.cats)

    def finish_update(self, sgd) -> None:
        """Apply the update; cached predictions belong to the old weights."""
        super().finish_update(sgd)
        self._cache.clear()

    @contextmanager
    def use_params(self, params: dict):
        """Predict with other parameters (e.g. averages) inside the block; the cache follows."""
        self._cache.clear()
        with self.model.use_params(params):
            yield
        self._cache.clear()

    def get_loss(self, examples: Iterable[Example], scores: np.ndarray) -> Tuple[float, np.ndarray]:
        """``multi_label_loss`` of the model's probabilities against the examples' cats."""
        gold = gold_matrix([eg.reference for eg in examples], self._labels)
        return multi_label_loss(scores, gold, self.cfg["softmax_weight"])

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None,
                   labels: Optional[Sequence[str]] = None) -> None:
        """Collect the labels from the examples' ``cats`` (or take ``labels``) and build a fresh model."""
        validate_get_examples(get_examples, "SurnameNationality.initialize")
        if labels is None:
            found = set()
            for eg in get_examples():
                found.update(lab for lab, val in eg.reference.cats.items() if val > 0.5)
            labels = sorted(found)
        if not labels:
            raise ValueError(Errors.E005.format(name=self.name))
        self.cfg["labels"] = list(labels)
        self._labels = tuple(labels)
        self._cache.clear()
        # A fresh torch module: initialize() means "start training from scratch".
        self._set_model_dims_from_cfg()
        self.model.initialize(X=[eg.predicted for eg in islice(get_examples(), 10)])

    # -- plain strings -------------------------------------------------------------------
    def predict_proba(self, names: Iterable[str], batch_size: Optional[int] = None) -> np.ndarray:
        """Probabilities (n_names, n_labels) for plain strings, batched, no Docs needed.

        Columns follow ``self.labels``. Raises ValueError naming the first item
        that is not a str. Each distinct name goes through the model once per
        call (and once while it stays in the cache, see ``cache_size``).
        """
        request = self._prepare(batching.check_names(names), batch_size)
        outputs = batching.run_batches(request.batches, self._string_inputs, self._predict_docs)
        return self._answer(request, outputs)

    def _string_inputs(self, batch: Tuple[List[str], List[Optional[str]]]) -> List[Union[Doc, str]]:
        if self.model.attrs.get(READS_STRINGS):
            return batch[0]
        return [name_doc(self.vocab, string) for string in batch[0]]

    def _overlap(self) -> bool:
        return self.pipe_overlap and batching.overlap_helps()

    def _prepare(self, names: List[str], batch_size: Optional[int] = None) -> Request:
        return batching.prepare(names, len(self._labels), self._cache, self.cfg["words_weight"],
                                batch_size or self.batch_size)

    def _answer(self, request: Request, outputs: List[np.ndarray]) -> np.ndarray:
        return batching.answer(request, outputs, self._cache, self.cfg["words_weight"])
