"""gradcheck itself: it passes right rules, fails wrong ones naming the worst input, restores inputs."""

import importlib
import math

import pytest

from autograd import GradcheckError, Value, gradcheck, no_grad, scalar_ops
from autograd.gradcheck import ValueAdapter, register_adapter

# the package exports the function under the module's name, so reach the module itself
checker = importlib.import_module("autograd.gradcheck")


def node(op, *parents):
    """A node made by a hand-written op, wired the way Value's own methods wire theirs."""
    out = Value(op.forward(*[p.data for p in parents]))
    out._parents, out._op = parents, op
    return out


class WrongMul(scalar_ops.Mul):
    """Mul's forward with a wrong rule for b: dz/db reported as 2a (should be a)."""
    name = "wrong_mul"

    @staticmethod
    def backward(out, grad):
        a, b = out._parents
        return grad * b.data, grad * 2 * a.data


class SlightlyOff(scalar_ops.Mul):
    """Mul's forward; its derivatives carry relative errors 1e-4 (for a) and 1e-2 (for b)."""
    name = "slightly_off"

    @staticmethod
    def backward(out, grad):
        da, db = scalar_ops.Mul.backward(out, grad)
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


class Pair:
    """A toy two-entry node, to check that another node type joins through an adapter."""

    def __init__(self, a, b, label=""):
        self.items, self.label = [Value(a), Value(b)], label


class PairAdapter(ValueAdapter):
    node_type = Pair

    @staticmethod
    def keys(node):
        return (0, 1)

    @staticmethod
    def describe(key):
        return f"[{key}]"

    @staticmethod
    def get(node, key):
        return node.items[key].data

    @staticmethod
    def set(node, key, x):
        node.items[key].data = x

    @staticmethod
    def grad(node, key):
        return node.items[key].grad

    @staticmethod
    def save(node):
        return [(v.data, v.grad) for v in node.items]

    @staticmethod
    def restore(node, saved):
        for v, (data, grad) in zip(node.items, saved):
            v.data, v.grad = data, grad

    @staticmethod
    def clear_grad(node):
        for v in node.items:
            v.grad = 0.0


def test_another_node_type_joins_through_an_adapter(monkeypatch):
    monkeypatch.setattr(checker, "_adapters", [PairAdapter] + checker._adapters)
    p = Pair(1.5, 2.0, "p")
    assert gradcheck(lambda q: q.items[0] * q.items[1], [p])
    with pytest.raises(GradcheckError, match=r"input 0\[1\] \(label 'p'\)") as caught:
        gradcheck(lambda q: node(WrongMul, *q.items), [p])
    assert caught.value.key == 1
    assert [(v.data, v.grad) for v in p.items] == [(1.5, 0.0), (2.0, 0.0)]


def test_register_adapter_puts_the_newest_first(monkeypatch):
    monkeypatch.setattr(checker, "_adapters", list(checker._adapters))
    register_adapter(PairAdapter)
    assert checker._adapters[0] is PairAdapter
    assert checker._adapter_for(Pair(1.0, 2.0), "input 0") is PairAdapter
