"""The nationality-conditioned character GRU name generator and its bundled pools."""
import json

import numpy as np
import pytest
import torch

from spacy_rnn.anonymizer.name_generator import (CHARS, KINDS, NameGenerator, NameGeneratorRNN, make_batch,
                                                 normalize_name)
from spacy_rnn.anonymizer.pseudonyms import generate_pools, keep_candidate
from spacy_rnn.util import bundled_path

BUNDLED = bundled_path("name_generator")


@pytest.fixture(scope="module")
def gen():
    torch.set_num_threads(1)
    return NameGenerator.from_disk(BUNDLED)


def test_normalize_name_folds_and_filters():
    assert normalize_name("Benalí") == "benali"
    assert normalize_name("O’Brien") == "o'brien"
    assert normalize_name("  Горбачёв ").startswith("gorbach")
    assert normalize_name("😊") == ""
    assert normalize_name("Al  Najjar!") == "al najjar"


def test_make_batch_shifts_targets():
    inputs, targets = make_batch(["ab", "c"])
    assert inputs.shape == targets.shape == (2, 3)
    assert inputs[0, 0] == 1 and targets[0, 2] == 2  # BOS in, EOS out
    assert targets[1, 2] == 0  # padding


def test_bundled_generator_has_37_nationalities(gen):
    assert len(gen.labels) == 37
    assert "Moroccan" in gen.labels and "Vietnamese" in gen.labels
    assert len(gen.training_digests) > 30000


def test_sampling_is_deterministic_and_seed_dependent(gen):
    a = gen.sample("Italian", "surname", 20, seed=7)
    b = gen.sample("Italian", "surname", 20, seed=7)
    c = gen.sample("Italian", "surname", 20, seed=8)
    assert a == b
    assert a != c
    assert all(n and set(n) <= set(CHARS) for n in a)


def test_training_name_filter(gen):
    assert gen.is_training_name("Smith")
    assert gen.is_training_name("IVANOV")
    assert not gen.is_training_name("qzxwvjkq")
    assert not keep_candidate("smith", gen)
    assert not keep_candidate("a", gen)
    assert not keep_candidate("two words", gen)
    assert not keep_candidate("bin rahimov", gen, "given")
    assert keep_candidate("bin rahimov", gen, "surname")


def test_conditioning_changes_the_distribution(gen):
    """Japanese-looking surnames are more likely under 'Japanese' than under 'Russian', and vice versa."""
    jp = ["yamamoto", "takahashi", "nakamura"]
    ru = ["ivanov", "smirnov", "kuznetsov"]
    assert gen.log_likelihood(jp, "Japanese", "surname").mean() < gen.log_likelihood(jp, "Russian", "surname").mean()
    assert gen.log_likelihood(ru, "Russian", "surname").mean() < gen.log_likelihood(ru, "Japanese", "surname").mean()


def test_bundled_pools_are_complete_novel_and_distinct(gen):
    pools = json.loads((BUNDLED / "pool.json").read_text())["pools"]
    assert sorted(pools) == sorted(gen.labels)
    for nat, kinds in pools.items():
        assert set(kinds) == set(KINDS)
        for kind, names in kinds.items():
            assert len(names) >= 300, (nat, kind)
            assert len(set(names)) == len(names)
            assert not any(gen.is_training_name(n) for n in names[:50]), (nat, kind)


def test_sampled_pool_respects_size_and_filter(gen):
    pool = generate_pools(gen, 30, lambda nat, kind: 3, temperature=0.8, nationalities=["German"], kinds=["given"],
                          rank_factor=2)["German"]["given"]
    assert len(pool) == 30 and len(set(pool)) == 30
    assert all(keep_candidate(n, gen, "given") for n in pool)


def test_tiny_generator_learns_and_round_trips(tmp_path):
    torch.manual_seed(0)
    gen = NameGenerator(["A", "B"], hidden=32, dropout=0.0)
    module = gen.module
    module.train()
    names = ["anna", "anton", "bruno", "berta"]
    inputs, targets = make_batch(names)
    nat = torch.tensor([0, 0, 1, 1])
    kind = torch.tensor([0, 0, 0, 0])
    opt = torch.optim.Adam(module.parameters(), lr=0.02)
    losses = []
    for _ in range(80):
        logits, _ = module(inputs, nat, kind)
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0] * 0.5
    module.eval()
    gen.set_training_names(names)
    assert gen.is_training_name("Anna")
    gen.to_disk(tmp_path / "g")
    loaded = NameGenerator.from_disk(tmp_path / "g")
    assert loaded.sample("B", "given", 10, seed=1) == gen.sample("B", "given", 10, seed=1)
    np.testing.assert_array_equal(loaded.training_digests, gen.training_digests)
    assert isinstance(loaded.module, NameGeneratorRNN)
