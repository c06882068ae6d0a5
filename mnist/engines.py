"""One small adapter per engine, so the training loop (``train.py``) is written once.

Each engine has ``model`` (an ``nn.Module``), ``train_batch(xs, ys) -> (mean loss, correct)``
(forward, softmax cross-entropy, backward) and ``logits(xs) -> rows of floats`` (no graph).
Both start from the same weights for the same seed: ``initial_state`` draws them once (through
``nn``'s shared layer plan) and each engine loads them, so the two paths compare batch for batch.
"""


from autograd import Tensor, no_grad
from nn import init as nn_init, optim
from nn.functional import cross_entropy
from nn.layers import fast_mlp
from nn.scalar_models import MLP

from .report import argmax

__all__ = ["ENGINES", "initial_state", "make_engine", "make_optimizer"]


def initial_state(sizes, seed, init="he"):
    """A state dict for layers ``sizes[0] -> ... -> sizes[-1]``, drawn in order from ``Random(seed)``.

    Drawn by ``fast_mlp``, which plans and draws its layers exactly as the scalar ``MLP`` does.
    """
    return fast_mlp(sizes[0], sizes[1:], init=init, rng=seed).state_dict()


class ScalarEngine:
    """``nn.MLP`` on ``autograd.Value``: one graph node per multiply, the loss summed over a batch."""

    name = "scalar"

    def __init__(self, sizes, activation, state):
        self.model = MLP(sizes[0], sizes[1:], activation=activation)
        self.model.load_state_dict(state)

    def train_batch(self, xs, ys):
        rows = [self.model(x) for x in xs]
        loss = cross_entropy(rows, ys)
        loss.backward()
        correct = sum(argmax([v.data for v in row]) == y for row, y in zip(rows, ys))
        return loss.data, correct

    def logits(self, xs):
        with no_grad():
            return [[v.data for v in self.model(x)] for x in xs]


class FastEngine:
    """``nn.layers.fast_mlp`` on ``autograd.Tensor``: one graph node per layer for a whole batch."""

    name = "fast"

    def __init__(self, sizes, activation, state):
        self.model = fast_mlp(sizes[0], sizes[1:], activation=activation)
        self.model.load_state_dict(state)

    def train_batch(self, xs, ys):
        logits = self.model(Tensor(xs))
        loss = cross_entropy(logits, ys)
        loss.backward()
        correct = sum(argmax(row) == y for row, y in zip(logits.data, ys))
        return loss.data[0][0], correct

    def logits(self, xs):
        with no_grad():
            return self.model(Tensor(xs)).data


ENGINES = {"scalar": ScalarEngine, "fast": FastEngine}


def make_engine(name, sizes, activation, seed=0, init=None, state=None):
    """The engine ``name`` with a model of ``sizes``, from ``state`` or fresh seeded weights
    (drawn by ``init``, by default ``nn.init.for_activation(activation)``: He for relu)."""
    if state is None:
        state = initial_state(sizes, seed, init or nn_init.for_activation(activation))
    return ENGINES[name](sizes, activation, state)


def make_optimizer(name, parameters, lr):
    """``nn.optim``'s SGD, Adam or AdamW over ``parameters`` with learning rate ``lr``."""
    return {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW}[name](parameters, lr=lr)
