"""Graph pictures: Graphviz DOT text for scalar and array graphs, and rendering via ``dot``."""

from __future__ import annotations

import os
import shutil
import subprocess

from .graph import topological_order
from .node import Node
from .trace import node_name, short

__all__ = ["to_dot", "render", "svg", "FORMATS", "GraphvizNotFound", "GraphvizError"]

FORMATS = ("svg", "png", "pdf", "jpg", "gif", "ps", "json", "dot")  # Graphviz -T formats render accepts


class GraphvizNotFound(RuntimeError):
    """The Graphviz ``dot`` program is not installed."""


class GraphvizError(RuntimeError):
    """Graphviz's ``dot`` ran and failed; the message is its own, in one line."""


def not_installed(who):
    """The one-line message for a missing ``dot``, naming the function that needed it."""
    return (f"{who}: the Graphviz 'dot' program is not installed (Debian/Ubuntu: apt-get install "
            "graphviz; macOS: brew install graphviz); to_dot() still gives the DOT text")


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


def _run_dot(root, format, who, output=None):
    """Graphviz's picture of ``root`` in ``format``: written to ``output``, or returned as text."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFound(not_installed(who))
    args = [dot, f"-T{format}"] + (["-o", output] if output else [])
    run = subprocess.run(args, input=to_dot(root), text=True, capture_output=True)
    if run.returncode != 0:
        where = f" writing {output}" if output else ""
        raise GraphvizError(f"{who}: Graphviz dot -T{format} failed{where}: {' '.join(run.stderr.split())}")
    return run.stdout


def render(root: Node, path: str | os.PathLike[str], format: str | None = None) -> str:
    """Write a picture of the graph to ``path``, in ``format`` or the one its suffix names.

    ``format`` is one of ``FORMATS`` (svg, png, pdf, ...). Needs the Graphviz ``dot`` program:
    raises ``GraphvizNotFound`` saying how to get it, and ``GraphvizError`` with Graphviz's own
    message if ``dot`` fails (an unwritable path, say).
    """
    path = str(path)
    if format is None:
        suffix = os.path.splitext(path)[1]
        if not suffix:
            raise ValueError(f"render: {path} has no suffix to tell the format; name the file like "
                             f"{path}.svg or pass format= one of {', '.join(FORMATS)}")
        format = suffix[1:]
    if format.lower() not in FORMATS:
        raise ValueError(f"render: unknown format {format!r} for {path}; choose one of {', '.join(FORMATS)}")
    _run_dot(root, format.lower(), "render", path)
    return path


def svg(root: Node) -> str:
    """The graph as SVG text (as ``render`` draws it), for a notebook or a web page."""
    return _run_dot(root, "svg", "svg")
