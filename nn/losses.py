"""Losses on Values, built only from autograd ops (so backward is the engine's).

``mse``, ``cross_entropy``, ``softmax`` and ``log_softmax`` work on both paths and live in
``nn.functional``; they are re-exported here. Binary cross-entropy uses a softplus that only
ever calls exp on a non-positive number, so logits of +-1000 give finite losses and gradients.

Arguments are Values or plain numbers; a "list" may be any sequence.
"""

import math

from autograd import Value, sum as value_sum

from .functional import cross_entropy, log_softmax, mse, softmax

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


def check_finite(loss, step):
    """Raise FloatingPointError naming ``step`` if ``loss`` (a Value or float) is NaN or infinite."""
    x = _data(loss)
    if not math.isfinite(x):
        raise FloatingPointError(
            f"step {step}: loss is {x!r}; training diverged or an input is not finite "
            "(try a smaller learning rate, or check the data)")
    return x
