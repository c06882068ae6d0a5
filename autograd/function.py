"""``Function``: how every op is written, built-in or your own, on either kind of node.

Subclass it with ``forward`` and ``backward`` side by side, then call ``MyOp.apply(...)``::

    class Softplus(Function):
        \"\"\"z = log(1 + e**a);  dz/da = sigmoid(a)\"\"\"

        @staticmethod
        def forward(ctx, a):
            return math.log1p(math.exp(-abs(a))) + max(a, 0.0)

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.parents
            return (grad * sigmoid(a.data),)   # autograd.scalar_ops.sigmoid: never overflows

    y = Softplus.apply(x)   # x a Value: y is a Value whose backward() uses the rule above

- ``forward(ctx, *inputs)`` gets the *data* of each node input (a float for a ``Value``, rows
  of floats for a ``Tensor``), and any other argument of ``apply`` as it was given (a constant,
  an axis, labels). It returns the result's data and may keep what backward needs in
  ``ctx.saved``. Out-of-domain input is refused here, with an error naming the op.
- ``backward(ctx, grad)`` gets ``ctx``, the node ``forward`` made (``ctx.data`` is the result,
  ``ctx.parents`` the node inputs in order, ``ctx.saved`` what forward kept), and ``grad``,
  d(root)/d(result). It returns a tuple with one contribution per node input,
  grad * d(result)/d(input) (the chain rule): a number for a ``Value`` input, rows of the
  input's shape for a ``Tensor`` input, or None for a Tensor input that needs no gradient
  (``requires_grad`` False: the work is skipped).

The first line of the docstring is the op's formula; the trace, the pictures and the step
page show it. ``name`` defaults to the class name in lower case. Nothing is registered:
``backward()``, ``backward_steps()``, ``trace``, ``to_dot``, ``detect_anomaly()`` and
``gradcheck`` work with any subclass. docs/custom-ops.md walks through writing, testing and
using one.
"""

from __future__ import annotations

import types
from typing import Any

from .node import Node

__all__ = ["Function"]


class Function:
    """Base of every op: a ``forward`` rule and a ``backward`` rule (see the module docstring)."""

    name: str = "function"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()
        _check_rule(cls, "forward", "forward(ctx, *inputs)", lambda low, high: high >= 2)
        _check_rule(cls, "backward", "backward(ctx, grad)", lambda low, high: low <= 2 <= high)

    @staticmethod
    def forward(ctx: Any, *inputs: Any) -> Any:
        """The result's data from the inputs' data; may set ``ctx.saved``."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        """A tuple of one contribution per node input: grad * d(result)/d(input), or None (Tensor only)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def formula(cls) -> str:
        """The first line of the docstring: the op's formula and its derivatives."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else cls.name

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run this op on ``args``: node inputs become the result's parents, other arguments are
        passed to ``forward`` as they are. All node inputs must be of one kind (Value or Tensor)."""
        nodes = tuple(a for a in args if isinstance(a, Node))
        if not nodes:
            raise TypeError(f"{cls.name}: apply() needs at least one Value or Tensor input")
        kind = type(nodes[0])
        for i, n in enumerate(args):
            if isinstance(n, Node) and type(n) is not kind:
                first = next(j for j, a in enumerate(args) if a is nodes[0])
                raise TypeError(f"{cls.name}: input {i} is a {type(n).__name__} but input {first} is a "
                                f"{kind.__name__}; an op takes Values or Tensors, not both")
        inputs = tuple(a.data if isinstance(a, Node) else a for a in args)
        out = kind._make(cls, nodes, inputs)
        if isinstance(out.data, Node):
            raise TypeError(f"forward of {cls.name}: returned a {type(out.data).__name__}; forward computes "
                            "plain data (floats, or rows of floats) from plain data. An op built from "
                            "other ops needs no Function: write it as a plain function of nodes")
        return out


def _check_rule(cls, rule, call, fits):
    """A TypeError, when ``cls`` is defined, if its ``rule`` cannot be called as ``call`` (ctx forgotten)."""
    fn = cls.__dict__.get(rule)
    if isinstance(fn, staticmethod):
        fn = fn.__func__
    if not isinstance(fn, types.FunctionType):
        return  # inherited, a classmethod, or not a plain function: not checked
    code = fn.__code__
    names = code.co_varnames[:code.co_argcount]
    high = float("inf") if code.co_flags & 0x04 else len(names)  # 0x04: takes *args
    low = len(names) - len(fn.__defaults__ or ())
    if not fits(low, high):
        given = ", ".join(names)
        fix = f"forward(ctx, {given})" if rule == "forward" and names and names[0] != "ctx" else call
        count = f"{len(names)} argument{'' if len(names) == 1 else 's'}"
        raise TypeError(f"{cls.__name__}.{rule}({given}) takes {count}, but it is called as "
                        f"{call}, ctx (the result node) first: write {fix}")
