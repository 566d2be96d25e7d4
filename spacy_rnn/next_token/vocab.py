"""The LM vocabulary: which words get an id, and the id of every token of a Doc.

One rule for counting and for scoring: a whitespace token that holds a newline
is ``<eos>`` (a line ended), any other whitespace token is skipped, and a word
outside the vocabulary is ``<unk>``.
"""
from collections import Counter
from typing import Dict, Iterable, List, Sequence, Tuple, Union

import numpy
from spacy.attrs import ORTH
from spacy.tokens import Doc

from ..errors import Errors

UNK = "<unk>"
EOS = "<eos>"
ORTH_CACHE_SIZE = 500_000  # the cache of ORTH hash -> LM id is cleared beyond this


def build_vocab(counts: Counter, *, min_count: int, max_size: int) -> List[str]:
    """Frequency-sorted vocabulary (ties by spelling) with <unk> and <eos> always in it.

    Words seen at least ``min_count`` times are kept (at most ``max_size`` of
    them when ``max_size > 0``, the special tokens included); every other word
    maps to ``<unk>``. Sorting by frequency is what the adaptive softmax needs.
    """
    kept = [(n, w) for w, n in counts.items() if n >= min_count and w not in (UNK, EOS)]
    n_unk = counts.get(UNK, 0) + sum(n for w, n in counts.items() if n < min_count and w not in (UNK, EOS))
    kept.append((max(n_unk, 1), UNK))
    kept.append((max(counts.get(EOS, 0), 1), EOS))
    kept.sort(key=lambda nw: (-nw[0], nw[1]))
    words = [w for _, w in kept]
    if max_size and len(words) > max_size:
        dropped = words[max_size:]
        words = words[:max_size]
        for special in (UNK, EOS):
            if special in dropped:
                words[-1 if special == UNK else -2] = special
    return words


def count_tokens(docs: Iterable[Doc]) -> Counter:
    """Counts of the words the LM sees in ``docs`` (newline tokens as <eos>)."""
    counts: Counter = Counter()
    for doc in docs:
        for tok in doc:
            text = tok.text
            if text.isspace() or not text:
                if "\n" in text:
                    counts[EOS] += 1
                continue
            counts[text] += 1
    return counts


class LMVocab:
    """Maps token texts to LM ids: their own, <unk>, <eos>, or -1 (not scored)."""

    def __init__(self, words: Sequence[str], *, name: str):
        for special in (UNK, EOS):
            if special not in words:
                raise ValueError(Errors.E105.format(name=name, token=special))
        self.words = list(words)
        self.word2id: Dict[str, int] = {w: i for i, w in enumerate(self.words)}
        self.unk_id = self.word2id[UNK]
        self.eos_id = self.word2id[EOS]
        self._orth_ids: Dict[int, int] = {}  # ORTH hash -> LM id, see token_ids

    def text_id(self, text: str) -> int:
        idx = self.word2id.get(text)
        if idx is not None:
            return idx
        if text.isspace() or not text:
            return self.eos_id if "\n" in text else -1
        return self.unk_id

    def token_ids(self, doc: Union[Doc, Sequence[str]]) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """(positions, ids, is_unk) of the tokens that are scored."""
        if isinstance(doc, Doc):
            # one dict look-up per token on the ORTH hashes, with an id cache per hash
            orths = doc.to_array(ORTH).tolist()
            cache = self._orth_ids
            vals = [cache.get(o) for o in orths]
            if None in vals:
                if len(cache) > ORTH_CACHE_SIZE:
                    cache.clear()
                strings = doc.vocab.strings
                for j, v in enumerate(vals):
                    if v is None:
                        vals[j] = cache[orths[j]] = self.text_id(strings[orths[j]])
        else:
            vals = [self.text_id(text) for text in doc]
        arr = numpy.asarray(vals, dtype="int64")
        pos = numpy.flatnonzero(arr >= 0)
        ids = arr[pos]
        return pos, ids, ids == self.unk_id
