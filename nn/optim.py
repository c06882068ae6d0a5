"""Optimizers with PyTorch's update rules: ``SGD``, ``Adam``, ``AdamW``.

Each rule is written ONCE, as a function over one row of floats (parameter row, gradient row,
state rows -> new rows), and serves both kinds of parameter:

- scalar ``Value``s: all of them are gathered into one virtual row (their ``.data`` and
  ``.grad``), updated, and written back;
- array parameters (``.data`` a list of row lists, ``.grad`` the same shape or None): each row
  is updated; a parameter whose ``.grad`` is None is skipped, as PyTorch skips it (its step
  count does not advance). The update puts new row lists into ``.data`` (the outer list is kept).

Arithmetic follows PyTorch's single-tensor CPU code operation by operation, so one step from
the same state gives the same numbers to within a few ulps.

State rows (Adam's ``exp_avg`` / ``exp_avg_sq``, SGD's ``momentum_buffer``) are ``array('d')``:
the same float64 values, stored side by side. Rows of float objects rebuilt every step end up
scattered through memory over an epoch, and Adam on MNIST's first layer slowed from about 19
to about 29 ms a step; with the state in arrays it stays near 25 ms (medians of 8 runs each).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from array import array
from math import sqrt

from autograd import Value

from .module import is_array_parameter

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "sgd_rule", "adam_rule", "zero_grads"]


def sgd_rule(p, g, buf, lr, momentum, dampening, nesterov, weight_decay):
    """One SGD step on a row; returns (new p, new momentum buffer as array('d') or None). PyTorch's rule:

        g <- g + weight_decay * p                      (if weight_decay)
        buf <- g on the first step, else momentum * buf + (1 - dampening) * g   (if momentum)
        g <- g + momentum * buf if nesterov else buf   (if momentum)
        p <- p - lr * g
    """
    if weight_decay:
        g = [gi + weight_decay * pi for gi, pi in zip(g, p)]
    if momentum:
        if buf is None:
            buf = array("d", g)
        else:
            keep = 1 - dampening
            buf = array("d", [bi * momentum + keep * gi for bi, gi in zip(buf, g)])
        g = [gi + momentum * bi for gi, bi in zip(g, buf)] if nesterov else buf
    return [pi - lr * gi for pi, gi in zip(p, g)], buf


def adam_rule(p, g, m, v, step, lr, beta1, beta2, eps, weight_decay, decoupled):
    """One Adam (or AdamW, ``decoupled=True``) step on a row at step number ``step`` (from 1).

    Returns (new p, new m, new v), m and v as ``array('d')``. PyTorch's rule:

        p <- p * (1 - lr * weight_decay)         (AdamW)   |   g <- g + weight_decay * p   (Adam)
        m <- beta1 m + (1 - beta1) g              (as torch.lerp: m + (1 - beta1)(g - m))
        v <- beta2 v + (1 - beta2) g**2
        p <- p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
    """
    if weight_decay and not decoupled:
        g = [gi + weight_decay * pi for gi, pi in zip(g, p)]
    w = 1 - beta1
    if abs(w) < 0.5:  # torch.lerp's two forms, for the same rounding
        m = array("d", [mi + w * (gi - mi) for mi, gi in zip(m, g)])
    else:
        keep = 1 - w
        m = array("d", [gi - (gi - mi) * keep for mi, gi in zip(m, g)])
    w2 = 1 - beta2
    v = array("d", [vi * beta2 + w2 * gi * gi for vi, gi in zip(v, g)])
    step_size = lr / (1 - beta1 ** step)
    bc2_sqrt = (1 - beta2 ** step) ** 0.5
    neg = -step_size
    if weight_decay and decoupled:  # the shrink fused into the update: same operations, one pass fewer
        shrink = 1 - lr * weight_decay
        p = [pi * shrink + neg * mi / (sqrt(vi) / bc2_sqrt + eps) for pi, mi, vi in zip(p, m, v)]
    else:
        p = [pi + neg * mi / (sqrt(vi) / bc2_sqrt + eps) for pi, mi, vi in zip(p, m, v)]
    return p, m, v


def zero_grads(values, arrays):
    """Each Value's ``grad`` to 0.0 and each array parameter's to None (PyTorch's default)."""
    for v in values:
        v.grad = 0.0
    for a in arrays:
        a.grad = None


class Optimizer:
    """Base: holds Values (one virtual row) and array parameters; ``step()`` applies ``_update``.

    Subclasses set ``hyperparameters`` (names of attributes, saved in the state dict) and
    ``_update(slot, p_rows, g_rows)``, which replaces each row of ``p_rows`` (and of its state)
    as soon as its new value is known, keeping per-slot state in ``self.state[slot]``
    (slot 0 is the Values' virtual row, slot k >= 1 the k-th array parameter).
    """

    hyperparameters: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Any]) -> None:
        params = list(params)
        name = type(self).__name__
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        self.values, self.arrays = [], []
        for i, p in enumerate(params):
            if isinstance(p, Value):
                self.values.append(p)
            elif is_array_parameter(p):
                self.arrays.append(p)
            else:
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Value or array parameter")
        self.state: list[dict[str, Any] | None] = [None] * (1 + len(self.arrays))

    def _check(self, name, value, low=0.0):
        if not value >= low:
            raise ValueError(f"{type(self).__name__}: {name} must be >= {low}, got {value!r}")

    def _update(self, slot: int, ps: Any, gs: Any) -> None:
        """Apply this optimizer's rule to the rows ``ps`` with gradients ``gs`` (state slot ``slot``)."""
        raise NotImplementedError

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        if self.values:
            vals = self.values
            rows = [[v.data for v in vals]]
            self._update(0, rows, [[v.grad for v in vals]])
            for v, x in zip(vals, rows[0]):
                v.data = x
        for k, a in enumerate(self.arrays, 1):
            if a.grad is not None:
                if len(a.grad) != len(a.data) or len(a.grad[0]) != len(a.data[0]):
                    raise ValueError(f"{type(self).__name__}: array parameter {k - 1} "
                                     f"({getattr(a, 'label', '') or 'unlabelled'}) has data {len(a.data)}x"
                                     f"{len(a.data[0])} but grad {len(a.grad)}x{len(a.grad[0])}")
                self._update(k, a.data, a.grad)

    def zero_grad(self) -> None:
        """Values' ``grad`` to 0.0; array parameters' ``grad`` to None (PyTorch's default)."""
        zero_grads(self.values, self.arrays)

    def _shapes(self):
        shapes = [[len(self.values)]] if self.values else [[]]
        return shapes + [[len(r) for r in a.data] for a in self.arrays]

    def state_dict(self) -> dict[str, Any]:
        """Everything ``step()`` depends on besides the parameters, as a JSON-ready copy::

            {"optimizer": "Adam",                       # the class name, checked on loading
             "hyperparameters": {"lr": 0.003, "betas": [0.9, 0.999], "eps": 1e-08,
                                 "weight_decay": 0.0},  # SGD: lr, momentum, dampening,
                                                        # nesterov, weight_decay
             "state": [slot 0, slot 1, ...]}

        ``state`` has one slot per parameter group in ``step()``'s order: slot 0 for all the
        scalar ``Value``s together (one virtual row of ``len(values)``), then slot k for the
        k-th array parameter (its rows are the parameter's ``.data`` rows). A slot is None until
        the first step that touches it, then ``{"step": int, ...}`` with rows of floats of the
        parameter's shape: Adam and AdamW keep ``exp_avg`` and ``exp_avg_sq``; SGD keeps
        ``momentum_buffer`` (None without momentum; plain SGD keeps no state at all).
        ``json.dumps`` takes it as is (tuples become lists). Unlike PyTorch's
        ``{"state": {index: ...}, "param_groups": [...]}`` there is one group, so the
        hyperparameters sit at the top level.
        """
        def copy(x):
            return [list(r) for r in x] if isinstance(x, list) else x
        return {
            "optimizer": type(self).__name__,
            "hyperparameters": {h: getattr(self, h) for h in self.hyperparameters},
            "state": [None if s is None else {k: copy(x) for k, x in s.items()} for s in self.state],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned (or its JSON round trip) into this optimizer.

        The optimizer must be built over the same parameters in the same order: the class
        name, the hyperparameters' names, the number of slots and every row's length are
        checked first, and a ValueError names the first mismatch with nothing changed. The
        hyperparameters (``lr`` included) are restored too, as PyTorch restores its
        param_groups; the state rows are copied, so later steps do not change ``state``.
        """
        name = type(self).__name__
        if not isinstance(state, dict) or state.get("optimizer") != name:
            got = state.get("optimizer") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"{name}.load_state_dict: this is a state dict for {got!r}")
        hyper = state.get("hyperparameters")
        if not isinstance(hyper, dict) or set(hyper) != set(self.hyperparameters):
            raise ValueError(f"{name}.load_state_dict: 'hyperparameters' must have exactly "
                             f"{list(self.hyperparameters)}")
        slots = state.get("state")
        if not isinstance(slots, list) or len(slots) != len(self.state):
            raise ValueError(f"{name}.load_state_dict: 'state' must list {len(self.state)} slots "
                             f"(Values, then {len(self.arrays)} array parameters)")
        for i, (slot, shape) in enumerate(zip(slots, self._shapes())):
            if slot is None:
                continue
            if not isinstance(slot, dict) or not isinstance(slot.get("step"), int):
                raise ValueError(f"{name}.load_state_dict: state[{i}] needs an int 'step'")
            for key, rows in slot.items():
                if key != "step" and rows is not None and (
                        not isinstance(rows, list) or [len(r) for r in rows] != shape):
                    raise ValueError(f"{name}.load_state_dict: state[{i}][{key!r}] does not match "
                                     f"the parameter's shape (row lengths {shape})")
        restored = [None if s is None else {k: self._rows(i, k, x) if isinstance(x, list) else x
                                            for k, x in s.items()} for i, s in enumerate(slots)]
        for h in self.hyperparameters:
            setattr(self, h, tuple(hyper[h]) if isinstance(hyper[h], list) else hyper[h])
        self.state = restored

    def _rows(self, i, key, rows):
        try:
            return [array("d", map(float, r)) for r in rows]
        except (TypeError, ValueError):
            raise ValueError(f"{type(self).__name__}.load_state_dict: state[{i}][{key!r}] holds "
                             f"something that is not a number") from None


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""

    hyperparameters = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.nesterov, self.weight_decay = nesterov, weight_decay
        for h in ("lr", "momentum", "weight_decay"):
            self._check(h, getattr(self, h))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")

    def _update(self, slot, ps, gs):
        lr, mom, wd = self.lr, self.momentum, self.weight_decay
        if not mom and not wd:  # plain SGD: a row with all-zero gradient stays exactly as it is
            for i, (p, g) in enumerate(zip(ps, gs)):
                if any(g):
                    ps[i] = [pi - lr * gi for pi, gi in zip(p, g)]
            return
        s = self.state[slot]
        if s is None:
            s = self.state[slot] = {"step": 0, "momentum_buffer": None}
        bufs = s["momentum_buffer"] or [None] * len(ps)
        for i, (p, g, b) in enumerate(zip(ps, gs, bufs)):
            ps[i], bufs[i] = sgd_rule(p, g, b, lr, mom, self.dampening, self.nesterov, wd)
        s["step"] += 1
        s["momentum_buffer"] = bufs if mom else None


class Adam(Optimizer):
    """Adam (Kingma & Ba) with PyTorch's bias correction and L2-style ``weight_decay``."""

    hyperparameters = ("lr", "betas", "eps", "weight_decay")
    decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, tuple(betas), eps, weight_decay
        for h in ("lr", "eps", "weight_decay"):
            self._check(h, getattr(self, h))
        if len(self.betas) != 2 or not all(0.0 <= b < 1.0 for b in self.betas):
            raise ValueError(f"{type(self).__name__}: betas must be two numbers in [0, 1), got {betas!r}")

    def _update(self, slot, ps, gs):
        s = self.state[slot]
        if s is None:
            s = self.state[slot] = {"step": 0, "exp_avg": [array("d", [0.0]) * len(p) for p in ps],
                                    "exp_avg_sq": [array("d", [0.0]) * len(p) for p in ps]}
        s["step"] += 1
        t, (b1, b2) = s["step"], self.betas
        ms, vs = s["exp_avg"], s["exp_avg_sq"]
        # each row is replaced as soon as it is done, so at most one old row is alive beside the
        # new ones (not a second copy of the whole parameter and its state)
        for i, (p, g, m, v) in enumerate(zip(ps, gs, ms, vs)):
            ps[i], ms[i], vs[i] = adam_rule(p, g, m, v, t, self.lr, b1, b2, self.eps, self.weight_decay,
                                            self.decoupled)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p <- p (1 - lr wd) before the step."""

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
