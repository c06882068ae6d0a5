"""Every scalar op from the table in autograd.testing: forward, backward, operand orders, bad input."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from autograd import Value, gradcheck
from autograd.testing import OPS, OPS_BY_NAME, operands

# ops with two operands that may each be a Value: both operand orders apply (2 * x, x * 2)
BINARY = [spec for spec in OPS if spec.arity == 2 and not spec.numbers_only]
by_name = pytest.mark.parametrize("spec", OPS, ids=lambda spec: spec.name)


def arguments(spec, xs, as_numbers=()):
    """The call's arguments (Values, except numbers at ``as_numbers``) and the Values among them."""
    numbers = set(spec.numbers_only) | set(as_numbers)
    args = [x if i in numbers else Value(x, f"x{i}") for i, x in enumerate(xs)]
    return args, [a for a in args if isinstance(a, Value)]


def applied(spec, args):
    """f(*values) applying ``spec`` with the Value positions of ``args`` replaced by ``values``."""
    slots = [i for i, a in enumerate(args) if isinstance(a, Value)]

    def f(*values):
        call = list(args)
        for i, v in zip(slots, values):
            call[i] = v
        return spec.apply(*call)
    return f


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@by_name
@given(data=st.data())
def test_forward_matches_float_reference(spec, data):
    xs = data.draw(operands(spec))
    args, values = arguments(spec, xs)
    out = spec.apply(*args)
    assert close(out.data, spec.reference(*xs))
    assert out.op == spec.op
    assert out.grad == 0.0
    assert all(any(p is v for p in out.parents) for v in values)


@by_name
@given(data=st.data())
def test_backward_agrees_with_gradcheck(spec, data):
    xs = data.draw(operands(spec))
    args, values = arguments(spec, xs)
    assert gradcheck(applied(spec, args), values)


@pytest.mark.parametrize("spec", BINARY, ids=lambda spec: spec.name)
@pytest.mark.parametrize("number_at", [0, 1], ids=["number_first", "number_second"])
@given(data=st.data())
def test_number_operand_in_either_order(spec, number_at, data):
    """2 * x, x * 2, 1 - x, 1 / x, 2 ** x, x ** 2: a plain number on either side."""
    xs = data.draw(operands(spec))
    args, values = arguments(spec, xs, as_numbers=(number_at,))
    out = spec.apply(*args)
    assert close(out.data, spec.reference(*xs))
    assert out.op == spec.op
    assert gradcheck(applied(spec, args), values)


@pytest.mark.parametrize("number", [2, 2.0, True, Fraction(1, 2)], ids=repr)
def test_any_real_number_is_an_operand(number):
    x = Value(3.0)
    assert (x * number).data == 3.0 * float(number)
    assert (number - x).data == float(number) - 3.0


def test_value_converts_numbers_to_float():
    assert type(Value(3).data) is float
    assert Value(Fraction(1, 4)).data == 0.25


# kinks follow PyTorch

@pytest.mark.parametrize("name", ["relu", "abs"])
def test_derivative_at_the_kink_is_zero(name):
    x = Value(0.0)
    out = getattr(x, name)()
    out.backward()
    assert out.data == 0.0
    assert x.grad == 0.0


@pytest.mark.parametrize("x, relu_grad, abs_grad", [(-2.0, 0.0, -1.0), (3.0, 1.0, 1.0)])
def test_derivative_beside_the_kink(x, relu_grad, abs_grad):
    a, b = Value(x), Value(x)
    a.relu().backward()
    abs(b).backward()
    assert (a.grad, b.grad) == (relu_grad, abs_grad)


def test_abs_method_and_builtin_agree():
    x = Value(-1.5)
    assert x.abs().data == abs(x).data == 1.5
    assert x.abs().op == abs(x).op == "abs"


def test_sigmoid_and_tanh_saturate_without_overflow():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0


def test_pow_with_zero_exponent_has_zero_derivative():
    x = Value(0.0)
    (x ** 0).backward()
    assert x.grad == 0.0


def test_integer_power_of_negative_base():
    x = Value(-2.0)
    out = x ** 3
    out.backward()
    assert (out.data, x.grad) == (-8.0, 12.0)


# bad input: every error names the op and what was wrong

BAD_OPERANDS = ["a", None, [1.0], 1j, object()]
OPERATORS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
}


@pytest.mark.parametrize("name", sorted(OPERATORS))
@pytest.mark.parametrize("bad", BAD_OPERANDS, ids=lambda bad: type(bad).__name__)
@pytest.mark.parametrize("value_first", [True, False], ids=["value_first", "value_second"])
def test_non_number_operand_is_a_type_error_naming_op_and_type(name, bad, value_first):
    x = Value(2.0)
    args = (x, bad) if value_first else (bad, x)
    with pytest.raises(TypeError, match=rf"{name}.*{type(bad).__name__}"):
        OPERATORS[name](*args)


@pytest.mark.parametrize("call, name", [
    (lambda bad: Value(bad), "Value"),
    (lambda bad: Value.sum([Value(1.0), bad]), "sum"),
    (lambda bad: Value(1.0).backward(bad), "backward"),
])
def test_non_number_elsewhere_is_a_type_error(call, name):
    with pytest.raises(TypeError, match=rf"{name}.*str"):
        call("a")


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: Value(0.0).log(), ValueError, r"log.*0\.0"),
    (lambda: Value(-1.5).log(), ValueError, r"log.*-1\.5"),
    (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt.*-4\.0"),
    (lambda: Value(3.0) / 0, ZeroDivisionError, r"div.*3\.0"),
    (lambda: Value(3.0) / Value(0.0), ZeroDivisionError, r"div.*3\.0"),
    (lambda: 1 / Value(0.0), ZeroDivisionError, r"div.*1\.0"),
    (lambda: Value(-2.0) ** 0.5, ValueError, r"pow.*-2\.0.*0\.5"),
    (lambda: Value(-2.0) ** Value(0.5), ValueError, r"pow.*-2\.0.*0\.5"),
    (lambda: (-2) ** Value(0.5), ValueError, r"pow.*-2\.0.*0\.5"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, r"pow.*-1"),
    (lambda: Value(1000.0).exp(), OverflowError, r"exp.*1000\.0"),
    (lambda: Value(10.0) ** 400, OverflowError, r"pow.*10\.0"),
], ids=["log0", "log_negative", "sqrt_negative", "div_number", "div_value", "rdiv",
        "pow_number", "pow_value", "rpow", "pow_zero_base", "exp_overflow", "pow_overflow"])
def test_bad_domain_is_a_clear_error_naming_op_and_value(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_exp_just_below_the_float_limit_is_finite():
    assert math.isfinite(Value(709.0).exp().data)


@pytest.mark.parametrize("make", [
    lambda x: x.sqrt(),  # 1 / (2 sqrt x) is infinite at 0
    lambda x: x ** 0.5,
], ids=["sqrt", "pow_half"])
def test_infinite_derivative_at_zero_is_an_error_not_inf(make):
    out = make(Value(0.0))
    assert out.data == 0.0
    with pytest.raises(ZeroDivisionError, match="sqrt|pow"):
        out.backward()


def test_derivative_in_exponent_of_negative_base_is_an_error():
    """(-2) ** b is real only at integer b, so d/db does not exist; the error says which op."""
    b = Value(2.0)
    out = Value(-2.0) ** b
    assert out.data == 4.0
    with pytest.raises(ValueError, match=r"pow.*exponent.*-2\.0"):
        out.backward()


def test_every_op_in_the_engine_is_in_the_table():
    from autograd import scalar_ops
    names = {getattr(scalar_ops, cls).name for cls in scalar_ops.__all__}
    assert names == {spec.op for spec in OPS}
    assert set(OPS_BY_NAME) == {spec.name for spec in OPS}
