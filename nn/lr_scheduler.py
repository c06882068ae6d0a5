"""Learning-rate schedules with PyTorch's names and meanings: ``StepLR``, ``CosineAnnealingLR``.

A scheduler wraps an optimizer from ``nn.optim`` (anything with a number ``lr``) and sets
``optimizer.lr`` each time ``step()`` is called: once per epoch or once per batch, whichever
the caller chooses (``T_max`` and ``step_size`` count those calls). Call it after
``optimizer.step()``, as in PyTorch. Constructing a scheduler takes the initial step
(``last_epoch`` becomes 0, the learning rate stays the base one).

``CosineAnnealingLR.step()`` follows PyTorch's recursive update operation by operation, so it
gives the same floats as ``torch.optim.lr_scheduler.CosineAnnealingLR`` (docs/schedules.md says
how far that is from the closed form, and why). ``StepLR`` uses its closed form.
"""

from __future__ import annotations

from typing import Any

import math
from numbers import Real

__all__ = ["LRScheduler", "StepLR", "CosineAnnealingLR"]


def _is_number(x):
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(x)


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


class LRScheduler:
    """Base: holds ``optimizer``, ``base_lr``, ``last_epoch``; ``step()`` sets ``optimizer.lr = _next_lr()``.

    Subclasses set ``hyperparameters`` (names saved in the state dict), ``_check_hyperparameter``
    and ``_next_lr()``, which computes the rate for ``last_epoch`` (already advanced).
    """

    hyperparameters: tuple[str, ...] = ()

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        name = type(self).__name__
        lr = getattr(optimizer, "lr", None)
        if not _is_number(lr):
            raise TypeError(f"{name}: optimizer must have a finite number 'lr' (an nn.optim optimizer), "
                            f"got a {type(optimizer).__name__} whose lr is {lr!r}")
        if not _is_int(last_epoch) or last_epoch < -1:
            raise ValueError(f"{name}: last_epoch must be an int >= -1, got {last_epoch!r}")
        for h in self.hyperparameters:
            self._check_hyperparameter(h, getattr(self, h), name)
        if last_epoch == -1:
            if not _is_number(getattr(optimizer, "initial_lr", None)):
                optimizer.initial_lr = lr  # as PyTorch's group.setdefault("initial_lr", lr)
        elif not _is_number(getattr(optimizer, "initial_lr", None)):
            raise ValueError(f"{name}: last_epoch={last_epoch} resumes a schedule but the optimizer has no "
                             f"'initial_lr'; resume with load_state_dict instead")
        self.optimizer = optimizer
        self.base_lr = optimizer.initial_lr
        self.last_epoch = last_epoch
        self._initial = True  # the constructor's step keeps the rate, as PyTorch's does
        self.step()
        self._initial = False

    def _check_hyperparameter(self, name, value, where):
        raise NotImplementedError

    def _next_lr(self):
        raise NotImplementedError

    def step(self) -> None:
        """Advance ``last_epoch`` by one and set the optimizer's learning rate for it."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr()
        self._last_lr = [self.optimizer.lr]

    def get_last_lr(self) -> list[float]:
        """The learning rate the last ``step()`` set, in a one-element list (PyTorch's shape)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """{"scheduler": name, "hyperparameters": {...}, "base_lr", "last_epoch", "last_lr"}, JSON-ready."""
        return {
            "scheduler": type(self).__name__,
            "hyperparameters": {h: getattr(self, h) for h in self.hyperparameters},
            "base_lr": self.base_lr,
            "last_epoch": self.last_epoch,
            "last_lr": self._last_lr[0],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the schedule's position; checks everything before changing anything.

        The optimizer's own state dict holds its current ``lr``; load it too, which the next
        ``step()`` of ``CosineAnnealingLR`` starts from (as in PyTorch).
        """
        name = type(self).__name__
        where = f"{name}.load_state_dict"
        if not isinstance(state, dict) or state.get("scheduler") != name:
            got = state.get("scheduler") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"{where}: this is a state dict for {got!r}")
        keys = {"scheduler", "hyperparameters", "base_lr", "last_epoch", "last_lr"}
        if set(state) != keys:
            raise ValueError(f"{where}: keys must be exactly {sorted(keys)}, got {sorted(state)}")
        hyper = state["hyperparameters"]
        if not isinstance(hyper, dict) or set(hyper) != set(self.hyperparameters):
            raise ValueError(f"{where}: 'hyperparameters' must have exactly {list(self.hyperparameters)}")
        for h in self.hyperparameters:
            self._check_hyperparameter(h, hyper[h], f"{where}: 'hyperparameters'")
        for key in ("base_lr", "last_lr"):
            if not _is_number(state[key]) or state[key] < 0:
                raise ValueError(f"{where}: {key!r} must be a finite number >= 0, got {state[key]!r}")
        if not _is_int(state["last_epoch"]) or state["last_epoch"] < 0:
            raise ValueError(f"{where}: 'last_epoch' must be an int >= 0, got {state['last_epoch']!r}")
        for h in self.hyperparameters:
            setattr(self, h, hyper[h])
        self.base_lr, self.last_epoch = state["base_lr"], state["last_epoch"]
        self._last_lr = [state["last_lr"]]


class StepLR(LRScheduler):
    """Decay by ``gamma`` every ``step_size`` steps: lr = base_lr * gamma ** (last_epoch // step_size)."""

    hyperparameters = ("step_size", "gamma")

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def _check_hyperparameter(self, name, value, where):
        if name == "step_size" and not (_is_int(value) and value >= 1):
            raise ValueError(f"{where}: step_size must be an int >= 1, got {value!r}")
        if name == "gamma" and not (_is_number(value) and value > 0):
            raise ValueError(f"{where}: gamma must be a finite number > 0, got {value!r}")

    def _next_lr(self):
        return self.base_lr * self.gamma ** (self.last_epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Cosine from base_lr down to ``eta_min`` over ``T_max`` steps, then back up (period 2 T_max):

        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi t / T_max)) / 2      (closed form)

    computed as PyTorch computes it, recursively from the optimizer's current rate:

        lr_t = (1 + cos(pi t / T_max)) / (1 + cos(pi (t - 1) / T_max)) * (lr_{t-1} - eta_min) + eta_min
        lr_t = lr_{t-1} + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2    when (t - 1 - T_max) % (2 T_max) == 0
    """

    hyperparameters = ("T_max", "eta_min")

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def _check_hyperparameter(self, name, value, where):
        if name == "T_max" and not (_is_int(value) and value >= 1):
            raise ValueError(f"{where}: T_max must be an int >= 1, got {value!r}")
        if name == "eta_min" and not (_is_number(value) and value >= 0):
            raise ValueError(f"{where}: eta_min must be a finite number >= 0, got {value!r}")

    def _next_lr(self):
        t, T, lo, lr = self.last_epoch, self.T_max, self.eta_min, self.optimizer.lr
        if self._initial:
            return lr
        if (t - 1 - T) % (2 * T) == 0:  # the step after a trough, where the ratio below would divide by 0
            return lr + (self.base_lr - lo) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - lo) + lo
