"""Anonymize a pandas DataFrame of chat messages: :func:`anonymize_frame`.

    import spacy_rnn
    out = spacy_rnn.anonymize_frame(df, text="text", conversation="conversation_id", key=key)

Every row is one message; the rows of a conversation (same ``conversation`` value) share one
name table, so a name found in any of them is replaced in all, as the ``anonymize`` command does
for the records of a file. Every other column is unchanged and the row order is kept. The pipeline
is built once per process for the same options and reused by later calls.
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .anonymizer.keys import DEFAULT_KEY_ENV, load_key, record_scope, scope_of
from .errors import Errors
from .scale.engine import BuildArgs, Item, Secret, anonymize_items, pipeline

# the name_anonymizer options of anonymize_frame's **options; the key is never one of them
_DEFAULTS: Dict[str, Any] = {"handles": False, "pool": "bundled", "known_names": [], "detector": "auto",
                             "detector_threshold": None}


def build_args(model: Optional[str] = None, lang: str = "en", max_length: Optional[int] = None,
               **options) -> BuildArgs:
    """build_nlp's arguments for a pipeline of ``options`` (name_anonymizer settings: ``handles``,
    ``pool``, ``known_names``, ``detector``, ``detector_threshold``, and any other setting of the
    component, such as ``entities``, ``region``, ``keep``)."""
    config = dict(_DEFAULTS)
    config.update(options)
    config["known_names"] = list(config.get("known_names") or [])
    config.update({"key_env": None, "key_file": None})
    return (model, lang, config, max_length)


def resolve_key(key: Union[None, bytes, str, Secret], key_file: Optional[str] = None,
                key_env: Optional[str] = DEFAULT_KEY_ENV) -> Secret:
    """The key as a :class:`Secret`: given, else read from ``key_file`` or ``key_env`` (E300 if none)."""
    if isinstance(key, Secret):
        return key
    if key is None:
        key = load_key(key_file, key_env)
        if key is None:
            raise ValueError(Errors.E300.format(env=key_env))
    return Secret(key.encode("utf8") if isinstance(key, str) else bytes(key))


def _columns(df: pd.DataFrame, text: Union[str, Sequence[str]], conversation: Optional[str]) -> List[str]:
    texts = [text] if isinstance(text, str) else list(text)
    for column in texts + ([conversation] if conversation is not None else []):
        if column not in df.columns:
            raise ValueError(Errors.E347.format(column=column, columns=", ".join(map(str, df.columns))))
    return texts


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as the Python value JSON would give (so ``scope_of`` sees ``1``, not int64)."""
    return value.item() if isinstance(value, np.generic) else value


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def rows_to_items(df: pd.DataFrame, texts: List[str], conversation: Optional[str],
                  record_prefix: str = "") -> Tuple[List[Item], List[List[Tuple[str, int]]]]:
    """One item per row (its scope, its string texts) and where each text came from: (column, row).
    Missing texts (None, NaN, NA) are left as they are; a row without a conversation id is an error."""
    items: List[Item] = []
    where: List[List[Tuple[str, int]]] = []
    convs = df[conversation].tolist() if conversation is not None else None
    columns = {c: df[c].tolist() for c in texts}
    for i in range(len(df)):
        if convs is not None:
            conv = _plain(convs[i])
            if _missing(conv):
                raise ValueError(Errors.E349.format(column=conversation, row=i))
            scope = scope_of(conv)
        else:
            scope = record_scope(f"{record_prefix}{i + 1}")
        row_texts, row_where = [], []
        for c in texts:
            value = columns[c][i]
            if isinstance(value, str):
                row_texts.append(value)
                row_where.append((c, i))
            elif not _missing(value):
                raise ValueError(Errors.E348.format(column=c, row=i, type=type(value).__name__))
        items.append(Item(scope, row_texts))
        where.append(row_where)
    return items, where


def anonymize_rows(df: pd.DataFrame, texts: List[str], conversation: Optional[str], nlp, batch_size: int,
                   record_prefix: str = "") -> pd.DataFrame:
    """``df`` with the texts of ``texts`` anonymized by ``nlp`` (its key set), rows in their order."""
    items, where = rows_to_items(df, texts, conversation, record_prefix)
    outcomes = anonymize_items(nlp, items, batch_size)
    new = {c: df[c].tolist() for c in texts}
    for outcome, row_where in zip(outcomes, where):
        if outcome.error is not None:  # detection failed on a text: nothing of it may be published as is
            raise ValueError(f"Row {row_where[0][1] if row_where else '?'}: {outcome.error}")
        for (c, i), value in zip(row_where, outcome.texts):
            new[c][i] = value
    out = df.copy()
    for c in texts:
        out[c] = pd.Series(new[c], index=df.index, dtype=df[c].dtype)
    return out


def anonymize_frame(df: pd.DataFrame, text: Union[str, Sequence[str]] = "text",
                    conversation: Optional[str] = "conversation_id", key: Union[None, bytes, str, Secret] = None, *,
                    key_file: Optional[str] = None, key_env: Optional[str] = DEFAULT_KEY_ENV, nlp=None,
                    model: Optional[str] = None, lang: str = "en", max_length: Optional[int] = None,
                    batch_size: int = 512, **options) -> pd.DataFrame:
    """A copy of ``df`` with the person names in its ``text`` column(s) replaced by keyed pseudonyms.

    ``conversation``: the column of conversation ids (the rows of one id share their names; ``None``:
    each row is its own conversation). ``key``: the secret key (bytes or str), else read from
    ``key_file`` or the environment variable ``key_env``. ``nlp``: a pipeline with a ``name_anonymizer``
    to use (its key is replaced by ``key``); else one is built from ``model`` (a spaCy pipeline run
    before the anonymizer; default: blank ``lang``), ``max_length`` and ``options``, the
    ``name_anonymizer`` settings (``handles``, ``pool``, ``known_names``, ``detector``,
    ``detector_threshold``, ``entities``, ``region``, ``keep``, ...), once per process.
    Missing texts stay missing; a text that is not a string or a missing conversation id raises
    ValueError (naming the column and row, never the content)."""
    texts = _columns(df, text, conversation)
    secret = resolve_key(key, key_file, key_env)
    if nlp is not None:
        from .scale.engine import ANON
        nlp.get_pipe(ANON).set_key(secret.reveal())
        return anonymize_rows(df, texts, conversation, nlp, batch_size)
    p = pipeline(build_args(model, lang, max_length, **options))
    with p.lock:
        p.anonymizer(secret)
        return anonymize_rows(df, texts, conversation, p.nlp, batch_size)


__all__ = ["anonymize_frame", "build_args", "resolve_key"]
