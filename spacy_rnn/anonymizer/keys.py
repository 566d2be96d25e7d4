"""Secret keys and keyed hashes for deterministic pseudonyms.

A pseudonym is chosen by HMAC-SHA256(key, scope ‖ kind ‖ normalized name), so any
process or machine holding the same key picks the same pseudonym for the same name
in the same conversation without sharing a table, and nobody without the key can
recompute (or enumerate) the mapping. The key is read from a file or an environment
variable, and is never logged or written anywhere by this package.

The scope of a keyed choice is a conversation: :func:`scope_of` turns a JSON conversation
id into one, keeping its type (``1`` and ``"1"``, ``true`` and ``"true"`` are different
conversations), and :func:`record_scope` gives a record without one its own.
"""
import hashlib
import hmac
import json
import os
import secrets
import stat
import warnings
from pathlib import Path
from typing import Any, Optional, Union

from ..errors import Errors, Warnings

DEFAULT_KEY_ENV = "SPACY_RNN_ANON_KEY"
MIN_KEY_BYTES = 16


def load_key(key_file: Optional[Union[str, Path]] = None, key_env: Optional[str] = DEFAULT_KEY_ENV) -> Optional[bytes]:
    """The secret key from ``key_file`` (whole file, surrounding whitespace stripped), else
    from the environment variable ``key_env``; ``None`` when neither is set. A key file that
    others can read (group or world) gets warning W304."""
    if key_file:
        path = Path(key_file)
        try:
            key = path.read_bytes().strip()
            mode = path.stat().st_mode
        except OSError as e:
            raise ValueError(Errors.E301.format(path=path, reason=e.strerror or type(e).__name__)) from None
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(Errors.E301.format(path=path, reason=f"shorter than {MIN_KEY_BYTES} bytes"))
        if os.name == "posix" and mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.warn(Warnings.W304.format(path=path, mode=oct(mode & 0o777)[2:]))
        return key
    if key_env and os.environ.get(key_env):
        key = os.environ[key_env].strip().encode("utf8")
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(Errors.E302.format(env=key_env, n=MIN_KEY_BYTES))
        return key
    return None


def new_key() -> bytes:
    """A fresh random key: 32 bytes as 64 hex characters."""
    return secrets.token_hex(32).encode("ascii")


def write_key(path: Union[str, Path]) -> bool:
    """Create a key file readable by its owner only; False (untouched) if it exists; ValueError
    (E320) if it cannot be created (a missing directory, no permission)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as e:
        raise ValueError(Errors.E320.format(path=path, reason=e.strerror or type(e).__name__)) from None
    with os.fdopen(fd, "wb") as f:
        f.write(new_key() + b"\n")
    return True


def keyed_int(key: bytes, *parts: str) -> int:
    """64-bit integer from HMAC-SHA256(key, parts joined by U+001F)."""
    msg = "\x1f".join(parts).encode("utf8", "surrogatepass")
    return int.from_bytes(hmac.new(key, msg, hashlib.sha256).digest()[:8], "big")


_SCOPE_MARK = "\x1f"  # starts the scope of every id that is not a plain string; no other scope starts with it


def scope_of(conversation_id: Any) -> str:
    """The scope of a JSON conversation id, by its type and text: a string is itself (so string ids
    keep their pseudonyms), any other value (and a string starting with U+001F) is U+001F, its JSON
    type, U+001F and its JSON text, so ``1``, ``1.0``, ``"1"``, ``true`` and ``"true"`` are five scopes."""
    if isinstance(conversation_id, str) and not conversation_id.startswith(_SCOPE_MARK):
        return conversation_id
    if isinstance(conversation_id, str):
        kind = "string"
    elif isinstance(conversation_id, bool):
        kind = "boolean"
    elif isinstance(conversation_id, (int, float)):
        kind = "number"
    elif conversation_id is None:
        kind = "null"
    else:
        kind = "array" if isinstance(conversation_id, (list, tuple)) else "object"
    text = json.dumps(conversation_id, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"{_SCOPE_MARK}{kind}{_SCOPE_MARK}{text}"


def record_scope(line: int) -> str:
    """The scope of a record without a conversation id: its own, from its line number."""
    return f"{_SCOPE_MARK}record{_SCOPE_MARK}{line}"


__all__ = ["DEFAULT_KEY_ENV", "load_key", "new_key", "write_key", "keyed_int", "scope_of", "record_scope"]
