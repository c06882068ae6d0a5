"""A Value reads as a number where that is safe; equality and hashing stay by identity."""

import math

import pytest
from hypothesis import given

from autograd import Value
from autograd.testing import floats


@given(floats(-1e6, 1e6), floats(-1e6, 1e6))
def test_float_format_item_and_comparisons_use_data(x, y):
    a, b = Value(x), Value(y)
    assert float(a) == x and a.item() == x
    assert f"{a:.3f}" == f"{x:.3f}" and format(a, "e") == format(x, "e")
    assert (a < b, a <= b, a > b, a >= b) == (x < y, x <= y, x > y, x >= y)
    assert (a < y, a > y, a <= 1.0) == (x < y, x > y, x <= 1.0)
    assert (y < a) == (y < x)  # reflected: float.__lt__ gives way to Value.__gt__


def test_equality_and_hash_are_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a and len({a, b}) == 2
    assert (a == 1.0) is False


def test_comparisons_with_non_numbers_name_the_operator():
    with pytest.raises(TypeError, match="<: expected a number or Value, got str"):
        Value(1.0) < "2"


def test_max_and_sorted_work_on_values():
    vs = [Value(3.0), Value(-1.0), Value(2.0)]
    assert max(vs).data == 3.0 and [v.data for v in sorted(vs)] == [-1.0, 2.0, 3.0]
    assert math.isclose(float(sum(vs, Value(0.0))), 4.0)
