"""The engine adapters: same seed, same weights; scalar and fast agree batch for batch."""

import pytest
from mnist_files import random_digits

from mnist import dataset
from mnist.digits import Digits
from mnist.engines import initial_state, make_engine, make_optimizer
from mnist.errors import DataError
from mnist.train import train


def test_initial_state_is_seeded_and_shaped():
    a, b = initial_state([6, 4, 10], seed=3), initial_state([6, 4, 10], seed=3)
    assert a == b and a != initial_state([6, 4, 10], seed=4)
    assert [len(a["layers.0.weight"]), len(a["layers.0.weight"][0]), len(a["layers.1.bias"])] == [4, 6, 10]


@pytest.mark.parametrize("name", ["scalar", "fast"])
def test_engine_starts_from_the_seeded_state(name):
    engine = make_engine(name, [6, 4, 10], "relu", seed=5)
    assert engine.model.state_dict() == initial_state([6, 4, 10], seed=5, init="he")
    rows = engine.logits([[0.0, 0.5, 1.0, 0.0, 0.25, 0.0]] * 3)
    assert len(rows) == 3 and all(len(r) == 10 for r in rows)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_scalar_and_fast_give_the_same_losses(optimizer):
    """The issue's check: same seed, subset and batch order -> the same loss at each of 20 batches."""
    sizes = [49, 8, 10]
    scalar = make_engine("scalar", sizes, "relu", seed=2)
    fast = make_engine("fast", sizes, "relu", seed=2)
    images, labels = random_digits(100, seed=9)
    data = dataset.downsample(Digits(images, bytes(labels)), 7)
    opts = [make_optimizer(optimizer, e.model.parameters(), 0.01) for e in (scalar, fast)]
    for indices in dataset.batches(len(data), 5, seed=1)[:20]:
        xs, ys = dataset.floats(data, indices), [data.labels[i] for i in indices]
        losses = []
        for engine, opt in zip((scalar, fast), opts):
            opt.zero_grad()
            losses.append(engine.train_batch(xs, ys))
            opt.step()
        (ls, cs), (lf, cf) = losses
        assert lf == pytest.approx(ls, rel=1e-9, abs=1e-12) and cs == cf


class NaNEngine:
    """A stand-in engine whose loss blows up on the third batch."""

    def __init__(self):
        self.calls = 0

    def train_batch(self, xs, ys):
        self.calls += 1
        return (float("nan") if self.calls == 3 else 1.0), 0

    def logits(self, xs):
        return [[0.0] * 10 for _ in xs]


class NoOptimizer:
    def zero_grad(self):
        pass

    def step(self):
        pass


def test_a_nan_loss_stops_training_with_the_batch_named():
    images, labels = random_digits(10, 2, 2)
    data = Digits(images, bytes(labels), 2, 2)
    with pytest.raises(DataError, match=r"epoch 1, batch 3: the loss is nan; try a smaller --lr"):
        train(NaNEngine(), NoOptimizer(), data, data, 1, 2, seed=0, log=lambda line: None)
