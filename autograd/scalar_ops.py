"""The scalar op rules: for each op, its forward rule and its local-derivative rule side by side.

Each is a ``Function`` (see ``autograd.function``), exactly as a user's own op would be.
``forward(ctx, ...)`` maps the inputs' floats to the output's float and rejects inputs outside
the op's domain. ``backward(ctx, grad)`` receives the output node (``ctx.parents`` are the
inputs) and the gradient arriving from above, and returns one contribution per input (chain
rule: grad * d out / d input). A breakpoint in, say, ``Mul.backward`` stops exactly where the
product rule is applied.

Kinks follow PyTorch: relu'(0) = 0 and abs'(0) = 0. NaN stays NaN through every op and every
derivative (relu and abs included), so it is never hidden behind a finite number.
"""

import math

from .function import Function

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "PowNumber", "PowValue", "Abs", "Exp", "Log",
    "Sqrt", "Tanh", "Sigmoid", "Relu", "Sum",
]


class Add(Function):
    """z = a + b;  dz/da = 1, dz/db = 1"""
    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """z = a - b;  dz/da = 1, dz/db = -1"""
    name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


class Mul(Function):
    """z = a * b;  dz/da = b, dz/db = a"""
    name = "mul"

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.parents
        return grad * b.data, grad * a.data


class Div(Function):
    """z = a / b;  dz/da = 1/b, dz/db = -a/b**2"""
    name = "div"

    @staticmethod
    def forward(ctx, a, b):
        if b == 0:
            raise ZeroDivisionError(f"div: division by zero ({a!r} / 0)")
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.parents
        return grad / b.data, -grad * ctx.data / b.data


class Neg(Function):
    """z = -a;  dz/da = -1"""
    name = "neg"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return (-grad,)


def _power(base, exponent, op):
    """base ** exponent over the reals, or a clear error naming ``op``.

    NaN in either gives NaN, even where IEEE's pow gives 1 (NaN ** 0, 1 ** NaN): a NaN is
    never turned into a number.
    """
    if base != base or exponent != exponent:
        return math.nan
    if base < 0 and not float(exponent).is_integer():
        raise ValueError(
            f"{op}: negative base {base!r} with non-integer exponent {exponent!r} has no real value")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"{op}: zero base raised to negative exponent {exponent!r}")
    try:
        return float(base) ** exponent
    except OverflowError:
        raise OverflowError(f"{op}: {base!r} ** {exponent!r} overflows a float") from None


class PowNumber(Function):
    """z = a ** c for a number c;  dz/da = c * a**(c-1)

    ``c`` is not an input node (there is no derivative with respect to it): forward keeps it
    in ``ctx.saved`` for backward.
    """
    name = "pow"

    @staticmethod
    def forward(ctx, a, c):
        ctx.saved = c
        return _power(a, c, "pow")

    @staticmethod
    def backward(ctx, grad):
        (a,), c = ctx.parents, ctx.saved
        if c == 0:  # a ** 0 is constant (1, or NaN at a NaN input)
            return (0.0 if a.data == a.data else math.nan,)
        return (grad * c * _power(a.data, c - 1, "pow (derivative)"),)


class PowValue(Function):
    """z = a ** b;  dz/da = b * a**(b-1), dz/db = z * log(a)

    At a = 0 the derivative with respect to b is taken as 0 (the limit of a**b log a for b > 0).
    """
    name = "pow"

    @staticmethod
    def forward(ctx, a, b):
        return _power(a, b, "pow")

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.parents
        if ctx.data != ctx.data:  # NaN in, NaN out (see _power), derivatives included
            return math.nan, math.nan
        da = 0.0 if b.data == 0 else grad * b.data * _power(a.data, b.data - 1, "pow (derivative)")
        if a.data > 0:
            db = grad * ctx.data * math.log(a.data)
        elif a.data == 0:
            db = 0.0
        else:
            raise ValueError(
                f"pow: derivative with respect to the exponent is undefined for negative base {a.data!r}")
        return da, db


class Abs(Function):
    """z = |a|;  dz/da = sign(a)

    abs'(0) = 0 as in PyTorch; at a NaN input the derivative is NaN.
    """
    name = "abs"

    @staticmethod
    def forward(ctx, a):
        return abs(a)

    @staticmethod
    def backward(ctx, grad):
        a = ctx.parents[0].data
        return (grad if a > 0 else -grad if a < 0 else 0.0 if a == 0 else math.nan,)


class Exp(Function):
    """z = e**a;  dz/da = z

    Raises OverflowError for a > ~709.78 (the float limit).
    """
    name = "exp"

    @staticmethod
    def forward(ctx, a):
        try:
            return math.exp(a)
        except OverflowError:
            raise OverflowError(f"exp: exp({a!r}) overflows a float (limit is about 709.78)") from None

    @staticmethod
    def backward(ctx, grad):
        return (grad * ctx.data,)


class Log(Function):
    """z = ln a for a > 0;  dz/da = 1/a"""
    name = "log"

    @staticmethod
    def forward(ctx, a):
        if a <= 0:
            raise ValueError(f"log: input must be > 0, got {a!r}")
        return math.log(a)

    @staticmethod
    def backward(ctx, grad):
        return (grad / ctx.parents[0].data,)


class Sqrt(Function):
    """z = sqrt(a) for a >= 0;  dz/da = 1 / (2 z)

    The derivative is infinite at a = 0: backward raises ZeroDivisionError there.
    """
    name = "sqrt"

    @staticmethod
    def forward(ctx, a):
        if a < 0:
            raise ValueError(f"sqrt: input must be >= 0, got {a!r}")
        return math.sqrt(a)

    @staticmethod
    def backward(ctx, grad):
        if ctx.data == 0:
            raise ZeroDivisionError("sqrt: the derivative is infinite at input 0")
        return (grad * 0.5 / ctx.data,)


class Tanh(Function):
    """z = tanh a;  dz/da = 1 - z**2"""
    name = "tanh"

    @staticmethod
    def forward(ctx, a):
        return math.tanh(a)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.data
        return (grad * (1.0 - z * z),)


def sigmoid(a):
    """1 / (1 + e**-a) for a float, computed so that exp only ever sees -|a| (never overflows)."""
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


class Sigmoid(Function):
    """z = 1 / (1 + e**-a);  dz/da = z (1 - z)

    Never overflows: exp only sees -|a|.
    """
    name = "sigmoid"

    @staticmethod
    def forward(ctx, a):
        return sigmoid(a)

    @staticmethod
    def backward(ctx, grad):
        z = ctx.data
        return (grad * z * (1.0 - z),)


class Relu(Function):
    """z = max(a, 0);  dz/da = 1 if a > 0 else 0

    relu'(0) = 0, as in PyTorch. NaN is not turned into 0: relu(NaN) = NaN, and so is its
    derivative there.
    """
    name = "relu"

    @staticmethod
    def forward(ctx, a):
        return a if a > 0 or a != a else 0.0  # a != a: NaN passes through

    @staticmethod
    def backward(ctx, grad):
        a = ctx.parents[0].data
        return (grad if a > 0 else 0.0 if a <= 0 else math.nan,)


class Sum(Function):
    """z = a_1 + ... + a_n in one node;  dz/da_i = 1"""
    name = "sum"

    @staticmethod
    def forward(ctx, *terms):
        return sum(terms, 0.0)

    @staticmethod
    def backward(ctx, grad):
        return (grad,) * len(ctx.parents)
