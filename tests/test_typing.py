"""The public API carries type hints (and a py.typed marker), so an editor completes and checks user code."""

import importlib.util
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

USER_CODE = '''
import math
from autograd import Function, Tensor, Value, gradcheck, no_grad
import nn

class Softplus(Function):
    """z = log(1 + e**a);  dz/da = sigmoid(a)"""

    @staticmethod
    def forward(ctx, a: float) -> float:
        return math.log1p(math.exp(-abs(a))) + max(a, 0.0)

    @staticmethod
    def backward(ctx, grad: float) -> tuple[float]:
        (a,) = ctx.parents
        return (grad / (1.0 + math.exp(-a.data)),)

x = Value(0.5, "x")
y: Value = (x * 2.0 + 1.0).tanh()
y.backward()
step: float = x.grad + float(y) + y.item()
ok: bool = gradcheck(lambda v: Softplus.apply(v), [x])
with no_grad():
    t = Tensor([[1.0, 2.0]], requires_grad=True)
    rows: list[list[float]] = (t * 3.0).relu().tolist()
shape: tuple[int, int] = t.shape
'''

MISTAKES = '''
from autograd import Tensor, Value
a: str = Value(1.0).item()
b = Tensor([[1.0]]).sum(axis="rows")
'''


def _mypy(tmp_path, code):
    path = tmp_path / "user.py"
    path.write_text(code)
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", str(tmp_path / "c"),
                           str(path)], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture
def mypy():
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the test extra): the hints are not checked")


def test_packages_ship_a_py_typed_marker():
    for package in ("autograd", "nn", "mnist"):
        assert (ROOT / package / "py.typed").exists(), package


def test_user_code_type_checks(mypy, tmp_path):
    done = _mypy(tmp_path, USER_CODE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_type_mistakes_in_user_code_are_caught(mypy, tmp_path):
    done = _mypy(tmp_path, MISTAKES)
    assert done.returncode == 1, done.stdout
    assert 'Incompatible types in assignment (expression has type "float", variable has type "str")' in done.stdout
    assert 'Argument "axis" to "sum" of "Tensor" has incompatible type "str"' in done.stdout
