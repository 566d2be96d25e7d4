"""The work around the model's predictions of names: each distinct name once, a cache of
recent answers, names of several words read whole and word by word, and the worker thread
that runs the model a batch ahead in ``nlp.pipe``. No spaCy objects: the component turns the
strings to run into model inputs and runs the model.
"""
import gc
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple, TypeVar

import numpy as np

from ..errors import Errors
from ..text import fold_name

# names per model call: bounds the memory of one forward pass
BATCH_SIZE = 4096
# distinct names whose answer is kept; names repeat a lot in real text, and like spaCy's
# tokenizer cache this skips the model for a name seen before
CACHE_SIZE = 50_000

B = TypeVar("B")
P = TypeVar("P")
R = TypeVar("R")


class PredictionCache(dict):
    """name -> probability row, valid for the current weights only; emptied when it would
    outgrow ``size`` (0: no cache)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size


class Request(NamedTuple):
    """One ``predict_proba``'s work: what ``prepare`` found, and what the model must read."""

    inverse: np.ndarray  # the row of ``probs`` for each name asked for
    probs: np.ndarray  # one row per distinct name, the cached ones filled in
    missing: Sequence[int]  # the rows the model fills
    names: List[str]  # their names
    folded: List[str]  # ... folded
    words: Dict[int, List[str]]  # position in ``missing`` -> the words of a several-word name
    rows: Dict[str, int]  # folded string or word -> its row in the model's output
    # per model call: the folded names and words to run, and for each the name it was folded
    # from (None for a word)
    batches: List[Tuple[List[str], List[Optional[str]]]]


def check_names(names: Iterable[str]) -> List[str]:
    """``names`` as a list of str (one str is one name); ValueError naming the first other item."""
    if isinstance(names, str):
        return [names]
    names = list(names)
    if not all(isinstance(item, str) for item in names):
        i, item = next((i, item) for i, item in enumerate(names) if not isinstance(item, str))
        raise ValueError(Errors.E001.format(index=i, value=item, type_name=type(item).__name__))
    return names


def prepare(names: List[str], n_labels: int, cache: PredictionCache, words_weight: float,
            batch_size: int) -> Request:
    """Everything before the model: keep each distinct name once, take the cached ones, fold
    the rest, split several-word names into their words (``words_weight``), and cut what is
    left to run into batches of ``batch_size``."""
    # Per-name work runs in C (dict.fromkeys, map); the Python loops below are per distinct name.
    distinct = list(dict.fromkeys(names))
    position = {name: j for j, name in enumerate(distinct)}
    inverse = np.fromiter(map(position.__getitem__, names), dtype=np.intp, count=len(names))
    probs = np.empty((len(distinct), n_labels), dtype="float32")
    missing: Sequence[int] = range(len(distinct))
    if cache.size:
        cached = [cache.get(name) for name in distinct]
        hits = [j for j, row in enumerate(cached) if row is not None]
        if hits:
            probs[hits] = np.stack([cached[j] for j in hits])
            missing = [j for j, row in enumerate(cached) if row is None]
    new_names = [distinct[j] for j in missing]
    folded = [fold_name(name) for name in new_names]
    # folding squeezes whitespace to single spaces (and may split: "王小明" -> "Wang Xiao Ming");
    # words with no letter ("&", "-", emoji) say nothing about a nationality
    words: Dict[int, List[str]] = {}
    if words_weight:
        for i, name in enumerate(folded):
            if " " in name:
                parts = [w for w in name.split(" ") if any(c.isalpha() for c in w)]
                if len(parts) > 1:
                    words[i] = parts
    # each folded string runs once ("Çetin" and "Cetin" are one row), words included
    sources: Dict[str, Optional[str]] = dict(zip(reversed(folded), reversed(new_names)))
    to_run = list(dict.fromkeys(folded + [w for parts in words.values() for w in parts]))
    from_names = [sources.get(string) for string in to_run]
    batches = [(to_run[start:start + batch_size], from_names[start:start + batch_size])
               for start in range(0, len(to_run), batch_size)]
    return Request(inverse, probs, missing, new_names, folded, words, {s: k for k, s in enumerate(to_run)}, batches)


def answer(request: Request, outputs: Sequence[np.ndarray], cache: PredictionCache, words_weight: float) -> np.ndarray:
    """Everything after the model: several-word names mixed with their words, the cache
    filled, and one row per name asked for."""
    probs = request.probs
    if outputs:
        predicted = np.concatenate(outputs)
        rows = request.rows
        new_probs = predicted[[rows[name] for name in request.folded]]
        for i, parts in request.words.items():
            new_probs[i] = ((1.0 - words_weight) * new_probs[i]
                            + words_weight * predicted[[rows[w] for w in parts]].mean(axis=0))
        probs[request.missing] = new_probs
        if cache.size:
            new_names = request.names
            if len(cache) + len(new_names) > cache.size:
                cache.clear()
            cache.update(zip(new_names[: cache.size], new_probs))
    return probs[request.inverse]


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector inside the block (as ``timeit`` does).

    For objects that are made and dropped inside the block and hold no reference cycles, such
    as the one-token Docs of a model call: reference counting frees them, and the collector,
    which would otherwise walk their containers several times over while a batch of thousands
    is alive, has nothing to find (measured: it doubled the time of ``predict_proba``).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one, e.g. a container
    limited to one core), which decides whether a worker thread can help."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def overlap_helps() -> bool:
    # on one core the worker would only take turns with this thread (measured 2-3 % slower)
    return usable_cpus() >= 2


def run_batches(batches: Sequence[B], make_inputs: Callable[[B], P], predict: Callable[[P], R]) -> List[R]:
    """``predict(make_inputs(batch))`` for each batch, in order. Each batch's inputs are
    dropped once its prediction is in, and the garbage collector is paused meanwhile
    (``gc_paused``: the inputs are Docs, many small containers without reference cycles).
    No worker thread here: making the Docs holds the GIL, so the model's Python steps on a
    worker would wait for it (measured slower on a busy machine, ~8 % faster on an idle one)."""
    with gc_paused():
        return [predict(make_inputs(batch)) for batch in batches]


def overlapped(batches: Iterable[B], prepare_batch: Callable[[B], P], run: Callable[[P], R],
               finish: Callable[[B, P, R], List], on_error: Callable[[B, Exception], None],
               thread_name: str) -> Iterator:
    """``finish(batch, prepare_batch(batch), run(prepared))`` for each batch, in order, with
    ``run`` on a worker thread one batch ahead: while it runs batch k, this thread pulls batch
    k+1 from ``batches`` (in ``nlp.pipe``: spaCy tokenizes, earlier components annotate) and
    prepares it. Worth it when ``run`` releases the GIL: the bundled model reads its Docs' texts
    (a little Python), then makes one compiled torch call that holds no GIL, so on a free second
    core the two threads run side by side. A batch that fails goes to ``on_error`` and yields nothing.
    """
    # one worker per call: a pipeline forked by nlp.pipe(n_process=...) must not inherit an
    # executor whose thread exists only in the parent
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name) as worker:
        pending = None
        for batch in batches:
            try:
                prepared = prepare_batch(batch)
                future = worker.submit(run, prepared)
            except Exception as e:
                on_error(batch, e)
                continue
            if pending is not None:
                yield from _finished(*pending, finish, on_error)
            pending = (batch, prepared, future)
        if pending is not None:
            yield from _finished(*pending, finish, on_error)


def _finished(batch, prepared, future, finish, on_error) -> List:
    try:
        return finish(batch, prepared, future.result())
    except Exception as e:
        on_error(batch, e)
        return []
