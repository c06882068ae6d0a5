"""A readable table of a whole backward pass, built from ``backward_steps()``."""

from .graph import topological_order

__all__ = ["Trace", "trace", "node_name", "short", "contributions_text"]


def short(x, width=4):
    """A compact text form of a float, or of a block of floats (rows of lists)."""
    if isinstance(x, float | int):
        return f"{x:.6g}"
    if x is None:
        return "None"
    rows = list(x)
    flat = [v for row in rows[:2] for v in row]
    values = ", ".join(f"{v:.4g}" for v in flat[:width])
    more = ", ..." if len(rows) * (len(rows[0]) if rows else 0) > width else ""
    return f"[{values}{more}]"


def node_name(node, numbers=None):
    """The node's label, else its number in ``numbers`` (a trace's numbering), else its op."""
    if node.label:
        return node.label
    if numbers is not None and node in numbers:
        return f"#{numbers[node]}"
    return node.op or "leaf"


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
        # number nodes in forward order so #0 is the first input and names are stable
        self.numbers = {n: i for i, n in enumerate(topological_order(root))}

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


def trace(root, grad=None, max_rows=40):
    """Run ``root``'s backward pass (exactly as ``backward()`` does) and return its ``Trace``.

    ``grad`` seeds the pass as in ``backward(grad)``; by default 1 (the root is a loss).
    """
    steps = root.backward_steps() if grad is None else root.backward_steps(grad)
    return Trace(root, list(steps), max_rows)
