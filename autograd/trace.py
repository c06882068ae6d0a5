"""A readable table of a whole backward pass, built from ``backward_steps()``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .node import Node

from .graph import topological_order

__all__ = ["Trace", "trace", "node_name", "numbering", "short", "contributions_text"]


def short(x: Any, width: int = 4) -> str:
    """A compact text form of a float, or of a block of floats (rows of lists). Never shows -0."""
    if isinstance(x, float | int):
        return f"{x + 0.0:.6g}"  # + 0.0 turns -0.0 into 0.0
    if x is None:
        return "None"
    rows = list(x)
    flat = [v for row in rows[:2] for v in row]
    values = ", ".join(f"{v + 0.0:.4g}" for v in flat[:width])
    more = ", ..." if len(rows) * (len(rows[0]) if rows else 0) > width else ""
    return f"[{values}{more}]"


def numbering(root: Node) -> dict[Node, int]:
    """{node: index} for every node of ``root``'s graph, in forward order (inputs first).

    The index is what ``node_name`` shows for an unlabelled node: stable for a given graph,
    whichever view (steps, trace, picture, anomaly message) shows it.
    """
    return {n: i for i, n in enumerate(topological_order(root))}


def node_name(node: Node, numbers: dict[Node, int] | None = None) -> str:
    """How every view names a node: its label, else its op (or "leaf") and its index in ``numbers``.

    ``numbers`` is a ``numbering(root)`` of the graph being shown; without it the name is the
    op alone. Give nodes labels (``x.label = "x"``) to see your own names everywhere.
    """
    if node.label:
        return node.label
    kind = node.op or "leaf"
    if numbers is not None and node in numbers:
        return f"{kind}#{numbers[node]}"
    return kind


def contributions_text(parents, contributions, name=node_name):
    """"a += 0.5, b += -1" for a step; a parent that needs no gradient shows as "x (no grad)"."""
    return ", ".join(f"{name(p)} (no grad)" if c is None else f"{name(p)} += {short(c)}"
                     for p, c in zip(parents, contributions))


class Trace:
    """The steps of one backward pass; ``str(trace)`` is a table, shortened past ``max_rows``."""

    def __init__(self, root, steps, max_rows=40):
        self.root = root
        self.steps = steps
        self.max_rows = max_rows
        self.numbers = numbering(root)  # forward order: #0 is the first input

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def _row(self, i, step):
        name = lambda n: node_name(n, self.numbers)  # noqa: E731
        given = contributions_text(step.parents, step.contributions, name)
        return (str(i), name(step.node), step.op, short(step.node.data), short(step.grad), given)

    def __str__(self):
        header = ("step", "node", "op", "data", "grad", "contributions to parents")
        steps = list(enumerate(self.steps))
        omitted = 0
        if len(steps) > self.max_rows:
            half = self.max_rows // 2
            omitted = len(steps) - 2 * half
            steps = steps[:half] + steps[-half:]
        rows = [self._row(i, s) for i, s in steps]
        widths = [max(len(r[c]) for r in rows + [header]) for c in range(5)]
        fmt = lambda r: "  ".join(r[c].ljust(widths[c]) for c in range(5)) + "  " + r[5]  # noqa: E731
        lines = [fmt(header)]
        for k, row in enumerate(rows):
            if omitted and k == len(rows) // 2:
                lines.append(f"... {omitted} steps omitted ...")
            lines.append(fmt(row))
        return "\n".join(line.rstrip() for line in lines)


def trace(root: Node, grad: Any = None, max_rows: int = 40, keep_grads: bool = False) -> Trace:
    """The backward pass of ``root`` as a ``Trace`` (a table), without changing anyone's ``.grad``.

    The pass runs exactly as ``backward()`` would; afterwards every node's grad is put back as
    it was, so printing a trace twice shows the same numbers. ``keep_grads=True`` leaves the
    pass applied, as ``backward()`` does. ``grad`` seeds the pass as in ``backward(grad)``.
    """
    before = None if keep_grads else [(n, n.grad) for n in topological_order(root)]
    try:
        steps = list(root.backward_steps(grad))
    finally:
        if before is not None:
            for node, g in before:
                node.grad = g
    return Trace(root, steps, max_rows)
