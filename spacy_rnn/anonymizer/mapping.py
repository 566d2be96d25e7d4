"""The mapping file of ``anonymize`` (one JSON line per conversation: original -> pseudonym or
surrogate) and the reverse tables that ``deanonymize`` rewrites with.

    {"conversation": "c001", "names": [{"label": "PERSON", "original": "Rochdi", "surfaces": ["ROCHDI", "Rochdi"],
     "pseudonym": "Abdelawin", "kind": "given", "nationality": "Palestinian",
     "written": {"Abdelawin": [["Rochdi", 3]], "ABDELAWIN": [["ROCHDI", 1]]}}, ...],
     "identifiers": [{"label": "PHONE", "original": "+44 7911 123456", "surrogate": "+44 7700 900417",
     "written": {"+44 7700 900417": [["+44 7911 123456", 2]], "07700 900417": [["07911 123456", 1]]}}, ...]}

Records without a conversation id are their own conversation; their line has
``"record": N`` (the record's position in the output, from 1) instead.

``surfaces`` holds every way the name was written; ``written`` maps each replacement as
written in the output to the originals it replaced, in the order of the output, as runs
``[original, count]``, so that ``deanonymize`` gives each occurrence back its own spelling
(``Maria``/``María``, ``O'Brien``/``O’Brien``, ``zoe`` in an e-mail address). Mapping files of
earlier versions have no ``written``: each occurrence is restored to the surface of its case shape.
An identifier's ``written`` does the same for each way its surrogate was written.
"""
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from ..errors import Errors
from .keys import scope_of
from .shape import shape_of, titlecase
from .table import NER, ConversationTable, Replaced, apply

Mapping = Dict[str, Any]



def mapping_entry(conversation, conversation_id: Optional[Any], record: int) -> Optional[Mapping]:
    """The mapping line of a resolved :class:`~.conversation.Conversation` (after its texts were
    rewritten); None when it replaced nothing."""
    names = []
    for e in sorted(conversation.table.entries.values(), key=lambda e: e.key):
        surfaces = set(e.surfaces.values()) | {surface for runs in e.written.values() for surface, _ in runs}
        name = {"label": "PERSON", "original": e.surface, "surfaces": sorted(surfaces),
                "pseudonym": titlecase(e.pseudonym), "kind": e.kind, "nationality": e.nationality}
        if e.written:
            name["written"] = {new: [list(run) for run in runs] for new, runs in sorted(e.written.items())}
        names.append(name)
    identifiers = [{"label": e.label, "original": e.original, "surrogate": e.surrogate,
                    "written": {new: [list(run) for run in runs] for new, runs in sorted(e.written.items())}}
                   for e in (conversation.identifiers.entries.values() if conversation.identifiers else ())
                   if e.written]
    if not names and not identifiers:
        return None
    entry: Mapping = {"conversation": conversation_id} if conversation_id is not None else {"record": record}
    entry["names"] = names
    if identifiers:
        entry["identifiers"] = identifiers
    return entry


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_runs(written: Any) -> bool:
    """``written``: an object of non-empty [original, count >= 1] lists."""
    return isinstance(written, dict) and all(
        isinstance(runs, list) and runs and all(
            isinstance(r, list) and len(r) == 2 and isinstance(r[0], str) and isinstance(r[1], int)
            and not isinstance(r[1], bool) and r[1] >= 1 for r in runs) for runs in written.values())


def _check_entry(entry: Any) -> Optional[str]:
    """Why a parsed mapping line cannot be used, or None."""
    if not isinstance(entry, dict):
        return f"not a JSON object (got {type(entry).__name__})"
    if "conversation" in entry:
        conv = entry["conversation"]
        if conv is None or isinstance(conv, dict) or (isinstance(conv, list) and any(
                isinstance(v, (dict, list)) for v in conv)):
            return "'conversation' is not a string or number"
    elif "record" in entry:
        if not isinstance(entry["record"], int) or isinstance(entry["record"], bool) or entry["record"] < 1:
            return "'record' is not a record number (1, 2, ...)"
    else:
        return "neither 'conversation' nor 'record'"
    names = entry.get("names")
    if not isinstance(names, list):
        return "'names' is missing or not a list"
    for i, name in enumerate(names):
        if not isinstance(name, dict):
            return f"names[{i}] is not an object"
        for k in ("original", "pseudonym"):
            if not isinstance(name.get(k), str) or not name[k].strip():
                return f"names[{i}].{k} is missing or not a string"
        if "surfaces" in name and not _is_str_list(name["surfaces"]):
            return f"names[{i}].surfaces is not a list of strings"
        if not _is_runs(name.get("written", {})):
            return f"names[{i}].written is not an object of [original, count] lists"
    identifiers = entry.get("identifiers", [])
    if not isinstance(identifiers, list):
        return "'identifiers' is not a list"
    for i, ident in enumerate(identifiers):
        if not isinstance(ident, dict):
            return f"identifiers[{i}] is not an object"
        for k in ("label", "original", "surrogate"):
            if not isinstance(ident.get(k), str) or not ident[k]:
                return f"identifiers[{i}].{k} is missing or not a string"
        if not _is_runs(ident.get("written", {})) or any(not new for new in ident.get("written", {})):
            return f"identifiers[{i}].written is not an object of [original, count] lists"
    return None


def read_mapping(path: Union[str, Path]) -> Tuple[Dict[Any, Mapping], Dict[int, Mapping]]:
    """The lines of a mapping file by conversation id and by record number. ValueError with one line
    naming the file and the line number if the file cannot be read (E306) or a line is invalid (E310);
    the message never quotes the file's content."""
    by_conversation: Dict[Any, Mapping] = {}
    by_record: Dict[int, Mapping] = {}
    try:
        with open(path, "rb") as f:
            for line, raw in enumerate(f, start=1):
                if not raw.strip():
                    continue
                try:
                    entry = json.loads(raw.decode("utf8"))
                except UnicodeDecodeError as e:
                    raise ValueError(Errors.E310.format(path=path, line=line,
                                                        reason=f"not valid UTF-8 (byte {e.start})")) from None
                except json.JSONDecodeError as e:
                    raise ValueError(Errors.E310.format(path=path, line=line,
                                                        reason=f"invalid JSON: {e.msg} (column {e.colno})")) from None
                reason = _check_entry(entry)
                if reason is None:
                    if "conversation" in entry:
                        key, table, what = scope_of(entry["conversation"]), by_conversation, "conversation"
                    else:
                        key, table, what = entry["record"], by_record, "record"
                    if key in table:
                        reason = f"a second entry for the same {what}"
                    table[key] = entry
                if reason is not None:
                    raise ValueError(Errors.E310.format(path=path, line=line, reason=reason))
    except OSError as e:
        raise ValueError(Errors.E306.format(path=path, reason=e.strerror or e)) from None
    return by_conversation, by_record


def reverse_table(entry: Mapping) -> ConversationTable:
    """A table that replaces each pseudonym of a mapping line with the original, as it was written:
    each occurrence in turn with the originals ``written`` recorded for it, else by case shape."""
    table = ConversationTable("")
    for name in entry["names"]:
        keys = table.add_name([name["pseudonym"]], NER)
        if not keys:
            continue
        e = table.entries[keys[0]]
        e.pseudonym = name["original"]
        e.restore.setdefault(shape_of(name["original"]), name["original"])
        for surface in name.get("surfaces") or []:
            e.restore.setdefault(shape_of(surface), surface)
        for new, runs in (name.get("written") or {}).items():
            e.replay.setdefault(new, []).extend([list(run) for run in runs])
    return table


# a surrogate is found as a whole: not inside a longer word, address or number
_BEFORE, _AFTER = r"(?<![\w@.+\-/])", r"(?![\w@\-/]|[.:]\w)"


class Reverser:
    """Rewrites an anonymized text of one mapping line back to its original: each surrogate as
    written (longest first) with the originals recorded for it, in turn; then the names, outside
    the surrogates (a pseudonym inside a rebuilt e-mail address is part of that address)."""

    def __init__(self, entry: Mapping):
        self.names = reverse_table(entry)
        self.replay: Dict[str, Tuple[str, List[list]]] = {}
        for ident in entry.get("identifiers") or []:
            for new, runs in (ident.get("written") or {}).items():
                label, queue = self.replay.setdefault(new, (ident["label"], []))
                queue.extend([list(run) for run in runs])
        written = sorted(self.replay, key=len, reverse=True)
        self.pattern = re.compile(_BEFORE + "(?:" + "|".join(map(re.escape, written)) + ")" + _AFTER) \
            if written else None

    def replacements(self, text: str, handles: bool = False) -> List[Replaced]:
        """One record per replacement of the mapping line found in ``text`` (consumes the recorded
        originals: call once per text, in output order)."""
        records = []
        if self.pattern is not None:
            for m in self.pattern.finditer(text):
                label, queue = self.replay[m.group()]
                original = queue[0][0]
                if len(queue) > 1 and queue[0][1] <= 1:
                    queue.pop(0)
                else:
                    queue[0][1] -= 1
                records.append(Replaced(m.start(), m.end(), m.group(), original, "mapping", None, label))
        spans = [(r.start, r.end) for r in records]
        names = apply(text, self.names, self.names.find(text, handles=handles, exclude=spans))[1]
        return sorted(records + names, key=lambda r: r.start)

    def rewrite(self, text: str, handles: bool = False) -> str:
        """``text`` with every pseudonym and surrogate of the mapping line restored."""
        pieces, pos = [], 0
        for r in self.replacements(text, handles):
            pieces += [text[pos:r.start], r.replacement]
            pos = r.end
        pieces.append(text[pos:])
        return "".join(pieces)


def locate(entry: Mapping, text: str, handles: bool = False) -> List[Tuple[int, int, str, str]]:
    """(start, end, label, original) of every replacement of a mapping line in one anonymized
    text (for a page that shows what was replaced; a fresh reverser, so any text, any order)."""
    return [(r.start, r.end, r.label, r.replacement) for r in Reverser(entry).replacements(text, handles)]


__all__ = ["mapping_entry", "read_mapping", "reverse_table", "Reverser", "locate"]
