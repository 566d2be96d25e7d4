"""Folding names to the ASCII alphabet: the one name normaliser of every component.

``unidecode`` transliterates most scripts (O’Néàl → O'Neal, Çetin → Cetin,
Горбачёв → Gorbachev). Characters it cannot fold (emoji, some symbols) become
the empty string; the models then see only what is left.
"""
from functools import lru_cache

from unidecode import unidecode

# Typographic apostrophes are common in names (O’Neal): unify them. Russian ё is
# written е in most romanised surnames (Горбачёв → Gorbachev, not Gorbachiov).
_PRE_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
                           "ё": "е", "Ё": "Е"})


@lru_cache(maxsize=200_000)
def fold_name(name: str) -> str:
    """ASCII-fold a name: transliterate with unidecode, unify apostrophes, squeeze whitespace.

    >>> fold_name("O’Néàl"), fold_name("Çetin"), fold_name("Горбачёв")
    ("O'Neal", 'Cetin', 'Gorbachev')
    """
    folded = unidecode(name.translate(_PRE_FOLD)).translate(_PRE_FOLD)
    return " ".join(folded.split())


def name_key(name: str) -> str:
    """The comparison key of a name: folded and lowercased ("María" and "MARIA" share "maria")."""
    return fold_name(name).lower()

