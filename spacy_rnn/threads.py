"""Temporarily set torch's intra-op thread count around inference.

On small shared machines one thread is often faster than several (measured on
this project's 2-core machine: 2 threads ran the name models 2–4× slower while
other jobs used the second core), so components expose ``n_threads`` and apply
it only while they predict, restoring the caller's setting afterwards.
"""
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(n_threads: int):
    """Use ``n_threads`` torch threads inside the block; 0 or None leaves the setting alone."""
    previous = torch.get_num_threads()
    change = bool(n_threads) and n_threads > 0 and n_threads != previous
    if change:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        if change:
            torch.set_num_threads(previous)
