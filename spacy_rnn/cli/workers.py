"""The pipeline of `anonymize` and the processes that run its name detection.

Detection is the costly part of a run, so it alone goes to ``--n-process`` worker
processes (spawned: each builds its own pipeline and uses one torch thread); the name
tables, pseudonyms and output stay in the main process.
"""
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from ..errors import Errors

ANON = "name_anonymizer"
BLANK_MAX_LENGTH = 2_000_000  # characters: the blank pipeline peaks at about 1 GB of memory per 1,000,000

Spans = List[Tuple[int, int, str]]  # (start, end, source) of each mention of one text


def model_error(model: str, e: Exception) -> str:
    """The one-line message (E322) for a --model that cannot be loaded."""
    reason = str(e).splitlines()[0] if str(e) else type(e).__name__
    if "[E050]" in reason:
        reason = "no installed package or pipeline directory of that name"
    return Errors.E322.format(model=model, reason=reason)


def build_nlp(model: Optional[str], lang: str, anon_config: Dict[str, Any], max_length: Optional[int] = None):
    import spacy

    nlp = spacy.load(model) if model else spacy.blank(lang)
    if max_length is not None:
        nlp.max_length = max_length
    elif not model:  # spaCy's 1,000,000 guards parser/NER memory; the blank pipeline's models read chunks
        nlp.max_length = BLANK_MAX_LENGTH
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[RNN-W300\]")  # the CLI sets the key itself
        if ANON not in nlp.pipe_names:
            nlp.add_pipe(ANON, config=anon_config)
    return nlp


_WORKER: Dict[str, Any] = {}


def _init_worker(*build_args) -> None:
    import torch
    torch.set_num_threads(1)  # each worker process is one of n_process; threads would compete
    _WORKER["nlp"] = build_nlp(*build_args)


def _detect(nlp, texts: Sequence[str]) -> List[Spans]:
    anon = nlp.get_pipe(ANON)
    with nlp.select_pipes(disable=[ANON]):
        docs = list(nlp.pipe(texts))
    return [[(m.start, m.end, m.source) for m in mentions] for mentions in anon.detect(docs)]


def _detect_safe(nlp, texts: Sequence[str]) -> List[Any]:
    """Like _detect; if the batch fails, text by text, with the reason (a string) for a text
    that still fails (its record is then reported instead of crashing the run). Reasons
    name the error's type, never the text."""
    try:
        return _detect(nlp, texts)
    except Exception:
        out: List[Any] = []
        for text in texts:
            if len(text) > nlp.max_length:
                out.append(f"text of {len(text):,} characters is longer than the pipeline's max_length "
                           f"({nlp.max_length:,}; see --max-length)")
                continue
            try:
                out.extend(_detect(nlp, [text]))
            except Exception as e:
                out.append(f"name detection failed ({type(e).__name__})")
        return out


def _detect_in_worker(texts: Sequence[str]) -> List[Any]:
    return _detect_safe(_WORKER["nlp"], texts)


class Detector:
    """Runs detection on batches of texts, in this process or in a pool, preserving order.
    Worker processes build their pipeline from ``build_args`` (build_nlp's arguments)."""

    def __init__(self, nlp, n_process: int, build_args: Tuple[Any, ...]):
        self.nlp = nlp
        self.pool = None
        if n_process > 1:
            self.pool = ProcessPoolExecutor(max_workers=n_process, mp_context=get_context("spawn"),
                                            initializer=_init_worker, initargs=build_args)
        self.n_process = max(1, n_process)

    def map(self, batches: Iterator[Tuple[Any, List[str]]]) -> Iterator[Tuple[Any, List[Any]]]:
        """(meta, texts) batches -> (meta, spans or a failure reason per text), in order."""
        if self.pool is None:
            for meta, texts in batches:
                yield meta, _detect_safe(self.nlp, texts)
            return
        window: List[Tuple[Any, Any]] = []
        for meta, texts in batches:
            window.append((meta, self.pool.submit(_detect_in_worker, texts)))
            if len(window) >= 2 * self.n_process:
                m, fut = window.pop(0)
                yield m, fut.result()
        for m, fut in window:
            yield m, fut.result()

    def close(self, cancel: bool = False) -> None:
        """Stop the workers; ``cancel``: drop the batches not started (a failed or interrupted run)."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=cancel)


__all__ = ["ANON", "BLANK_MAX_LENGTH", "build_nlp", "Detector"]
