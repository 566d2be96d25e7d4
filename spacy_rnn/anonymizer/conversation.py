"""The conversation engine: observe a conversation's texts, resolve pseudonyms, rewrite its texts.

    engine = ConversationEngine(key, "bundled", 400, nationality_model, "English", known_names, handles)
    conversation = engine.start("c42")
    conversation.observe(texts, mentions, known=["Olena Shevchenko"])   # as often as texts arrive
    conversation.resolve()                                              # pseudonyms for the new names
    new_text, replaced = conversation.rewrite(text, mentions)

The ``name_anonymizer`` component runs it on Docs (one message at a time, or a whole
conversation with ``anonymize_conversation``) and the ``anonymize`` command on the records
of a file, so both give a name the same pseudonym in the same conversation. No spaCy objects.
"""
import threading
from typing import Any, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..text import name_key
from .name_parts import name_parts, split_name
from .pseudonyms import Pseudonymizer, load_pools
from .table import KNOWN, ConversationTable, Mention, Replaced

# distinct names whose nationality is kept; beyond it the cache starts again
NATIONALITY_CACHE_SIZE = 200_000
# names per nationality prediction when a whole file's names are resolved at once
RESOLVE_BATCH = 4096


class ConversationEngine:
    """What every conversation shares: the key and pools, the nationality model, known names."""

    def __init__(self, key: bytes, pool: str, pool_size: int, nationality: Optional[Any],
                 default_nationality: str, known_names: Sequence[str], handles: bool):
        """``nationality``: an object with ``labels`` and ``predict_proba(names)`` (the
        surname_nationality component), or None: every name gets ``default_nationality``."""
        self.key = bytes(key)
        self.pool, self.pool_size = pool, pool_size
        self.nationality = nationality
        self.default_nationality = default_nationality
        self.known_names = list(known_names)
        self.handles = handles
        self._pseudonymizer: Optional[Pseudonymizer] = None
        self._nat_cache: dict = {}
        self._lock = threading.Lock()

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_lock"]  # a pickled copy (nlp.pipe(n_process=...)) gets its own
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        """The keyed pseudonym chooser (pools loaded or sampled on first use)."""
        if self._pseudonymizer is None:
            with self._lock:
                if self._pseudonymizer is None:
                    pools = load_pools(self.pool, self.pool_size, self.key)
                    self._pseudonymizer = Pseudonymizer(pools, self.key, self.default_nationality)
        return self._pseudonymizer

    def set_key(self, key: bytes) -> None:
        self.key = bytes(key)
        if self._pseudonymizer is not None:
            self._pseudonymizer.key = self.key
            if self.pool == "generate":  # the pools themselves are keyed
                self._pseudonymizer = None

    def start(self, scope: str = "") -> "Conversation":
        """A new, empty conversation; ``scope`` (its id) enters every keyed choice."""
        return Conversation(self, scope)

    def nationality_of(self, names: List[str]) -> List[Optional[str]]:
        """Most probable nationality of each name, cached; one prediction for the new ones."""
        default = self.default_nationality
        if self.nationality is None:
            return [default] * len(names)
        todo = sorted({n for n in names if n not in self._nat_cache})
        if todo:
            labels = self.nationality.labels
            probs = np.asarray(self.nationality.predict_proba(todo))
            for name, row in zip(todo, probs):
                # a name with no letters left after ASCII folding carries no nationality signal
                self._nat_cache[name] = labels[int(row.argmax())] if _has_letter(name) and row.size else default
            if len(self._nat_cache) > NATIONALITY_CACHE_SIZE:
                self._nat_cache.clear()
        return [self._nat_cache.get(n, default) for n in names]

    def prefetch(self, texts: Sequence[str], mentions: Sequence[Sequence[Mention]]) -> None:
        """One batched nationality prediction for the name parts of many texts' mentions (fills
        the cache that resolving then reads; the results are the same as without it)."""
        if self.nationality is None:
            return
        surfaces = {p[2] for text, found in zip(texts, mentions) for m in found
                    for p in name_parts(text, m.start, m.end)}
        if surfaces:
            self.nationality_of(sorted(surfaces))

    def resolve(self, conversations: Iterable["Conversation"]) -> None:
        """Resolve many conversations with batched nationality predictions for all their new names."""
        conversations = list(conversations)
        pending = sorted({e.surface for c in conversations for e in c.table.entries.values() if e.pseudonym is None})
        for i in range(0, len(pending), RESOLVE_BATCH):
            self.nationality_of(pending[i: i + RESOLVE_BATCH])
        for conversation in conversations:
            conversation.resolve()


def _has_letter(name: str) -> bool:
    return any("a" <= c <= "z" for c in name_key(name))


class Conversation:
    """The names of one conversation and their pseudonyms (a :class:`ConversationTable`)."""

    def __init__(self, engine: ConversationEngine, scope: str = ""):
        self.engine = engine
        self.table = ConversationTable(scope)

    def observe(self, texts: Sequence[str], mentions: Optional[Sequence[Sequence[Mention]]] = None,
                known: Iterable[str] = ()) -> None:
        """Add the engine's known names, then ``known``, then each text's words and mentions
        (``mentions[i]`` are those of ``texts[i]``; none given: the texts' words only)."""
        table = self.table
        if mentions is None:
            mentions = [()] * len(texts)
        for name in self.engine.known_names + list(known):
            parts = split_name(name)
            if parts:
                table.add_name(parts, KNOWN)
        if texts:
            words = self.engine.pseudonymizer.words
            for text, found in zip(texts, mentions):
                table.observe_text(text, words)
                table.add_mentions(text, found)

    def resolve(self) -> None:
        """Give every name observed since the last call its nationality and pseudonym."""
        self.table.resolve(self.engine.pseudonymizer, self.engine.nationality_of)

    def rewrite(self, text: str, mentions: Sequence[Mention] = ()) -> Tuple[str, List[Replaced]]:
        """``text`` with every name of the conversation replaced, and one record per mention."""
        return self.table.rewrite(text, mentions, handles=self.engine.handles)


__all__ = ["ConversationEngine", "Conversation"]
