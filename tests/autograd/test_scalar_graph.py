"""The graph around the ops: identities, deep chains, reuse, repeated passes, grad modes, sum."""

import math

import pytest
from hypothesis import given

import autograd
from autograd import Value, enable_grad, gradcheck, is_grad_enabled, no_grad, scalar_ops
from autograd.testing import expressions, floats, nonzero_floats, positive_floats


def value_and_grads(f, *xs):
    """f's value at xs and its gradient with respect to each x, via backward()."""
    values = [Value(x) for x in xs]
    out = f(*values)
    out.backward()
    return out.data, [v.grad for v in values]


def assert_same(f, g, *xs):
    """f and g agree in value and in gradient at xs."""
    (fv, fg), (gv, gg) = value_and_grads(f, *xs), value_and_grads(g, *xs)
    assert math.isclose(fv, gv, rel_tol=1e-9, abs_tol=1e-9)
    for a, b in zip(fg, gg):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# identities in value and gradient

@given(floats())
def test_x_plus_x_is_two_x(x):
    assert_same(lambda v: v + v, lambda v: 2 * v, x)


@given(floats())
def test_x_minus_x_is_zero(x):
    assert_same(lambda v: v - v, lambda v: v * 0, x)


@given(nonzero_floats())
def test_x_over_x_is_one(x):
    assert_same(lambda v: v / v, lambda v: v ** 0, x)


@given(positive_floats())
def test_exp_log_round_trip(x):
    assert_same(lambda v: v.log().exp(), lambda v: +v, x)
    assert_same(lambda v: v.sqrt() ** 2, lambda v: v * 1, x)


@given(floats())
def test_log_exp_round_trip_and_double_negation(x):
    assert_same(lambda v: v.exp().log(), lambda v: v * 1, x)
    assert_same(lambda v: -(-v), lambda v: v * 1, x)


@given(floats())
def test_tanh_sigmoid_relation(x):
    assert_same(lambda v: v.tanh(), lambda v: 2 * (2 * v).sigmoid() - 1, x)
    assert_same(lambda v: v.sigmoid(), lambda v: 1 / (1 + (-v).exp()), x)


@given(nonzero_floats(gap=0.01))
def test_abs_is_relu_of_both_signs(x):
    assert_same(abs, lambda v: v.relu() + (-v).relu(), x)


@given(floats(), floats(), floats())
def test_sum_is_repeated_add(a, b, c):
    assert_same(lambda *vs: autograd.sum(vs), lambda x, y, z: x + y + z, a, b, c)


@given(floats(), positive_floats(0.5, 3.0))
def test_pow_value_and_pow_number_agree(x, c):
    assert_same(lambda v: v * v, lambda v: v ** 2, x)
    assert_same(lambda b: b ** Value(c), lambda b: b ** c, c)


# random expression graphs with shared subexpressions

@given(expressions())
def test_random_expressions_forward_and_backward(expr):
    build, inputs = expr
    assert math.isclose(build(*inputs).data, expr.reference(*expr.xs), rel_tol=1e-9, abs_tol=1e-9)
    assert gradcheck(build, inputs)


# depth and reuse

def test_chain_of_a_million_nodes():
    x, step = Value(0.5, "x"), Value(1.0, "step")
    y = x
    with autograd.gc_paused():  # the collector would rescan the growing chain again and again
        for _ in range(1_000_000):
            y = y + step
    y.backward()
    assert y.data == 1_000_000.5
    assert (x.grad, step.grad) == (1.0, 1_000_000.0)


def test_node_used_many_times_runs_each_rule_once(monkeypatch):
    calls = []
    rule = scalar_ops.Mul.backward
    monkeypatch.setattr(scalar_ops.Mul, "backward",
                        staticmethod(lambda out, grad: calls.append(out) or rule(out, grad)))
    x = Value(3.0, "x")
    h = x * x  # used by every term below
    terms = [h * k for k in range(1, 101)]
    out = autograd.sum(terms + [h, h])
    steps = list(out.backward_steps())
    nodes = [step[0] for step in steps]
    interior = [n for n in autograd.topological_order(out) if n.parents]
    assert len(nodes) == len(interior) == len({id(n) for n in nodes}) == 102
    assert len(calls) == 101 and len({id(n) for n in calls}) == 101
    assert h.grad == sum(range(1, 101)) + 2
    assert x.grad == h.grad * 2 * 3.0


def test_repeated_backward_accumulates_leaves_and_resets_interior_nodes():
    x = Value(2.0)
    y = x * x
    z = y * 3
    z.backward()
    z.backward()
    assert x.grad == 2 * 12.0  # leaf: two passes add up
    assert (y.grad, z.grad) == (3.0, 1.0)  # interior: the latest pass only
    y.backward()  # a pass from an interior root resets it first, then seeds 1
    assert (y.grad, x.grad) == (1.0, 2 * 12.0 + 4.0)


def test_backward_seed_scales_every_gradient():
    x = Value(2.0)
    (x * 5).backward(0.5)
    assert x.grad == 2.5


def test_zero_grad_clears_the_whole_graph():
    a, b = Value(1.0), Value(2.0)
    out = (a * b).tanh()
    out.backward()
    out.zero_grad()
    assert all(node.grad == 0.0 for node in autograd.topological_order(out))


# grad modes and detach

def test_no_grad_records_nothing_and_enable_grad_turns_it_back_on():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * 3 + 1
        with enable_grad():
            assert is_grad_enabled()
            z = x * 3
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert (y.data, y.parents, y.op) == (7.0, (), "")
    assert z.parents[0] is x and z.op == "mul"
    y.backward()
    assert x.grad == 0.0


def test_grad_mode_is_restored_after_an_error():
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled()


def test_detach_cuts_the_graph():
    x = Value(2.0, "x")
    d = (x * x).detach()
    assert (d.data, d.parents, d.op, d.grad) == (4.0, (), "", 0.0)
    (d * x).backward()
    assert (x.grad, d.grad) == (4.0, 2.0)


# display

def test_repr_shows_label_op_data_and_grad():
    x = Value(2.0, "x")
    assert repr(x) == "Value(label='x', data=2.0, grad=0.0)"
    y = x * 3
    y.backward()
    assert repr(y) == "Value(op='mul', data=6.0, grad=1.0)"


def test_parents_are_ordered():
    a, b = Value(1.0), Value(2.0)
    assert (a - b).parents == (a, b)
    assert (b - a).parents == (b, a)


# the n-ary sum

def test_sum_is_one_node_for_many_terms():
    xs = [Value(float(i)) for i in range(784)]
    out = autograd.sum(x * 2 for x in xs)
    assert (out.op, len(out.parents), out.data) == ("sum", 784, 2.0 * sum(range(784)))
    out.backward()
    assert all(x.grad == 2.0 for x in xs)
    assert len(autograd.topological_order(out)) == 1 + 784 * 3  # sum, products, xs, constants


def test_sum_takes_numbers_and_the_empty_sum_is_zero():
    a = Value(1.5)
    assert Value.sum([a, 2, 0.5]).data == 4.0
    empty = autograd.sum([])
    assert (empty.data, empty.parents) == (0.0, ())
    empty.backward()
    assert empty.grad == 1.0
