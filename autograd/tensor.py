"""The array node: a 2-D block of floats, its gradient, and the op that made it.

Built like ``Value`` one level up, on the same ``Node`` base: each method applies its rule
from ``array_ops`` (each a ``Function``) through the one node constructor; ``backward()`` is
the same backward loop with this node's own way of clearing and adding gradients, and
``no_grad()`` is the same per-thread switch. As in PyTorch, a tensor tracks gradients only if ``requires_grad`` is set (model
parameters) or one of its inputs does, so data batches never get a gradient computed.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from . import array_ops as ops
from . import kernels as K
from .node import Node

__all__ = ["Tensor"]


def _row(row, i):
    if not isinstance(row, (list, tuple)):
        raise TypeError(f"Tensor: row {i} is a {type(row).__name__}, expected a list of numbers "
                        "(a Tensor is 2-D: write [[1.0, 2.0]] for one row)")
    types = set(map(type, row))
    if types == {float}:
        return list(row)
    if types <= {float, int}:
        return list(map(float, row))
    for j, x in enumerate(row):
        if isinstance(x, (bool, str)) or not isinstance(x, numbers.Real):
            raise TypeError(f"Tensor: entry [{i}][{j}] is {x!r}, not a number")
    return [float(x) for x in row]


def _rows(data):
    """``data`` (rows of numbers) as a fresh list of float lists, checked: 2-D and non-empty.

    NaN and infinities are accepted, as ``Value`` accepts them: every op propagates them
    (docs/edge-cases.md), and ``detect_anomaly()`` names the op where one first appears.
    """
    if isinstance(data, Tensor):
        return [list(r) for r in data.data]
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"Tensor: expected a non-empty list of rows, got {type(data).__name__}")
    if not data:
        raise ValueError("Tensor: expected a non-empty list of rows, got an empty list")
    rows = [_row(r, i) for i, r in enumerate(data)]
    cols = len(rows[0])
    if cols == 0:
        raise ValueError("Tensor: rows must not be empty")
    for i, r in enumerate(rows):
        if len(r) != cols:
            raise ValueError(f"Tensor: row {i} has {len(r)} entries, row 0 has {cols}")
    return rows


def _as_tensor(x, op):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Tensor([[x]])
    raise TypeError(f"{op}: expected a Tensor or a number, got {type(x).__name__}")


class Tensor(Node):
    """A 2-D array of floats in a computation graph.

    ``data`` is a list of rows (each a list of floats), ``shape`` is (rows, cols). ``grad`` is
    None until a backward pass reaches the node, then d(root)/d(this node) in the same shape.
    ``requires_grad`` marks a leaf whose gradient is wanted (a parameter); results of ops on
    such tensors require it too. ``label`` is free text for display and error messages.

    Leaves accumulate ``grad`` across backward passes (as PyTorch's ``.grad`` does); an interior
    node's grad is reset at the start of each pass that reaches it.
    """

    __slots__ = ("requires_grad",)
    records_all = False  # only ops on tensors that require grad are recorded
    _empty_grad: Any = None

    def __init__(self, data: Sequence[Sequence[float]] | Tensor, label: str = "",
                 requires_grad: bool = False) -> None:
        self.data = _rows(data)
        self.grad = None
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._function = None
        self.saved = None

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.data), len(self.data[0])

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        op = f"op={self.op!r}, " if self._function is not None else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({label}{op}shape={self.shape}, data={self.data!r:.200}{grad})"

    def item(self) -> float:
        """The single float of a (1, 1) tensor."""
        if self.shape != (1, 1):
            raise ValueError(f"item: tensor {self.label!r} has shape {self.shape}, not (1, 1)")
        return self.data[0][0]

    def tolist(self) -> list[list[float]]:
        """A copy of ``data``."""
        return [list(r) for r in self.data]

    # ops: each applies its rule from array_ops

    def _binary(self, op, other, name):
        other = _as_tensor(other, name)
        return Tensor._make(op, (self, other), (self.data, other.data))

    def _rbinary(self, op, other, name):
        other = _as_tensor(other, name)
        return Tensor._make(op, (other, self), (other.data, self.data))

    def __add__(self, other: Tensor | float) -> Tensor:
        return self._binary(ops.Add, other, "add")

    def __radd__(self, other: Tensor | float) -> Tensor:
        return self._rbinary(ops.Add, other, "add")

    def __sub__(self, other: Tensor | float) -> Tensor:
        return self._binary(ops.Sub, other, "sub")

    def __rsub__(self, other: Tensor | float) -> Tensor:
        return self._rbinary(ops.Sub, other, "sub")

    def __mul__(self, other: Tensor | float) -> Tensor:
        return self._binary(ops.Mul, other, "mul")

    def __rmul__(self, other: Tensor | float) -> Tensor:
        return self._rbinary(ops.Mul, other, "mul")

    def __neg__(self) -> Tensor:
        return self * -1.0

    def __truediv__(self, other: float) -> Tensor:
        if isinstance(other, Tensor) or not isinstance(other, numbers.Real) or isinstance(other, bool):
            raise TypeError(f"div: a Tensor can only be divided by a number, got {type(other).__name__}")
        if other == 0:
            raise ZeroDivisionError(f"div: division by zero (tensor {self.label!r} / 0)")
        return self * (1.0 / other)

    def __matmul__(self, other: Tensor) -> Tensor:
        if not isinstance(other, Tensor):
            raise TypeError(f"matmul: expected a Tensor, got {type(other).__name__}")
        return Tensor._make(ops.MatMul, (self, other), (self.data, other.data))

    def _unary(self, op):
        return Tensor._make(op, (self,), (self.data,))

    def relu(self) -> Tensor:
        return self._unary(ops.Relu)

    def tanh(self) -> Tensor:
        return self._unary(ops.Tanh)

    def sigmoid(self) -> Tensor:
        return self._unary(ops.Sigmoid)

    def exp(self) -> Tensor:
        return self._unary(ops.Exp)

    def log(self) -> Tensor:
        return self._unary(ops.Log)

    def transpose(self) -> Tensor:
        return self._unary(ops.Transpose)

    T = property(transpose)

    def log_softmax(self) -> Tensor:
        """Row-wise log softmax (each row a set of logits)."""
        return self._unary(ops.LogSoftmax)

    def _reduce(self, op, axis):
        if axis not in (None, 0, 1):
            raise ValueError(f"{op.name}: axis must be None, 0 or 1, got {axis!r}")
        return Tensor._make(op, (self,), (self.data, axis))

    def sum(self, axis: int | None = None) -> Tensor:
        """Sum of all entries (1, 1), of each column (axis=0 -> (1, cols)) or of each row (axis=1 -> (rows, 1))."""
        return self._reduce(ops.Sum, axis)

    def mean(self, axis: int | None = None) -> Tensor:
        """Mean of all entries, of each column (axis=0) or of each row (axis=1); shapes as ``sum``."""
        return self._reduce(ops.Mean, axis)

    def reshape(self, rows: int, cols: int) -> Tensor:
        """The same entries in row-major order, laid out as (rows, cols)."""
        return Tensor._make(ops.Reshape, (self,), (self.data, (rows, cols)))

    # what the node contract leaves to each granularity

    def _seed(self, grad):
        if not self.requires_grad:
            raise RuntimeError(f"backward: tensor {self.label!r} does not require grad (no parameter "
                               "with requires_grad=True went into it, or it was made under no_grad())")
        if grad is None:
            if self.shape != (1, 1):
                raise ValueError(f"backward: tensor {self.label!r} has shape {self.shape}; pass grad "
                                 "of that shape (only a (1, 1) tensor has an implied grad of 1)")
            return [[1.0]]
        seed = _rows(grad)
        if (len(seed), len(seed[0])) != self.shape:
            raise ValueError(f"backward: grad shape {(len(seed), len(seed[0]))} does not match "
                             f"tensor shape {self.shape}")
        return seed

    @staticmethod
    def _accumulate(node, contribution):
        """Add a rule's contribution to ``node.grad``; never writes into a list a rule returned."""
        if contribution is None or not node.requires_grad:
            return
        if len(contribution) != node.shape[0] or set(map(len, contribution)) != {node.shape[1]}:
            raise TypeError("a contribution of another shape")  # the engine names the op and input
        if node.grad is None:
            # a leaf gets its own copy: a rule may pass the same rows to several parents
            node.grad = contribution if node._parents else [list(r) for r in contribution]
        else:
            node.grad = K.add(node.grad, contribution)

    def detach(self) -> Tensor:
        """A new leaf with a copy of the data and the same label, cut off from this graph."""
        return Tensor(self.data, self.label)

    # how gradcheck reads and moves this node: one entry per (row, col)

    def _entries(self):
        rows, cols = self.shape
        return [(i, j) for i in range(rows) for j in range(cols)]

    def _entry(self, key):
        return self.data[key[0]][key[1]]

    def _set_entry(self, key, x):
        self.data[key[0]][key[1]] = x

    def _grad_entry(self, key):
        return 0.0 if self.grad is None else self.grad[key[0]][key[1]]

    def _snapshot(self):
        return [list(r) for r in self.data], self.grad, self.requires_grad

    def _restore(self, saved):
        data, self.grad, self.requires_grad = saved
        for row, old in zip(self.data, data):
            row[:] = old

    def _watch_grad(self):
        self.grad = None
        self.requires_grad = True

