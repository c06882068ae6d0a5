"""The scalar op rules: for each op, its forward rule and its local-derivative rule side by side.

``forward`` maps the inputs' floats to the output's float and rejects inputs outside the
op's domain. ``backward(out, grad)`` receives the output node and the gradient arriving
from above and returns one contribution per parent (chain rule: grad * d out / d parent).
A breakpoint in, say, ``Mul.backward`` stops exactly where the product rule is applied.

Kinks follow PyTorch: relu'(0) = 0 and abs'(0) = 0.
"""

import math

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "PowNumber", "PowValue", "Abs", "Exp", "Log",
    "Sqrt", "Tanh", "Sigmoid", "Relu", "Sum",
]


class Add:
    """z = a + b;  dz/da = 1, dz/db = 1"""
    name = "add"

    @staticmethod
    def forward(a, b):
        return a + b

    @staticmethod
    def backward(out, grad):
        return grad, grad


class Sub:
    """z = a - b;  dz/da = 1, dz/db = -1"""
    name = "sub"

    @staticmethod
    def forward(a, b):
        return a - b

    @staticmethod
    def backward(out, grad):
        return grad, -grad


class Mul:
    """z = a * b;  dz/da = b, dz/db = a"""
    name = "mul"

    @staticmethod
    def forward(a, b):
        return a * b

    @staticmethod
    def backward(out, grad):
        a, b = out._parents
        return grad * b.data, grad * a.data


class Div:
    """z = a / b;  dz/da = 1/b, dz/db = -a/b**2"""
    name = "div"

    @staticmethod
    def forward(a, b):
        if b == 0:
            raise ZeroDivisionError(f"div: division by zero ({a!r} / 0)")
        return a / b

    @staticmethod
    def backward(out, grad):
        a, b = out._parents
        return grad / b.data, -grad * out.data / b.data


class Neg:
    """z = -a;  dz/da = -1"""
    name = "neg"

    @staticmethod
    def forward(a):
        return -a

    @staticmethod
    def backward(out, grad):
        return (-grad,)


def _power(base, exponent, op):
    """base ** exponent over the reals, or a clear error naming ``op``."""
    if base < 0 and not float(exponent).is_integer():
        raise ValueError(
            f"{op}: negative base {base!r} with non-integer exponent {exponent!r} has no real value")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"{op}: zero base raised to negative exponent {exponent!r}")
    try:
        return float(base) ** exponent
    except OverflowError:
        raise OverflowError(f"{op}: {base!r} ** {exponent!r} overflows a float") from None


class PowNumber:
    """z = a ** c for a number c (kept in the node's ``_ctx``);  dz/da = c * a**(c-1)"""
    name = "pow"

    @staticmethod
    def forward(a, c):
        return _power(a, c, "pow")

    @staticmethod
    def backward(out, grad):
        (a,), c = out._parents, out._ctx
        if c == 0:
            return (0.0,)
        return (grad * c * _power(a.data, c - 1, "pow (derivative)"),)


class PowValue:
    """z = a ** b for a Value b;  dz/da = b * a**(b-1), dz/db = z * log(a)

    At a = 0 the derivative with respect to b is taken as 0 (the limit of a**b log a for b > 0).
    """
    name = "pow"

    @staticmethod
    def forward(a, b):
        return _power(a, b, "pow")

    @staticmethod
    def backward(out, grad):
        a, b = out._parents
        da = 0.0 if b.data == 0 else grad * b.data * _power(a.data, b.data - 1, "pow (derivative)")
        if a.data > 0:
            db = grad * out.data * math.log(a.data)
        elif a.data == 0:
            db = 0.0
        else:
            raise ValueError(
                f"pow: derivative with respect to the exponent is undefined for negative base {a.data!r}")
        return da, db


class Abs:
    """z = |a|;  dz/da = sign(a), with abs'(0) = 0 as in PyTorch"""
    name = "abs"

    @staticmethod
    def forward(a):
        return abs(a)

    @staticmethod
    def backward(out, grad):
        a = out._parents[0].data
        return (grad if a > 0 else -grad if a < 0 else 0.0,)


class Exp:
    """z = e**a;  dz/da = z.  Raises OverflowError for a > ~709.78 (the float limit)."""
    name = "exp"

    @staticmethod
    def forward(a):
        try:
            return math.exp(a)
        except OverflowError:
            raise OverflowError(f"exp: exp({a!r}) overflows a float (limit is about 709.78)") from None

    @staticmethod
    def backward(out, grad):
        return (grad * out.data,)


class Log:
    """z = ln a for a > 0;  dz/da = 1/a"""
    name = "log"

    @staticmethod
    def forward(a):
        if a <= 0:
            raise ValueError(f"log: input must be > 0, got {a!r}")
        return math.log(a)

    @staticmethod
    def backward(out, grad):
        return (grad / out._parents[0].data,)


class Sqrt:
    """z = sqrt(a) for a >= 0;  dz/da = 1 / (2 z), infinite at a = 0"""
    name = "sqrt"

    @staticmethod
    def forward(a):
        if a < 0:
            raise ValueError(f"sqrt: input must be >= 0, got {a!r}")
        return math.sqrt(a)

    @staticmethod
    def backward(out, grad):
        if out.data == 0:
            raise ZeroDivisionError("sqrt: the derivative is infinite at input 0")
        return (grad * 0.5 / out.data,)


class Tanh:
    """z = tanh a;  dz/da = 1 - z**2"""
    name = "tanh"

    @staticmethod
    def forward(a):
        return math.tanh(a)

    @staticmethod
    def backward(out, grad):
        z = out.data
        return (grad * (1.0 - z * z),)


class Sigmoid:
    """z = 1 / (1 + e**-a);  dz/da = z (1 - z).  Never overflows: exp only sees -|a|."""
    name = "sigmoid"

    @staticmethod
    def forward(a):
        if a >= 0:
            return 1.0 / (1.0 + math.exp(-a))
        e = math.exp(a)
        return e / (1.0 + e)

    @staticmethod
    def backward(out, grad):
        z = out.data
        return (grad * z * (1.0 - z),)


class Relu:
    """z = max(a, 0);  dz/da = 1 if a > 0 else 0 (relu'(0) = 0, as in PyTorch)"""
    name = "relu"

    @staticmethod
    def forward(a):
        return a if a > 0 else 0.0

    @staticmethod
    def backward(out, grad):
        return (grad if out._parents[0].data > 0 else 0.0,)


class Sum:
    """z = a_1 + ... + a_n in one node;  dz/da_i = 1"""
    name = "sum"

    @staticmethod
    def forward(*terms):
        return sum(terms)

    @staticmethod
    def backward(out, grad):
        return (grad,) * len(out._parents)
