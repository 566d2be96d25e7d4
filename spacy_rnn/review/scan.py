"""Reading an anonymized JSONL file against its mapping file for the review page: the replacements of
every text (``mapping.locate``), the counts per type over the whole file, the residual risks, the
records that cannot be shown, and a seeded sample of conversations with their messages."""
import json
import random
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from ..anonymizer.keys import scope_of
from ..anonymizer.mapping import locate  # names and identifiers, as the mapping line holds them
from ..cli.fields import FieldError, show_location
from ..cli.jsonl import RecordPaths, parse_record, without_lone_surrogates
from .risks import KINDS, NameScorer, Risk, merge, shape_risks

# the types a replacement can have, in the order the page shows them
LABELS = ("PERSON", "EMAIL", "PHONE", "URL", "HANDLE", "IP", "CARD", "IBAN", "ID")
# characters of text shown either side of a residual risk
CONTEXT = 40
# texts per call of the name detector
BATCH = 256

Mark = Tuple[int, int, str, str]  # (start, end, label, original)


@dataclass
class Message:
    """One text of a record: where it is, the text as published, its replacements and risks."""

    line: int
    conversation: str
    location: str
    text: str
    marks: List[Mark]
    risks: List[Risk] = field(default_factory=list)
    scope: Any = None  # the conversation's scope: two ids can be written alike (1 and "1")
    left: List[Tuple[int, int]] = field(default_factory=list)  # originals of the conversation still in it


@dataclass
class RiskItem:
    """A residual risk as the page lists it: the record, the field and the text around the token."""

    kind: str
    line: int
    conversation: str
    location: str
    before: str
    token: str
    after: str
    score: Optional[float]


@dataclass
class Conversation:
    label: str
    lines: List[int] = field(default_factory=list)


@dataclass
class Review:
    """Everything the page shows. ``found`` counts the replacements located in the file, ``recorded``
    the replacements the mapping file records (its ``written`` runs), per type."""

    found: Counter = field(default_factory=Counter)
    recorded: Counter = field(default_factory=Counter)
    risk_counts: Counter = field(default_factory=Counter)
    risks: Dict[str, List[RiskItem]] = field(default_factory=lambda: {k: [] for k in KINDS})
    not_shown: List[Tuple[int, str]] = field(default_factory=list)
    conversations: "OrderedDict[Any, Conversation]" = field(default_factory=OrderedDict)
    sample: List[Message] = field(default_factory=list)
    n_records: int = 0
    n_texts: int = 0
    unmatched_entries: int = 0  # mapping lines whose conversation (or record) is not in the file
    name_threshold: Optional[float] = None
    name_floor: Optional[float] = None


def recorded_counts(entries: Iterable[Dict[str, Any]]) -> Counter:
    """Replacements per type that mapping lines record: the counts of their ``written`` runs."""
    counts: Counter = Counter()
    for entry in entries:
        for item in list(entry.get("names") or []) + list(entry.get("identifiers") or []):
            label = item.get("label") or "PERSON"  # names of mapping files before labels were written
            counts[label] += sum(n for runs in (item.get("written") or {}).values() for _, n in runs)
    return counts


_WORD = re.compile(r"\S+")


def split_names(text: str, marks: Sequence[Mark]) -> List[Mark]:
    """``marks`` with each full name cut into its words (``Soum Sawileh`` <- ``Rochdi Khalid`` gives
    two PERSON marks): the mapping file counts, and the reader sees, one replacement per name part.
    A name whose words do not pair up with its original's stays one mark."""
    out: List[Mark] = []
    for start, end, label, original in marks:
        words = list(_WORD.finditer(text, start, end))
        originals = original.split()
        if label != "PERSON" or len(words) < 2 or len(words) != len(originals):
            out.append((start, end, label, original))
            continue
        out += [(w.start(), w.end(), label, o) for w, o in zip(words, originals)]
    return out


def conversation_label(conv: Any, record: int) -> str:
    """The conversation as the page names it: its id as written in JSON (a string as is), or the record."""
    if conv is None:
        return f"record {record}"
    return conv if isinstance(conv, str) else json.dumps(conv, ensure_ascii=False)


# compiled patterns of the originals of this many mapping lines are kept (conversations interleave)
PATTERN_CACHE = 4096
REDACTED = "█"


def originals_of(entry: Dict[str, Any]) -> Set[str]:
    """Every original value of a mapping line as it was written (names' surfaces, identifiers and the
    originals of their ``written`` runs)."""
    found: Set[str] = set()
    for item in list(entry.get("names") or []) + list(entry.get("identifiers") or []):
        found.add(item["original"])
        found.update(item.get("surfaces") or [])
        found.update(o for runs in (item.get("written") or {}).values() for o, _ in runs)
    return {o for o in found if o.strip()}


def originals_pattern(entry: Dict[str, Any]) -> Optional["re.Pattern"]:
    """A pattern of the originals of a mapping line as whole words, exact case (longest first), or None."""
    words = sorted(originals_of(entry), key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)")


def redact(text: str, spans: Sequence[Tuple[int, int]]) -> str:
    """``text`` with each span blacked out, character for character (the offsets hold)."""
    for start, end in spans:
        text = text[:start] + REDACTED * (end - start) + text[end:]
    return text


class Scanner:
    """One pass over the records: ``messages`` parses them and locates the replacements of each text;
    records that do not parse are reported to ``on_error``."""

    def __init__(self, paths: RecordPaths, by_conv: Dict[Any, Dict], by_record: Dict[int, Dict],
                 handles: bool = False):
        self.paths = paths
        self.by_conv = by_conv
        self.by_record = by_record
        self.handles = handles
        self._patterns: "OrderedDict[int, Optional[re.Pattern]]" = OrderedDict()

    def _originals(self, entry: Dict[str, Any]) -> Optional["re.Pattern"]:
        key = id(entry)  # the entries live as long as the scanner
        if key in self._patterns:
            self._patterns.move_to_end(key)
            return self._patterns[key]
        pattern = self._patterns[key] = originals_pattern(entry)
        if len(self._patterns) > PATTERN_CACHE:
            self._patterns.popitem(last=False)
        return pattern

    def records(self, lines: Iterable[Tuple[int, bytes]], on_error: Callable[[int, str], None],
                wanted: Optional[Set[int]] = None) -> Iterator[Tuple[Any, int, str, List[Message]]]:
        """(scope, line, conversation label, messages) per record that parses; with ``wanted``, only
        the records of those lines (every record is still parsed: without a conversation field a
        record's number is its scope)."""
        n = 0
        for line, raw in lines:
            try:
                _, texts, conv, _ = parse_record(raw, self.paths)
            except FieldError as e:
                on_error(line, str(e))
                continue
            n += 1  # records are numbered as anonymize numbered them: the records it wrote
            if wanted is not None and line not in wanted:
                continue
            scope = scope_of(conv) if conv is not None else n
            entry = self.by_conv.get(scope) if conv is not None else self.by_record.get(n)
            label = conversation_label(conv, n)
            messages = []
            for loc, text in texts:
                text = without_lone_surrogates(text)  # same length: the offsets hold; the page is UTF-8
                marks = split_names(text, locate(entry, text, self.handles)) if entry is not None else []
                m = Message(line, label, show_location(loc), text, marks, scope=scope)
                pattern = self._originals(entry) if entry is not None else None
                if pattern is not None:  # an original outside every replacement: a leak
                    m.left = [(o.start(), o.end()) for o in pattern.finditer(text)
                              if not any(o.start() < e and s < o.end() for s, e, _, _ in marks)]
                messages.append(m)
            yield scope, line, label, messages


class RiskFinder:
    """Residual risks of messages, in batches (the name detector reads many texts per call)."""

    def __init__(self, scorer: Optional[NameScorer], show_originals: bool = False):
        self.scorer = scorer
        self.show_originals = show_originals
        self.pending: List[Message] = []

    def add(self, messages: Sequence[Message]) -> List[Message]:
        """Queue ``messages``; the messages whose risks are now set (a batch, or none yet)."""
        self.pending.extend(messages)
        return self.flush() if len(self.pending) >= BATCH else []

    def flush(self) -> List[Message]:
        done, self.pending = self.pending, []
        spans = [[(s, e) for s, e, _, _ in m.marks] for m in done]
        names = self.scorer.risks([m.text for m in done], spans) if self.scorer else [[] for _ in done]
        for m, marks, found in zip(done, spans, names):
            left = [Risk(s, e, "ORIGINAL_LEFT") for s, e in m.left]
            m.risks = merge(left, shape_risks(m.text, marks), found)  # a leak first: same span, one item
            if m.left and not self.show_originals:  # the page shows where, never what
                m.text = redact(m.text, m.left)
        return done


def _risk_item(m: Message, r: Risk) -> RiskItem:
    before = m.text[max(0, r.start - CONTEXT):r.start]
    after = m.text[r.end:r.end + CONTEXT]
    return RiskItem(r.kind, m.line, m.conversation, m.location,
                    ("…" if r.start > CONTEXT else "") + before, m.text[r.start:r.end],
                    after + ("…" if r.end + CONTEXT < len(m.text) else ""), r.score)


def review(read: Callable[[], Iterable[Tuple[int, bytes]]], scanner: Scanner, scorer: Optional[NameScorer],
           sample: int, seed: int, max_risks: int, progress: Callable = lambda it: it,
           show_originals: bool = False) -> Review:
    """The review of a file: ``read()`` gives its (line number, bytes) pairs and is called twice, once
    for the counts and risks of every record, once for the messages of the sampled conversations.
    Originals of a conversation left in its texts are blacked out unless ``show_originals``."""
    rv = Review()
    rv.recorded = recorded_counts(list(scanner.by_conv.values()) + list(scanner.by_record.values()))
    if scorer is not None:
        rv.name_threshold, rv.name_floor = scorer.threshold, scorer.floor
    finder = RiskFinder(scorer, show_originals)

    def tally(done: Sequence[Message]) -> None:
        for m in done:
            for r in m.risks:
                rv.risk_counts[r.kind] += 1
                if len(rv.risks[r.kind]) < max_risks:
                    rv.risks[r.kind].append(_risk_item(m, r))

    def not_shown(line: int, reason: str) -> None:
        rv.not_shown.append((line, reason))

    for scope, line, label, messages in scanner.records(progress(read()), not_shown):
        rv.n_records += 1
        rv.n_texts += len(messages)
        conv = rv.conversations.setdefault(scope, Conversation(label))
        conv.lines.append(line)
        for m in messages:
            for _, _, mark_label, _ in m.marks:
                rv.found[mark_label] += 1
        tally(finder.add(messages))
    tally(finder.flush())
    # scopes of conversation ids are strings, record numbers ints: the two never collide
    rv.unmatched_entries = sum(1 for k in list(scanner.by_conv) + list(scanner.by_record)
                               if k not in rv.conversations)

    keys = list(rv.conversations)
    chosen = random.Random(seed).sample(keys, min(sample, len(keys))) if sample > 0 else []
    if chosen:
        wanted = {line for k in chosen for line in rv.conversations[k].lines}
        order = {k: i for i, k in enumerate(keys)}
        picked = [(order[scope], m) for scope, _, _, ms in scanner.records(read(), lambda *a: None, wanted)
                  for m in ms]
        finder = RiskFinder(scorer, show_originals)
        for _, m in picked:
            finder.add([m])
        finder.flush()
        # the conversations in the order of the file, the messages of each together, in file order
        rv.sample = [m for _, m in sorted(picked, key=lambda p: (p[0], p[1].line))]
    return rv


__all__ = ["LABELS", "split_names", "originals_of", "originals_pattern", "redact", "Message", "RiskItem", "Review",
           "Scanner", "RiskFinder", "review", "recorded_counts", "conversation_label"]
