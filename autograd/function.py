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
            return (grad / (1.0 + math.exp(-a.data)),)

    y = Softplus.apply(x)   # x a Value: y is a Value whose backward() uses the rule above

- ``forward(ctx, *inputs)`` gets the *data* of each node input (a float for a ``Value``, rows
  of floats for a ``Tensor``), and any other argument of ``apply`` as it was given (a constant,
  an axis, labels). It returns the result's data and may keep what backward needs in
  ``ctx.saved``. Out-of-domain input is refused here, with an error naming the op.
- ``backward(ctx, grad)`` gets ``ctx``, the node ``forward`` made (``ctx.data`` is the result,
  ``ctx.parents`` the node inputs in order, ``ctx.saved`` what forward kept), and ``grad``,
  d(root)/d(result). It returns one contribution per node input, grad * d(result)/d(input)
  (the chain rule), or None for an input that needs no gradient.

The first line of the docstring is the op's formula; the trace, the pictures and the step
page show it. ``name`` defaults to the class name in lower case. Nothing is registered:
``backward()``, ``backward_steps()``, ``trace``, ``to_dot``, ``detect_anomaly()`` and
``gradcheck`` work with any subclass.
"""

from __future__ import annotations

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

    @staticmethod
    def forward(ctx: Any, *inputs: Any) -> Any:
        """The result's data from the inputs' data; may set ``ctx.saved``."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        """One contribution per node input: grad * d(result)/d(input), or None."""
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
        for n in nodes:
            if type(n) is not kind:
                raise TypeError(f"{cls.name}: inputs mix {kind.__name__} and {type(n).__name__}")
        inputs = tuple(a.data if isinstance(a, Node) else a for a in args)
        return kind._make(cls, nodes, inputs)
