"""Graph walks shared by every kind of node: topological order and the backward loop.

A node here is anything with ``_parents`` (a tuple of nodes), ``_function`` (a ``Function``
whose ``backward(node, grad)`` returns one contribution per parent) and ``grad``: the
``autograd.node.Node`` contract. Both the scalar ``Value`` and the array ``Tensor`` use these
walks, so there is exactly one backward loop in the library.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .node import Node

import contextlib
import gc
from typing import NamedTuple

__all__ = ["topological_order", "backprop", "Step", "gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block, then restore it.

    The engine's graphs hold no reference cycles (rules are named functions, not closures),
    so reference counting frees them without the collector. While a large graph is being
    built or walked, the collector's only effect is to rescan it again and again: building a
    million-node chain takes about 4x longer with it on. Wrap a training step in this block.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Step(NamedTuple):
    """One application of the chain rule during a backward pass.

    ``node`` is the node whose rule just ran, ``grad`` the gradient that arrived at it from
    above, and ``contributions[i]`` what its rule added to ``node.parents[i].grad``.
    """

    node: object
    grad: object
    contributions: tuple
    numbers: dict | None = None  # the pass's node numbering, for names (``trace.numbering``)

    @property
    def op(self):
        """The name of the op whose rule ran."""
        return self.node.op

    @property
    def function(self):
        """The ``Function`` whose ``backward`` ran."""
        return self.node.function

    @property
    def parents(self):
        return self.node._parents

    def __str__(self):
        from .trace import contributions_text, node_name, short  # late: trace imports this module
        name = lambda n: node_name(n, self.numbers)  # noqa: E731
        parts = contributions_text(self.parents, self.contributions, name)
        return f"{name(self.node)} [{self.op}] grad {short(self.grad)} -> {parts}"


def topological_order(root: Node) -> list[Node]:
    """Every node reachable from ``root``, each after all of its parents.

    Iterative depth-first search, so a chain of a million nodes needs no recursion.
    """
    order: list[Node] = []
    visited = {root}
    stack = [(root, iter(root._parents))]
    push, pop, add, append = stack.append, stack.pop, visited.add, order.append
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                add(parent)
                if parent._parents:
                    push((parent, iter(parent._parents)))
                    break
                append(parent)  # a leaf is finished as soon as it is seen
        else:
            pop()
            append(node)
    return order


def backprop(root, seed, empty, accumulate=None, pause=True):
    """Apply the chain rule from ``root`` back to the leaves, one node at a time.

    ``seed`` is added to ``root.grad``; every interior node's grad is first set to ``empty``
    (0.0 or None) so it holds this pass's gradient only, while leaves accumulate across
    passes (as PyTorch's ``.grad`` does). Each node's rule runs exactly once per pass.
    A contribution is added with ``accumulate(node, contribution)``, or, where that is None
    (numbers), with ``node.grad += contribution`` right here, which saves a call per edge.

    A generator: it yields ``(node, grad, contributions)`` after applying each node's
    rule, where ``contributions[i]`` is what was added to ``node._parents[i].grad``;
    ``backward_steps()`` shows each step. With ``pause=False`` it runs the whole pass before
    it yields anything (and then yields nothing): ``backward()`` uses that, because
    resuming a generator once per node costs about 4% of a scalar training step.
    """
    order = topological_order(root)
    for node in order:
        if node._parents:
            node.grad = empty
    if accumulate is None:
        root.grad += seed
    else:
        accumulate(root, seed)
    for node in reversed(order):
        parents = node._parents
        if parents:
            grad = node.grad
            contributions = node._function.backward(node, grad)
            if type(contributions) is not tuple or len(contributions) != len(parents):
                contributions = _checked(node, contributions)
            try:
                for parent, contribution in zip(parents, contributions):
                    if accumulate is None:
                        parent.grad += contribution
                    else:
                        accumulate(parent, contribution)
            except TypeError as error:  # free until raised: the loop stays as fast
                raise _unaddable(node, parent, contribution) from error
            if pause:
                yield node, grad, contributions


def _checked(node, contributions):
    """A rule's result as a tuple of one contribution per input, or a TypeError naming the op.

    A one-input scalar rule may return its one contribution bare (a number); otherwise a tuple
    is needed (a list would be ambiguous: an array rule's contribution is itself a list).
    """
    n = len(node._parents)
    if n == 1 and isinstance(contributions, (int, float)):
        return (contributions,)
    if not isinstance(contributions, tuple):
        raise TypeError(f"{_rule(node)}: returned {_a(contributions)}; return a tuple with one "
                        f"contribution per input ({_NONE})")
    if len(contributions) != n:
        raise TypeError(f"{_rule(node)}: returned {_count(len(contributions), 'contribution')} for "
                        f"{_count(n, 'input')}; return one per input ({_NONE})")
    return contributions


_NONE = "None for a Tensor input that needs no gradient"


def _rule(node):
    """"backward of mul (mul#2)": the rule that ran, and the node it ran for, as every view names it."""
    from .trace import node_name, numbering  # late: trace imports this module
    return f"backward of {node.op} ({node_name(node, numbering(node))})"


def _a(x):
    return "None" if x is None else f"a {type(x).__name__}"


def _shaped(x):
    """_a(x), with the shape when x is rows of numbers: "rows of shape (1, 2)"."""
    if isinstance(x, list) and x and all(isinstance(r, list) for r in x):
        widths = sorted(set(map(len, x)))
        return (f"rows of shape ({len(x)}, {widths[0]})" if len(widths) == 1
                else f"{len(x)} rows of lengths {', '.join(map(str, widths))}")
    return _a(x)


def _count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _unaddable(node, parent, contribution):
    """The TypeError for a contribution that ``parent``'s grad cannot take, naming the op and the input."""
    from .trace import node_name, numbering  # late: trace imports this module
    shape = getattr(parent, "shape", None)
    kind = type(parent).__name__ + (f" of shape {shape}" if shape else "")
    wanted = "rows of the input's shape, or None" if shape else "a number (0.0 where there is no gradient)"
    return TypeError(f"{_rule(node)}: gave {_shaped(contribution)} to input "
                     f"{node_name(parent, numbering(node))} (a {kind}), which its grad cannot take; "
                     f"return {wanted}")
