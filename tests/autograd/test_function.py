"""The public op API and the node contract: a user's own op works everywhere a built-in does."""

import math
import threading

import pytest
from hypothesis import given

import autograd
from autograd import AnomalyError, Function, Node, Tensor, Value, detect_anomaly, gradcheck, no_grad
from autograd import array_ops, scalar_ops
from autograd.dot import to_dot
from autograd.testing import floats
from autograd.trace import trace


class Softplus(Function):
    """z = log(1 + e**a);  dz/da = sigmoid(a)"""

    @staticmethod
    def forward(ctx, a):
        return math.log1p(math.exp(-abs(a))) + max(a, 0.0)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.parents
        return (grad * scalar_ops.sigmoid(a.data),)


class Square(Function):
    """Z = A * A elementwise;  dZ/dA = 2 A"""

    @staticmethod
    def forward(ctx, a):
        return [[x * x for x in row] for row in a]

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.parents
        return ([[2.0 * x * g for x, g in zip(row, grow)] for row, grow in zip(a.data, grad)],)


def test_every_builtin_rule_is_a_function_with_a_formula():
    for module in (scalar_ops, array_ops):
        for name in module.__all__:
            rule = getattr(module, name)
            if isinstance(rule, type):
                assert issubclass(rule, Function), name
                assert ";" in rule.formula() and "d" in rule.formula(), (name, rule.formula())


def test_name_defaults_to_the_class_name_and_formula_to_the_docstring():
    assert Softplus.name == "softplus"
    assert Softplus.formula() == "z = log(1 + e**a);  dz/da = sigmoid(a)"


@given(floats(-20, 20))
def test_a_users_scalar_op_passes_gradcheck_and_matches_its_float_twin(x):
    v = Value(x, "x")
    assert math.isclose(Softplus.apply(v).data, math.log1p(math.exp(x)), rel_tol=1e-12, abs_tol=1e-300)
    assert gradcheck(lambda a: Softplus.apply(a), [v])


def test_a_users_op_works_with_steps_trace_pictures_and_anomaly():
    x = Value(0.5, "x")
    y = Softplus.apply(x * 2.0)
    y.label = "y"
    steps = list(y.backward_steps())
    assert [s.op for s in steps] == ["softplus", "mul"]
    assert steps[0].function is Softplus
    assert math.isclose(x.grad, 2.0 * scalar_ops.sigmoid(1.0))
    assert "softplus" in str(trace(y)) and "softplus" in to_dot(y)
    with detect_anomaly(), pytest.raises(AnomalyError, match="softplus produced inf"):
        Softplus.apply(Value(math.inf))


def test_a_users_array_op_works_on_tensors():
    a = Tensor([[1.0, -2.0], [0.5, 3.0]], "a", requires_grad=True)
    loss = Square.apply(a).sum()
    loss.backward()
    assert a.grad == [[2.0, -4.0], [1.0, 6.0]]
    assert gradcheck(lambda t: Square.apply(t).mean(), [a])


def test_apply_passes_constants_through_and_refuses_mixed_or_missing_nodes():
    class Scale(Function):
        """z = a * c;  dz/da = c"""

        @staticmethod
        def forward(ctx, a, c):
            ctx.saved = c
            return a * c

        @staticmethod
        def backward(ctx, grad):
            return (grad * ctx.saved,)

    x = Value(3.0)
    y = Scale.apply(x, 4.0)
    y.backward()
    assert (y.data, x.grad, y.parents) == (12.0, 4.0, (x,))
    with pytest.raises(TypeError, match="scale: apply.. needs at least one Value or Tensor"):
        Scale.apply(1.0, 2.0)
    with pytest.raises(TypeError, match="scale: input 1 is a Tensor but input 0 is a Value; an op takes Values or Tensors, not both"):
        Scale.apply(x, Tensor([[1.0]]))


@pytest.mark.parametrize("returned, message", [
    (lambda g: (g, g), "returned 2 contributions for 1 input;"),
    (lambda g: [g], "returned a list"),
    (lambda g: "oops", "returned a str"),
])
def test_a_rule_returning_the_wrong_shape_is_named(returned, message):
    class Bad(Function):
        """z = a;  dz/da = 1"""

        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, grad):
            return returned(grad)

    with pytest.raises(TypeError, match=rf"backward of bad \(bad#1\): {message}"):
        Bad.apply(Value(1.0)).backward()


def test_a_one_input_scalar_rule_may_return_a_bare_number():
    class Twice(Function):
        """z = 2 a;  dz/da = 2"""

        @staticmethod
        def forward(ctx, a):
            return 2 * a

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    x = Value(1.0)
    Twice.apply(x).backward()
    assert x.grad == 2.0


def test_both_node_kinds_share_the_contract():
    for kind in (Value, Tensor):
        assert issubclass(kind, Node)
        for name in ("backward", "backward_steps", "zero_grad", "parents", "op", "function"):
            assert getattr(kind, name) is getattr(Node, name), (kind, name)


def test_grad_mode_is_per_thread():
    recorded = {}

    def build():
        recorded["other"] = bool((Value(1.0) * 2.0).parents)

    with no_grad():
        assert not (Value(1.0) * 2.0).parents
        t = threading.Thread(target=build)
        t.start()
        t.join()
    assert recorded["other"] is True
    assert autograd.is_grad_enabled()


def test_set_grad_enabled_switches_both_ways():
    with autograd.set_grad_enabled(False):
        assert not (Value(1.0) * 2.0).parents
        with autograd.set_grad_enabled(True):
            assert (Value(1.0) * 2.0).parents


def _op(forward, backward, doc="z = f(a);  dz/da = f'(a)"):
    """A Function subclass from two plain functions (the class statement is what is tested)."""
    return type("Op", (Function,), {"__doc__": doc, "forward": staticmethod(forward),
                                    "backward": staticmethod(backward)})


@pytest.mark.parametrize("forward, backward, message", [
    (lambda a: a, lambda ctx, grad: (grad,), r"Op.forward\(a\) .* forward\(ctx, a\)"),
    (lambda: 1.0, lambda ctx, grad: (grad,), r"Op.forward\(\) .* write forward\(ctx, \*inputs\)"),
    (lambda ctx: 1.0, lambda ctx, grad: (grad,), r"Op.forward\(ctx\) .* write forward\(ctx, \*inputs\)"),
    (lambda ctx, a: a, lambda grad: (grad,), r"Op.backward\(grad\) .* backward\(ctx, grad\)"),
    (lambda ctx, a: a, lambda ctx, grad, extra: (grad,), r"Op.backward\(ctx, grad, extra\) .* backward\(ctx, grad\)"),
])
def test_a_rule_without_ctx_is_refused_where_the_class_is_defined(forward, backward, message):
    with pytest.raises(TypeError, match=message):
        _op(forward, backward)


def test_rules_taking_varargs_or_defaults_are_accepted():
    Op = _op(lambda ctx, *inputs: sum(inputs), lambda ctx, grad, scale=1.0: (grad * scale,) * len(ctx.parents))
    x, y = Value(1.0), Value(2.0)
    Op.apply(x, y).backward()
    assert (x.grad, y.grad) == (1.0, 1.0)


def test_a_forward_that_returns_a_node_is_refused():
    Composite = _op(lambda ctx, a: (1 + Value(a).exp()).log(), lambda ctx, grad: (grad,))
    with pytest.raises(TypeError, match="forward of op: returned a Value; forward computes plain data"):
        Composite.apply(Value(0.5))


@pytest.mark.parametrize("make_input, contribution, message", [
    (lambda: Value(1.0, "x"), lambda g: None, r"gave None to input x \(a Value\)"),
    (lambda: Value(1.0, "x"), lambda g: [g], r"gave a list to input x \(a Value\)"),
    (lambda: Tensor([[1.0, 2.0], [3.0, 4.0]], "t", requires_grad=True),
     lambda g: [v for row in g for v in row], r"gave a list to input t \(a Tensor of shape \(2, 2\)\)"),
    (lambda: Tensor([[1.0]], "t", requires_grad=True), lambda g: 2.0, r"gave a float to input t \(a Tensor"),
    (lambda: Tensor([[1.0, 2.0], [3.0, 4.0]], "t", requires_grad=True), lambda g: g[:1],
     r"gave rows of shape \(1, 2\) to input t \(a Tensor of shape \(2, 2\)\)"),
    (lambda: Tensor([[1.0, 2.0], [3.0, 4.0]], "t", requires_grad=True), lambda g: [g[0], g[1][:1]],
     r"gave 2 rows of lengths 1, 2 to input t \(a Tensor of shape \(2, 2\)\)"),
])
def test_a_contribution_the_input_cannot_take_is_named(make_input, contribution, message):
    Op = _op(lambda ctx, a: a, lambda ctx, grad: (contribution(grad),))
    x = make_input()
    with pytest.raises(TypeError, match=rf"backward of op \(op#1\): {message}"):
        y = Op.apply(x)
        (y.sum() if isinstance(y, Tensor) else y).backward()


def test_too_few_contributions_are_counted_and_the_node_named():
    Op = _op(lambda ctx, a, b: a * b, lambda ctx, grad: (grad,), doc="z = a b;  dz/da = b, dz/db = a")
    with pytest.raises(TypeError, match=r"backward of op \(op#2\): returned 1 contribution for 2 inputs; "
                                        "return one per input"):
        Op.apply(Value(1.0), Value(2.0)).backward()
    with pytest.raises(TypeError, match="op: input 2 is a Tensor but input 0 is a Value"):
        Op.apply(Value(1.0), 3.0, Tensor([[1.0]]))
