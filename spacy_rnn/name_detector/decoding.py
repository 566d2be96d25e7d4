"""From per-token O/B/I probabilities to name spans: BIO decoding with a threshold, edge trimming."""
from typing import List, Sequence

import numpy as np
from spacy.tokens import Doc, Span

# The columns of every detector model's rows, in this order.
TAGS = ("O", "B", "I")
O, B, I = range(len(TAGS))
SPAN_LABEL = "PERSON"

# a trailing possessive is not part of the name ("Maria's" -> "Maria")
_EDGE_NON_NAME = {"'s", "’s", "'", "’", "s"}


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax: tag logits -> tag probabilities."""
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)


def decode_names(docs: Sequence[Doc], probs: np.ndarray, threshold: float) -> List[List[Span]]:
    """Name spans per Doc from ``probs`` (one O/B/I row per token of all docs, in order).

    A token is inside a name when P(B)+P(I) >= threshold; a name starts at an inside
    token that follows an outside one, or whose P(B) >= P(I). Edge tokens without
    letters/digits and a trailing possessive are trimmed off; spans never overlap.
    """
    inside = (1.0 - probs[:, O]) >= threshold
    begin = probs[:, B] >= probs[:, I]
    lengths = np.array([len(doc) for doc in docs], dtype="int64")
    starts = np.concatenate([[0], np.cumsum(lengths)])
    out: List[List[Span]] = [[] for _ in docs]
    positions = np.flatnonzero(inside)
    if not len(positions):
        return out
    doc_of = np.searchsorted(starts, positions, side="right") - 1
    cur_doc, span_start, span_end = -1, -1, -1
    for pos, d in zip(positions.tolist(), doc_of.tolist()):
        i = pos - int(starts[d])
        if d != cur_doc or i != span_end or begin[pos]:
            if cur_doc >= 0:
                _add_trimmed(out[cur_doc], docs[cur_doc], span_start, span_end)
            cur_doc, span_start = d, i
        span_end = i + 1
    _add_trimmed(out[cur_doc], docs[cur_doc], span_start, span_end)
    return out


def _add_trimmed(spans: List[Span], doc: Doc, start: int, end: int) -> None:
    """Append Span(start, end) without edge tokens that cannot be part of a name:
    tokens with no letter or digit (emoji, punctuation) and a trailing possessive 's."""
    while start < end and not any(c.isalnum() for c in doc[start].text):
        start += 1
    while end > start and (not any(c.isalnum() for c in doc[end - 1].text)
                           or (end - 1 > start and doc[end - 1].lower_ in _EDGE_NON_NAME)):
        end -= 1
    if end > start:
        spans.append(Span(doc, start, end, label=SPAN_LABEL))
