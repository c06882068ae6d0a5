"""The scalar node: one float, its gradient, and the op that made it.

Each arithmetic method looks up its rule in ``scalar_ops`` and records the inputs as the
new node's parents. There are no closures, so building a graph creates no reference
cycles and the whole graph is freed by reference counting as soon as it is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

import numbers

from . import scalar_ops as ops
from .mode import enable_grad, is_grad_enabled, no_grad
from . import mode as _mode
from .node import Node, _record

__all__ = ["Value", "sum", "no_grad", "enable_grad", "is_grad_enabled"]


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


# The scalar engine's hot path: Node._make's steps spelled out for one and two inputs (and
# _record's common case inlined), which keeps a Value op within 1.2x of a bare minimal engine
# (benchmarks/bench_micrograd.py). Anything unusual (grad mode off, a watcher) goes to _record.

def _unary(function, a):
    """``Value._make(function, (a,), (a.data,))``, spelled out."""
    node = _new(Value)
    node.grad, node.label, node.saved = 0.0, "", None
    node.data = function.forward(node, a.data)
    if _mode.changed:
        return _record(node, function, (a,))
    node._parents = (a,)
    node._function = function
    return node


def _binary(function, a, b):
    """``Value._make(function, (a, b), (a.data, b.data))``, spelled out."""
    node = _new(Value)
    node.grad, node.label, node.saved = 0.0, "", None
    node.data = function.forward(node, a.data, b.data)
    if _mode.changed:
        return _record(node, function, (a, b))
    node._parents = (a, b)
    node._function = function
    return node


_new = object.__new__


class Value(Node):
    """A scalar in a computation graph.

    ``data`` is the float; ``grad`` is d(root)/d(this node) after ``root.backward()``
    (0.0 until a pass reaches it). ``parents`` are the inputs of the op that made it, in
    order; ``op`` is that op's name ("" for a leaf). ``label`` is free text for display.

    Gradients of leaves (nodes with no parents) accumulate across backward passes, as
    PyTorch's ``.grad`` does; an interior node's grad is reset at the start of each pass
    that reaches it, so it always shows the gradient of the most recent pass.

    A Value works where a number is expected: ``float(v)``, ``f"{v:.3f}"``, ``v.item()`` and
    the comparisons ``< <= > >=`` use ``data``. ``==`` and ``hash`` stay by identity: a graph
    keeps its nodes in sets and dicts, and two different nodes with equal data are not the
    same node (their gradients differ).
    """

    __slots__ = ()

    def __init__(self, data: float, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data, "Value")
        self.grad = 0.0
        self.label = label
        self._parents = ()
        self._function = None
        self.saved = None

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        op = f"op={self.op!r}, " if self._function is not None else ""
        return f"Value({label}{op}data={self.data!r}, grad={self.grad!r})"

    # a Value as a number: read-only views of data

    def item(self) -> float:
        """``data``, the float this node holds."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    def __lt__(self, other: Value | float) -> bool:
        return self.data < _as_float(other.data if isinstance(other, Value) else other, "<")

    def __le__(self, other: Value | float) -> bool:
        return self.data <= _as_float(other.data if isinstance(other, Value) else other, "<=")

    def __gt__(self, other: Value | float) -> bool:
        return self.data > _as_float(other.data if isinstance(other, Value) else other, ">")

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= _as_float(other.data if isinstance(other, Value) else other, ">=")

    __eq__ = object.__eq__  # identity: see the class docstring
    __hash__ = object.__hash__

    # arithmetic: each names its rule in scalar_ops

    def __add__(self, other: Value | float) -> Value:
        return _binary(ops.Add, self, other if type(other) is Value else _as_value(other, "add"))

    def __radd__(self, other: Value | float) -> Value:
        return _binary(ops.Add, _as_value(other, "add"), self)

    def __sub__(self, other: Value | float) -> Value:
        return _binary(ops.Sub, self, other if type(other) is Value else _as_value(other, "sub"))

    def __rsub__(self, other: Value | float) -> Value:
        return _binary(ops.Sub, _as_value(other, "sub"), self)

    def __mul__(self, other: Value | float) -> Value:
        return _binary(ops.Mul, self, other if type(other) is Value else _as_value(other, "mul"))

    def __rmul__(self, other: Value | float) -> Value:
        return _binary(ops.Mul, _as_value(other, "mul"), self)

    def __truediv__(self, other: Value | float) -> Value:
        return _binary(ops.Div, self, _as_value(other, "div"))

    def __rtruediv__(self, other: Value | float) -> Value:
        return _binary(ops.Div, _as_value(other, "div"), self)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _binary(ops.PowValue, self, exponent)
        return Value._make(ops.PowNumber, (self,), (self.data, _as_float(exponent, "pow")))

    def __rpow__(self, base: float) -> Value:
        return _binary(ops.PowValue, _as_value(base, "pow"), self)

    def __neg__(self) -> Value:
        return _unary(ops.Neg, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ops.Abs, self)

    def abs(self) -> Value:
        return _unary(ops.Abs, self)

    def exp(self) -> Value:
        return _unary(ops.Exp, self)

    def log(self) -> Value:
        return _unary(ops.Log, self)

    def sqrt(self) -> Value:
        return _unary(ops.Sqrt, self)

    def tanh(self) -> Value:
        return _unary(ops.Tanh, self)

    def sigmoid(self) -> Value:
        return _unary(ops.Sigmoid, self)

    def relu(self) -> Value:
        return _unary(ops.Relu, self)

    @staticmethod
    def sum(terms: Iterable[Value | float]) -> Value:
        """One node for many terms (numbers or Values): ``Value.sum([a, b, 2.0])``."""
        parents = tuple([t if type(t) is Value else _as_value(t, "sum") for t in terms])
        return Value._make(ops.Sum, parents, tuple([p.data for p in parents]))

    # what the node contract leaves to each granularity

    def _seed(self, grad):
        return 1.0 if grad is None else _as_float(grad, "backward")

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, self.label)

    # how gradcheck reads and moves this node: one entry, key None

    def _entries(self):
        return (None,)

    def _entry(self, key):
        return self.data

    def _set_entry(self, key, x):
        self.data = x

    def _grad_entry(self, key):
        return self.grad

    def _snapshot(self):
        return self.data, self.grad

    def _restore(self, saved):
        self.data, self.grad = saved

    def _watch_grad(self):
        self.grad = 0.0


def sum(terms: Iterable[Value | float]) -> Value:  # noqa: A001 - mirrors torch.sum; the builtin is still builtins.sum
    """One node for many terms: ``autograd.sum(w * x for w, x in zip(ws, xs))``."""
    return Value.sum(terms)
