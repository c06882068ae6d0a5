"""Losses on Values: values against plain-math formulas, gradcheck, stability at +-1000, bad input."""

import math

import pytest
from hypothesis import given, strategies as st

import nn
from autograd import Value, gradcheck

moderate = st.floats(-5, 5, allow_nan=False)
logit_lists = st.lists(moderate, min_size=1, max_size=5)


def values(xs):
    return [Value(x) for x in xs]


def _lse(xs):
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


@given(logit_lists)
def test_log_softmax_and_softmax_match_formulas_and_gradcheck(xs):
    vs = values(xs)
    lse = _lse(xs)
    assert [v.data for v in nn.log_softmax(vs)] == pytest.approx([x - lse for x in xs], abs=1e-12)
    probs = nn.softmax(vs)
    assert [p.data for p in probs] == pytest.approx([math.exp(x - lse) for x in xs], abs=1e-12)
    weights = [0.3 * i - 0.5 for i in range(len(xs))]  # a generic linear functional of the outputs
    assert gradcheck(lambda *v: nn.losses.value_sum([w * o for w, o in zip(weights, nn.log_softmax(v))]), vs)
    assert gradcheck(lambda *v: nn.losses.value_sum([w * o for w, o in zip(weights, nn.softmax(v))]), vs)


@given(st.lists(moderate, min_size=2, max_size=5), st.data())
def test_cross_entropy_matches_formula_and_gradcheck(xs, data):
    label = data.draw(st.integers(0, len(xs) - 1))
    vs = values(xs)
    assert nn.cross_entropy(vs, label).data == pytest.approx(_lse(xs) - xs[label], abs=1e-12)
    assert gradcheck(lambda *v: nn.cross_entropy(list(v), label), vs)
    loss = nn.cross_entropy(vs, label)
    loss.backward()  # d/dx_i = softmax_i - [i == label]
    expected = [math.exp(x - _lse(xs)) - (i == label) for i, x in enumerate(xs)]
    assert [v.grad for v in vs] == pytest.approx(expected, abs=1e-12)


def test_cross_entropy_batch_is_the_mean():
    rows, labels = [[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]], [2, 0]
    batch = nn.cross_entropy([values(r) for r in rows], labels).data
    assert batch == pytest.approx(sum(_lse(r) - r[y] for r, y in zip(rows, labels)) / 2, abs=1e-12)


@given(st.lists(moderate, min_size=1, max_size=4), st.data())
def test_bce_mse_hinge_match_formulas_and_gradcheck(xs, data):
    n = len(xs)
    ts = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    ys = data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))
    vs = values(xs)

    def sig(x):
        return 1 / (1 + math.exp(-x))
    bce = sum(-(t * math.log(sig(x)) + (1 - t) * math.log(1 - sig(x))) for x, t in zip(xs, ts)) / n
    assert nn.binary_cross_entropy_with_logits(vs, ts).data == pytest.approx(bce, rel=1e-9, abs=1e-12)
    assert nn.mse(vs, ts).data == pytest.approx(sum((x - t) ** 2 for x, t in zip(xs, ts)) / n, rel=1e-12)
    hinge = sum(max(0.0, 1 - y * x) for x, y in zip(xs, ys)) / n
    assert nn.svm_hinge(vs, ys).data == pytest.approx(hinge, rel=1e-12, abs=1e-15)
    assert gradcheck(lambda *v: nn.binary_cross_entropy_with_logits(list(v), ts), vs)
    assert gradcheck(lambda *v: nn.mse(list(v), ts), vs)
    assert gradcheck(lambda *v: nn.l2(v, 0.5), vs)
    if all(abs(1 - y * x) > 1e-3 for x, y in zip(xs, ys)):  # away from the hinge's kink
        assert gradcheck(lambda *v: nn.svm_hinge(list(v), ys), vs)


def test_bce_gradient_at_zero_logit_is_sigmoid_minus_target():
    x = Value(0.0)
    nn.binary_cross_entropy_with_logits([x], [1.0]).backward()
    assert x.grad == -0.5


@pytest.mark.parametrize("big", [1000.0, -1000.0])
def test_extreme_logits_give_finite_losses_and_gradients(big):
    for loss in [lambda v: nn.cross_entropy(v, 1), lambda v: nn.log_softmax(v)[1],
                 lambda v: nn.softmax(v)[1], lambda v: nn.binary_cross_entropy_with_logits(v, [0, 1, 1])]:
        vs = values([big, -big, 0.0])
        out = loss(vs)
        out.backward()
        assert math.isfinite(out.data) and all(math.isfinite(v.grad) for v in vs)
    vs = values([big, -big, 0.0])
    ce = nn.cross_entropy(vs, 1)
    assert ce.data == pytest.approx(2000.0 if big > 0 else 0.0)


def test_bad_labels_and_shapes_are_named():
    vs = values([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"label 3 \(row 0\) is out of range for 3 classes \(0..2\)"):
        nn.cross_entropy(vs, 3)
    with pytest.raises(ValueError, match=r"label -1 \(row 0\) is out of range"):
        nn.cross_entropy(vs, -1)
    with pytest.raises(TypeError, match=r"label 1.0 \(row 0\) is not an int class index"):
        nn.cross_entropy(vs, 1.0)
    with pytest.raises(ValueError, match=r"label 5 \(row 1\) is out of range"):
        nn.cross_entropy([vs, vs], [0, 5])
    with pytest.raises(ValueError, match="svm_hinge: label 0 is 0.0"):
        nn.svm_hinge(vs[:1], [0])
    with pytest.raises(ValueError, match=r"mse: predictions shape \(1, 3\) and targets shape \(1, 2\) differ"):
        nn.mse(vs, [1, 2])
    with pytest.raises(ValueError, match="target 0 is 2.0, not in"):
        nn.binary_cross_entropy_with_logits(vs[:1], [2])


def test_nan_logits_give_nan_not_an_error():
    """NaN is data (docs/edge-cases.md): every output is NaN, wherever the NaN is in the row."""
    for row in ([math.nan, 1.0], [1.0, math.nan]):
        assert all(math.isnan(v.data) for v in nn.log_softmax(values(row)))
        assert all(math.isnan(v.data) for v in nn.softmax(values(row)))
        assert math.isnan(nn.cross_entropy(values(row), 0).data)


def test_check_finite_names_the_step():
    assert nn.check_finite(Value(1.5), 3) == 1.5
    with pytest.raises(FloatingPointError, match="step 7: loss is nan"):
        nn.check_finite(Value(math.nan), 7)
    with pytest.raises(FloatingPointError, match="step 0: loss is inf"):
        nn.check_finite(math.inf, 0)
