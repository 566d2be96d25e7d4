"""The conversation engine: observe a conversation's texts, resolve pseudonyms, rewrite its texts.

    engine = ConversationEngine(key, "bundled", 400, nationality_model, "English", known_names, handles,
                                entities=ENTITIES, region="US", keep=[r"ORD-\\d+"])
    conversation = engine.start("c42")
    conversation.observe(texts, mentions, known=["Olena Shevchenko"])   # as often as texts arrive
    conversation.resolve()                                              # pseudonyms and surrogates
    new_text, replaced = conversation.rewrite(text, mentions)

Names (entity type PERSON) go through a :class:`~.table.ConversationTable`; e-mail addresses,
phone numbers and the other identifiers of :mod:`.identifiers` through an
:class:`~.identifier_table.IdentifierTable`, whose e-mails, handles and URLs are rebuilt from
the pseudonyms of the names they contain.

The ``name_anonymizer`` component runs it on Docs (one message at a time, or a whole
conversation with ``anonymize_conversation``) and the ``anonymize`` command on the records
of a file, so both give a name the same pseudonym in the same conversation. No spaCy objects.
"""
import re
import threading
from typing import Any, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import Errors
from ..text import fold_name, name_key
from .identifier_table import IdentifierTable
from .identifiers import LABELS, IdentifierFinder
from .name_parts import name_parts, part_key, split_name
from .pseudonyms import Pseudonymizer, load_pools
from .table import KNOWN, ConversationTable, Mention, Replaced

PERSON = "PERSON"
# every entity type the engine replaces: names, then the identifiers of .identifiers
ENTITIES = (PERSON,) + tuple(LABELS)

# distinct names whose nationality is kept; beyond it the cache starts again
NATIONALITY_CACHE_SIZE = 200_000
# names per nationality prediction when a whole file's names are resolved at once
RESOLVE_BATCH = 4096


class ConversationEngine:
    """What every conversation shares: the key and pools, the nationality model, known names."""

    def __init__(self, key: bytes, pool: str, pool_size: int, nationality: Optional[Any],
                 default_nationality: str, known_names: Sequence[str], handles: bool,
                 entities: Sequence[str] = (PERSON,), region: str = "US", keep: Sequence[str] = ()):
        """``nationality``: an object with ``labels`` and ``predict_proba(names)`` (the
        surname_nationality component), or None: every name gets ``default_nationality``.
        ``entities``: the types to replace (:data:`ENTITIES`); ``region``: the phone region of
        numbers written without a country code; ``keep``: regexes whose matches are never
        identifiers. ValueError (E330-E332) for an unknown type, region or an invalid pattern."""
        self.key = bytes(key)
        self.pool, self.pool_size = pool, pool_size
        self.nationality = nationality
        self.default_nationality = default_nationality
        self.known_names = list(known_names)
        self.entities = check_entities(entities, "entities")
        self.replace_names = PERSON in self.entities
        # names inside @handles: replaced by the name scan unless handles are identifiers themselves
        self.handles = handles and "HANDLE" not in self.entities
        self.region = check_identifier_settings(region, keep)
        self.keep = tuple(keep)
        self.finder = make_finder(self.entities, self.region, self.keep)
        self._pseudonymizer: Optional[Pseudonymizer] = None
        self._nat_cache: dict = {}
        self._lock = threading.Lock()

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_lock"]  # a pickled copy (nlp.pipe(n_process=...)) gets its own
        del state["finder"]  # and its own finder (compiled patterns), built from the settings
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self.finder = make_finder(self.entities, self.region, self.keep)

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


def check_entities(entities: Sequence[str], option: str) -> Tuple[str, ...]:
    """``entities`` upper-cased, in :data:`ENTITIES` order; ValueError E330 for an unknown type."""
    wanted = [str(e).strip().upper() for e in entities]
    for label in wanted:
        if label not in ENTITIES:
            raise ValueError(Errors.E330.format(label=label, option=option, options=", ".join(ENTITIES)))
    return tuple(label for label in ENTITIES if label in wanted)


def check_identifier_settings(region: str, keep: Sequence[str], options: Tuple[str, str] = ("region", "keep")) -> str:
    """The phone region upper-cased; ValueError E332 for a region phonenumbers does not know,
    E331 for a ``keep`` pattern that does not compile. ``options`` name the two settings in errors."""
    import phonenumbers  # the list of regions is phonenumbers' own

    for pattern in keep:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as e:
            raise ValueError(Errors.E331.format(pattern=pattern, option=options[1], reason=e)) from None
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(Errors.E332.format(region=region, option=options[0]))
    return region.upper()


def make_finder(entities: Sequence[str], region: str, keep: Sequence[str]) -> Optional[IdentifierFinder]:
    """The identifier finder of ``entities`` (None when they are names only)."""
    labels = [label for label in entities if label != PERSON]
    return IdentifierFinder(labels=labels, region=region, keep=tuple(keep)) if labels else None


class Conversation:
    """The names of one conversation and their pseudonyms (a :class:`ConversationTable`)."""

    def __init__(self, engine: ConversationEngine, scope: str = ""):
        self.engine = engine
        self.table = ConversationTable(scope)
        self.identifiers = IdentifierTable(scope, engine) if engine.finder else None

    def observe(self, texts: Sequence[str], mentions: Optional[Sequence[Sequence[Mention]]] = None,
                known: Iterable[str] = ()) -> None:
        """Add the engine's known names, then ``known``, then each text's words and mentions
        (``mentions[i]`` are those of ``texts[i]``; none given: the texts' words only)."""
        if self.identifiers is not None:
            self.identifiers.observe(texts)
        if not self.engine.replace_names:
            return
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
        """Give every name observed since the last call its nationality and pseudonym, then
        every identifier its surrogate."""
        if self.engine.replace_names:
            self.table.resolve(self.engine.pseudonymizer, self.engine.nationality_of)
        if self.identifiers is not None:
            self.identifiers.resolve(self.pseudonym_of)

    def pseudonym_of(self, word: str) -> Optional[str]:
        """The pseudonym of a name part of this conversation, in the case of ``word`` and in ASCII
        letters and digits only (it goes into e-mail addresses, handles and URLs); None for a word
        that is no name here."""
        key = part_key(word)
        entry = self.table.entries.get(key)
        if entry is None or entry.pseudonym is None:
            return None
        new = re.sub(r"[^A-Za-z0-9]", "", fold_name(self.table.replacement(word, key)))
        return new or None

    def rewrite(self, text: str, mentions: Sequence[Mention] = ()) -> Tuple[str, List[Replaced]]:
        """``text`` with every name and identifier of the conversation replaced, and one record
        per replaced mention, in text order."""
        if self.identifiers is None:
            return self.table.rewrite(text, mentions, handles=self.engine.handles)
        found = self.identifiers.replacements(text, self.pseudonym_of)
        records = [Replaced(s, e, text[s:e], new, "pattern", None, label) for s, e, label, new in found]
        if self.engine.replace_names and self.table.entries:
            spans = [(s, e) for s, e, _, _ in found]
            records += self.table.rewrite(text, mentions, handles=self.engine.handles, exclude=spans)[1]
            records.sort(key=lambda r: r.start)
        if not records:
            return text, records
        pieces, pos = [], 0
        for r in records:
            pieces += [text[pos:r.start], r.replacement]
            pos = r.end
        pieces.append(text[pos:])
        return "".join(pieces), records


__all__ = ["ConversationEngine", "Conversation", "ENTITIES", "PERSON", "check_entities", "check_identifier_settings",
           "make_finder"]
