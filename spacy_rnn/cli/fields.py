"""Field paths into JSON records: ``text``, ``user.name``, ``messages[].content``.

A path is a dot-separated list of keys; ``key[]`` means "every element of the list
under key". :func:`locate` returns ``(location, value)`` pairs, a location being the
tuple of keys and list indices that :func:`set_at` writes back to.
"""
import re
from typing import Any, List, Tuple

from ..errors import Errors

Location = Tuple[Any, ...]
_STEP = re.compile(r"^([^\[\]]+)(\[\])?$")


class FieldError(ValueError):
    """A record lacks a field, or it has the wrong type (the record is reported, not written)."""


def parse_path(path: str) -> List[Tuple[str, bool]]:
    """'messages[].content' -> [('messages', True), ('content', False)]."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError(Errors.E305.format(path=path, reason="empty"))
    steps = []
    for raw in path.split("."):
        m = _STEP.match(raw)
        if not m:
            raise ValueError(Errors.E305.format(path=path, reason=f"cannot parse {raw!r}"))
        steps.append((m.group(1), bool(m.group(2))))
    return steps


def show_location(loc: Location) -> str:
    """('messages', 0, 'content') -> 'messages[0].content'."""
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def locate(record: Any, steps: List[Tuple[str, bool]], required: bool = True) -> List[Tuple[Location, Any]]:
    """Every value at the path, with its location. Missing fields raise :class:`FieldError`
    if ``required``, else are skipped."""
    found: List[Tuple[Location, Any]] = [((), record)]
    for key, is_list in steps:
        nxt = []
        for loc, value in found:
            if not isinstance(value, dict) or key not in value:
                if required:
                    where = show_location(loc + (key,))
                    raise FieldError(f"missing field '{where}'")
                continue
            child = value[key]
            if is_list:
                if not isinstance(child, list):
                    if required:
                        raise FieldError(f"field '{show_location(loc + (key,))}' is not a list "
                                         f"(got {type(child).__name__})")
                    continue
                nxt.extend(((loc + (key, i)), item) for i, item in enumerate(child))
            else:
                nxt.append((loc + (key,), child))
        found = nxt
    return found


def locate_strings(record: Any, steps: List[Tuple[str, bool]]) -> List[Tuple[Location, str]]:
    """Like :func:`locate`, and every value must be a string."""
    found = locate(record, steps, required=True)
    for loc, value in found:
        if not isinstance(value, str):
            got = "null" if value is None else type(value).__name__
            raise FieldError(f"field '{show_location(loc)}' is not a string (got {got})")
    return found


def set_at(record: Any, loc: Location, value: Any) -> None:
    target = record
    for step in loc[:-1]:
        target = target[step]
    target[loc[-1]] = value


__all__ = ["FieldError", "parse_path", "locate", "locate_strings", "set_at", "show_location", "Location"]
