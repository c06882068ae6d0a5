"""Integration with the real MNIST files, when MNIST_DATA points at them; skipped otherwise."""

import hashlib
import os
from collections import Counter

import pytest
from mnist_files import REAL_MNIST

from mnist import dataset, fetch
from mnist.engines import make_engine, make_optimizer
from mnist.train import train

pytestmark = pytest.mark.skipif(
    not (REAL_MNIST and os.path.isdir(REAL_MNIST)),
    reason="set MNIST_DATA to a folder with the MNIST files to run the real-data tests")


def test_real_files_load_and_match_the_published_checksums():
    train_set, test_set = fetch.load("train", REAL_MNIST), fetch.load("test", REAL_MNIST)
    assert (len(train_set), len(test_set), train_set.size) == (60000, 10000, 784)
    assert list(test_set.labels[:5]) == [7, 2, 1, 0, 4]
    assert Counter(train_set.labels)[1] == 6742  # the most common digit in the training set
    for name, md5 in fetch.CHECKSUMS.items():
        path = os.path.join(REAL_MNIST, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                assert hashlib.md5(f.read()).hexdigest() == md5, name


@pytest.mark.parametrize("engine", ["scalar", "fast"])
def test_brief_training_is_far_above_chance(engine):
    side, hidden, n, epochs = (7, 16, 1000, 3) if engine == "scalar" else (28, 64, 3000, 1)
    train_set = dataset.downsample(dataset.balanced(fetch.load("train", REAL_MNIST), n, seed=1), side)
    test_set = dataset.downsample(dataset.first(fetch.load("test", REAL_MNIST), 1000), side)
    model = make_engine(engine, [side * side, hidden, 10], "relu", seed=1)
    optimizer = make_optimizer("adam", model.model.parameters(), 0.01 if engine == "scalar" else 0.003)
    state, _ = train(model, optimizer, train_set, test_set, epochs, 20, seed=1, log=lambda line: None)
    assert state.epochs[-1]["test_accuracy"] > 0.6  # chance is 0.1
