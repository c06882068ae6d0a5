"""Graph pictures: Graphviz DOT text for scalar and array graphs, and rendering via ``dot``."""

import shutil
import subprocess

from .graph import topological_order
from .trace import node_name, short

__all__ = ["to_dot", "render", "GraphvizNotFound"]


class GraphvizNotFound(RuntimeError):
    """The Graphviz ``dot`` program is not installed."""


def _quote(text):
    return '"' + text.replace('"', '\\"') + '"'


def _field(text):
    """Escape the characters that structure a Graphviz record label."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


def _describe(node, numbers):
    shape = getattr(node, "shape", None)
    size = f" {shape[0]}x{shape[1]}" if shape else ""
    title = node_name(node, numbers)
    parts = [f"{title}{size}".strip(), f"data {short(node.data)}", f"grad {short(node.grad)}"]
    return " | ".join(_field(p) for p in parts if p)


def to_dot(root, rankdir="LR"):
    """DOT text for the graph ending at ``root``: one record per node, one op node per interior node.

    Each value is a box showing its label, data and grad (arrays: shape and a few values); each
    op is an ellipse; edges run in data-flow direction, inputs -> op -> output.
    """
    order = topological_order(root)
    numbers = {node: i for i, node in enumerate(order)}  # the same numbering as trace.numbering
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    lines = ["digraph autograd {", f"  rankdir={rankdir};", "  node [fontname=monospace];"]
    for node in order:
        nid = ids[node]
        lines.append(f"  {nid} [shape=record, label={_quote('{ ' + _describe(node, numbers) + ' }')}];")
        if node._parents:
            lines.append(f"  {nid}_op [shape=ellipse, label={_quote(node.op)}];")
            lines.append(f"  {nid}_op -> {nid};")
            for parent in node._parents:
                lines.append(f"  {ids[parent]} -> {nid}_op;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(root, path, format=None):
    """Write a picture of the graph to ``path`` (format from its suffix: svg, png, pdf).

    Needs the Graphviz ``dot`` program; raises ``GraphvizNotFound`` saying how to get it.
    """
    path = str(path)
    format = format or path.rsplit(".", 1)[-1].lower()
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFound(
            "render: the Graphviz 'dot' program is not installed (Debian/Ubuntu: apt-get install graphviz; "
            "macOS: brew install graphviz); to_dot() still gives the DOT text")
    subprocess.run([dot, f"-T{format}", "-o", path], input=to_dot(root), text=True, check=True,
                   capture_output=True)
    return path
