"""``spacy-rnn.person_name_scorer.v1``: exact-span and span-overlap P/R/F of person names."""
from typing import Callable, Dict, Iterable, List, Tuple

from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

from ..util import PERSON_LABELS

CharSpans = List[Tuple[int, int]]


def _char_spans(doc: Doc, key: str, use_ents: bool) -> CharSpans:
    if key in doc.spans:
        return sorted({(s.start_char, s.end_char) for s in doc.spans[key]})
    if use_ents:
        return sorted({(e.start_char, e.end_char) for e in doc.ents if e.label_ in PERSON_LABELS})
    return []


def name_span_counts(pairs: Iterable[Tuple[CharSpans, CharSpans]]) -> Dict[str, int]:
    """Counts for exact and overlap matching over (gold, predicted) char-span lists."""
    c = dict(gold=0, pred=0, exact=0, pred_overlap=0, gold_overlap=0)
    for gold, pred in pairs:
        c["gold"] += len(gold)
        c["pred"] += len(pred)
        gold_set = set(gold)
        c["exact"] += sum(1 for p in pred if p in gold_set)
        c["pred_overlap"] += sum(1 for p in pred if any(p[0] < g[1] and g[0] < p[1] for g in gold))
        c["gold_overlap"] += sum(1 for g in gold if any(p[0] < g[1] and g[0] < p[1] for p in pred))
    return c


def prf_from_counts(c: Dict[str, int], prefix: str = "names") -> Dict[str, float]:
    """``{prefix}_p/_r/_f`` (exact spans) and ``{prefix}_overlap_p/_r/_f`` from ``name_span_counts``."""
    def f(p, r):
        return 2 * p * r / (p + r) if p + r else 0.0

    p = c["exact"] / c["pred"] if c["pred"] else 0.0
    r = c["exact"] / c["gold"] if c["gold"] else 0.0
    op = c["pred_overlap"] / c["pred"] if c["pred"] else 0.0
    orr = c["gold_overlap"] / c["gold"] if c["gold"] else 0.0
    return {f"{prefix}_p": p, f"{prefix}_r": r, f"{prefix}_f": f(p, r),
            f"{prefix}_overlap_p": op, f"{prefix}_overlap_r": orr, f"{prefix}_overlap_f": f(op, orr)}


def score_person_names(examples: Iterable[Example], *, spans_key: str, **kwargs) -> Dict[str, float]:
    """Exact-span and span-overlap P/R/F of predicted names against gold ones (by character offsets).

    Gold: ``reference.spans[spans_key]``, else PERSON/PER entities of the reference.
    Predicted: ``predicted.spans[spans_key]``. Other keyword arguments (the component's
    cfg, which ``Pipe.score`` passes) are ignored.
    """
    pairs = [(_char_spans(eg.reference, spans_key, True), _char_spans(eg.predicted, spans_key, False))
             for eg in examples]
    return prf_from_counts(name_span_counts(pairs))


@registry.scorers("spacy-rnn.person_name_scorer.v1")
def make_person_name_scorer() -> Callable:
    return score_person_names
