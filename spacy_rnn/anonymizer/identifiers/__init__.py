"""Identifiers other than names: detection and keyed, format-preserving, valid surrogates.

Which library does what:

- **phonenumbers** (Google's libphonenumber metadata) finds, parses and validates phone numbers
  in international and national forms (:mod:`.phone`), and checks every phone surrogate;
- **python-stdnum** validates IBANs (ISO 7064 mod 97 check digits, each country's BBAN format
  and, for some countries, national check digits) and national ID numbers, and gives the Luhn
  checksum of card numbers (:mod:`.iban`, :mod:`.national_id`, :mod:`.card`);
- **ipaddress** (standard library) parses and normalises IPv4 and IPv6 addresses (:mod:`.ip`);
- regular expressions find e-mail addresses, handles and URLs, which no library finds in running
  text (:mod:`.email`, :mod:`.handle`, :mod:`.url`).

Every surrogate is drawn from :class:`.keyed.KeyedStream`, an HMAC of the secret key, the
conversation's scope, the label, the canonical value and the attempt, so the same value gets the
same surrogate in every process and in every way it is written.
"""
from typing import Callable, Optional

from .base import LABELS, Identifier
from .finder import MODULES, IdentifierFinder
from .keyed import KeyedStream

# a draw whose canonical value is the original's is drawn again inside :func:`surrogate`
_MAX_DRAWS = 8


def canonical(label: str, text: str, region: str = "US") -> Optional[str]:
    """The canonical value of ``text`` written as an identifier of type ``label``, None if it is
    not one. It also accepts the surrogates :func:`surrogate` writes (a phone number from a
    reserved range that phonenumbers calls possible but not valid), so a surrogate's value can be
    compared with the values of a conversation."""
    return MODULES[label].canonical(text, region)


def surrogate(identifier: Identifier, written: str, key: bytes, scope: str, attempt: int = 0,
              names: Optional[Callable[[str], Optional[str]]] = None, region: str = "US") -> str:
    """The surrogate of ``identifier`` written in the shape of ``written`` (one way the value was
    written in the text): keyed by HMAC(key, scope, label, value, attempt), valid for its type,
    from the type's reserved range, and different from the original. ``names(token)`` maps a
    token of a person's name to its pseudonym (in the token's case) or None; e-mail addresses,
    handles and URLs call it for each letter run of their personal part."""
    module = MODULES[identifier.label]
    out = written
    for draw in range(_MAX_DRAWS):
        stream = KeyedStream(key, "identifier", scope, identifier.label, identifier.value, str(attempt), str(draw))
        out = module.surrogate(identifier.value, written, stream, names, region)
        if module.canonical(out, region) != identifier.value:
            break
    return out


__all__ = ["LABELS", "Identifier", "IdentifierFinder", "surrogate", "canonical", "KeyedStream"]
