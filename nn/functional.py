"""``linear``, ``softmax``, ``log_softmax``, ``cross_entropy`` and ``mse``: one name each for both paths.

Each looks at its first argument. A ``Tensor`` takes the fast path: one node per call, whose
rule is a ``Function`` in ``autograd.array_ops``. A list of Values or numbers takes the scalar
path: the result is built from ``Value`` ops, so its backward pass is scalar rules a learner
can step through. The two paths check their arguments with the same functions
(``array_ops.check_labels``, ``check_linear``, ``check_same_shape``), so a bad label or shape
raises the same exception with the same message on either; what a Tensor cannot hold (ragged
or empty rows, a string) the Tensor constructor refuses, and the scalar path refuses with the
same exception type. NaN and infinities follow the one table in docs/edge-cases.md.

On the scalar path a flat list of Values or numbers is ONE row (one sample's logits, inputs or
outputs; a single Value is a row of one), and a list of such rows is a batch: the rows the
Tensor on the fast path would have. Results keep that shape: a row in, a row (a list of
Values) out; a batch in, a list of rows out; losses are one Value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numbers

from autograd import Tensor, Value, sum as value_sum
from autograd import array_ops as ops

from .scalar_models import _affine, _prepare

__all__ = ["linear", "softmax", "log_softmax", "cross_entropy", "mse"]


def _is_row(x):
    return isinstance(x, (list, tuple))


def _grid(x, name, what):
    """(rows, batched): ``x`` on the scalar path as a list of equal-length rows, each a list."""
    if not _is_row(x) and (isinstance(x, bool) or not isinstance(x, (Value, numbers.Real))):
        raise TypeError(f"{name}: expected a Tensor, or a list of Values or numbers (or a list of such "
                        f"rows), got {type(x).__name__} for {what}")
    if _is_row(x) and not x:
        raise ValueError(f"{name}: {what} is empty")
    rows = [list(r) if _is_row(r) else r for r in _as_rows(x)]
    for i, r in enumerate(rows):
        if not isinstance(r, list):
            raise TypeError(f"{name}: {what} row {i} is a {type(r).__name__}, not a list")
        if not r:
            raise ValueError(f"{name}: {what} row {i} is empty")
        if len(r) != len(rows[0]):
            raise ValueError(f"{name}: {what} row {i} has {len(r)} entries, row 0 has {len(rows[0])}")
    return rows, _is_row(x) and _is_row(x[0])


def _as_rows(x):
    """Rows as they are; a flat list as one row; anything else as a row of one (as ``_grid`` reads them)."""
    if not _is_row(x):
        return [[x]]
    return x if x and _is_row(x[0]) else [x]


def _value(x, name, i, j):
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: entry [{i}][{j}] is {x!r}, not a number or Value")
    return Value(x)


def _values(x, name, what):
    """(rows of Values, batched): ``_grid`` with every number made a Value (a constant leaf)."""
    rows, batched = _grid(x, name, what)
    return [[_value(v, name, i, j) for j, v in enumerate(r)] for i, r in enumerate(rows)], batched


def _fast(name, x, *others):
    """True for the fast path (``x`` a Tensor); a TypeError if ``others`` are not of the same path."""
    fast = isinstance(x, Tensor)
    for other in others:
        if isinstance(other, Tensor) != fast:
            raise TypeError(f"{name}: mixes a Tensor and a list; give every argument as Tensors "
                            f"(fast path) or as lists of Values/numbers (scalar path)")
    return fast


def _shift(row):
    """row - max(row), as Values: the same softmax, and exp never sees a positive argument.

    The maximum is a constant (it cancels in every result and derivative). A NaN anywhere in
    the row makes every output NaN, through exp and the sum, as on the fast path.
    """
    m = max([v.data for v in row])
    return [v - m for v in row]


def _shifted(row):
    """(row - max(row)) and log sum_j exp of it: the pieces of a stable log-softmax."""
    shifted = _shift(row)
    return shifted, value_sum([s.exp() for s in shifted]).log()


def _rowwise(x, name, function, row_rule):
    """``function`` on a Tensor (fast path), else ``row_rule`` on each row of Values (scalar path)."""
    if _fast(name, x):
        return function.apply(x)
    rows, batched = _values(x, name, "logits")
    out = [row_rule(row) for row in rows]
    return out if batched else out[0]


def _log_softmax_row(row):
    shifted, lse = _shifted(row)
    return [s - lse for s in shifted]


def _softmax_row(row):
    exps = [s.exp() for s in _shift(row)]
    total = value_sum(exps)
    return [e / total for e in exps]


def log_softmax(x: Tensor | Sequence[Any]) -> Any:
    """log_softmax(x)_i = x_i - log sum_j e**x_j for each row, as (x_i - m) - log sum_j e**(x_j - m), m = max(x)."""
    return _rowwise(x, "log_softmax", ops.LogSoftmax, _log_softmax_row)


def softmax(x: Tensor | Sequence[Any]) -> Any:
    """softmax(x)_i = e**(x_i - m) / sum_j e**(x_j - m) for each row, m = max(x) (so exp never overflows)."""
    return _rowwise(x, "softmax", ops.Softmax, _softmax_row)


def cross_entropy(logits: Tensor | Sequence[Any], labels: int | Sequence[int]) -> Any:
    """Softmax cross-entropy: -log_softmax(x)[y] = log sum_j e**(x_j - m) - (x_y - m), mean over rows.

    ``logits`` is a Tensor (rows) with ``labels`` a list of int class indices, one per row; on
    the scalar path, one row of Values with one int label, or a batch of rows with a list of
    labels. A float label (even 1.0) or a bool is a TypeError, as in PyTorch.
    """
    if _fast("cross_entropy", logits):
        return ops.SoftmaxCrossEntropy.apply(logits, labels)
    rows, batched = _values(logits, "cross_entropy", "logits")
    ys = ops.check_labels(labels if batched else [labels], len(rows), len(rows[0]))
    losses = []
    for row, y in zip(rows, ys):
        shifted, lse = _shifted(row)
        losses.append(lse - shifted[y])
    return value_sum(losses) / len(losses) if batched else losses[0]


def mse(predictions: Tensor | Sequence[Any], targets: Any) -> Any:
    """Mean squared error over all entries: (1/N) sum (p - t)**2; predictions and targets of one shape.

    On the fast path ``targets`` may be a Tensor or rows of numbers (a flat list is one row).
    """
    if isinstance(predictions, Tensor) and not isinstance(targets, Tensor):
        targets = Tensor(_as_rows(targets))
    if _fast("mse", predictions, targets):
        return ops.MSE.apply(predictions, targets)
    ps, _ = _values(predictions, "mse", "predictions")
    ts, _ = _values(targets, "mse", "targets")
    ops.check_same_shape("mse", (len(ps), len(ps[0])), (len(ts), len(ts[0])))
    terms = [(p - t) * (p - t) for pr, tr in zip(ps, ts) for p, t in zip(pr, tr)]
    return value_sum(terms) / len(terms)


def linear(x: Tensor | Sequence[Any], weight: Any, bias: Any) -> Any:
    """x W^T + b: PyTorch's F.linear, with ``weight`` W [out][in] and one bias entry per output.

    Fast path: x (batch, in), weight (out, in) and bias (1, out) Tensors, one node. Scalar
    path: x a row of numbers or Values (or a batch of rows), weight rows of Values, bias a list
    of Values; each output is one sum node over w_i * x_i and b, as in ``nn.Neuron`` (whose code
    this is), plain-number zeros in x skipped.
    """
    if _fast("linear", x, weight, bias):
        return ops.Linear.apply(x, weight, bias)
    rows, batched = _grid(x, "linear", "input")
    if not _is_row(weight) or not weight or not _is_row(weight[0]):
        raise TypeError(f"linear: weight must be rows [out][in] of Values or numbers, got {weight!r:.40}")
    w, _ = _values(weight, "linear", "weight")
    b, nested = _values(bias, "linear", "bias")
    if nested or len(b) != 1:
        raise TypeError("linear: bias must be a flat list of Values or numbers, one per output")
    ops.check_linear(len(rows[0]), (len(w), len(w[0])), len(b[0]))
    out = []
    for row in rows:
        pairs = _prepare(row, len(w[0]), "linear")
        out.append([_affine(wr, bj, pairs) for wr, bj in zip(w, b[0])])
    return out if batched else out[0]
