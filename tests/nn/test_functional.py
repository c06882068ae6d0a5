"""nn.functional: one name per function, the same values, gradients and errors on both paths.

Values and gradients are compared to 1e-12 of the problem's scale: relative for results of
size 1 or more, absolute below that, since the paths add in different orders and a loss near
0 is the difference of two nearly equal numbers.
"""

import math

import pytest
from hypothesis import given, strategies as st

import nn
import nn.functional as F
from autograd import Tensor, Value, sum as value_sum

logit = st.floats(-30, 30, allow_nan=False)


def close(a, b, scale=1.0):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale)


@st.composite
def grids(draw, rows=None, cols=None, entry=logit):
    rows = rows or draw(st.integers(1, 4))
    cols = cols or draw(st.integers(1, 5))
    return [draw(st.lists(entry, min_size=cols, max_size=cols)) for _ in range(rows)]


def leaves(grid):
    """The same numbers as scalar leaves (rows of Values) and as a fast leaf (a Tensor)."""
    return [[Value(x) for x in row] for row in grid], Tensor(grid, requires_grad=True)


def weights(rows, cols):
    """A fixed uneven weighting, so that a weighted sum of outputs gives every entry its own gradient."""
    return [[1.0 + 0.3 * i - 0.7 * j for j in range(cols)] for i in range(rows)]


def reduce_scalar(out):
    """One Value from a function's scalar-path result: itself, or a weighted sum of its rows."""
    if isinstance(out, Value):
        return out
    rows = out if isinstance(out[0], list) else [out]
    w = weights(len(rows), len(rows[0]))
    return value_sum([c * v for wr, row in zip(w, rows) for c, v in zip(wr, row)])


def reduce_fast(out):
    rows, cols = out.shape
    return out if (rows, cols) == (1, 1) else (out * Tensor(weights(rows, cols))).sum()


def assert_same(scalar_out, fast_out, pairs, scale=1.0):
    """Same result entries, and after backward the same gradient on each (scalar rows, Tensor) pair."""
    entries = [scalar_out] if isinstance(scalar_out, Value) else [
        v for row in (scalar_out if isinstance(scalar_out[0], list) else [scalar_out]) for v in row]
    got = [x for row in fast_out.data for x in row]
    assert len(entries) == len(got)
    for v, x in zip(entries, got):
        assert close(v.data, x, scale), (v.data, x)
    reduce_scalar(scalar_out).backward()
    reduce_fast(fast_out).backward()
    for rows, tensor in pairs:
        for row, grad_row in zip(rows, tensor.grad, strict=True):
            for v, g in zip(row, grad_row, strict=True):
                assert close(v.grad, g, scale), (v.grad, g)


@given(grids(), st.data())
def test_cross_entropy_is_the_same_on_both_paths(grid, data):
    labels = [data.draw(st.integers(0, len(grid[0]) - 1)) for _ in grid]
    rows, t = leaves(grid)
    assert_same(F.cross_entropy(rows, labels), F.cross_entropy(t, labels), [(rows, t)], scale=30.0)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(grid=grids())
def test_softmax_and_log_softmax_are_the_same_on_both_paths(name, grid):
    rows, t = leaves(grid)
    f = getattr(F, name)
    assert_same(f(rows), f(t), [(rows, t)], scale=30.0)


@given(st.data())
def test_mse_is_the_same_on_both_paths(data):
    p = data.draw(grids())
    q = data.draw(grids(len(p), len(p[0])))
    (ps, pt), (qs, qt) = leaves(p), leaves(q)
    assert_same(F.mse(ps, qs), F.mse(pt, qt), [(ps, pt), (qs, qt)], scale=900.0)


@given(st.data())
def test_linear_is_the_same_on_both_paths(data):
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    x = data.draw(grids(n, k, st.one_of(st.just(0.0), logit)))  # zeros: the scalar path skips them
    w, b = data.draw(grids(m, k)), data.draw(grids(1, m))
    (xs, xt), (ws, wt), (bs, bt) = leaves(x), leaves(w), leaves(b)
    scale = 1.0 + sum(abs(a * c) for row in x for a, wr in zip(row, w) for c in wr) + sum(map(abs, b[0]))
    assert_same(F.linear(xs, ws, bs[0]), F.linear(xt, wt, bt), [(xs, xt), (ws, wt), (bs, bt)], scale=scale * 30)
    # plain-number inputs: zeros are skipped, and the weights' gradients are still the same
    ws2, wt2 = leaves(w)
    assert_same(F.linear(x, ws2, bs[0]), F.linear(Tensor(x), wt2, bt), [(ws2, wt2)], scale=scale * 30)


def test_one_sample_is_a_batch_of_one_row():
    row, label = [0.5, -1.0, 2.0], 2
    one, batch = F.cross_entropy(row, label), F.cross_entropy([row], [label])
    assert one.data == batch.data
    assert [v.data for v in F.softmax(row)] == [v.data for v in F.softmax([row])[0]]
    w, b = [[Value(1.0), Value(2.0), Value(3.0)]], [Value(0.5)]
    assert [v.data for v in F.linear(row, w, b)] == [v.data for v in F.linear([row], w, b)[0]] == [5.0]
    assert F.mse(Value(3.0), 1.0).data == F.mse([3.0], [1.0]).data == 4.0


def test_the_old_names_are_the_same_functions():
    assert nn.cross_entropy is nn.losses.cross_entropy is F.cross_entropy
    assert nn.mse is nn.losses.mse is F.mse
    assert nn.softmax is F.softmax and nn.log_softmax is F.log_softmax


# bad arguments: the same exception, with the same message, on both paths

BAD_LABELS = st.one_of(
    st.floats(allow_nan=True), st.booleans(), st.integers(-3, 7), st.none(), st.text(max_size=2),
    st.integers(0, 3).map(float))


@st.composite
def label_cases(draw):
    """(logits rows, labels) with some labels possibly bad: floats, bools, out of range, a wrong count..."""
    grid = draw(grids(entry=st.one_of(logit, st.just(math.nan), st.just(math.inf))))
    count = draw(st.sampled_from([len(grid), len(grid), len(grid) + 1, max(len(grid) - 1, 0)]))
    labels = draw(st.lists(st.one_of(st.integers(0, len(grid[0]) - 1), BAD_LABELS), min_size=count, max_size=count))
    return grid, draw(st.sampled_from([labels, tuple(labels), labels[0] if labels else 0, "0"]))


def outcome(call):
    """("ok", result entries) or (exception type, message)."""
    try:
        out = call()
    except Exception as e:  # noqa: BLE001 - the exception is the outcome
        return type(e), str(e)
    return "ok", out


def assert_same_outcome(scalar_call, fast_call):
    s, f = outcome(scalar_call), outcome(fast_call)
    assert s[0] == f[0], (s, f)
    if s[0] == "ok":
        assert close(s[1].data, f[1].item(), 30.0), (s, f)
    else:
        assert s[1] == f[1]


@given(label_cases())
def test_cross_entropy_refuses_the_same_labels_the_same_way(case):
    grid, labels = case
    assert_same_outcome(lambda: F.cross_entropy(grid, labels), lambda: F.cross_entropy(Tensor(grid), labels))


@pytest.mark.parametrize("labels", [[1.0], [True], [2], [-1], [0, 1], [], 1, "0", [None], [math.nan]])
def test_each_bad_label_gives_one_error(labels):
    assert_same_outcome(lambda: F.cross_entropy([[1.0, 2.0]], labels),
                        lambda: F.cross_entropy(Tensor([[1.0, 2.0]]), labels))
    with pytest.raises((TypeError, ValueError), match=r"^cross_entropy: "):
        F.cross_entropy([[1.0, 2.0]], labels)


@pytest.mark.parametrize("x, w, b", [
    ([[1.0]], [[1.0, 2.0]], [0.0]),               # input rows too short
    ([[1.0, 2.0]], [[1.0, 2.0]], [0.0, 1.0]),     # a bias entry too many
    ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]], [1.0]),
])
def test_linear_refuses_the_same_shapes_the_same_way(x, w, b):
    assert_same_outcome(lambda: value_sum(F.linear(x, w, b)[0]), lambda: F.linear(Tensor(x), Tensor(w), Tensor([b])))


@pytest.mark.parametrize("p, t", [([[1.0, 2.0]], [[1.0]]), ([[1.0], [2.0]], [[1.0, 2.0]]), ([[1.0]], [[1.0], [2.0]])])
def test_mse_refuses_the_same_shapes_the_same_way(p, t):
    assert_same_outcome(lambda: F.mse(p, t), lambda: F.mse(Tensor(p), Tensor(t)))


@pytest.mark.parametrize("bad, error", [
    ([], ValueError), ([[]], ValueError), ([[1.0, 2.0], [3.0]], ValueError), ([["a", 1.0]], TypeError),
    ([[True, 1.0]], TypeError), (3.5j, TypeError),
])
def test_inputs_a_tensor_cannot_hold_are_refused_with_the_same_type(bad, error):
    """The fast path never sees these (the Tensor constructor refuses them); the scalar path
    refuses them with the same exception type, naming the function."""
    with pytest.raises(error):
        Tensor(bad)
    for call in (lambda: F.softmax(bad), lambda: F.log_softmax(bad), lambda: F.cross_entropy(bad, [0]),
                 lambda: F.mse(bad, bad)):
        with pytest.raises(error, match=r"^(softmax|log_softmax|cross_entropy|mse): "):
            call()


def test_mixing_the_paths_is_a_type_error():
    with pytest.raises(TypeError, match="linear: mixes a Tensor and a list"):
        F.linear(Tensor([[1.0]]), [[Value(1.0)]], [Value(0.0)])
    with pytest.raises(TypeError, match="linear: mixes a Tensor and a list"):
        F.linear([[1.0]], Tensor([[1.0]]), Tensor([[0.0]]))
    with pytest.raises(TypeError, match="mse: mixes a Tensor and a list"):
        F.mse([[1.0]], Tensor([[1.0]]))


# NaN never becomes a number, through a whole model

def _mlp_pair(activation):
    mlp = nn.MLP(4, [3, 2], activation=activation, rng=1)
    fast = nn.fast_mlp(4, [3, 2], activation=activation, rng=2)
    fast.load_state_dict(mlp.state_dict())
    return mlp, fast


def _poison(model_state, where, bad):
    name, i, j = where
    model_state[name][i][j] = bad
    return model_state


SPOTS = [  # (parameter, row, column); the batch's first column is all zeros (skipped)
    ("layers.0.weight", 0, 0), ("layers.0.weight", 2, 3), ("layers.1.weight", 1, 2)]
X = [[0.0, 1.0, -2.0, 0.5], [0.0, 0.0, 3.0, 1.0]]


def _loss(path, mlp, fast, x):
    if path == "scalar":
        return nn.cross_entropy([mlp(row) for row in x], [0, 1]).data
    return nn.cross_entropy(fast(x), [0, 1]).item()


def _weight_cases():
    for spot in SPOTS:
        for bad in (math.nan, math.inf):
            for path in ("scalar", "fast"):
                yield pytest.param(path, bad, spot, id=f"{path}-{bad}-{spot[0]}[{spot[1]}][{spot[2]}]")


@pytest.mark.parametrize("path, bad, spot", list(_weight_cases()))
def test_a_nan_or_inf_weight_anywhere_makes_the_loss_non_finite(path, bad, spot):
    mlp, fast = _mlp_pair("relu")
    state = _poison({k: [list(r) if isinstance(r, list) else r for r in v] for k, v in mlp.state_dict().items()},
                    spot, bad)
    mlp.load_state_dict(state)
    fast.load_state_dict(state)
    loss = _loss(path, mlp, fast, X)
    assert math.isnan(loss) if math.isnan(bad) else not math.isfinite(loss)


@pytest.mark.parametrize("path", ["scalar", "fast"])
@pytest.mark.parametrize("i, j", [(i, j) for i in range(2) for j in range(4)])
def test_a_nan_input_anywhere_makes_the_loss_nan(path, i, j):
    mlp, fast = _mlp_pair("relu")
    x = [list(r) for r in X]
    x[i][j] = math.nan
    assert math.isnan(_loss(path, mlp, fast, x))
