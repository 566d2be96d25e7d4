"""The mapping file of ``anonymize`` (one JSON line per conversation: original -> pseudonym)
and the reverse tables that ``deanonymize`` rewrites with.

    {"conversation": "c001", "names": [{"original": "Rochdi", "surfaces": ["ROCHDI", "Rochdi"],
     "pseudonym": "Abdelawin", "kind": "given", "nationality": "Palestinian"}, ...]}

Records without a conversation id are their own conversation; their line has
``"record": N`` (the record's position in the output, from 1) instead.
"""
import json
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

from ..errors import Errors
from .shape import shape_of, titlecase
from .table import NER, ConversationTable

Mapping = Dict[str, Any]


def mapping_entry(table: ConversationTable, conversation: Optional[str], record: int) -> Mapping:
    """The mapping line of a resolved conversation table."""
    names = []
    for e in sorted(table.entries.values(), key=lambda e: e.key):
        names.append({"original": e.surface, "surfaces": sorted(set(e.surfaces.values())),
                      "pseudonym": titlecase(e.pseudonym), "kind": e.kind, "nationality": e.nationality})
    entry: Mapping = {"conversation": conversation} if conversation is not None else {"record": record}
    entry["names"] = names
    return entry


def read_mapping(path: Union[str, Path]) -> Tuple[Dict[str, Mapping], Dict[int, Mapping]]:
    """The lines of a mapping file by conversation id and by record number; ValueError (E306) if invalid."""
    by_conversation: Dict[str, Mapping] = {}
    by_record: Dict[int, Mapping] = {}
    try:
        with open(path, encoding="utf8") as f:
            for raw in f:
                entry = json.loads(raw)
                if "conversation" in entry:
                    by_conversation[entry["conversation"]] = entry
                else:
                    by_record[int(entry["record"])] = entry
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(Errors.E306.format(path=path, reason=e)) from None
    return by_conversation, by_record


def reverse_table(entry: Mapping) -> ConversationTable:
    """A table that replaces each pseudonym of a mapping line with the original, as it was written."""
    table = ConversationTable("")
    for name in entry["names"]:
        keys = table.add_name([name["pseudonym"]], NER)
        if not keys:
            continue
        e = table.entries[keys[0]]
        e.pseudonym = name["original"]
        for surface in name.get("surfaces") or [name["original"]]:
            e.restore.setdefault(shape_of(surface), surface)
    return table


__all__ = ["mapping_entry", "read_mapping", "reverse_table"]
