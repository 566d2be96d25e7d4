"""Next-word suggestions and sampled continuations from the LM's torch module."""
import math
from typing import List, Optional, Tuple

import torch

from .torch_model import WordRNNLM
from .vocab import EOS, LMVocab


def next_logprobs(module: WordRNNLM, ids: List[int]) -> Tuple[torch.Tensor, object]:
    """Natural-log probabilities over the vocabulary of the word after ``ids``, and the state."""
    module.eval()
    with torch.no_grad():
        h, hidden = module.encode(torch.tensor(ids, dtype=torch.int64).unsqueeze(1), None)
        lp = module.full_logprobs(h[-1])[0]
    return lp, hidden


def top_words(module: WordRNNLM, vocab: LMVocab, ids: List[int], k: int,
              include_unk: bool) -> List[Tuple[str, float]]:
    """The k most probable words after ``ids``, as (word, probability)."""
    lp, _ = next_logprobs(module, ids)
    if not include_unk:
        lp = lp.clone()
        lp[vocab.unk_id] = -math.inf
    vals, idx = torch.topk(lp, min(k, lp.shape[0]))
    return [(vocab.words[i], float(math.exp(v))) for v, i in zip(vals.tolist(), idx.tolist())]


def sample_words(module: WordRNNLM, vocab: LMVocab, ids: List[int], n_words: int, *,
                 temperature: float, seed: Optional[int], include_unk: bool) -> List[str]:
    """``n_words`` words sampled one by one after ``ids``.

    A private torch Generator draws them, so a ``seed`` makes the output
    reproducible and the global RNG state is left alone.
    """
    gen = torch.Generator()
    gen.manual_seed(int(seed) if seed is not None else int(torch.randint(0, 2**31 - 1, (1,)).item()))
    module.eval()
    words: List[str] = []
    with torch.no_grad():
        h, hidden = module.encode(torch.tensor(ids, dtype=torch.int64).unsqueeze(1), None)
        last = h[-1]
        for _ in range(n_words):
            lp = module.full_logprobs(last)[0] / float(temperature)
            if not include_unk:
                lp[vocab.unk_id] = -math.inf
            nxt = int(torch.multinomial(torch.softmax(lp, dim=-1), 1, generator=gen).item())
            words.append(vocab.words[nxt])
            h, hidden = module.encode(torch.tensor([[nxt]], dtype=torch.int64), hidden)
            last = h[-1]
    return words


def join_words(text: str, words: List[str]) -> str:
    """``text`` followed by ``words``, space-separated, ``<eos>`` written as a line break."""
    text = text.rstrip()
    for w in words:
        if w == EOS:
            text += "\n"
        elif not text or text.endswith("\n"):
            text += w
        else:
            text += " " + w
    return text
