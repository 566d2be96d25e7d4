"""Conversation-level identifier tables: one keyed surrogate per identifier value of a conversation.

An identifier (an e-mail address, a phone number, ...) is known by its canonical *value*
(:class:`~spacy_rnn.anonymizer.identifiers.Identifier`): "+46 70 123 45 67" and "070-123 45 67"
are one number. Each value gets one surrogate per conversation, chosen by
:func:`~spacy_rnn.anonymizer.identifiers.surrogate` from the secret key, the conversation and the
value, and written in the shape of each occurrence. The *attempt* that chose it is fixed when the
conversation is resolved: the first whose surrogate is not the value of an identifier the
conversation holds, nor another value's surrogate, so that reversing the mapping is exact.

E-mail addresses, handles and URLs that contain a name of the conversation are rebuilt from its
pseudonym: the table is handed the name table's lookup (``names``) when resolving and rewriting.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from .identifiers import Identifier, canonical, surrogate
from .table import record_run

# a surrogate whose value collides is drawn again; after this many draws the last one is kept
MAX_ATTEMPTS = 16

Names = Callable[[str], Optional[str]]


@dataclass
class IdentifierEntry:
    """One identifier value of a conversation, its surrogate and how each was written."""

    label: str
    value: str
    original: str  # as first written
    attempt: Optional[int] = None
    surrogate: Optional[str] = None  # the surrogate of ``original``, as written
    # each surrogate as written -> the originals it replaced, in output order, as runs [original, count]
    written: Dict[str, List[list]] = field(default_factory=dict)


class IdentifierTable:
    """Every identifier found in one conversation, and its surrogate."""

    def __init__(self, scope: str, engine):
        """``engine``: the :class:`~.conversation.ConversationEngine` (its key, finder and region)."""
        self.scope = scope
        self.engine = engine
        self.entries: Dict[Tuple[str, str], IdentifierEntry] = {}
        # phone regions the conversation has shown in international form: a number of theirs written
        # nationally later ("+44 7911 123456", then "07911 123456") is the same number
        self.regions: List[str] = []
        # what the finder found in each text: a text is read when observed and again when rewritten
        self._found: Dict[str, List[Identifier]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def observe(self, texts: Iterable[str]) -> None:
        """Add the identifiers of ``texts`` (values seen before keep their entry)."""
        texts = list(texts)
        for _ in range(2):  # once more if the texts showed a phone region: national forms before it count
            for text in texts:
                for ident in self._find(text):
                    if (ident.label, ident.value) not in self.entries:
                        self.entries[(ident.label, ident.value)] = IdentifierEntry(
                            ident.label, ident.value, text[ident.start:ident.end])
            if not self._learn_regions():
                break

    def _find(self, text: str) -> List[Identifier]:
        found = self._found.get(text)
        if found is None:
            found = self._found[text] = self.engine.finder(text, self.regions)
        return found

    def _learn_regions(self) -> bool:
        """Add the regions of the conversation's phone numbers; True if there are new ones."""
        import phonenumbers

        new = False
        for label, value in self.entries:
            if label != "PHONE":
                continue
            region = phonenumbers.region_code_for_country_code(phonenumbers.parse(value).country_code)
            if region not in ("ZZ", "001", self.engine.region) and region not in self.regions:
                self.regions.append(region)
                self._found.clear()  # the national forms of the new region count from now on
                new = True
        return new

    def resolve(self, names: Names) -> None:
        """Fix the surrogate of every value observed since the last call."""
        taken: Set[Tuple[str, str]] = set(self.entries)
        taken.update((e.label, v) for e in self.entries.values() if e.surrogate is not None
                     for v in [canonical(e.label, e.surrogate, self.engine.region)] if v is not None)
        for entry in self.entries.values():
            if entry.attempt is not None:
                continue
            ident = Identifier(0, len(entry.original), entry.label, entry.value)
            for attempt in range(MAX_ATTEMPTS):
                new = surrogate(ident, entry.original, self.engine.key, self.scope, attempt, names, self.engine.region)
                value = canonical(entry.label, new, self.engine.region)
                if new != entry.original and (entry.label, value) not in taken:
                    break
            entry.attempt, entry.surrogate = attempt, new
            taken.add((entry.label, value))

    def replacements(self, text: str, names: Names) -> List[Tuple[int, int, str, str]]:
        """(start, end, label, surrogate as written) of every identifier of ``text`` that changes,
        recording each for the mapping file."""
        out = []
        for ident in self._find(text):
            written = text[ident.start:ident.end]
            entry = self.entries.get((ident.label, ident.value))
            if entry is None:  # a text that was never observed: its identifiers join the table now
                self.observe([text])
                self.resolve(names)
                entry = self.entries[(ident.label, ident.value)]
            if written == entry.original:
                new = entry.surrogate
            else:
                new = surrogate(ident, written, self.engine.key, self.scope, entry.attempt, names, self.engine.region)
            if new == written:  # nothing personal in it (a URL without user parts)
                continue
            record_run(entry.written, new, written)
            out.append((ident.start, ident.end, ident.label, new))
        return out


__all__ = ["IdentifierTable", "IdentifierEntry", "MAX_ATTEMPTS"]
