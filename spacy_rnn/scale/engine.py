"""The conversation engine on a batch of records: detect, observe, resolve, rewrite.

A batch holds whole conversations (a shuffle by conversation id brought their records
together), so the batch is anonymized exactly as the single-file command anonymizes the
same records: detection in batches of texts, every text of a conversation observed before
any is rewritten, one batched nationality prediction, then each text rewritten in input order.

The pipeline is built once per process and kept (:func:`pipeline`), whatever the number of
batches the process runs; the key travels inside a :class:`Secret`, whose repr and Dask token
never show it.
"""
import os
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ..anonymizer.table import Mention
from ..cli.jsonl import has_lone_surrogate, without_lone_surrogates
from ..cli.workers import ANON, _detect_safe, build_nlp


class Secret:
    """The secret key, held in memory: ``repr``/``str`` show no byte of it, and Dask's ``tokenize``
    reads a random token instead of the bytes, so task names and the dashboard never carry it
    (not even a hash of it). Pickled (to reach worker processes) with the bytes."""

    __slots__ = ("_value", "_token")

    def __init__(self, value: bytes):
        self._value = bytes(value)
        self._token = uuid.uuid4().hex

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret(****)"

    __str__ = __repr__

    def __dask_tokenize__(self):
        return ("spacy_rnn.Secret", self._token)

    def __reduce__(self):
        return (_secret, (self._value, self._token))


def _secret(value: bytes, token: str) -> Secret:
    s = Secret(value)
    s._token = token
    return s


BuildArgs = Tuple[Optional[str], str, Dict[str, Any], Optional[int]]  # build_nlp's arguments

_PIPELINES: Dict[str, Any] = {}
_LOCK = threading.Lock()
BUILDS: Dict[int, int] = {}  # process id -> pipelines built in it (read by the tests: one per process)


def _cache_key(build_args: BuildArgs) -> str:
    import json
    return json.dumps([build_args[0], build_args[1], build_args[2], build_args[3]], sort_keys=True, default=str)


class Pipeline:
    """A process's pipeline for one set of build arguments, with a lock: a worker that runs tasks in
    several threads runs them one at a time on it (torch already uses the cores)."""

    def __init__(self, build_args: BuildArgs):
        self.nlp = build_nlp(*build_args)
        self.lock = threading.Lock()
        self._key: Optional[bytes] = None

    def anonymizer(self, key: Union[Secret, bytes]):
        value = key.reveal() if isinstance(key, Secret) else bytes(key)
        anon = self.nlp.get_pipe(ANON)
        if value != self._key:  # set_key drops cached pools of --pool generate: only when it changes
            anon.set_key(value)
            self._key = value
        return anon


def pipeline(build_args: BuildArgs, threads: Optional[int] = None) -> Pipeline:
    """The pipeline of ``build_args`` in this process, built on first use and then kept."""
    k = _cache_key(build_args)
    with _LOCK:
        p = _PIPELINES.get(k)
        if p is None:
            if threads is not None:
                import torch
                torch.set_num_threads(threads)
            p = _PIPELINES[k] = Pipeline(build_args)
            BUILDS[os.getpid()] = BUILDS.get(os.getpid(), 0) + 1
    return p


@dataclass
class Item:
    """One record to anonymize: its conversation's scope, its texts (as read: lone surrogates kept)
    and the known names it carries."""

    scope: str
    texts: List[str]
    known: List[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What became of an item: the rewritten texts and replaced mentions, or why it failed (``error``:
    a reason naming no content); ``last`` marks the last item of its conversation."""

    texts: Optional[List[str]] = None
    replaced: List[Any] = field(default_factory=list)
    error: Optional[str] = None
    last: bool = False
    conversation: Any = None  # the Conversation (its table gives the mapping line), on the last item only


def anonymize_items(nlp, items: Sequence[Item], batch_size: int = 512) -> List[Outcome]:
    """Anonymize ``items`` (whole conversations, in input order) with ``nlp``, whose ``name_anonymizer``
    has its key set: one outcome per item, in order."""
    engine = nlp.get_pipe(ANON).engine
    plain = [[without_lone_surrogates(t) if has_lone_surrogate(t) else t for t in item.texts] for item in items]
    found: List[Any] = []
    batch: List[str] = []
    for texts in plain:  # batches cut between records, of at least batch_size texts, as the single-file command
        batch.extend(texts)
        if len(batch) >= batch_size:
            found.extend(_detect_safe(nlp, batch))
            batch = []
    if batch:
        found.extend(_detect_safe(nlp, batch))
    outcomes: List[Outcome] = []
    conversations: Dict[str, Any] = {}
    mentions: List[Optional[List[List[Mention]]]] = []
    last: Dict[str, int] = {}
    pos = 0
    for i, (item, texts) in enumerate(zip(items, plain)):
        spans = found[pos: pos + len(texts)]
        pos += len(texts)
        failed = [x for x in spans if isinstance(x, str)]
        if failed:
            outcomes.append(Outcome(error=failed[0]))
            mentions.append(None)
            continue
        ms = [[Mention(*m) for m in text_spans] for text_spans in spans]
        conversation = conversations.get(item.scope)
        if conversation is None:
            conversation = conversations[item.scope] = engine.start(item.scope)
        conversation.observe(texts, ms, known=item.known)
        outcomes.append(Outcome())
        mentions.append(ms)
        last[item.scope] = i
    engine.resolve(conversations.values())
    for i, (item, outcome, ms) in enumerate(zip(items, outcomes, mentions)):
        if ms is None:
            continue
        conversation = conversations[item.scope]
        outcome.texts = []
        for text, text_mentions in zip(item.texts, ms):
            new_text, replaced = conversation.rewrite(text, text_mentions)
            outcome.texts.append(new_text)
            outcome.replaced.extend(replaced)
        if last[item.scope] == i:
            outcome.last = True
            outcome.conversation = conversation
    return outcomes


__all__ = ["Secret", "Pipeline", "pipeline", "Item", "Outcome", "anonymize_items", "BUILDS"]
