"""Field paths into JSON records: ``text``, ``user.name``, ``messages[].content``.

A path is a dot-separated list of keys; ``key[]`` means "every element of the list
under key". :func:`locate` returns ``(location, value)`` pairs, a location being the
tuple of keys and list indices that :func:`set_at` writes back to. :func:`locate_strings`
finds the texts of a record: under a list, null and missing values are skipped and lists of
content parts give their text parts (OpenAI-style chat logs).
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
    """Every text at the path, with its location, in the shapes chat logs use (OpenAI's among them):

    - a string is a text;
    - ``null`` or a missing field under a list (``messages[].content`` of an assistant tool call, a
      system message without content) is skipped;
    - a list of content parts (``[{"type": "text", "text": ...}, {"type": "image_url", ...}]``) gives
      the ``text`` of each part that has one, and each string element; other parts are left as they are;
    - any other value (a number, an object) raises :class:`FieldError`: it may hold text that cannot be read.

    A record without the list itself (``messages``), or with no text at all, raises :class:`FieldError`;
    a path without ``[]`` needs its string ("missing field", "is not a string (got null)")."""
    if not any(is_list for _, is_list in steps):
        found = locate(record, steps, required=True)
        for loc, value in found:
            if not isinstance(value, str):
                raise FieldError(f"field '{show_location(loc)}' is not a string (got {_type_name(value)})")
        return found
    first_list = next(i for i, (_, is_list) in enumerate(steps) if is_list)
    locate(record, steps[:first_list + 1], required=True)  # the record must have the list itself
    texts: List[Tuple[Location, str]] = []
    for loc, value in locate(record, steps, required=False):
        if isinstance(value, str):
            texts.append((loc, value))
        elif isinstance(value, list):
            texts.extend(_content_parts(loc, value))
        elif value is not None:
            raise FieldError(f"field '{show_location(loc)}' is not a string (got {_type_name(value)})")
    if not texts:
        path = ".".join(key + ("[]" if is_list else "") for key, is_list in steps)
        raise FieldError(f"no text at '{path}' (every value is null, missing or a part without text)")
    return texts


def _content_parts(loc: Location, parts: list) -> List[Tuple[Location, str]]:
    """The texts of a list of content parts: strings, and the string ``text`` of objects."""
    texts: List[Tuple[Location, str]] = []
    for i, part in enumerate(parts):
        if isinstance(part, str):
            texts.append((loc + (i,), part))
        elif isinstance(part, dict):
            text = part.get("text")
            if isinstance(text, str):
                texts.append((loc + (i, "text"), text))
            elif text is not None:
                raise FieldError(f"field '{show_location(loc + (i, 'text'))}' is not a string "
                                 f"(got {_type_name(text)})")
        elif part is not None:
            raise FieldError(f"field '{show_location(loc + (i,))}' is not a string or a content part "
                             f"(got {_type_name(part)})")
    return texts


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def set_at(record: Any, loc: Location, value: Any) -> None:
    target = record
    for step in loc[:-1]:
        target = target[step]
    target[loc[-1]] = value


__all__ = ["FieldError", "parse_path", "locate", "locate_strings", "set_at", "show_location", "Location"]
