"""The book's surname–nationality table: loading, grouping and the grouped split.

Shared by the preprocessing script and the benchmarks so that both see exactly
the same split: one row per ASCII-folded surname (case-insensitive) with the set
of its nationalities, split so that no folded surname is in two parts.
"""
from pathlib import Path
from typing import Tuple, Union

import numpy as np
import pandas as pd

from ..errors import Errors
from ..text import fold_name


def load_surnames(path: Union[str, Path]) -> pd.DataFrame:
    """One row per folded surname: ``surname`` (most frequent spelling), ``key``,
    ``labels`` (sorted tuple), ``count`` (summed census counts, 1 for rows without a rank)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(Errors.E008.format(path=path))
    raw = pd.read_csv(path)
    raw = raw.dropna(subset=["surname", "nationality"])
    raw["surname"] = raw["surname"].astype(str).str.strip()
    raw = raw[raw["surname"].str.len() > 0]
    raw["key"] = raw["surname"].map(lambda s: fold_name(s).lower())
    raw = raw[raw["key"].str.len() > 0]
    raw["census_count"] = pd.to_numeric(raw["census_count"], errors="coerce").fillna(1).clip(lower=1)
    grouped = raw.groupby("key", sort=True).agg(
        surname=("surname", lambda s: s.value_counts().index[0]),
        labels=("nationality", lambda s: tuple(sorted(set(s)))),
        count=("census_count", "sum"),
    ).reset_index()
    return grouped


def grouped_split(table: pd.DataFrame, *, seed: int = 0, test_fraction: float = 0.2,
                  dev_fraction: float = 0.1) -> Tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split the grouped table into train/dev/test: test is ``test_fraction`` of
    all surnames, dev is ``dev_fraction`` of the rest. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(table))
    n_test = int(round(test_fraction * len(table)))
    test_idx, rest_idx = order[:n_test], order[n_test:]
    n_dev = int(round(dev_fraction * len(rest_idx)))
    dev_idx, train_idx = rest_idx[:n_dev], rest_idx[n_dev:]
    pick = lambda idx: table.iloc[np.sort(idx)].reset_index(drop=True)
    return pick(train_idx), pick(dev_idx), pick(test_idx)
