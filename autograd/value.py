"""The scalar node: one float, its gradient, and the op that made it.

Each arithmetic method looks up its rule in ``scalar_ops`` and records the inputs as the
new node's parents. There are no closures, so building a graph creates no reference
cycles and the whole graph is freed by reference counting as soon as it is dropped.
"""

import collections
import contextlib
import numbers

from . import scalar_ops as ops
from .graph import Step, backprop, gc_paused, topological_order

__all__ = ["Value", "sum", "no_grad", "enable_grad", "is_grad_enabled"]

_grad_enabled = True
_step_check = None  # set by anomaly.detect_anomaly() to check each backward step


def is_grad_enabled():
    """True unless inside ``no_grad()``."""
    return _grad_enabled


@contextlib.contextmanager
def _grad_mode(enabled):
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad():
    """Context manager: ops inside it compute values but record no graph (results are leaves)."""
    return _grad_mode(False)


def enable_grad():
    """Context manager: turn recording back on inside a ``no_grad()`` block."""
    return _grad_mode(True)


def _as_float(x, op):
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{op}: expected a number or Value, got {type(x).__name__}")


def _as_value(x, op):
    if isinstance(x, Value):
        return x
    return Value(_as_float(x, op))


def _node(data, parents, op, ctx=None):
    """A new node; its parents and op are recorded only while grad mode is on."""
    node = Value.__new__(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._ctx = ctx
    if _grad_enabled:
        node._parents = parents
        node._op = op
    else:
        node._parents = ()
        node._op = None
    return node


def _unary(op, a):
    return _node(op.forward(a.data), (a,), op)


def _binary(op, a, b):
    return _node(op.forward(a.data, b.data), (a, b), op)


class Value:
    """A scalar in a computation graph.

    ``data`` is the float; ``grad`` is d(root)/d(this node) after ``root.backward()``
    (0.0 until a pass reaches it). ``parents`` are the inputs of the op that made it, in
    order; ``op`` is that op's name ("" for a leaf). ``label`` is free text for display.

    Gradients of leaves (nodes with no parents) accumulate across backward passes, as
    PyTorch's ``.grad`` does; an interior node's grad is reset at the start of each pass
    that reaches it, so it always shows the gradient of the most recent pass.
    """

    __slots__ = ("data", "grad", "label", "_parents", "_op", "_ctx")

    def __init__(self, data, label=""):
        self.data = _as_float(data, "Value")
        self.grad = 0.0
        self.label = label
        self._parents = ()
        self._op = None
        self._ctx = None

    @property
    def parents(self):
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        return self._parents

    @property
    def op(self):
        """The name of the op that made this node, or "" for a leaf."""
        return self._op.name if self._op is not None else ""

    def __repr__(self):
        label = f"label={self.label!r}, " if self.label else ""
        op = f"op={self.op!r}, " if self._op is not None else ""
        return f"Value({label}{op}data={self.data!r}, grad={self.grad!r})"

    # arithmetic: each names its rule in scalar_ops

    def __add__(self, other):
        return _binary(ops.Add, self, _as_value(other, "add"))

    def __radd__(self, other):
        return _binary(ops.Add, _as_value(other, "add"), self)

    def __sub__(self, other):
        return _binary(ops.Sub, self, _as_value(other, "sub"))

    def __rsub__(self, other):
        return _binary(ops.Sub, _as_value(other, "sub"), self)

    def __mul__(self, other):
        return _binary(ops.Mul, self, _as_value(other, "mul"))

    def __rmul__(self, other):
        return _binary(ops.Mul, _as_value(other, "mul"), self)

    def __truediv__(self, other):
        return _binary(ops.Div, self, _as_value(other, "div"))

    def __rtruediv__(self, other):
        return _binary(ops.Div, _as_value(other, "div"), self)

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            return _binary(ops.PowValue, self, exponent)
        c = _as_float(exponent, "pow")
        return _node(ops.PowNumber.forward(self.data, c), (self,), ops.PowNumber, c)

    def __rpow__(self, base):
        return _binary(ops.PowValue, _as_value(base, "pow"), self)

    def __neg__(self):
        return _unary(ops.Neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary(ops.Abs, self)

    def abs(self):
        return _unary(ops.Abs, self)

    def exp(self):
        return _unary(ops.Exp, self)

    def log(self):
        return _unary(ops.Log, self)

    def sqrt(self):
        return _unary(ops.Sqrt, self)

    def tanh(self):
        return _unary(ops.Tanh, self)

    def sigmoid(self):
        return _unary(ops.Sigmoid, self)

    def relu(self):
        return _unary(ops.Relu, self)

    @staticmethod
    def sum(terms):
        """One node for many terms (numbers or Values): ``Value.sum([a, b, 2.0])``."""
        parents = tuple([_as_value(t, "sum") for t in terms])
        return _node(ops.Sum.forward(*[p.data for p in parents]) + 0.0, parents, ops.Sum)

    # the graph

    def backward(self, grad=1.0):
        """Fill ``.grad`` of every node this one depends on: d(self)/d(node), times ``grad``.

        Iterative, so graphs of any depth work. Leaves accumulate; see the class docstring.
        """
        with gc_paused():
            collections.deque(self._backprop(grad), maxlen=0)

    def backward_steps(self, grad=1.0):
        """The backward pass one chain-rule step at a time: yields a ``Step`` per interior node.

        Each step has already been applied when it is yielded, so at a breakpoint the parents'
        ``.grad`` show the new contributions. Running it to the end is exactly ``backward()``.
        """
        return (Step(*step) for step in self._backprop(grad))

    def _backprop(self, grad):
        steps = backprop(self, _as_float(grad, "backward"), _zero, _accumulate)
        return steps if _step_check is None else _step_check(steps)

    def zero_grad(self):
        """Set ``grad`` to 0.0 on every node of this graph (leaves included)."""
        for node in topological_order(self):
            node.grad = 0.0

    def detach(self):
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, self.label)


def _zero(node):
    node.grad = 0.0


def _accumulate(node, contribution):
    node.grad += contribution


def sum(terms):  # noqa: A001 - mirrors torch.sum; the builtin is still builtins.sum
    """One node for many terms: ``autograd.sum(w * x for w, x in zip(ws, xs))``."""
    return Value.sum(terms)
