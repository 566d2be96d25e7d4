"""The LM's annotations: one user_data entry per Doc, read through extension getters.

``next_token_scorer`` writes ``doc.user_data["spacy_rnn_lm"] = {"logp": ..., "unk": ...}``:
per token the natural-log probability (float32, NaN where the token is not
scored) and whether it was scored as ``<unk>`` (bool). DocBin keeps it with
``store_user_data=True``. The extensions are getters over that entry; their
names are the factory's ``extensions`` setting (roles below -> names).
"""
import math
from typing import Callable, Dict, Optional, Union

import numpy
from spacy.tokens import Doc, Span, Token

from ..errors import Errors

USER_DATA_KEY = "spacy_rnn_lm"
LOG2E = 1.0 / math.log(2.0)


def lm_annotations(doc: Doc) -> Optional[Dict[str, numpy.ndarray]]:
    """The LM's arrays of a Doc (``{"logp", "unk"}``), or None if it was not scored."""
    return doc.user_data.get(USER_DATA_KEY)


def _token_logp(token: Token) -> Optional[float]:
    data = lm_annotations(token.doc)
    if data is None:
        return None
    v = float(data["logp"][token.i])
    return None if math.isnan(v) else v


def token_surprisal(token: Token) -> Optional[float]:
    """Bits: -log2 p(token | tokens before it); None where the token is not scored."""
    lp = _token_logp(token)
    return None if lp is None else -lp * LOG2E


def token_prob(token: Token) -> Optional[float]:
    """p(token | tokens before it); None where the token is not scored."""
    lp = _token_logp(token)
    return None if lp is None else math.exp(lp)


def token_is_unk(token: Token) -> Optional[bool]:
    """Whether the token was scored as <unk>."""
    data = lm_annotations(token.doc)
    return None if data is None else bool(data["unk"][token.i])


def span_logprobs(span: Union[Doc, Span]) -> Optional[numpy.ndarray]:
    """Log-probabilities (nats, float64, NaN where unscored) of the span's tokens, or None."""
    doc = span if isinstance(span, Doc) else span.doc
    data = lm_annotations(doc)
    if data is None:
        return None
    start, end = (0, len(doc)) if isinstance(span, Doc) else (span.start, span.end)
    return numpy.asarray(data["logp"][start:end], dtype="float64")


def span_perplexity(span: Union[Doc, Span]) -> Optional[float]:
    """exp of the mean negative log-probability of the scored tokens; None if there are none."""
    lp = span_logprobs(span)
    if lp is None:
        return None
    lp = lp[~numpy.isnan(lp)]
    if lp.size == 0:
        return None
    return float(math.exp(-lp.mean()))


def span_unk_rate(span: Union[Doc, Span]) -> Optional[float]:
    """Share of the span's scored tokens scored as ``<unk>``; None if none is scored.

    Read it beside the perplexity: ``<unk>`` stands for every word outside the
    vocabulary and is a likely token, so text the LM cannot read (another language,
    gibberish, a list of names) gets a *low* perplexity with a rate near 1.
    """
    doc = span if isinstance(span, Doc) else span.doc
    data = lm_annotations(doc)
    if data is None:
        return None
    start, end = (0, len(doc)) if isinstance(span, Doc) else (span.start, span.end)
    scored = ~numpy.isnan(data["logp"][start:end])
    n = int(scored.sum())
    return None if n == 0 else float(numpy.asarray(data["unk"][start:end])[scored].sum()) / n


def span_surprisal(span: Union[Doc, Span]) -> Optional[float]:
    """Total surprisal of the span's scored tokens in bits."""
    lp = span_logprobs(span)
    return None if lp is None else float(-numpy.nansum(lp) * LOG2E)


# role -> (getter, the classes it is set on)
ROLES: Dict[str, tuple] = {
    "token_surprisal": (token_surprisal, (Token,)),
    "token_prob": (token_prob, (Token,)),
    "token_is_unk": (token_is_unk, (Token,)),
    "doc_perplexity": (span_perplexity, (Doc, Span)),
    "doc_surprisal": (span_surprisal, (Doc, Span)),
    "doc_unk_rate": (span_unk_rate, (Doc, Span)),
}
# roles added after 0.1.0: a saved ``extensions`` setting without them gets these names
ADDED_ROLES: Dict[str, str] = {"doc_unk_rate": "unk_rate"}


def check_names(names: Dict[str, str], component: str) -> Dict[str, str]:
    """The ``extensions`` setting, checked: every role named once, names non-empty strings
    (a role added since the setting was saved gets its default name)."""
    names = {**{role: n for role, n in ADDED_ROLES.items() if role not in names}, **names}
    if set(names) != set(ROLES) or not all(isinstance(v, str) and v for v in names.values()):
        raise ValueError(Errors.E108.format(name=component, names=dict(names), roles=sorted(ROLES)))
    return dict(names)


def install_extensions(names: Dict[str, str]) -> None:
    """Register the getters under ``names`` (role -> extension name); idempotent.

    A name that is already registered is left as it is, so a second pipeline or
    a second call changes nothing.
    """
    for role, name in names.items():
        getter: Callable
        getter, classes = ROLES[role]
        for cls in classes:
            if not cls.has_extension(name):
                cls.set_extension(name, getter=getter)

