"""``surname_nationality``: a character RNN that predicts the nationalities of a name.

Multi-label: every one of the labels gets an independent sigmoid probability,
because many surnames belong to several nationalities (Spanish-speaking
countries, Arabic-speaking countries, Russian/Ukrainian, ...).
"""
import os
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice
from typing import Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import torch
from spacy import util
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model

from ..architectures import rnn_layer
from ..errors import Errors
from ..extensions import install_extensions
from ..layers.lazy_torch import torch_module
from ..text import encode_names, fold_name, has_letters
from ..threads import torch_threads
from ._base import TorchPipe, resolve_weights

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
"""
DEFAULT_MODEL = Config().from_str(default_model_config)["model"]

# Cap on the text a doc-level prediction reads: the last characters carry the surname.
MAX_DOC_CHARS = 64
PERSON_LABELS = ("PERSON", "PER")
# cfg keys that configure how predictions are used, not what the model learned
RUNTIME_SETTINGS = ("threshold", "spans_key", "extension", "batch_size", "n_threads", "cache_size", "words_weight",
                    "pipe_overlap")


@Language.factory(
    "surname_nationality",
    assigns=["doc._.nationality", "doc._.nationality_tags", "span._.nationality", "span._.nationality_tags"],
    default_config={
        "model": DEFAULT_MODEL,
        "threshold": 0.3,
        "weights": "bundled",
        "spans_key": None,
        "extension": "nationality",
        "batch_size": 4096,
        "softmax_weight": 1.0,
        "n_threads": 1,
        "cache_size": 50000,
        "words_weight": 0.33,
        "pipe_overlap": True,
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
    model: Model,
    *,
    threshold: float,
    weights: Optional[str],
    spans_key: Optional[str],
    extension: str,
    batch_size: int,
    softmax_weight: float,
    n_threads: int,
    cache_size: int,
    words_weight: float,
    pipe_overlap: bool,
    scorer: Optional[Callable],
) -> "SurnameNationality":
    """Create a surname_nationality component.

    threshold: probability at which a label joins ``._.nationality_tags``.
    weights: "bundled" (the pretrained weights shipped with spacy-rnn), a path
        to a component directory written by ``to_disk``, or null to start
        untrained (``nlp.initialize()`` then learns labels from the data).
    spans_key: read names from ``doc.spans[spans_key]``; when null, the
        PERSON/PER entities of an upstream NER are used.
    extension: base name of the Doc/Span extensions.
    batch_size: names per forward pass in ``pipe``/``predict_proba``.
    softmax_weight: weight of the auxiliary softmax ranking loss in training.
    n_threads: torch threads while predicting (0 = leave torch's setting alone);
        1 is fastest on small shared machines, see spacy_rnn/threads.py.
    cache_size: how many distinct names keep their prediction in memory (0 =
        no cache). Names repeat a lot in real text, and like spaCy's tokenizer
        cache this skips the network for a name seen before; the cache is
        emptied whenever the weights change (update, initialize, loading).
    words_weight: a name of several words ("Olena Shevchenko") is read as a whole and
        word by word; its probabilities are (1 - words_weight) x the whole's + words_weight
        x the mean of its words'. The network learned from surnames, some of several words
        ("Abu Jaber", "van der Berg"), so the whole keeps most of the weight; 0 reads the
        whole string only. Chosen on dev (see the model card).
    pipe_overlap: in ``nlp.pipe``, run the network on a worker thread one batch ahead,
        while spaCy tokenizes (and earlier components annotate) the next batch. Same
        results; on a machine with a free second core most of the network's time is hidden.
        Ignored when the process may use only one CPU.
    """
    return SurnameNationality(nlp.vocab, model, name, threshold=threshold, weights=weights,
                              spans_key=spans_key, extension=extension, batch_size=batch_size,
                              softmax_weight=softmax_weight, n_threads=n_threads, cache_size=cache_size,
                              words_weight=words_weight, pipe_overlap=pipe_overlap, scorer=scorer)


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one, e.g. a container
    limited to one core), which decides whether ``pipe_overlap`` can help."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _doc_text(doc: Doc) -> str:
    """``doc.text``; a one-token Doc (the usual one-name input) reads its token directly,
    about twice as fast as spaCy's join over the tokens (the text is the same)."""
    return doc[0].text_with_ws if len(doc) == 1 else doc.text


class _Request(NamedTuple):
    """``predict_proba``'s work before the network, for the network and for after it."""

    inverse: np.ndarray  # the row of ``probs`` for each name asked for
    probs: np.ndarray  # one row per distinct name, the cached ones filled in
    missing: Sequence[int]  # the rows the network fills
    names: List[str]  # their names
    folded: List[str]  # ... folded
    words: Dict[int, List[str]]  # position in ``missing`` -> the words of a several-word name
    rows: Dict[str, int]  # folded string or word -> its row in the network's output
    batches: List[Tuple[torch.Tensor, torch.Tensor]]  # what the network reads: (ids, lengths)


class SurnameNationality(TorchPipe):
    """Predict the nationalities of names: whole Docs, and name Spans inside them.

    ``doc._.nationality`` reads the Doc's text as one name (a name-only Doc is
    the intended use; longer texts are read by their last 64 characters). Text
    with no letter after ASCII folding (empty, whitespace, emoji, a script
    unidecode cannot fold) gets probability 0 for every label and no tags.
    Each PERSON entity (or span under ``spans_key``) gets ``span._.nationality`` too.
    """

    def __init__(self, vocab: Vocab, model: Model, name: str = "surname_nationality", *,
                 threshold: float = 0.3, weights: Optional[str] = "bundled", spans_key: Optional[str] = None,
                 extension: str = "nationality", batch_size: int = 4096, softmax_weight: float = 1.0,
                 n_threads: int = 1, cache_size: int = 50000, words_weight: float = 0.33,
                 pipe_overlap: bool = True, scorer: Optional[Callable] = None):
        if not 0.0 <= words_weight <= 1.0:
            raise ValueError(Errors.E010.format(value=words_weight))
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg = {"labels": [], "threshold": round(float(threshold), 6), "spans_key": spans_key,
                    "extension": extension, "batch_size": batch_size, "softmax_weight": softmax_weight,
                    "n_threads": n_threads, "cache_size": cache_size, "words_weight": float(words_weight),
                    "pipe_overlap": bool(pipe_overlap)}
        self._labels: Tuple[str, ...] = ()
        # name -> probability row; valid only for the current weights
        self._cache: Dict[str, np.ndarray] = {}
        install_extensions(extension)
        weights_path = resolve_weights(weights, "surname_nationality")
        if weights_path is not None:
            # The weights bring their labels; runtime settings stay as configured here.
            runtime = {key: self.cfg[key] for key in RUNTIME_SETTINGS}
            self.from_disk(weights_path)
            self.cfg.update(runtime)

    # -- labels & readiness ----------------------------------------------------
    @property
    def labels(self) -> Tuple[str, ...]:
        return self._labels

    def add_label(self, label: str) -> int:
        if label in self.cfg["labels"]:
            return 0
        self.cfg["labels"].append(label)
        self._labels = tuple(self.cfg["labels"])
        return 1

    def _set_model_dims_from_cfg(self) -> None:
        # Weights being loaded may have another label count than a module built
        # earlier (e.g. bundled weights, then a saved 5-label pipeline): rebuild.
        layer = rnn_layer(self.model)
        layer._layers = []
        for model in (layer, self.model):  # the outer chain copies nO from its last layer
            model.set_dim("nO", len(self.cfg["labels"]), force=True)

    def _after_load(self) -> None:
        self._cache.clear()
        self._labels = tuple(self.cfg["labels"])
        # float32 round trips left 0.30000000000000004 in older saved cfgs
        self.cfg["threshold"] = round(float(self.cfg["threshold"]), 6)

    @property
    def threshold(self) -> float:
        return self.cfg["threshold"]

    # -- the spaCy pipe API ------------------------------------------------------
    def _names_of(self, doc: Doc) -> Sequence[Span]:
        # A doc without names gets the shared empty tuple, not a new list: thousands of
        # short-lived lists per batch would be promoted by the garbage collector and
        # trigger extra full collections over every Doc the caller keeps (measured).
        key = self.cfg.get("spans_key")
        if key:
            return tuple(doc.spans[key]) if key in doc.spans else ()
        ents = doc.ents
        return tuple(ent for ent in ents if ent.label_ in PERSON_LABELS) if ents else ()

    def predict(self, docs: Iterable[Doc]):
        """Probabilities for each doc's text and for every name span of the docs, in order,
        and the name spans of each doc (so set_annotations need not look them up again)."""
        texts, n_docs, names_per_doc = self._texts_of(docs)
        return self._scores(self.predict_proba(texts), n_docs, names_per_doc)

    def _texts_of(self, docs: Iterable[Doc]):
        """The strings ``predict`` scores: each doc's text, then every name span's."""
        self._require_ready()
        docs = list(docs)
        doc_texts = [_doc_text(doc)[-MAX_DOC_CHARS:] for doc in docs]
        names_per_doc = [self._names_of(doc) for doc in docs]
        span_texts = [span.text for names in names_per_doc for span in names]
        return doc_texts + span_texts, len(docs), names_per_doc

    @staticmethod
    def _scores(probs: np.ndarray, n_docs: int, names_per_doc):
        return probs[:n_docs], probs[n_docs:], names_per_doc

    def set_annotations(self, docs: Iterable[Doc], scores) -> None:
        doc_probs, span_probs, names_per_doc = scores
        store = f"{self.cfg['extension']}_prediction"
        # The key Doc._ writes under (spacy.tokens.underscore.Underscore._get_key); writing
        # user_data directly skips building an Underscore object per doc, a measurable
        # share of nlp.pipe over one-name docs. test_doc_prediction_store_key guards it.
        doc_key = ("._.", store, None, None)
        labels, threshold = self._labels, self.threshold
        j = 0
        for doc, row, names in zip(docs, doc_probs, names_per_doc):
            doc.user_data[doc_key] = (labels, row, threshold)
            for span in names:
                span._.set(store, (labels, span_probs[j], threshold))
                j += 1

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 2048) -> Iterator[Doc]:
        """Annotate a stream of docs, in order, in batches of at least ``cfg["batch_size"]``.

        With ``pipe_overlap`` the network scores batch k on a worker thread while this thread
        pulls batch k+1 from the stream, which is where spaCy tokenizes and earlier components
        run. The worker only runs ``_run_network`` on encoded tensors: for the bundled one-layer
        GRU one compiled call per batch that holds no GIL (``layers.char_rnn.compiled``), so on
        a free second core the two run side by side. Texts and spans are read, folded and
        encoded here, annotations written here. A failing batch goes to the pipeline's error
        handler, as in ``TrainablePipe.pipe``.
        """
        install_extensions(self.cfg["extension"])
        size = max(batch_size, self.cfg["batch_size"])
        if not self.cfg.get("pipe_overlap", True) or usable_cpus() < 2:
            # on one core the worker would only take turns with this thread (measured 2-3 % slower)
            yield from super().pipe(stream, batch_size=size)
            return
        error_handler = self.get_error_handler()
        # one worker per call, not per component: a pipeline forked by nlp.pipe(n_process=...)
        # must not inherit an executor whose thread exists only in the parent
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"spacy-rnn-{self.name}") as worker:
            pending = None
            for docs in util.minibatch(stream, size=size):
                try:
                    texts, n_docs, names_per_doc = self._texts_of(docs)
                    request = self._request(texts, size)
                    future = worker.submit(self._run_network, request.batches)
                except Exception as e:
                    error_handler(self.name, self, docs, e)
                    continue
                if pending is not None:
                    yield from self._annotated(*pending, error_handler)
                pending = (docs, request, future, n_docs, names_per_doc)
            if pending is not None:
                yield from self._annotated(*pending, error_handler)

    def _annotated(self, docs: List[Doc], request: _Request, future: Future, n_docs: int, names_per_doc,
                   error_handler) -> List[Doc]:
        """The docs of one batch once the worker's logits are in, annotated; none if the
        batch failed and the error handler let it pass."""
        try:
            probs = self._answer(request, future.result())
            self.set_annotations(docs, self._scores(probs, n_docs, names_per_doc))
        except Exception as e:
            error_handler(self.name, self, docs, e)
            return []
        return docs

    def __call__(self, doc: Doc) -> Doc:
        install_extensions(self.cfg["extension"])
        self.set_annotations([doc], self.predict([doc]))
        return doc

    # -- training --------------------------------------------------------------------
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

    def _gold_matrix(self, examples: Sequence[Example]) -> np.ndarray:
        index = {lab: i for i, lab in enumerate(self._labels)}
        gold = np.zeros((len(examples), len(index)), dtype="float32")
        for i, eg in enumerate(examples):
            for lab, val in eg.reference.cats.items():
                if lab in index and val > 0.5:
                    gold[i, index[lab]] = 1.0
        return gold

    def get_loss(self, examples: Iterable[Example], scores: np.ndarray) -> Tuple[float, np.ndarray]:
        """Binary cross-entropy over all labels, plus ``softmax_weight`` times a
        softmax cross-entropy towards the uniform distribution over the gold
        label set (it sharpens the ranking that top-1 is judged on, while the
        sigmoid outputs stay per-label probabilities). The returned gradient
        is with respect to the logits (see the architecture's output converter).
        """
        examples = list(examples)
        gold = self._gold_matrix(examples)
        n = len(examples)
        probs = np.clip(scores, 1e-7, 1 - 1e-7)
        loss = -(gold * np.log(probs) + (1 - gold) * np.log(1 - probs)).sum(axis=1).mean()
        d_logits = scores - gold
        weight = self.cfg.get("softmax_weight", 0.0)
        has_gold = gold.sum(axis=1, keepdims=True)
        if weight and has_gold.all():
            logits = np.log(probs) - np.log1p(-probs)
            logits -= logits.max(axis=1, keepdims=True)
            soft = np.exp(logits)
            soft /= soft.sum(axis=1, keepdims=True)
            target = gold / has_gold
            loss += weight * float(-(target * np.log(np.clip(soft, 1e-12, None))).sum(axis=1).mean())
            d_logits = d_logits + weight * (soft - target)
        return float(loss), (d_logits / n).astype("float32")

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd=None,
               losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
        """One step of training on name Docs whose gold labels are in ``reference.cats``."""
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        examples = [eg for eg in examples if eg.reference.cats]
        if not examples:
            return losses
        self._require_ready()
        texts = [fold_name(eg.predicted.text[-MAX_DOC_CHARS:]) for eg in examples]
        scores, backprop = self.model.begin_update(texts)
        loss, d_scores = self.get_loss(examples, scores)
        backprop(d_scores)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

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
        sample = [fold_name(eg.predicted.text) for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample)

    # -- batch API and explanations ---------------------------------------------------
    def _torch(self):
        self._require_ready()
        return torch_module(rnn_layer(self.model))

    def _encode(self, names: Sequence[str]):
        return self._encode_folded([fold_name(n) for n in names])

    def _encode_folded(self, folded: Sequence[str]):
        attrs = self.model.layers[0].attrs
        ids, lengths = encode_names(folded, attrs["max_len"], attrs["lowercase"])
        return torch.as_tensor(ids), torch.as_tensor(lengths)

    def predict_proba(self, names: Iterable[str], batch_size: Optional[int] = None) -> np.ndarray:
        """Probabilities (n_names, n_labels) for plain strings, batched, no Docs needed.

        Columns follow ``self.labels``. Raises ValueError naming the first item
        that is not a str. Each distinct name goes through the network once per
        call (and once while it stays in the cache, see ``cache_size``).
        """
        request = self._request(names, batch_size or self.cfg["batch_size"])
        return self._answer(request, self._run_network(request.batches))

    def _request(self, names: Iterable[str], batch_size: int) -> _Request:
        """Everything ``predict_proba`` does before the network: check the items, keep each
        distinct name once, take the cached ones, fold the rest, split several-word names
        into their words (``words_weight``) and encode what the network must read."""
        if isinstance(names, str):
            names = [names]
        names = list(names)
        if not all(isinstance(item, str) for item in names):
            i, item = next((i, item) for i, item in enumerate(names) if not isinstance(item, str))
            raise ValueError(Errors.E001.format(index=i, value=item, type_name=type(item).__name__))
        # Per-name work runs in C (dict.fromkeys, map); the Python loops below are per distinct name.
        distinct = list(dict.fromkeys(names))
        position = {name: j for j, name in enumerate(distinct)}
        inverse = np.fromiter(map(position.__getitem__, names), dtype=np.intp, count=len(names))
        probs = np.empty((len(distinct), len(self._labels)), dtype="float32")
        missing: Sequence[int] = range(len(distinct))
        if self.cfg.get("cache_size"):
            cached = [self._cache.get(name) for name in distinct]
            hits = [j for j, row in enumerate(cached) if row is not None]
            if hits:
                probs[hits] = np.stack([cached[j] for j in hits])
                missing = [j for j, row in enumerate(cached) if row is None]
        folded = [fold_name(distinct[j]) for j in missing]
        # folding squeezes whitespace to single spaces (and may split: "王小明" -> "Wang Xiao Ming");
        # words with no letter ("&", "-", emoji) say nothing about a nationality
        words: Dict[int, List[str]] = {}
        if self.cfg.get("words_weight", 0.0):
            for i, name in enumerate(folded):
                if " " in name:
                    parts = [w for w in name.split(" ") if any(c.isalpha() for c in w)]
                    if len(parts) > 1:
                        words[i] = parts
        # each folded string runs once ("Çetin" and "Cetin" are one row), words included
        to_run = list(dict.fromkeys(folded + [w for parts in words.values() for w in parts]))
        batches = [self._encode_folded(to_run[start:start + batch_size])
                   for start in range(0, len(to_run), batch_size)]
        return _Request(inverse, probs, missing, [distinct[j] for j in missing], folded, words,
                        {n: k for k, n in enumerate(to_run)}, batches)

    def _run_network(self, batches: Sequence[Tuple[torch.Tensor, torch.Tensor]]) -> List[torch.Tensor]:
        """The network's logits for each encoded batch. The only step of ``predict_proba`` that
        ``pipe`` runs on its worker thread: no spaCy objects, no Python work per name, and for
        the bundled one-layer GRU a single compiled call per batch that holds no GIL."""
        if not batches:
            return []
        module = self._torch()
        module.eval()
        with torch.inference_mode(), torch_threads(self.cfg.get("n_threads", 0)):
            return [module(ids, lengths) for ids, lengths in batches]

    def _answer(self, request: _Request, logits: Sequence[torch.Tensor]) -> np.ndarray:
        """Everything ``predict_proba`` does after the network: probabilities, the no-letter
        rule, several-word names, the cache, and one row per name asked for."""
        probs = request.probs
        if logits:
            with torch.inference_mode():
                network = np.concatenate([torch.sigmoid(batch).numpy() for batch in logits])
            # No letters after folding (empty, emoji, unfoldable scripts): no name,
            # so no nationality: every probability is 0 and there are no tags.
            network[~np.concatenate([has_letters(ids.numpy()) for ids, _ in request.batches])] = 0.0
            rows = request.rows
            new_probs = network[[rows[name] for name in request.folded]]
            weight = self.cfg.get("words_weight", 0.0)
            for i, parts in request.words.items():
                new_probs[i] = (1.0 - weight) * new_probs[i] + weight * network[[rows[w] for w in parts]].mean(axis=0)
            probs[request.missing] = new_probs
            if self.cfg.get("cache_size"):
                new_names = request.names
                if len(self._cache) + len(new_names) > self.cfg["cache_size"]:
                    self._cache.clear()
                self._cache.update(zip(new_names[: self.cfg["cache_size"]], new_probs))
        return probs[request.inverse]

    def topk(self, name: str, k: int = 3) -> pd.DataFrame:
        """The k most probable nationalities: rank, text, nationality, log_prob, likelihood."""
        if not isinstance(k, int) or k < 1:
            raise ValueError(Errors.E006.format(k=k))
        probs = self.predict_proba([name])[0]
        order = np.argsort(-probs)[:k]
        return pd.DataFrame({
            "rank": np.arange(1, len(order) + 1),
            "text": [name] * len(order),
            "nationality": [self._labels[i] for i in order],
            "log_prob": np.log(np.clip(probs[order], 1e-12, None)),
            "likelihood": probs[order],
        })

    def predict_hidden(self, name: str) -> np.ndarray:
        """The final hidden state of the top recurrent layer (all directions concatenated)."""
        module = self._torch()
        module.eval()
        ids, lengths = self._encode([name])
        with torch.inference_mode():
            encoded = module.encode(ids, lengths)[0]
        return encoded[: module.n_dirs * module.rnn.hidden_size].numpy().copy()

    def prediction_history(self, name: str) -> pd.DataFrame:
        """How the prediction evolves letter by letter: one row per prefix of the folded name."""
        if not isinstance(name, str):
            raise ValueError(Errors.E001.format(index=0, value=name, type_name=type(name).__name__))
        folded = fold_name(name)[-self.model.layers[0].attrs["max_len"]:]
        prefixes = [folded[: i + 1] for i in range(len(folded))] or [""]
        probs = self.predict_proba(prefixes)
        top = probs.argmax(axis=1)
        second = np.argsort(-probs, axis=1)[:, 1] if probs.shape[1] > 1 else top
        return pd.DataFrame({
            "position": np.arange(1, len(prefixes) + 1),
            "prefix": prefixes,
            "nationality": [self._labels[i] for i in top],
            "probability": probs[np.arange(len(prefixes)), top],
            "runner_up": [self._labels[i] for i in second],
            "runner_up_probability": probs[np.arange(len(prefixes)), second],
        })

    def plot_prediction_history(self, name: str, path=None, k: int = 4):
        """Line chart of the k finally most probable labels, prefix by prefix.

        Returns the matplotlib Figure; with ``path`` also saves it (PNG, SVG...).
        Needs matplotlib (``pip install spacy-rnn[plot]``).
        """
        import matplotlib

        if path is not None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        folded = fold_name(name)[-self.model.layers[0].attrs["max_len"]:] or " "
        prefixes = [folded[: i + 1] for i in range(len(folded))]
        probs = self.predict_proba(prefixes)
        top = np.argsort(-probs[-1])[:k]
        fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(prefixes) + 2), 3.6))
        for j in top:
            ax.plot(range(len(prefixes)), probs[:, j], marker="o", label=self._labels[j])
        ax.set_xticks(range(len(prefixes)), list(folded))
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability")
        ax.set_title(f"{name!s}: prediction letter by letter")
        ax.axhline(self.threshold, color="grey", linestyle=":", linewidth=1)
        ax.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=110)
        return fig
