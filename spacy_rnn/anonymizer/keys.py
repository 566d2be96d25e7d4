"""Secret keys and keyed hashes for deterministic pseudonyms.

A pseudonym is chosen by HMAC-SHA256(key, scope ‖ kind ‖ normalized name), so any
process or machine holding the same key picks the same pseudonym for the same name
in the same conversation without sharing a table, and nobody without the key can
recompute (or enumerate) the mapping. The key is read from a file or an environment
variable, and is never logged or written anywhere by this package.
"""
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Optional, Union

from ..errors import Errors

DEFAULT_KEY_ENV = "SPACY_RNN_ANON_KEY"
MIN_KEY_BYTES = 16


def load_key(key_file: Optional[Union[str, Path]] = None, key_env: Optional[str] = DEFAULT_KEY_ENV) -> Optional[bytes]:
    """The secret key from ``key_file`` (whole file, surrounding whitespace stripped), else
    from the environment variable ``key_env``; ``None`` when neither is set."""
    if key_file:
        path = Path(key_file)
        try:
            key = path.read_bytes().strip()
        except OSError as e:
            raise ValueError(Errors.E301.format(path=path, reason=e.strerror or type(e).__name__)) from None
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(Errors.E301.format(path=path, reason=f"shorter than {MIN_KEY_BYTES} bytes"))
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
    """Create a key file readable by its owner only; False (untouched) if it exists."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as f:
        f.write(new_key() + b"\n")
    return True


def keyed_int(key: bytes, *parts: str) -> int:
    """64-bit integer from HMAC-SHA256(key, parts joined by U+001F)."""
    msg = "\x1f".join(parts).encode("utf8", "surrogatepass")
    return int.from_bytes(hmac.new(key, msg, hashlib.sha256).digest()[:8], "big")


__all__ = ["DEFAULT_KEY_ENV", "load_key", "new_key", "write_key", "keyed_int"]
