"""The array op rules: for each op on 2-D blocks, its forward rule and its backward rule side by side.

The same ``Function`` shape as ``scalar_ops`` one level up: ``forward(ctx, ...)`` maps the
inputs' ``.data`` (lists of rows) to the output's rows, calling ``autograd.kernels``;
``backward(ctx, grad)`` receives the output node and the gradient arriving from above (same
shape as the output) and returns one contribution per input, or None for an input that does
not require a gradient (so the work is skipped: the first layer never computes a gradient
for its input images).

Broadcasting (add, sub, mul): an operand of shape (1, n), (m, 1) or (1, 1) is repeated to the
other's shape; its gradient is summed back over the repeated axis (``unbroadcast``).

The argument rules of ``linear``, ``cross_entropy`` and ``mse`` (``check_linear``,
``check_labels``, ``check_same_shape``) are public: ``nn.functional``'s scalar path calls the
same ones, so a bad argument raises the same error on both paths. NaN and infinities are
data like any other (docs/edge-cases.md).
"""

import math
import numbers
from collections.abc import Sequence

from . import kernels as K
from . import scalar_ops
from .function import Function

__all__ = [
    "Add", "Sub", "Mul", "MatMul", "Linear", "Relu", "Tanh", "Sigmoid", "Exp", "Log", "Sum", "Mean",
    "Transpose", "Reshape", "Softmax", "LogSoftmax", "SoftmaxCrossEntropy", "MSE", "broadcast_shape",
    "expand", "unbroadcast", "check_linear", "check_labels", "check_same_shape",
]


def shape_of(data):
    return len(data), len(data[0])


def broadcast_shape(op, a, b):
    """The common shape of two shapes (rows and columns each equal, or one of them 1), or a ValueError."""
    def dim(x, y):
        if x == y or y == 1:
            return x
        if x == 1:
            return y
        raise ValueError(f"{op}: shapes {a} and {b} do not match and cannot be broadcast")
    return dim(a[0], b[0]), dim(a[1], b[1])


def expand(data, shape):
    """``data`` repeated along any axis of length 1 to reach ``shape`` (rows are shared, not copied)."""
    rows, cols = shape
    if len(data[0]) != cols:
        data = [[r[0]] * cols for r in data]
    if len(data) != rows:
        data = data * rows
    return data


def unbroadcast(grad, shape):
    """The gradient of a broadcast operand: ``grad`` summed over every axis that was repeated."""
    rows, cols = shape
    if len(grad[0]) != cols:
        grad = [[s] for s in K.row_sums(grad)]
    if len(grad) != rows:
        grad = [K.column_sums(grad)]
    return grad


def _needs(node):
    return node.requires_grad


def _elementwise(op, kernel, a, b):
    """kernel applied to a and b after broadcasting both to their common shape."""
    shape = broadcast_shape(op, shape_of(a), shape_of(b))
    return kernel(expand(a, shape), expand(b, shape))


class Add(Function):
    """Z = A + B (broadcasting);  dZ/dA = 1, dZ/dB = 1"""
    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        return _elementwise("add", K.add, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.parents
        return (unbroadcast(grad, a.shape) if _needs(a) else None,
                unbroadcast(grad, b.shape) if _needs(b) else None)


class Sub(Function):
    """Z = A - B (broadcasting);  dZ/dA = 1, dZ/dB = -1"""
    name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        return _elementwise("sub", K.sub, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.parents
        return (unbroadcast(grad, a.shape) if _needs(a) else None,
                unbroadcast(K.scale(grad, -1.0), b.shape) if _needs(b) else None)


class Mul(Function):
    """Z = A * B elementwise (broadcasting);  dZ/dA = B, dZ/dB = A"""
    name = "mul"

    @staticmethod
    def forward(ctx, a, b):
        return _elementwise("mul", K.mul, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.parents
        shape = ctx.shape
        return (unbroadcast(K.mul(grad, expand(b.data, shape)), a.shape) if _needs(a) else None,
                unbroadcast(K.mul(grad, expand(a.data, shape)), b.shape) if _needs(b) else None)


def _check_inner(op, a, b):
    if len(a[0]) != len(b):
        raise ValueError(f"{op}: shapes {shape_of(a)} and {shape_of(b)} do not match "
                         f"(inner sizes {len(a[0])} and {len(b)})")


class MatMul(Function):
    """Z = A B;  dL/dA = G B^T, dL/dB = A^T G  (G = dL/dZ)"""
    name = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        _check_inner("matmul", a, b)
        return K.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.parents
        return (K.matmul(grad, K.transpose(b.data)) if _needs(a) else None,
                K.matmul(K.transpose(a.data), grad) if _needs(b) else None)


def check_linear(x_cols, weight_shape, bias_entries):
    """A ValueError unless x's rows have as many entries as W's rows (``weight_shape`` is
    (out, in)) and the bias has one entry per output."""
    out, n_in = weight_shape
    if x_cols != n_in:
        raise ValueError(f"linear: input rows have {x_cols} entries but weight rows have {n_in} "
                         f"(weight shape {weight_shape})")
    if bias_entries != out:
        raise ValueError(f"linear: bias has {bias_entries} entries for {out} outputs (weight shape {weight_shape})")


class Linear(Function):
    """Y = X W^T + b;  dL/dX = G W, dL/dW = G^T X, dL/db = column sums of G  (G = dL/dY)

    W is [out][in] and b (1, out) is added to every row: PyTorch's F.linear. One node instead
    of three, so the transpose of W is never stored in the graph.
    """
    name = "linear"

    @staticmethod
    def forward(ctx, x, w, b):
        if len(b) != 1:
            raise ValueError(f"linear: bias must be one row, got shape {shape_of(b)}")
        check_linear(len(x[0]), shape_of(w), len(b[0]))
        return K.linear(x, w, b[0])

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.parents
        return (K.matmul(grad, w.data) if _needs(x) else None,
                K.weight_grad(grad, x.data) if _needs(w) else None,
                [K.column_sums(grad)] if _needs(b) else None)


class Relu(Function):
    """Z = max(A, 0);  dZ/dA = 1 where A > 0, else 0

    relu'(0) = 0, as in PyTorch; NaN stays NaN in both directions (as in the scalar rule).
    """
    name = "relu"

    @staticmethod
    def forward(ctx, a):
        return K.relu(a)

    @staticmethod
    def backward(ctx, grad):
        return (K.relu_backward(ctx.parents[0].data, grad),)


class Tanh(Function):
    """Z = tanh A;  dZ/dA = 1 - Z**2"""
    name = "tanh"

    @staticmethod
    def forward(ctx, a):
        return K.apply(math.tanh, a)

    @staticmethod
    def backward(ctx, grad):
        return ([[g * (1.0 - z * z) for z, g in zip(zr, gr)] for zr, gr in zip(ctx.data, grad)],)


class Sigmoid(Function):
    """Z = 1 / (1 + e**-A);  dZ/dA = Z (1 - Z)"""
    name = "sigmoid"

    @staticmethod
    def forward(ctx, a):
        return K.apply(scalar_ops.sigmoid, a)  # the scalar rule's stable form, per entry

    @staticmethod
    def backward(ctx, grad):
        return ([[g * z * (1.0 - z) for z, g in zip(zr, gr)] for zr, gr in zip(ctx.data, grad)],)


class Exp(Function):
    """Z = e**A;  dZ/dA = Z

    Raises OverflowError for an entry above ~709.78.
    """
    name = "exp"

    @staticmethod
    def forward(ctx, a):
        try:
            return K.apply(math.exp, a)
        except OverflowError:
            raise OverflowError(f"exp: an entry overflows a float (largest input {max(map(max, a))!r}, "
                                "limit about 709.78)") from None

    @staticmethod
    def backward(ctx, grad):
        return (K.mul(grad, ctx.data),)


class Log(Function):
    """Z = ln A for A > 0;  dZ/dA = 1 / A"""
    name = "log"

    @staticmethod
    def forward(ctx, a):
        for i, row in enumerate(a):
            low = min(row)
            if low <= 0 or low != low:  # a NaN can hide a negative entry from min: look at each
                j = next((j for j, x in enumerate(row) if x <= 0), None)
                if j is not None:
                    raise ValueError(f"log: input must be > 0, got {row[j]!r} at [{i}][{j}]")
        return K.apply(math.log, a)

    @staticmethod
    def backward(ctx, grad):
        return ([[g / x for x, g in zip(xr, gr)] for xr, gr in zip(ctx.parents[0].data, grad)],)


def _reduced(data, axis):
    if axis is None:
        return [[K.total(data)]]
    if axis == 0:
        return [K.column_sums(data)]
    return [[s] for s in K.row_sums(data)]


class Sum(Function):
    """Z = sum of A's entries;  dZ/dA = 1 for every entry summed

    Over all entries (axis None, shape (1, 1)), down each column (axis 0, shape (1, cols)) or
    along each row (axis 1, shape (rows, 1)).
    """
    name = "sum"

    @staticmethod
    def forward(ctx, a, axis):
        return _reduced(a, axis)

    @staticmethod
    def backward(ctx, grad):
        return (expand(grad, ctx.parents[0].shape),)


class Mean(Function):
    """Z = Sum(A, axis) / count;  dZ/dA = 1 / count

    ``count`` is the number of entries summed into each output; the axis is kept in ``ctx.saved``.
    """
    name = "mean"

    @staticmethod
    def count(shape, axis):
        return shape[0] * shape[1] if axis is None else shape[axis]

    @staticmethod
    def forward(ctx, a, axis):
        ctx.saved = axis
        return K.scale(_reduced(a, axis), 1.0 / Mean.count(shape_of(a), axis))

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.parents[0].shape
        return (expand(K.scale(grad, 1.0 / Mean.count(shape, ctx.saved)), shape),)


class Transpose(Function):
    """Z = A^T;  dL/dA = (dL/dZ)^T"""
    name = "transpose"

    @staticmethod
    def forward(ctx, a):
        return K.transpose(a)

    @staticmethod
    def backward(ctx, grad):
        return (K.transpose(grad),)


def _reshape(data, rows, cols):
    flat = [x for row in data for x in row]
    return [flat[i * cols:(i + 1) * cols] for i in range(rows)]


class Reshape(Function):
    """Z = A's entries in row-major order, laid out as (rows, cols);  dL/dA = dL/dZ laid out as A"""
    name = "reshape"

    @staticmethod
    def forward(ctx, a, shape):
        rows, cols = shape
        if rows * cols != len(a) * len(a[0]) or rows < 1 or cols < 1:
            raise ValueError(f"reshape: cannot reshape {shape_of(a)} to {shape}")
        return _reshape(a, rows, cols)

    @staticmethod
    def backward(ctx, grad):
        return (_reshape(grad, *ctx.parents[0].shape),)


class Softmax(Function):
    """Z_ij = exp(A_ij) / sum_k exp(A_ik) (each row);  dL/dA = Z * (G - row sums of G * Z)

    Computed with the row maximum subtracted first, so exp never overflows.
    """
    name = "softmax"

    @staticmethod
    def forward(ctx, a):
        return K.softmax(a)

    @staticmethod
    def backward(ctx, grad):
        return ([[z * (g - s) for z, g in zip(zr, gr)]
                 for zr, gr, s in zip(ctx.data, grad, K.row_sums(K.mul(grad, ctx.data)))],)


class LogSoftmax(Function):
    """Z_ij = A_ij - log sum_k exp A_ik (each row);  dL/dA = G - softmax(A) * (row sums of G)"""
    name = "log_softmax"

    @staticmethod
    def forward(ctx, a):
        return K.log_softmax(a)

    @staticmethod
    def backward(ctx, grad):
        exp = math.exp
        return ([[g - exp(z) * s for z, g in zip(zr, gr)]
                 for zr, gr, s in zip(ctx.data, grad, K.row_sums(grad))],)


def check_labels(labels, rows, classes):
    """``labels`` as a list of ints, one per row of logits, each in [0, classes).

    As in PyTorch, a label is an integer class index: a float (even 1.0) or a bool is a
    TypeError; a count or an index out of range is a ValueError. The message names the row.
    """
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise TypeError(f"cross_entropy: labels must be a list of int class indices, one per row, "
                        f"got {type(labels).__name__}")
    if len(labels) != rows:
        raise ValueError(f"cross_entropy: {len(labels)} labels for {rows} rows of logits")
    for i, y in enumerate(labels):
        if isinstance(y, bool) or not isinstance(y, numbers.Integral):
            raise TypeError(f"cross_entropy: label {y!r} (row {i}) is not an int class index")
        if not 0 <= y < classes:
            raise ValueError(f"cross_entropy: label {y!r} (row {i}) is out of range for {classes} "
                             f"classes (0..{classes - 1})")
    return [int(y) for y in labels]


class SoftmaxCrossEntropy(Function):
    """L = (1/n) sum_i (log sum_k exp Z_ik - Z_i,y_i);  dL/dZ = (softmax(Z) - onehot(y)) / n

    For integer labels y, one per row; L has shape (1, 1).

    dL/dZ = (softmax(Z) - onehot(y)) / n. The softmax rows computed in forward are kept in
    ``ctx.saved`` (with the labels) for backward.
    """
    name = "cross_entropy"

    @staticmethod
    def forward(ctx, z, labels):
        labels = check_labels(labels, len(z), len(z[0]))
        loss, probs = K.softmax_cross_entropy(z, labels)
        ctx.saved = labels, probs
        return [[loss]]

    @staticmethod
    def backward(ctx, grad):
        labels, probs = ctx.saved
        return (K.softmax_cross_entropy_backward(probs, labels, grad[0][0]),)


def check_same_shape(op, predictions_shape, targets_shape):
    """A ValueError unless predictions and targets have the same (rows, cols)."""
    if predictions_shape != targets_shape:
        raise ValueError(f"{op}: predictions shape {predictions_shape} and targets shape {targets_shape} differ")


class MSE(Function):
    """L = mean over all entries of (P - T)**2 (shape (1, 1));  dL/dP = 2 (P - T) / N, dL/dT = -dL/dP"""
    name = "mse"

    @staticmethod
    def forward(ctx, p, t):
        check_same_shape("mse", shape_of(p), shape_of(t))
        diff = K.sub(p, t)
        return [[K.total(K.mul(diff, diff)) / (len(p) * len(p[0]))]]

    @staticmethod
    def backward(ctx, grad):
        p, t = ctx.parents
        diff = K.sub(p.data, t.data)
        dp = K.scale(diff, 2.0 * grad[0][0] / (len(diff) * len(diff[0])))
        return (dp if _needs(p) else None, K.scale(dp, -1.0) if _needs(t) else None)
