"""Check backward() against central differences: the test every op rule must pass.

For each input entry x_k the numeric derivative is

    (f(x_k + eps) - f(x_k - eps)) / (2 eps)

and it must agree with the gradient backward() left in the entry:

    |analytic - numeric| <= atol + rtol * |numeric|

The loop reads and perturbs inputs only through an *adapter* (``ValueAdapter`` for the
scalar ``Value``), so another kind of node joins by registering its own adapter with
``register_adapter`` instead of editing this loop.
"""

import math

from .value import Value, enable_grad, no_grad

__all__ = ["gradcheck", "GradcheckError", "ValueAdapter", "register_adapter"]


class GradcheckError(AssertionError):
    """backward() disagrees with central differences.

    Attributes of the worst entry: ``index`` (position in ``inputs``), ``label``, ``key``
    (the entry inside that input, None for a scalar), ``analytic``, ``numeric``.
    """

    def __init__(self, message, index, label, key, analytic, numeric):
        super().__init__(message)
        self.index, self.label, self.key = index, label, key
        self.analytic, self.numeric = analytic, numeric


class ValueAdapter:
    """How gradcheck reads, perturbs, saves and restores a scalar ``Value``: one entry, key None."""

    node_type = Value

    @staticmethod
    def keys(node):
        return (None,)

    @staticmethod
    def describe(key):
        return ""

    @staticmethod
    def get(node, key):
        return node.data

    @staticmethod
    def set(node, key, x):
        node.data = x

    @staticmethod
    def grad(node, key):
        return node.grad

    @staticmethod
    def save(node):
        return node.data, node.grad

    @staticmethod
    def restore(node, saved):
        node.data, node.grad = saved

    @staticmethod
    def clear_grad(node):
        node.grad = 0.0

    @staticmethod
    def scalar(out):
        return out.data


# newest first, so a registered adapter for a subclass wins over a base class's
_adapters = [ValueAdapter]


def register_adapter(adapter):
    """Teach gradcheck another node type: ``adapter`` has the methods of ``ValueAdapter``.

    ``scalar(out)`` returns the output as a float (or raises if it is not one number);
    ``out.backward()`` must then fill the inputs' gradients.
    """
    _adapters.insert(0, adapter)


def _adapter_for(node, what):
    for adapter in _adapters:
        if isinstance(node, adapter.node_type):
            return adapter
    raise TypeError(f"gradcheck: {what} must be a Value (or a registered node type), "
                    f"got {type(node).__name__}")


def _evaluate(f, inputs):
    """f(*inputs) as a float, recording no graph."""
    with no_grad():
        out = f(*inputs)
    return _adapter_for(out, "f's result").scalar(out)


def _analytic(f, inputs, adapters):
    """Gradients of f(*inputs) from backward(), one list of floats per input."""
    for node, adapter in zip(inputs, adapters):
        adapter.clear_grad(node)
    with enable_grad():
        out = f(*inputs)
    _adapter_for(out, "f's result").scalar(out)  # rejects a non-scalar result before backward
    out.backward()
    return [[adapter.grad(node, key) for key in adapter.keys(node)]
            for node, adapter in zip(inputs, adapters)]


def _numeric(f, inputs, node, adapter, key, eps):
    """Central difference of f in one entry of one input; the entry is put back afterwards."""
    x = adapter.get(node, key)
    try:
        adapter.set(node, key, x + eps)
        above = _evaluate(f, inputs)
        adapter.set(node, key, x - eps)
        below = _evaluate(f, inputs)
    except Exception as error:
        error.add_note(f"gradcheck: while evaluating f with an input entry moved {eps} away from {x!r}")
        raise
    finally:
        adapter.set(node, key, x)
    return (above - below) / (2 * eps)


def _excess(analytic, numeric, atol, rtol):
    """|analytic - numeric| in units of the allowed error; above 1 is a mismatch."""
    error, allowed = abs(analytic - numeric), atol + rtol * abs(numeric)
    if error <= allowed:
        return 0.0
    if math.isnan(error) or allowed <= 0:  # a NaN on either side is never a match
        return math.inf
    return error / allowed


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """True if backward() of ``f(*inputs)`` matches central differences in every input entry.

    ``f`` takes the inputs as positional arguments (``inputs``: a list of nodes, or one node)
    and returns a scalar node. The inputs' ``data`` and ``grad`` are restored afterwards, also
    when something raises. On a mismatch raises ``GradcheckError`` naming the worst entry
    (largest |analytic - numeric| in units of atol + rtol * |numeric|) with both numbers.
    """
    if any(isinstance(inputs, adapter.node_type) for adapter in _adapters):
        inputs = [inputs]  # a single input node
    inputs = list(inputs)
    adapters = [_adapter_for(node, f"input {i}") for i, node in enumerate(inputs)]
    saved = [adapter.save(node) for node, adapter in zip(inputs, adapters)]
    try:
        analytic = _analytic(f, inputs, adapters)
        worst, failures, total = None, 0, 0
        for i, (node, adapter) in enumerate(zip(inputs, adapters)):
            for key, a in zip(adapter.keys(node), analytic[i]):
                n = _numeric(f, inputs, node, adapter, key, eps)
                excess = _excess(a, n, atol, rtol)
                total += 1
                if excess > 1:
                    failures += 1
                    if worst is None or excess > worst[0]:
                        worst = (excess, i, node, adapter, key, a, n)
    finally:
        for node, adapter, state in zip(inputs, adapters, saved):
            adapter.restore(node, state)
    if worst is not None:
        _, i, node, adapter, key, a, n = worst
        label = getattr(node, "label", "")
        raise GradcheckError(
            f"gradcheck: input {i}{adapter.describe(key)} (label {label!r}): analytic {a:.8g} vs "
            f"numeric {n:.8g}, |difference| {abs(a - n):.3g} > atol {atol} + rtol {rtol} * |numeric|"
            f" ({failures} of {total} entries disagree)",
            i, label, key, a, n)
    return True
