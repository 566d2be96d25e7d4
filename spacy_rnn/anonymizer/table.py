"""Conversation-level name tables: from detected mentions to consistent replacements.

A :class:`ConversationTable` collects every name *part* (a given name or a surname,
ASCII-folded and lowercased: its *key*) found in one conversation, by any detector.
Once a part is in the table, every occurrence of it in the conversation's text is
found by a word scan (any case, accents folded, possessive ``'s``, optionally inside
``@handles``) and replaced, so one detection anywhere protects every mention.

Each part gets a nationality (the person's: predicted from the surname when the
mention has one) and a pseudonym of the same kind and nationality, picked with a
keyed hash (:class:`~spacy_rnn.anonymizer.pseudonyms.Pseudonymizer`) and never equal
to the original, to another name of the conversation, to another pseudonym of it,
or to a word that occurs in its text (so reversing the mapping is exact).
"""
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .name_parts import (ADDRESS, ADDRESS_WORD, ADDRESS_WORDS, HANDLE, HONORIFICS, NAME_PART, NON_NAME_WORDS,
                         POSSESSIVE, UNAMBIGUOUS_FAMILY_NAMES, FAMILY_NAME_NATIONALITIES, family_name_first,
                         name_parts, non_name_spans, overlaps, part_key, widen)
from .pseudonyms import AMBIGUOUS, GIVEN, SURNAME, Pseudonymizer
from .pseudonyms import pieces as name_pieces
from .shape import shape_of, transfer_shape

NER, MODEL, KNOWN, PROPAGATION = "ner", "model", "known name", "propagation"
SOURCE_RANK = {KNOWN: 0, NER: 1, MODEL: 2, PROPAGATION: 3}


@dataclass
class Mention:
    """A detected name span in a text: character offsets and the detector that found it."""

    start: int
    end: int
    source: str


@dataclass
class Entry:
    """One name part of a conversation: kind, nationality, the ways it was written, its pseudonym."""

    key: str
    kind: str
    surface: str
    source: str
    linked: Optional[str] = None  # key of the surname of the same person (for given names)
    nationality: Optional[str] = None
    pseudonym: Optional[str] = None
    surfaces: Dict[str, str] = field(default_factory=dict)  # shape -> first surface of that shape
    restore: Dict[str, str] = field(default_factory=dict)  # reversing: shape -> original as written
    # anonymizing: each replacement as written -> the originals it replaced, in order, as runs [surface, count]
    written: Dict[str, List[list]] = field(default_factory=dict)
    # reversing: each pseudonym as written -> the originals still to restore, in order (runs; the last one repeats)
    replay: Dict[str, List[list]] = field(default_factory=dict)


@dataclass
class Occurrence:
    """One name part to replace in a text."""

    start: int
    end: int
    key: str
    source: str
    handle: bool = False


class ConversationTable:
    """Every name part found in one conversation, and its pseudonym."""

    def __init__(self, scope: str = ""):
        self.scope = scope
        self.entries: Dict[str, Entry] = {}
        self.forbidden: Set[str] = set()

    def __len__(self) -> int:
        return len(self.entries)

    # -- collecting ------------------------------------------------------------------
    def observe_text(self, text: str, pool_words: Set[str]) -> None:
        """Remember the words of ``text`` that a pseudonym could collide with."""
        for m in NAME_PART.finditer(text):
            key = part_key(m.group())
            if key in pool_words:
                self.forbidden.add(key)

    def add_name(self, parts: Sequence[str], source: str) -> List[str]:
        """Register one person's name given as its parts (in order); returns their keys.
        East and South-East Asian names written family name first ("Nguyen Van Minh",
        "Park Seo-yeon") are read in that order, with the nationality their family name gives."""
        keys = []
        items = [(p, part_key(p)) for p in parts]
        items = [(p, k) for p, k in items if len(k) >= 2 and k not in HONORIFICS and k not in NON_NAME_WORDS]
        if not items:
            return keys
        family_first = family_name_first([p for p, _ in items])
        surname_at = None if len(items) < 2 else (0 if family_first else len(items) - 1)
        surname_key = items[surname_at][1] if surname_at is not None else None
        for i, (surface, key) in enumerate(items):
            kind = SURNAME if i == surname_at else GIVEN
            entry = self.entries.get(key)
            if entry is None:
                entry = self.entries[key] = Entry(key, kind, surface, source)
                if family_first and entry.pseudonym is None and (kind == SURNAME or entry.linked is None):
                    entry.nationality = family_first
            elif SOURCE_RANK[source] < SOURCE_RANK[entry.source]:
                entry.source = source
            if entry.pseudonym is None:
                if len(items) >= 2 and kind == SURNAME and entry.kind == GIVEN and entry.linked is None:
                    entry.kind = SURNAME  # first seen alone, now known as a surname
                if kind == GIVEN and surname_key and entry.linked is None and entry.kind == GIVEN:
                    entry.linked = surname_key
            entry.surfaces.setdefault(shape_of(surface), surface)
            keys.append(key)
        return keys

    def add_mentions(self, text: str, mentions: Iterable[Mention]) -> None:
        """Register the name parts of detected mentions (full names first, so roles are known),
        leaving out the words that are no names (:func:`~.name_parts.non_name_spans`); then
        the other words of e-mail addresses and handles that hold a name of the conversation."""
        mentions = list(mentions)
        not_names = non_name_spans(text) if mentions else []
        groups = [(m, mention_parts(text, m, not_names)) for m in mentions]
        for mention, parts in sorted(groups, key=lambda g: -len(g[1])):
            if parts:
                self.add_name([p[2] for p in parts], mention.source)
        if self.entries and "@" in text:
            self.add_address_parts(text)

    def add_address_parts(self, text: str) -> None:
        """In "hiroshi.novak@example.com" or "@olena_shevchenko", once one word is a name of the
        conversation, the other words are its other parts (a surname only ever written there)."""
        for m in ADDRESS.finditer(text):
            words = [w.group() for w in ADDRESS_WORD.finditer(m.group())]
            keys = [part_key(w) for w in words]
            known = [k for k in keys if k in self.entries]
            if not known or len(words) > 3:
                continue
            new = [(w, k) for w, k in zip(words, keys) if k not in self.entries and len(k) >= 3
                   and k not in ADDRESS_WORDS and k not in AMBIGUOUS and k not in NON_NAME_WORDS]
            if len(new) != len(words) - len(known):
                continue  # "support.maria@": not every word is a name
            given = [self.entries[k] for k in known if self.entries[k].kind == GIVEN]
            for surface, key in new:
                kind = SURNAME if given else GIVEN
                self.entries[key] = Entry(key, kind, surface, PROPAGATION)
                self.entries[key].surfaces.setdefault(shape_of(surface), surface)
                for entry in given:
                    if entry.linked is None and entry.pseudonym is None and kind == SURNAME:
                        entry.linked = key

    # -- pseudonyms ------------------------------------------------------------------------
    def resolve(self, pseudonymizer: Pseudonymizer, nationality_of: Callable[[List[str]], List[Optional[str]]]) -> None:
        """Give every new entry a nationality and a pseudonym (batched nationality prediction)."""
        pending = [e for e in self.entries.values() if e.pseudonym is None]
        if not pending:
            return
        for e in pending:  # "Nguyen", "Zhang": the family name says the nationality
            if e.nationality is None and e.key in UNAMBIGUOUS_FAMILY_NAMES and e.linked is None:
                nat = FAMILY_NAME_NATIONALITIES[e.key][0]
                e.nationality = nat if nat in pseudonymizer.pools else None
        need = [e for e in pending if e.nationality is None and (e.linked is None or e.linked not in self.entries)]
        if need:
            for e, nat in zip(need, nationality_of([e.surface for e in need])):
                e.nationality = nat
        for e in pending:
            if e.nationality is None:
                e.nationality = self.entries[e.linked].nationality
        # a pseudonym shares no part with a name or another pseudonym of the conversation ("maria-olice")
        taken = set(self.entries) | self.forbidden
        taken |= {e.pseudonym for e in self.entries.values() if e.pseudonym}
        taken |= {p for t in list(taken) if not t.isalpha() for p in name_pieces(t)}
        for e in sorted(pending, key=lambda e: e.key):
            e.pseudonym = pseudonymizer.pick(self.scope, e.kind, e.nationality, e.key, taken)
            taken.add(e.pseudonym)
            taken.update(name_pieces(e.pseudonym))

    # -- finding and replacing -------------------------------------------------------------
    def _lookup(self, surface: str) -> Optional[str]:
        key = part_key(surface)
        if key in self.entries:
            return key
        return None

    def find(self, text: str, mentions: Sequence[Mention] = (), handles: bool = False,
             exclude: Sequence[Tuple[int, int]] = ()) -> List[Occurrence]:
        """Every occurrence of a table entry in ``text`` (non-overlapping, sorted), none inside
        the ``exclude`` ranges (identifiers, replaced as a whole)."""
        occ: List[Occurrence] = []
        covered: List[Tuple[int, int, str]] = []
        not_names = non_name_spans(text) if self.entries else []
        for m in mentions:
            for s, e, surface in mention_parts(text, m, not_names):
                key = self._lookup(surface)
                if key is not None:
                    occ.append(Occurrence(s, e, key, m.source))
                    covered.append((s, e, m.source))
        taken = {(o.start, o.end) for o in occ}
        multi = [k for k in self.entries if " " in k]  # only reverse tables (pseudonym -> original) have these
        if multi:
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(
                r"\s+".join(map(re.escape, k.split(" "))) for k in sorted(multi, key=len, reverse=True)) + r")(?!\w)",
                re.IGNORECASE)
            for m in pattern.finditer(text):
                key = " ".join(m.group().lower().split())
                if key in self.entries:
                    occ.append(Occurrence(m.start(), m.end(), key, PROPAGATION))
                    taken.add((m.start(), m.end()))
        if self.entries:
            for m in NAME_PART.finditer(text):
                for s, e, surface in self._split_word(m):
                    if (s, e) in taken:
                        continue
                    key = self._lookup(surface)
                    if key is None:
                        continue
                    if key in AMBIGUOUS and shape_of(surface) == "lower":
                        continue
                    if not_names and overlaps(not_names, s, e):
                        continue  # "Will it ...?", "on June 3": the word, not the name
                    entry = self.entries[key]
                    source = KNOWN if entry.source == KNOWN else PROPAGATION
                    occ.append(Occurrence(s, e, key, source))
            if handles:
                occ.extend(self._find_in_handles(text))
        occ.sort(key=lambda o: (o.start, -o.end))
        out: List[Occurrence] = []
        last_end = -1
        for o in occ:
            if o.start >= last_end and not (exclude and overlaps(exclude, o.start, o.end)):
                out.append(o)
                last_end = o.end
        return out

    def _split_word(self, m) -> List[Tuple[int, int, str]]:
        """A scanned word as a whole, without a possessive 's, or split at ' and - when the
        whole is not a known name (Jean-Luc, Khalid's)."""
        word, s = m.group(), m.start()
        if self._lookup(word):
            return [(s, m.end(), word)]
        pm = POSSESSIVE.search(word)
        if pm and self._lookup(word[:-2]):
            return [(s, m.end() - 2, word[:-2])]
        if "-" in word or "'" in word or "’" in word:
            return [(s + p.start(), s + p.end(), p.group()) for p in re.finditer(r"[^\W\d_]+", word)]
        return [(s, m.end(), word)]

    def _find_in_handles(self, text: str) -> List[Occurrence]:
        if "@" not in text:
            return []
        cached = getattr(self, "_handle_pattern", None)
        if cached is None or cached[0] != len(self.entries):
            keys = [k for k in self.entries if len(k) >= 3 and k.isalpha()]
            pattern = re.compile("|".join(sorted(map(re.escape, keys), key=len, reverse=True)), re.IGNORECASE) \
                if keys else None
            self._handle_pattern = cached = (len(self.entries), pattern)
        pattern = cached[1]
        if pattern is None:
            return []
        found = []
        for h in HANDLE.finditer(text):
            for m in pattern.finditer(text, h.start() + 1, h.end()):
                found.append(Occurrence(m.start(), m.end(), m.group().lower(), PROPAGATION, handle=True))
        return found

    def rewrite(self, text: str, mentions: Sequence[Mention] = (), handles: bool = False,
                exclude: Sequence[Tuple[int, int]] = ()) -> Tuple[str, List["Replaced"]]:
        """``text`` with every occurrence of an entry (outside ``exclude``) replaced, and one
        :class:`Replaced` per mention."""
        return apply(text, self, self.find(text, mentions, handles=handles, exclude=exclude))

    def replacement(self, surface: str, key: str) -> str:
        """The pseudonym of ``key`` written in the shape of ``surface``."""
        entry = self.entries[key]
        if entry.restore:
            exact = entry.restore.get(shape_of(surface))
            if exact:
                return exact
        return transfer_shape(surface, entry.pseudonym or key)


@dataclass
class Replaced:
    """One replaced mention (adjacent parts merged): offsets in the original text."""

    start: int
    end: int
    original: str
    replacement: str
    detected_by: str
    nationality: Optional[str]
    label: str = "PERSON"

    def as_dict(self) -> dict:
        return {"start_char": self.start, "end_char": self.end, "original": self.original,
                "replacement": self.replacement, "label": self.label, "detected_by": self.detected_by,
                "nationality": self.nationality}


# words before a name that are family names too, but mostly interjections or English words ("Oh Minh, ...")
_NOT_FAMILY_BEFORE = frozenset("oh ha ho go im an ma do he ye yu li lu su du ko son song moon long hong han".split())
_FAMILY_BEFORE = re.compile(r"(?<![\w'’\-])([A-Z][a-z]{1,6}|[A-Z]{2,7}) $")


def mention_parts(text: str, mention: Mention, not_names: Sequence[Tuple[int, int]] = ()) -> List[Tuple[int, int, str]]:
    """The name parts of a mention widened to whole words, without the words that are no names."""
    start, end = widen(text, mention.start, mention.end)
    parts = name_parts(text, start, end)
    before = _FAMILY_BEFORE.search(text, max(0, start - 12), start) if parts else None
    if before and part_key(before.group(1)) in FAMILY_NAME_NATIONALITIES and \
            part_key(before.group(1)) not in _NOT_FAMILY_BEFORE and \
            family_name_first([before.group(1)] + [p[2] for p in parts]):
        parts.insert(0, (before.start(1), before.end(1), before.group(1)))  # "Park" of "Park Seo-yeon"
    if not_names:
        parts = [p for p in parts if not overlaps(not_names, p[0], p[1])]
    return parts


def apply(text: str, table: ConversationTable, occurrences: Sequence[Occurrence]) -> Tuple[str, List[Replaced]]:
    """The anonymized text and one :class:`Replaced` per mention."""
    pieces: List[str] = []
    records: List[Replaced] = []
    pos = 0
    for o in occurrences:
        surface = text[o.start:o.end]
        entry = table.entries[o.key]
        new = _replayed(entry, surface) if entry.replay else None
        if new is None:
            new = table.replacement(surface, o.key)
        if not entry.restore:  # a forward table: remember what this replacement stands for
            record_run(entry.written, new, surface)
        pieces.append(text[pos:o.start])
        pieces.append(new)
        pos = o.end
        prev = records[-1] if records else None
        gap = text[prev.end:o.start] if prev is not None else None
        if prev is not None and gap is not None and gap.strip() == "" and 0 < len(gap) <= 2 and \
                not o.handle and prev.detected_by == o.source:
            prev.original = text[prev.start:o.end]
            prev.replacement = prev.replacement + gap + new
            prev.end = o.end
            if entry.kind == SURNAME:
                prev.nationality = entry.nationality
        else:
            records.append(Replaced(o.start, o.end, surface, new, o.source, entry.nationality))
    pieces.append(text[pos:])
    return "".join(pieces), records


def record_run(written: Dict[str, List[list]], new: str, surface: str) -> None:
    """Append ``surface`` to the originals of ``new`` (run-length: one run per spelling change)."""
    runs = written.setdefault(new, [])
    if runs and runs[-1][0] == surface:
        runs[-1][1] += 1
    else:
        runs.append([surface, 1])


def _replayed(entry: Entry, surface: str) -> Optional[str]:
    """The next original recorded for the pseudonym as written here, or None if none was recorded."""
    runs = entry.replay.get(surface)
    if not runs:
        return None
    original = runs[0][0]
    if len(runs) > 1 and runs[0][1] <= 1:
        runs.pop(0)
    else:
        runs[0][1] -= 1
    return original


__all__ = ["ConversationTable", "Mention", "Entry", "Occurrence", "Replaced", "apply", "mention_parts", "record_run",
           "NER", "MODEL", "KNOWN", "PROPAGATION"]
