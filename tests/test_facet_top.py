"""Facet.top, which the institution facet uses to count only the values that can reach
its first places: the same counts as counting every value, for those places."""

import random

import pytest
from pyroaring import BitMap

from catalogue.index import FEW, Facet, Node


@pytest.mark.parametrize("seed", range(20))
def test_top_finds_the_values_counting_every_value_would_put_first(seed):
    rng = random.Random(seed)
    universe = range(2_000)
    bitmaps = {
        key: BitMap(rng.sample(universe, rng.randint(0, 400))) for key in range(rng.randint(1, 300))
    }
    nodes = {key: Node(key, str(key), str(key)) for key in bitmaps}
    facet = Facet(nodes, bitmaps)
    within = BitMap(rng.sample(universe, rng.randint(0, 2_000)))
    wanted = rng.randint(1, 20)

    found = facet.top(within, wanted)

    every = {key: count for key, count in facet.counts(within).items() if count}
    best = sorted(every.values(), reverse=True)[:wanted]
    assert sorted(found.values(), reverse=True)[:wanted] == best
    assert all(every[key] == count for key, count in found.items())


@pytest.mark.parametrize("seed", range(10))
def test_a_few_instruments_are_counted_from_their_own_values(seed):
    rng = random.Random(seed)
    universe = range(3_000)
    bitmaps = {
        f"k{key}": BitMap(rng.sample(universe, rng.randint(0, 600)))
        for key in range(rng.randint(1, 200))
    }
    facet = Facet({key: Node(key, key, key) for key in bitmaps}, bitmaps)
    within = BitMap(rng.sample(range(3_100), rng.randint(0, FEW)))  # some beyond them all

    found = facet.top(within, rng.randint(1, 20))

    assert found == {key: count for key, count in facet.counts(within).items() if count}
