"""gradcheck itself: it passes right rules, fails wrong ones naming the worst input, restores inputs."""

import importlib
import math

import pytest

from autograd import Function, GradcheckError, Tensor, Value, gradcheck, no_grad, scalar_ops

# the package exports the function under the module's name, so reach the module itself
checker = importlib.import_module("autograd.gradcheck")


def node(op, *parents):
    """A node made by a hand-written op, through the public op API."""
    return op.apply(*parents)


class WrongMul(scalar_ops.Mul):
    """Mul's forward with a wrong rule for b: dz/db reported as 2a (should be a)."""
    name = "wrong_mul"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.parents
        return grad * b.data, grad * 2 * a.data


class SlightlyOff(scalar_ops.Mul):
    """Mul's forward; its derivatives carry relative errors 1e-4 (for a) and 1e-2 (for b)."""
    name = "slightly_off"

    @staticmethod
    def backward(ctx, grad):
        da, db = scalar_ops.Mul.backward(ctx, grad)
        return da * (1 + 1e-4), db * (1 + 1e-2)


def test_passes_and_returns_true_for_right_rules():
    x, y = Value(0.7, "x"), Value(-1.3, "y")
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / (b * b), [x, y]) is True


def test_fails_on_a_wrong_derivative_naming_the_input_and_both_numbers():
    x, y = Value(1.5, "x"), Value(2.0, "y")
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b: node(WrongMul, a, b), [x, y])
    error = caught.value
    assert isinstance(error, AssertionError)
    assert (error.index, error.label, error.key) == (1, "y", None)
    assert error.analytic == 3.0 and math.isclose(error.numeric, 1.5, rel_tol=1e-6)
    message = str(error)
    assert "input 1" in message and "'y'" in message
    assert "analytic 3 vs numeric 1.5" in message
    assert "1 of 2 entries" in message


def test_names_the_worst_of_several_wrong_inputs():
    x, y = Value(1.0, "x"), Value(1.0, "y")
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b: node(SlightlyOff, a, b), [x, y], atol=0, rtol=1e-6)
    assert (caught.value.index, caught.value.label) == (1, "y")
    assert "2 of 2 entries" in str(caught.value)


def test_tolerances_are_respected():
    x, y = Value(1.0), Value(1.0)
    f = lambda a, b: node(SlightlyOff, a, b)  # noqa: E731
    with pytest.raises(GradcheckError):
        gradcheck(f, [x, y])
    assert gradcheck(f, [x, y], rtol=2e-2)


def test_zero_tolerance_demands_exact_agreement():
    f = lambda a: node(SlightlyOff, a, Value(1.0))  # noqa: E731 - 1e-4 relative error in d/da
    assert gradcheck(f, [Value(1.0)])
    with pytest.raises(GradcheckError):
        gradcheck(f, [Value(1.0)], atol=0, rtol=0)
    assert gradcheck(lambda a: a * 0.0, [Value(1.0)], atol=0, rtol=0)


def test_nan_derivative_fails():
    class NanRule(WrongMul):
        @staticmethod
        def backward(out, grad):
            return math.nan, math.nan

    with pytest.raises(GradcheckError, match="nan"):
        gradcheck(lambda a, b: node(NanRule, a, b), [Value(1.0), Value(2.0)])


@pytest.mark.parametrize("wrong", [False, True])
def test_inputs_data_and_grad_are_restored(wrong):
    x, y = Value(1.5, "x"), Value(2.0, "y")
    x.grad, y.grad = 5.0, -7.0
    f = (lambda a, b: node(WrongMul, a, b)) if wrong else (lambda a, b: a * b)
    try:
        gradcheck(f, [x, y])
    except GradcheckError:
        pass
    assert (x.data, x.grad, y.data, y.grad) == (1.5, 5.0, 2.0, -7.0)


def test_an_error_inside_f_is_raised_with_a_note_and_inputs_restored():
    x = Value(1e-7, "x")
    with pytest.raises(ValueError, match="log") as caught:
        gradcheck(lambda a: a.log(), [x])  # x - eps < 0
    assert any("gradcheck" in note for note in caught.value.__notes__)
    assert (x.data, x.grad) == (1e-7, 0.0)


def test_works_inside_no_grad():
    x = Value(0.3)
    with no_grad():
        assert gradcheck(lambda a: a.sigmoid() * a, [x])


def test_a_single_input_needs_no_list():
    assert gradcheck(lambda a: a.tanh(), Value(0.2))


def test_the_same_value_twice_and_an_unused_input():
    x, unused = Value(0.4), Value(9.0)
    assert gradcheck(lambda a, b, c: a * b, [x, x, unused])


@pytest.mark.parametrize("inputs, f, what", [
    ([1.0], lambda a: a, "input 0.*float"),
    ([Value(1.0)], lambda a: 3.0, "result.*float"),
])
def test_non_nodes_are_type_errors(inputs, f, what):
    with pytest.raises(TypeError, match=f"gradcheck.*{what}"):
        gradcheck(f, inputs)


class RowScale(Function):
    """Z = A * s for a number s;  dZ/dA = s  (a user's own array op, with a deliberate bug when s < 0)"""

    @staticmethod
    def forward(ctx, a, s):
        ctx.saved = s
        return [[x * s for x in row] for row in a]

    @staticmethod
    def backward(ctx, grad):
        s = ctx.saved if ctx.saved >= 0 else -ctx.saved  # the bug: |s| instead of s
        return ([[g * s for g in row] for row in grad], None)[:1]


def test_a_users_array_op_is_checked_entry_by_entry_with_nothing_to_register():
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], "a", requires_grad=True)
    assert gradcheck(lambda t: RowScale.apply(t, 2.0).sum(), [a])
    with pytest.raises(GradcheckError, match=r"input 0 entry \[0\]\[0\] \(label 'a'\)") as caught:
        gradcheck(lambda t: RowScale.apply(t, -2.0).sum(), a)
    assert caught.value.key == (0, 0) and caught.value.analytic == 2.0
    assert a.data == [[1.0, 2.0], [3.0, 4.0]] and a.grad is None  # put back as it was


def test_a_tensor_result_must_be_one_number():
    a = Tensor([[1.0, 2.0]], "a", requires_grad=True)
    with pytest.raises(ValueError, match=r"gradcheck: f's result must be a single number.*\(1, 2\)"):
        gradcheck(lambda t: t * 2.0, [a])
