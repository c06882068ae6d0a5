"""Losses and functions on Values, built only from autograd ops (so backward is the engine's).

Numerically stable forms: softmax and log_softmax subtract max(logits), a constant that
cancels in the result and in every derivative, so exp never sees a positive argument and
logits of +-1000 give finite losses and gradients; binary cross-entropy uses a softplus that
only ever calls exp on a non-positive number.

Arguments are Values or plain numbers; a "list" may be any sequence.
"""

import math
import numbers

from autograd import Value, sum as value_sum

__all__ = [
    "mse", "svm_hinge", "l2", "softplus", "binary_cross_entropy_with_logits", "softmax",
    "log_softmax", "cross_entropy", "check_finite",
]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _pairs(predictions, targets, name):
    ps, ts = _as_list(predictions), _as_list(targets)
    if len(ps) != len(ts):
        raise ValueError(f"{name}: {len(ps)} predictions but {len(ts)} targets")
    if not ps:
        raise ValueError(f"{name}: empty batch")
    return ps, ts


def _data(x):
    return x.data if isinstance(x, Value) else float(x)


def mse(predictions, targets):
    """Mean squared error: (1/n) sum_i (p_i - t_i)**2. Single values or equal-length lists."""
    ps, ts = _pairs(predictions, targets, "mse")
    return value_sum([(p - t) * (p - t) for p, t in zip(ps, ts)]) / len(ps)


def svm_hinge(scores, labels):
    """micrograd's max-margin loss: (1/n) sum_i relu(1 - y_i s_i), with labels y_i in {-1, +1}."""
    ss, ys = _pairs(scores, labels, "svm_hinge")
    for i, y in enumerate(ys):
        if _data(y) not in (-1.0, 1.0):
            raise ValueError(f"svm_hinge: label {i} is {_data(y)!r}; labels must be -1 or +1")
    return value_sum([(1 - y * s).relu() for s, y in zip(ss, ys)]) / len(ss)


def l2(parameters, alpha):
    """L2 penalty: alpha * sum_p p**2 over Values (micrograd's regularisation term)."""
    return alpha * value_sum([p * p for p in parameters])


def softplus(x):
    """log(1 + e**x), stable: x + log(1 + e**-x) for x > 0, else log(1 + e**x).

    The branch is chosen by x's value; each branch is exact with the right derivative (sigmoid x).
    """
    x = x if isinstance(x, Value) else Value(x)
    if x.data > 0:
        return x + (1 + (-x).exp()).log()
    return (1 + x.exp()).log()


def binary_cross_entropy_with_logits(logits, targets):
    """(1/n) sum_i [softplus(x_i) - t_i x_i]  =  mean of -[t log sigmoid(x) + (1-t) log(1 - sigmoid(x))].

    Targets are probabilities in [0, 1] (usually the labels 0 and 1).
    """
    xs, ts = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    for i, t in enumerate(ts):
        if not 0.0 <= _data(t) <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: target {i} is {_data(t)!r}, not in [0, 1]")
    return value_sum([softplus(x) - t * x for x, t in zip(xs, ts)]) / len(xs)


def _shift(logits, name):
    """logits - max(logits) as Values: the same softmax, and exp never sees a positive argument."""
    xs = _as_list(logits)
    if not xs:
        raise ValueError(f"{name}: no logits")
    m = max(_data(x) for x in xs)
    if not math.isfinite(m):
        raise ValueError(f"{name}: logits contain {m!r}")
    return [x - m if isinstance(x, Value) else Value(x - m) for x in xs]  # m is a constant


def _shifted(logits, name):
    """(logits - max) and log(sum exp(logits - max)), the pieces of a stable log-softmax."""
    shifted = _shift(logits, name)
    return shifted, value_sum([s.exp() for s in shifted]).log()


def log_softmax(logits):
    """log_softmax(x)_i = x_i - log sum_j e**x_j, computed as (x_i - m) - log sum_j e**(x_j - m)."""
    shifted, lse = _shifted(logits, "log_softmax")
    return [s - lse for s in shifted]


def softmax(logits):
    """softmax(x)_i = e**(x_i - m) / sum_j e**(x_j - m) with m = max(x)."""
    exps = [s.exp() for s in _shift(logits, "softmax")]
    total = value_sum(exps)
    return [e / total for e in exps]


def _check_label(label, n, where):
    if not isinstance(label, numbers.Integral) or isinstance(label, bool):
        raise TypeError(f"cross_entropy: {where}label must be an int, got {type(label).__name__}")
    if not 0 <= label < n:
        raise ValueError(f"cross_entropy: {where}label {label} is out of range for {n} classes (0..{n - 1})")


def cross_entropy(logits, labels):
    """Softmax cross-entropy: -log_softmax(x)[y] = log sum_j e**(x_j - m) - (x_y - m).

    ``cross_entropy([x_0, ..., x_k], y)`` for one sample, or
    ``cross_entropy([[...], [...]], [y_0, y_1])`` for a batch, returning the mean.
    """
    xs = _as_list(logits)
    if xs and isinstance(xs[0], (list, tuple)):
        ys = _as_list(labels)
        if len(xs) != len(ys):
            raise ValueError(f"cross_entropy: {len(xs)} rows of logits but {len(ys)} labels")
        losses = []
        for i, (row, y) in enumerate(zip(xs, ys)):
            _check_label(y, len(row), f"sample {i}: ")
            shifted, lse = _shifted(row, "cross_entropy")
            losses.append(lse - shifted[y])
        return value_sum(losses) / len(losses)
    _check_label(labels, len(xs), "")
    shifted, lse = _shifted(xs, "cross_entropy")
    return lse - shifted[labels]


def check_finite(loss, step):
    """Raise FloatingPointError naming ``step`` if ``loss`` (a Value or float) is NaN or infinite."""
    x = _data(loss)
    if not math.isfinite(x):
        raise FloatingPointError(
            f"step {step}: loss is {x!r}; training diverged or an input is not finite "
            "(try a smaller learning rate, or check the data)")
    return x
