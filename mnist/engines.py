"""One small adapter per engine, so the training loop (``train.py``) is written once.

Each engine has ``model`` (an ``nn.Module``), ``train_batch(xs, ys) -> (mean loss, correct)``
(forward, softmax cross-entropy, backward) and ``logits(xs) -> rows of floats`` (no graph).
Both start from the same weights for the same seed: ``initial_state`` draws them once (through
``nn``'s shared layer plan) and each engine loads them, so the two paths compare batch for batch.
"""


import math

from autograd import Tensor, no_grad
from nn import init as nn_init, lr_scheduler, optim
from nn.functional import cross_entropy
from nn.layers import fast_mlp
from nn.scalar_models import MLP

from .report import argmax

__all__ = ["ENGINES", "initial_state", "make_engine", "make_optimizer", "schedule_name", "make_scheduler"]


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


def schedule_name(text):
    """An ``--lr-schedule`` in its one written form: ``none``, ``cosine`` or ``step:N:GAMMA``.

    ``step:N`` means ``step:N:0.1`` (PyTorch's default gamma). ValueError saying what is accepted
    for anything else.
    """
    words = text.strip().lower()
    if words in ("none", "cosine"):
        return words
    parts = words.split(":")
    if parts[0] == "step" and len(parts) in (2, 3):
        try:
            size, gamma = int(parts[1]), float(parts[2]) if len(parts) == 3 else 0.1
        except ValueError:
            size = gamma = None
        if size is not None and size >= 1 and math.isfinite(gamma) and gamma > 0:
            return f"step:{size}:{gamma:g}"
    raise ValueError(f"{text!r} is not none, cosine or step:N:GAMMA (N epochs >= 1, GAMMA > 0)")


def make_scheduler(schedule, optimizer, epochs, per_epoch):
    """``(scheduler, "batch" or "epoch")`` for a ``schedule_name``, or ``(None, None)`` for none.

    ``cosine``: ``CosineAnnealingLR`` from the optimizer's rate down to 0 over the whole run,
    stepped after every batch (``T_max`` = epochs x batches per epoch). ``step:N:GAMMA``:
    ``StepLR`` multiplying the rate by GAMMA every N epochs, stepped after every epoch.
    """
    if schedule == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * per_epoch), "batch"
    if schedule.startswith("step:"):
        _, size, gamma = schedule.split(":")
        return lr_scheduler.StepLR(optimizer, step_size=int(size), gamma=float(gamma)), "epoch"
    return None, None
