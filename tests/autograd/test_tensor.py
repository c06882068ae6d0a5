"""The array node: gradcheck on every op, graph semantics (no_grad, detach, accumulation), bad input."""

import math

import pytest
from hypothesis import given, settings, strategies as st

from autograd import Tensor, array_ops as ops, gradcheck, no_grad


def away_from_zero(x):
    """Push x at least 0.1 away from 0 (relu's kink), keeping its sign."""
    return x if abs(x) >= 0.1 else math.copysign(0.1 + abs(x), x)


@st.composite
def blocks(draw, rows=None, cols=None, low=-2.0, high=2.0, positive=False):
    rows = rows or draw(st.integers(1, 4))
    cols = cols or draw(st.integers(1, 4))
    if positive:
        entry = st.floats(0.2, high)
    else:
        entry = st.floats(low, high, allow_nan=False).map(away_from_zero)
    return Tensor([draw(st.lists(entry, min_size=cols, max_size=cols)) for _ in range(rows)],
                  requires_grad=True)


def weighted(t):
    """A fixed non-uniform weighting so every entry's gradient differs: sum_ij (1 + 0.3 i + 0.7 j) t_ij."""
    rows, cols = t.shape
    return (t * Tensor([[1 + 0.3 * i + 0.7 * j for j in range(cols)] for i in range(rows)])).sum()


UNARY = {
    "relu": lambda t: t.relu(),
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "exp": lambda t: t.exp(),
    "neg": lambda t: -t,
    "transpose": lambda t: t.T,
    "log_softmax": lambda t: t.log_softmax(),
    "sum0": lambda t: t.sum(axis=0),
    "sum1": lambda t: t.sum(axis=1),
    "mean": lambda t: t.mean(),
    "mean0": lambda t: t.mean(axis=0),
    "mean1": lambda t: t.mean(axis=1),
    "reshape": lambda t: t.reshape(1, t.shape[0] * t.shape[1]),
    "scalar ops": lambda t: 2.0 * t - 1.0 + t * 0.5 + 3.0 - t / 4.0,
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
@settings(max_examples=15)
def test_gradcheck_unary(name, data):
    t = data.draw(blocks())
    assert gradcheck(lambda x: weighted(UNARY[name](x)), [t])


@given(blocks(positive=True))
@settings(max_examples=15)
def test_gradcheck_log(t):
    assert gradcheck(lambda x: weighted(x.log()), [t])


@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize("shape_b", ["same", "row", "column", "scalar"])
@given(data=st.data())
@settings(max_examples=10)
def test_gradcheck_broadcasting_binary(op, shape_b, data):
    a = data.draw(blocks())
    rows, cols = a.shape
    shape = {"same": (rows, cols), "row": (1, cols), "column": (rows, 1), "scalar": (1, 1)}[shape_b]
    b = data.draw(blocks(*shape))
    f = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y}[op]
    assert gradcheck(lambda x, y: weighted(f(x, y)), [a, b])
    assert gradcheck(lambda x, y: weighted(f(y, x)), [a, b])  # the broadcast operand on the left


@given(data=st.data())
@settings(max_examples=20)
def test_gradcheck_matmul_linear_and_losses(data):
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    x, w, b = data.draw(blocks(n, k)), data.draw(blocks(m, k)), data.draw(blocks(1, m))
    assert gradcheck(lambda x, w: weighted(x @ w.T), [x, w])
    assert gradcheck(lambda x, w, b: weighted(ops.Linear.apply(x, w, b)), [x, w, b])
    labels = [data.draw(st.integers(0, m - 1)) for _ in range(n)]
    assert gradcheck(lambda z: ops.SoftmaxCrossEntropy.apply(z, labels), [data.draw(blocks(n, m))])
    assert gradcheck(lambda z: weighted(ops.Softmax.apply(z)), [data.draw(blocks(n, m))])
    assert gradcheck(lambda p, t: ops.MSE.apply(p, t), [data.draw(blocks(n, m)), data.draw(blocks(n, m))])


def test_matmul_sparse_inputs_wide_enough_for_the_identity():
    x = Tensor([[0.0 if (i + j) % 3 else 0.1 * (i - j) for j in range(30)] for i in range(3)], requires_grad=True)
    w = Tensor([[math.sin(i * 30 + j) for j in range(30)] for i in range(12)], requires_grad=True)
    assert gradcheck(lambda x, w: weighted((x @ w.T).tanh()), [x, w])


def test_backward_accumulates_on_leaves_and_resets_interior():
    w = Tensor([[1.0, 2.0]], requires_grad=True)
    h = w * 3.0
    loss = h.sum()
    loss.backward()
    loss.backward()
    assert w.grad == [[6.0, 6.0]] and h.grad == [[1.0, 1.0]]
    loss.zero_grad()
    assert w.grad is None and h.grad is None


def test_requires_grad_no_grad_and_detach():
    x = Tensor([[1.0, -2.0]])
    w = Tensor([[0.5, 0.5]], requires_grad=True)
    assert not (x * x).requires_grad
    y = (x * w).sum()
    y.backward()
    assert x.grad is None and w.grad == [[1.0, -2.0]]
    with no_grad():
        z = (w * 2.0).sum()
    assert not z.requires_grad and z.parents == () and z.op == ""
    d = y.detach()
    assert d.parents == () and d.data == y.data and not d.requires_grad
    assert y.op == "sum" and y.parents[0].op == "mul"


def test_backward_on_non_scalar_needs_a_grad():
    w = Tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(1, 2\)"):
        (w * 2.0).backward()
    (w * 2.0).backward([[1.0, 1.0]])
    assert w.grad == [[2.0, 2.0]]
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([[1.0]]).backward()


def test_backward_steps_yield_each_rule():
    w = Tensor([[1.0, 2.0]], requires_grad=True, label="w")
    steps = list((w.relu() * 2.0).sum().backward_steps())
    assert [s.op for s in steps] == ["sum", "mul", "relu"]
    assert w.grad == [[2.0, 2.0]]


def test_backward_runs_the_stepped_loop_in_one_go():
    """backward() is backward_steps() run to the end (one loop, not paused per node): same grads."""
    def build():
        w = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True, label="w")
        x = Tensor([[1.0, 0.25]], label="x")
        return w, ((x @ w).relu() * w.sum()).sum()
    w1, y1 = build()
    y1.backward()
    w2, y2 = build()
    assert len(list(y2.backward_steps())) == 5
    assert w1.grad == w2.grad and w1.grad != [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("build, message", [
    (lambda: Tensor([[1.0, 2.0]]) + Tensor([[1.0, 2.0, 3.0]]), r"add: shapes \(1, 2\) and \(1, 3\)"),
    (lambda: Tensor([[1.0, 2.0]] * 2) * Tensor([[1.0], [2.0], [3.0]]), r"mul: shapes \(2, 2\) and \(3, 1\)"),
    (lambda: Tensor([[1.0, 2.0]]) @ Tensor([[1.0, 2.0]]), r"matmul: shapes \(1, 2\) and \(1, 2\)"),
    (lambda: ops.Linear.apply(Tensor([[1.0]]), Tensor([[1.0, 2.0]]), Tensor([[0.0]])),
     r"linear: input rows have 1 entries but weight rows have 2 \(weight shape \(1, 2\)\)"),
    (lambda: ops.Linear.apply(Tensor([[1.0, 2.0]]), Tensor([[1.0, 2.0]]), Tensor([[0.0, 1.0]])),
     r"linear: bias has 2 entries for 1 outputs"),
    (lambda: Tensor([[1.0, 2.0]]).reshape(3, 1), r"reshape: cannot reshape \(1, 2\) to \(3, 1\)"),
    (lambda: ops.MSE.apply(Tensor([[1.0, 2.0]]), Tensor([[1.0]])), r"mse: predictions shape \(1, 2\)"),
    (lambda: ops.SoftmaxCrossEntropy.apply(Tensor([[1.0, 2.0]]), [2]),
     r"label 2 \(row 0\) is out of range for 2 classes \(0..1\)"),
    (lambda: ops.SoftmaxCrossEntropy.apply(Tensor([[1.0, 2.0]]), [0, 1]), "2 labels for 1 rows"),
    (lambda: Tensor([]), "non-empty"),
    (lambda: Tensor([[]]), "rows must not be empty"),
    (lambda: Tensor([[1.0], [1.0, 2.0]]), "row 1 has 2 entries"),
    (lambda: Tensor([[1.0, -1.0]]).log(), r"log: input must be > 0, got -1.0 at \[0\]\[1\]"),
    (lambda: Tensor([[math.nan, 0.0]]).log(), r"log: input must be > 0, got 0.0 at \[0\]\[1\]"),  # min is NaN here
    (lambda: Tensor([[800.0]]).exp(), "exp: an entry overflows"),
    (lambda: Tensor([[1.0]]).sum(axis=2), "axis must be None, 0 or 1"),
])
def test_bad_input_gives_clear_errors(build, message):
    with pytest.raises((ValueError, OverflowError), match=message):
        build()


def test_division_only_by_a_nonzero_number():
    with pytest.raises(ZeroDivisionError, match="div: division by zero"):  # as Value / 0
        Tensor([[1.0]]) / 0
    with pytest.raises(TypeError, match="div"):
        Tensor([[1.0]]) / Tensor([[2.0]])


def test_non_finite_entries_are_data_as_in_a_value():
    t = Tensor([[math.nan, math.inf, -math.inf]], requires_grad=True)
    assert str(t.data) == "[[nan, inf, -inf]]"
    assert str((t * 2.0).data) == "[[nan, inf, -inf]]"


def test_bad_entry_types():
    with pytest.raises(TypeError, match=r"entry \[0\]\[0\] is '1'"):
        Tensor([["1"]])
    with pytest.raises(TypeError, match="a Tensor is 2-D"):
        Tensor([1.0, 2.0])


def test_gradcheck_restores_tensor_inputs():
    x = Tensor([[1.0, 2.0]])
    gradcheck(lambda t: (t * t).sum(), [x])
    assert x.data == [[1.0, 2.0]] and x.grad is None and not x.requires_grad
