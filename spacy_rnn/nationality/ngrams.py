"""Hashed character n-grams of encoded names, as EmbeddingBag input (plain torch)."""
from typing import List, Tuple

import torch
from torch.nn import functional as F

# Word-boundary marker for n-grams (the id of " "), so "^ov" and "ov$" differ from "ov".
BOUNDARY_ID = 2
# Polynomial rolling-hash base; arithmetic stays far below 2**63 for n <= 6.
HASH_BASE = 131


def hashed_ngrams(ids: torch.Tensor, lengths: torch.Tensor, n_max: int, n_buckets: int,
                  boundary_id: int = BOUNDARY_ID, hash_base: int = HASH_BASE) -> torch.Tensor:
    """Bucket ids (batch, n_grams) of every character 1..n_max-gram of each name.

    Names are wrapped in boundary markers (like scikit-learn's ``char_wb``).
    Bucket 0 is reserved for padding. Fully vectorized: no Python loop over names.
    TorchScript compiles it (``gru_inference.compiled``), hence the constants as arguments.
    """
    batch, width = ids.shape[0], ids.shape[1]
    ext = ids.new_zeros((batch, width + 2))
    ext[:, 0] = boundary_id
    ext[:, 1 : width + 1] = ids
    ext[torch.arange(batch), lengths + 1] = boundary_id
    ext_len = lengths + 2
    buckets: List[torch.Tensor] = []
    raw = ext  # the (n-1)-grams' polynomial hashes; an n-gram's extends its first n-1 characters'
    for n in range(1, n_max + 1):
        n_win = width + 3 - n
        if n_win <= 0:
            break
        if n > 1:
            raw = raw[:, :n_win] * hash_base + ext[:, n - 1 : n - 1 + n_win]
        h = (raw * (n + 7)) % (n_buckets - 1) + 1
        valid = torch.arange(n_win).unsqueeze(0) + n <= ext_len.unsqueeze(1)
        buckets.append(torch.where(valid, h, torch.zeros_like(h)))
    return torch.cat(buckets, dim=1)


def bag_inputs(grams: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Bucket ids (batch, n_grams) as EmbeddingBag input: (flat ids, offsets, count per name).

    Padding buckets are dropped rather than passed with ``padding_idx``:
    bags then read only real rows, about 4× faster on a CPU.
    """
    present = grams > 0
    count = present.sum(dim=1)
    offsets = torch.zeros_like(count)
    offsets[1:] = count.cumsum(0)[:-1]
    return grams[present], offsets, count.clamp(min=1).unsqueeze(1)


def bag_sum(weight: torch.Tensor, flat: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Sum the rows ``flat`` of ``weight`` per name. The flat ids never hold the padding
    bucket, so the kernel's padding_idx path (measured ~10× slower on a CPU) is skipped."""
    return F.embedding_bag(flat, weight, offsets, mode="sum")
