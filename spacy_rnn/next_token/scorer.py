"""``spacy-rnn.next_token_scorer.v1``: perplexity of the Docs scored by ``next_token_scorer``."""
import math
from typing import Callable, Dict, Iterable, Optional

import numpy
from spacy.training import Example
from spacy.util import registry

from .extensions import LOG2E, lm_annotations


def score_lm(examples: Iterable[Example], **kwargs) -> Dict[str, Optional[float]]:
    """Perplexity of the predicted Docs' scored tokens, pooled over all Docs.

    ``lm_score`` = 1 / perplexity (the geometric mean of the token
    probabilities) is the higher-is-better figure ``spacy train`` selects on.
    """
    total, n, n_unk = 0.0, 0, 0
    for eg in examples:
        data = lm_annotations(eg.predicted)
        if data is None:
            continue
        lp = numpy.asarray(data["logp"], dtype="float64")
        ok = ~numpy.isnan(lp)
        total += float(-lp[ok].sum())
        n += int(ok.sum())
        n_unk += int(numpy.asarray(data["unk"])[ok].sum())
    if n == 0:
        return {"lm_score": None, "lm_perplexity": None, "lm_bits_per_token": None, "lm_unk_rate": None}
    nll = total / n
    return {
        "lm_score": math.exp(-nll),
        "lm_perplexity": math.exp(nll),
        "lm_bits_per_token": nll * LOG2E,
        "lm_unk_rate": n_unk / n,
    }


@registry.scorers("spacy-rnn.next_token_scorer.v1")
def make_lm_scorer() -> Callable:
    return score_lm
