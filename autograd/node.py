"""The node contract: what every node of a graph has and does, scalar ``Value`` and array ``Tensor`` alike.

A node has ``data``, ``grad``, ``label``, ``parents`` (the inputs of the op that made it) and
``function`` (that op's ``Function`` subclass; ``op`` is its name). ``backward()``,
``backward_steps()``, ``zero_grad()`` and ``detach()`` are written once, here. Every op's
result is made by one constructor, ``Node._make``, which runs the op's ``forward``, records
the parents if grad mode is on, and shows the node to any watcher (``autograd.mode.watch``).

A subclass supplies only what differs between the granularities:

- how a gradient is cleared (``_empty_grad``: 0.0 or None), seeded (``_seed``) and accumulated
  (``_accumulate``: None for ``+=``), and whether a result is recorded (``records_all``, or
  ``requires_grad``);
- how ``gradcheck`` reads and writes its entries: ``_entries``, ``_entry``, ``_set_entry``,
  ``_grad_entry``, ``_snapshot``, ``_restore``, ``_watch_grad``; and ``item()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from .function import Function

import collections

from . import mode as _mode
from .graph import Step, backprop, gc_paused, topological_order

__all__ = ["Node"]


def _record(node, function, parents):
    """Record ``parents`` and ``function`` on a new node of a class that records every op (a
    ``Value``), unless some thread changed its grad mode or watches: the last step of
    ``Node._make``, which ``Value``'s arithmetic calls directly to save a tuple per op."""
    if _mode.changed:
        return _record_carefully(node, function, parents)
    node._parents = parents
    node._function = function
    return node


def _record_carefully(node, function, parents):
    """``_record`` when some thread changed its mode, or for a node that records selectively."""
    enabled, watchers = _mode.current()
    recorded = enabled and (node.records_all or any(p.requires_grad for p in parents))
    if recorded:
        node._parents, node._function = parents, function
    else:
        node._parents, node._function = (), None
    if not node.records_all:
        node.requires_grad = recorded
    for watcher in watchers:
        watcher.forward(node)
    return node


class Node:
    """Base of ``Value`` and ``Tensor``: one node of a computation graph (see the module docstring)."""

    data: Any
    grad: Any
    label: str
    saved: Any
    _parents: tuple[Node, ...]
    _function: type[Function] | None

    __slots__ = ("data", "grad", "label", "_parents", "_function", "saved")
    records_all = True  # a Value records every op; a Tensor only ops on tensors that require grad
    requires_grad = True
    _empty_grad: Any = 0.0  # what ``grad`` holds before any backward pass reaches the node

    @classmethod
    def _make(cls, function: type[Function], parents: tuple[Node, ...], inputs: tuple) -> Self:
        """The one constructor of op results: ``function.forward(node, *inputs)`` becomes ``data``.

        ``parents`` (the node inputs) and ``function`` are recorded only while grad mode is on
        (and, for tensors, some parent requires grad); otherwise the result is a leaf. (Value's
        arithmetic spells these steps out for one and two inputs, for speed: ``value._binary``.)
        """
        node = cls.__new__(cls)
        node.grad = cls._empty_grad
        node.label = ""
        node.saved = None
        node.data = function.forward(node, *inputs)
        if cls.records_all:
            return _record(node, function, parents)
        return _record_carefully(node, function, parents)

    @property
    def parents(self) -> tuple[Node, ...]:
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        return self._parents

    @property
    def function(self) -> type[Function] | None:
        """The ``Function`` subclass whose rules made this node (None for a leaf)."""
        return self._function

    @property
    def op(self) -> str:
        """The name of the op that made this node, or "" for a leaf."""
        return self._function.name if self._function is not None else ""

    def backward(self, grad: Any = None) -> None:
        """Fill ``.grad`` of every node this one depends on: d(self)/d(node), times ``grad``.

        ``grad`` defaults to 1 (the node is a loss). Leaves accumulate across passes, as
        PyTorch's ``.grad`` does; interior nodes hold this pass's gradient (PyTorch keeps none
        unless asked; puregrad keeps them so that a learner can look). Iterative: any depth works.
        """
        with gc_paused():
            collections.deque(self._steps(grad, pause=False), maxlen=0)

    def backward_steps(self, grad: Any = None) -> Iterator[Step]:
        """The backward pass one chain-rule step at a time: yields a ``Step`` per interior node.

        Each step has already been applied when it is yielded, so at a breakpoint the parents'
        ``.grad`` show the new contributions. Running it to the end is exactly ``backward()``.
        """
        numbers = {n: i for i, n in enumerate(topological_order(self))}  # names for the steps
        return (Step(node, g, contributions, numbers) for node, g, contributions in self._steps(grad))

    def _steps(self, grad, pause=True):
        """The pass as ``backprop``'s generator, through this thread's watchers (who see each step)."""
        cls = type(self)
        watchers = _mode.current()[1] if _mode.changed else ()
        steps = backprop(self, self._seed(grad), cls._empty_grad, cls._accumulate, pause or bool(watchers))
        for watcher in watchers:
            steps = watcher.backward(steps)
        return steps

    def zero_grad(self) -> None:
        """Clear ``grad`` on every node of this graph, leaves included."""
        clear = type(self)._clear
        for node in topological_order(self):
            clear(node)

    def detach(self) -> Node:
        """A new leaf with (a copy of) the same data and the same label, cut off from this graph."""
        raise NotImplementedError

    # what each granularity supplies

    @staticmethod
    def _clear(node):
        node.grad = node._empty_grad

    _accumulate = None  # adding a contribution to a grad: None means ``node.grad += contribution``

    def _seed(self, grad: Any) -> Any:
        raise NotImplementedError

    # gradcheck's view of a node: its entries (keys), read, written, and its grad at each

    def _entries(self) -> Sequence[Any]:
        raise NotImplementedError

    def _entry(self, key: Any) -> float:
        raise NotImplementedError

    def _set_entry(self, key: Any, x: float) -> None:
        raise NotImplementedError

    def _grad_entry(self, key: Any) -> float:
        raise NotImplementedError

    def _snapshot(self) -> Any:
        raise NotImplementedError

    def _restore(self, saved: Any) -> None:
        raise NotImplementedError

    def _watch_grad(self) -> None:
        raise NotImplementedError
