"""Check backward() against central differences: the test every op rule must pass.

For each input entry x_k the numeric derivative is

    (f(x_k + eps) - f(x_k - eps)) / (2 eps)

and it must agree with the gradient backward() left in the entry:

    |analytic - numeric| <= atol + rtol * |numeric|

The loop reads and perturbs inputs through the node contract (``autograd.node.Node``): each
kind of node says what its entries are (one for a ``Value``, one per (row, col) for a
``Tensor``) and how to read and move them, so any node and any op, built-in or a user's own
``Function``, is checked the same way, with nothing to register.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import math

from .mode import enable_grad, no_grad
from .node import Node

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """backward() disagrees with central differences.

    Attributes of the worst entry: ``index`` (position in ``inputs``), ``label``, ``key``
    (the entry inside that input, None for a scalar), ``analytic``, ``numeric``.
    """

    def __init__(self, message, index, label, key, analytic, numeric):
        super().__init__(message)
        self.index, self.label, self.key = index, label, key
        self.analytic, self.numeric = analytic, numeric


def _scalar(out, what="f's result"):
    """``out`` as one float (a Value, or a (1, 1) Tensor), or a TypeError/ValueError saying why not."""
    if not isinstance(out, Node):
        raise TypeError(f"gradcheck: {what} must be a Value or a Tensor, got {type(out).__name__}")
    try:
        return out.item()
    except ValueError as e:
        raise ValueError(f"gradcheck: {what} must be a single number: {e}") from None


def _evaluate(f, inputs):
    """f(*inputs) as a float, recording no graph."""
    with no_grad():
        out = f(*inputs)
    return _scalar(out)


def _analytic(f, inputs):
    """Gradients of f(*inputs) from backward(), one list of floats per input."""
    for node in inputs:
        node._watch_grad()
    with enable_grad():
        out = f(*inputs)
    _scalar(out)  # rejects a non-scalar result before backward
    out.backward()
    return [[node._grad_entry(key) for key in node._entries()] for node in inputs]


def _numeric(f, inputs, node, key, eps):
    """Central difference of f in one entry of one input; the entry is put back afterwards."""
    x = node._entry(key)
    try:
        node._set_entry(key, x + eps)
        above = _evaluate(f, inputs)
        node._set_entry(key, x - eps)
        below = _evaluate(f, inputs)
    except Exception as error:
        error.add_note(f"gradcheck: while evaluating f with an input entry moved {eps} away from {x!r}")
        raise
    finally:
        node._set_entry(key, x)
    return (above - below) / (2 * eps)


def _excess(analytic, numeric, atol, rtol):
    """|analytic - numeric| in units of the allowed error; above 1 is a mismatch."""
    error, allowed = abs(analytic - numeric), atol + rtol * abs(numeric)
    if error <= allowed:
        return 0.0
    if math.isnan(error) or allowed <= 0:  # a NaN on either side is never a match
        return math.inf
    return error / allowed


def _describe(key):
    return "" if key is None else f" entry [{key[0]}][{key[1]}]"


def gradcheck(f: Callable[..., Node], inputs: Node | Sequence[Node], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """True if backward() of ``f(*inputs)`` matches central differences in every input entry.

    ``f`` takes the inputs as positional arguments (``inputs``: a list of nodes, or one node)
    and returns a scalar node (a Value, or a (1, 1) Tensor). The inputs' ``data`` and ``grad``
    are restored afterwards, also when something raises. On a mismatch raises ``GradcheckError``
    naming the worst entry (largest |analytic - numeric| in units of atol + rtol * |numeric|)
    with both numbers.
    """
    inputs = [inputs] if isinstance(inputs, Node) else list(inputs)
    for i, node in enumerate(inputs):
        if not isinstance(node, Node):
            raise TypeError(f"gradcheck: input {i} must be a Value or a Tensor, got {type(node).__name__}")
    saved = [node._snapshot() for node in inputs]
    try:
        analytic = _analytic(f, inputs)
        worst, failures, total = None, 0, 0
        for i, node in enumerate(inputs):
            for key, a in zip(node._entries(), analytic[i]):
                n = _numeric(f, inputs, node, key, eps)
                excess = _excess(a, n, atol, rtol)
                total += 1
                if excess > 1:
                    failures += 1
                    if worst is None or excess > worst[0]:
                        worst = (excess, i, node, key, a, n)
    finally:
        for node, state in zip(inputs, saved):
            node._restore(state)
    if worst is not None:
        _, i, node, key, a, n = worst
        label = node.label
        raise GradcheckError(
            f"gradcheck: input {i}{_describe(key)} (label {label!r}): analytic {a:.8g} vs "
            f"numeric {n:.8g}, |difference| {abs(a - n):.3g} > atol {atol} + rtol {rtol} * |numeric|"
            f" ({failures} of {total} entries disagree)",
            i, label, key, a, n)
    return True
