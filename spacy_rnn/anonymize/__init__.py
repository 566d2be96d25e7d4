"""Building blocks of name anonymization: keyed hashing, pseudonym pools, shape
transfer, conversation name tables and JSON field paths (used by the
``name_anonymizer`` component and the ``anonymize``/``deanonymize`` commands)."""
from .core import ConversationTable, Mention, apply, name_parts
from .fields import FieldError, locate, locate_strings, parse_path, set_at
from .keys import DEFAULT_KEY_ENV, keyed_int, load_key, new_key, write_key
from .pseudonyms import Pseudonymizer
from .shape import shape_of, transfer_shape

__all__ = ["ConversationTable", "Mention", "apply", "name_parts", "FieldError", "locate", "locate_strings",
           "parse_path", "set_at", "DEFAULT_KEY_ENV", "keyed_int", "load_key", "new_key", "write_key",
           "Pseudonymizer", "shape_of", "transfer_shape"]
