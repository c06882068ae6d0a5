"""Hypothesis strategies for testing code built on ``autograd`` (needs the ``test`` extra).

- ``floats(low, high)``, ``positive_floats()``, ``nonzero_floats()``: finite floats in safe ranges.
- ``OPS``: the table of every scalar op: how to apply it, its plain-``math`` twin and the
  input ``Domain`` where both it and its central difference are well behaved. Tests and
  ``expressions()`` read this table; the derivative rules themselves live only in ``scalar_ops``.
- ``expressions()``: random expression graphs with shared subexpressions whose every node
  stays away from kinks (relu, abs at 0) and poles (log, div, sqrt near 0).

>>> from hypothesis import given
>>> from autograd import gradcheck
>>> from autograd.testing import expressions
>>> @given(expressions())
... def test_backward(expr):
...     build, inputs = expr
...     assert gradcheck(build, inputs)
>>> test_backward()
"""

import math
from dataclasses import dataclass

from hypothesis import strategies as st

from .value import Value, sum as value_sum

__all__ = ["Domain", "OpSpec", "OPS", "OPS_BY_NAME", "floats", "positive_floats",
           "nonzero_floats", "operands", "Expression", "expressions"]


@dataclass(frozen=True)
class Domain:
    """Floats in [low, high] at least ``gap`` away from ``avoid`` (a kink or pole), if given.

    ``integer=True`` restricts to whole numbers (as floats), e.g. an exponent for a negative base.
    """

    low: float
    high: float
    avoid: float | None = None
    gap: float = 0.0
    integer: bool = False

    def __contains__(self, x):
        if not (self.low <= x <= self.high):
            return False
        if self.integer and not float(x).is_integer():
            return False
        return self.avoid is None or abs(x - self.avoid) >= self.gap

    def strategy(self):
        """A hypothesis strategy drawing from this domain."""
        if self.integer:
            ints = st.integers(math.ceil(self.low), math.floor(self.high)).map(float)
            return ints.filter(self.__contains__) if self.avoid is not None else ints
        base = st.floats(self.low, self.high, allow_nan=False, allow_infinity=False)
        if self.avoid is None:
            return base
        return base.map(self._push_out).filter(self.__contains__)

    def _push_out(self, x):
        """Move x out of the gap around ``avoid`` to the nearer edge (keeps shrinking simple)."""
        d = x - self.avoid
        if abs(d) >= self.gap:
            return x
        return self.avoid + math.copysign(self.gap, d)


def floats(low=-10.0, high=10.0):
    """Finite floats in [low, high] (no NaN, no infinity)."""
    return Domain(low, high).strategy()


def positive_floats(low=0.1, high=10.0):
    """Finite floats in [low, high], low > 0: safe for log, sqrt and division."""
    if low <= 0:
        raise ValueError(f"positive_floats: low must be > 0, got {low!r}")
    return Domain(low, high).strategy()


def nonzero_floats(high=10.0, gap=0.1):
    """Finite floats in [-high, high] at least ``gap`` away from 0."""
    return Domain(-high, high, avoid=0.0, gap=gap).strategy()


@dataclass(frozen=True)
class OpSpec:
    """One scalar op: ``apply`` works on Values (and numbers), ``reference`` on plain floats.

    ``domain`` has one ``Domain`` per operand. Operands listed in ``numbers_only`` are
    always passed as plain numbers (the derivative with respect to them does not exist).
    ``op`` is the name the resulting node reports (``Value.op``).
    """

    name: str
    op: str
    apply: object
    reference: object
    domain: tuple
    numbers_only: tuple = ()

    @property
    def arity(self):
        return len(self.domain)


def _sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a))


WIDE = Domain(-100.0, 100.0)
MODERATE = Domain(-10.0, 10.0)
NONZERO = Domain(-10.0, 10.0, avoid=0.0, gap=0.1)  # divisors, negative powers
KINKED = Domain(-10.0, 10.0, avoid=0.0, gap=0.01)  # relu and abs: only the kink is avoided
POSITIVE = Domain(0.05, 20.0)  # log and sqrt: away from the pole at 0

OPS = (
    OpSpec("add", "add", lambda a, b: a + b, lambda a, b: a + b, (WIDE, WIDE)),
    OpSpec("sub", "sub", lambda a, b: a - b, lambda a, b: a - b, (WIDE, WIDE)),
    OpSpec("mul", "mul", lambda a, b: a * b, lambda a, b: a * b, (WIDE, WIDE)),
    OpSpec("div", "div", lambda a, b: a / b, lambda a, b: a / b, (WIDE, NONZERO)),
    OpSpec("neg", "neg", lambda a: -a, lambda a: -a, (WIDE,)),
    OpSpec("pow", "pow", lambda a, b: a ** b, math.pow, (Domain(0.1, 5.0), Domain(-3.0, 3.0))),
    OpSpec("pow_integer", "pow", lambda a, n: a ** n, math.pow,
           (NONZERO, Domain(-3, 3, integer=True)), numbers_only=(1,)),
    OpSpec("abs", "abs", abs, abs, (KINKED,)),
    OpSpec("exp", "exp", lambda a: a.exp(), math.exp, (Domain(-20.0, 5.0),)),
    OpSpec("log", "log", lambda a: a.log(), math.log, (POSITIVE,)),
    OpSpec("sqrt", "sqrt", lambda a: a.sqrt(), math.sqrt, (POSITIVE,)),
    OpSpec("tanh", "tanh", lambda a: a.tanh(), math.tanh, (MODERATE,)),
    OpSpec("sigmoid", "sigmoid", lambda a: a.sigmoid(), _sigmoid, (MODERATE,)),
    OpSpec("relu", "relu", lambda a: a.relu(), lambda a: max(a, 0.0), (KINKED,)),
    OpSpec("sum", "sum", lambda *xs: value_sum(xs), lambda *xs: math.fsum(xs), (WIDE,) * 4),
)

OPS_BY_NAME = {spec.name: spec for spec in OPS}


def operands(spec):
    """A strategy for one tuple of operand floats inside ``spec``'s domain."""
    return st.tuples(*[d.strategy() for d in spec.domain])


class Expression:
    """A random expression: ``build(*values)`` replays it on Values, ``reference(*floats)`` on floats.

    Unpacks as ``build, inputs = expression``; ``inputs`` are fresh leaves labelled x0, x1, ...
    """

    def __init__(self, xs, steps, outputs):
        self.xs = tuple(xs)
        self.steps = tuple(steps)  # (spec, operand node indices, constant or None)
        self.outputs = tuple(outputs)  # indices of the nodes summed into the result
        self.inputs = [Value(x, f"x{i}") for i, x in enumerate(self.xs)]

    def _replay(self, nodes, apply):
        nodes = list(nodes)
        for spec, args, constant in self.steps:
            operands = [nodes[k] for k in args] + ([] if constant is None else [constant])
            nodes.append(apply(spec)(*operands))
        return nodes

    def build(self, *values):
        nodes = self._replay(values, lambda spec: spec.apply)
        outs = [nodes[k] for k in self.outputs]
        return outs[0] if len(outs) == 1 else value_sum(outs)

    def reference(self, *floats):
        nodes = self._replay(floats, lambda spec: spec.reference)
        return math.fsum(nodes[k] for k in self.outputs)

    def __iter__(self):
        return iter((self.build, self.inputs))

    def __repr__(self):
        names = [f"x{i}" for i in range(len(self.xs))]
        lines = [f"x{i} = {x!r}" for i, x in enumerate(self.xs)]
        for spec, args, constant in self.steps:
            operands = [names[k] for k in args] + ([] if constant is None else [repr(constant)])
            names.append(f"t{len(names) - len(self.xs)}")
            lines.append(f"{names[-1]} = {spec.name}({', '.join(operands)})")
        lines.append(f"out = sum({', '.join(names[k] for k in self.outputs)})")
        return "Expression(" + "; ".join(lines) + ")"


# ops an expression may use: every table op except the n-ary sum (it appears as the final sum)
_EXPRESSION_OPS = tuple(spec for spec in OPS if spec.name != "sum")
# keep nodes small so no op leaves its safe domain by overflow and differences stay accurate
_NODE_LIMIT = 100.0


@st.composite
def expressions(draw, max_inputs=3, max_ops=8, domain=MODERATE):
    """Random expression graphs over 1..max_inputs inputs drawn from ``domain``.

    Each step applies a table op to earlier nodes (so subexpressions are shared); a step
    is kept only if every operand lies in the op's safe ``Domain`` and the result stays
    within +-100. The result is the sum of the nodes no later step used.
    """
    n_inputs = draw(st.integers(1, max_inputs))
    xs = [draw(domain.strategy()) for _ in range(n_inputs)]
    values, steps, used = list(xs), [], set()
    for _ in range(draw(st.integers(1, max_ops))):
        spec = draw(st.sampled_from(_EXPRESSION_OPS))
        args, constant = [], None
        for position, d in enumerate(spec.domain):
            if position in spec.numbers_only:
                constant = draw(d.strategy())
            else:
                args.append(draw(st.integers(0, len(values) - 1)))
        operands = [values[k] for k in args] + ([] if constant is None else [constant])
        if not all(x in d for x, d in zip(operands, spec.domain)):
            continue
        try:
            result = spec.reference(*operands)
        except (ArithmeticError, ValueError):
            continue
        if not abs(result) <= _NODE_LIMIT:
            continue
        values.append(result)
        steps.append((spec, tuple(args), constant))
        used.update(args)
    outputs = [k for k in range(len(values)) if k not in used] or [len(values) - 1]
    return Expression(xs, steps, outputs)
