"""Where to draw a graph's boxes: Graphviz's layout where ``dot`` is installed, else a layered one.

Both take boxes (width, height in pixels, one per node) and edges ``(tail, head)`` between box
indices, in data-flow direction, and return a ``Layout``: each box's centre, an SVG path per
edge, and the picture's size. Inputs sit on the left and the output on the right.
"""

import shutil
import subprocess
from typing import NamedTuple

__all__ = ["Layout", "layered", "graphviz", "LAYOUTS"]

LAYOUTS = ("auto", "graphviz", "layered")
_GAP_X, _GAP_Y, _MARGIN = 56, 22, 12
_SWEEPS = 8  # barycentre passes; more rarely untangle a graph of ~100 nodes further


class Layout(NamedTuple):
    centres: list      # (x, y) of each box
    paths: list        # SVG path data for each edge, from the tail's box to the head's
    width: float
    height: float
    engine: str        # "graphviz" or "layered"


def _layers(count, edges):
    """Each node's column: the output's is the last, and every node sits one left of its nearest use.

    Longest path from the output, counted in reverse topological order (indices are
    topological, so a higher index is never a parent of a lower one).
    """
    depth = [0] * count
    for tail, head in sorted(edges, key=lambda e: -e[1]):
        depth[tail] = max(depth[tail], depth[head] + 1)
    last = max(depth)
    return [last - d for d in depth]


def _with_dummies(count, edges, layer):
    """Chains of dummy points for edges that skip columns, so no edge is drawn through a box."""
    nodes_layer = list(layer)
    chains = []
    for tail, head in edges:
        chain = [tail]
        for column in range(layer[tail] + 1, layer[head]):
            nodes_layer.append(column)
            chain.append(len(nodes_layer) - 1)
        chain.append(head)
        chains.append(chain)
    return nodes_layer, chains


def _order(nodes_layer, chains):
    """Rows within each column: start in index order, then move each node to its neighbours' mean row."""
    columns = [[] for _ in range(max(nodes_layer) + 1)]
    for n, c in enumerate(nodes_layer):
        columns[c].append(n)
    left = [[] for _ in nodes_layer]
    right = [[] for _ in nodes_layer]
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            right[a].append(b)
            left[b].append(a)
    row = {}
    for column in columns:
        row.update((n, i) for i, n in enumerate(column))
    for sweep in range(_SWEEPS):
        forward = sweep % 2 == 0
        neighbours = left if forward else right
        for column in columns if forward else reversed(columns):
            def centre(n):
                near = neighbours[n]
                return sum(row[m] for m in near) / len(near) if near else row[n]
            column.sort(key=centre)
            row.update((n, i) for i, n in enumerate(column))
    return columns


def _rows_y(columns, count, boxes, neighbours):
    """Each point's y: stacked in its column's order, then drawn towards its neighbours' mean y.

    A dummy point takes a thin slot. Each pass moves a column as a whole and never lets two
    of its points come closer than their half heights plus a gap.
    """
    height = [boxes[n][1] if n < count else 4 for n in range(len(neighbours))]

    def gap(a, b):
        return (height[a] + height[b]) / 2 + (_GAP_Y if a < count and b < count else 8)

    y = [0.0] * len(neighbours)
    for col in columns:
        for a, b in zip(col, col[1:]):
            y[b] = y[a] + gap(a, b)
    for sweep in range(_SWEEPS):
        for col in columns if sweep % 2 == 0 else reversed(columns):
            want = [sum(y[m] for m in neighbours[n]) / len(neighbours[n]) if neighbours[n] else y[n]
                    for n in col]
            placed = [want[0]]
            for (a, b), w in zip(zip(col, col[1:]), want[1:]):
                placed.append(max(w, placed[-1] + gap(a, b)))
            shift = sum(w - p for w, p in zip(want, placed)) / len(col)
            for n, p in zip(col, placed):
                y[n] = p + shift
    top = min(y[n] - height[n] / 2 for n in range(len(y)))
    return [v - top + _MARGIN for v in y]


def layered(boxes, edges):
    """puregrad's own layout: longest-path columns, barycentre rows, dummy points on long edges."""
    count = len(boxes)
    layer = _layers(count, edges)
    nodes_layer, chains = _with_dummies(count, edges, layer)
    columns = _order(nodes_layer, chains)
    neighbours = [[] for _ in nodes_layer]
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            neighbours[a].append(b)
            neighbours[b].append(a)
    y = _rows_y(columns, count, boxes, neighbours)
    widths = [max((boxes[n][0] for n in col if n < count), default=0) for col in columns]
    points = [None] * len(nodes_layer)
    x = _MARGIN
    for col, width in zip(columns, widths):
        for n in col:
            points[n] = (x + width / 2, y[n])
        x += width + _GAP_X
    centres = points[:count]
    paths = []
    for chain in chains:
        tail, head = chain[0], chain[-1]
        ends = [(centres[tail][0] + boxes[tail][0] / 2, centres[tail][1])]
        ends += [points[n] for n in chain[1:-1]]
        ends.append((centres[head][0] - boxes[head][0] / 2, centres[head][1]))
        paths.append(_curve(ends))
    bottom = max(y[n] + boxes[n][1] / 2 for n in range(count))
    return Layout(centres, paths, x - _GAP_X + _MARGIN, bottom + _MARGIN, "layered")


def _curve(points):
    """A smooth path through ``points`` that leaves and enters each one horizontally."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M{x0:.1f},{y0:.1f}"]
    for x1, y1 in rest:
        mid = (x1 - x0) / 2
        d.append(f"C{x0 + mid:.1f},{y0:.1f} {x1 - mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(d)


def graphviz(boxes, edges):
    """Graphviz's layout of the same boxes (``dot -Tplain``), or None when ``dot`` is not installed.

    Raises RuntimeError with Graphviz's own message in one line if ``dot`` fails.
    """
    dot = shutil.which("dot")
    if dot is None:
        return None
    lines = ["digraph g {", "  rankdir=LR; nodesep=0.3; ranksep=0.6;",
             '  node [shape=box, fixedsize=true, label=""];']
    lines += [f"  n{i} [width={w / 72:.3f}, height={h / 72:.3f}];" for i, (w, h) in enumerate(boxes)]
    lines += [f"  n{t} -> n{h};" for t, h in edges]
    lines.append("}")
    run = subprocess.run([dot, "-Tplain"], input="\n".join(lines), text=True, capture_output=True)
    if run.returncode != 0:
        raise RuntimeError(f"layout: Graphviz dot failed: {' '.join(run.stderr.split())}")
    return _read_plain(run.stdout, len(boxes), edges)


def _read_plain(text, count, edges):
    """Box centres and edge splines from Graphviz's plain output (inches, y pointing up)."""
    centres, splines, height, width = [None] * count, {}, 0.0, 0.0
    for line in text.splitlines():
        part = line.split()
        if part[0] == "graph":
            width, height = float(part[2]) * 72, float(part[3]) * 72
        elif part[0] == "node":
            centres[int(part[1][1:])] = (float(part[2]) * 72 + _MARGIN, (height - float(part[3]) * 72) + _MARGIN)
        elif part[0] == "edge":
            n = int(part[3])
            xy = [(float(part[4 + 2 * k]) * 72 + _MARGIN, (height - float(part[5 + 2 * k]) * 72) + _MARGIN)
                  for k in range(n)]
            d = f"M{xy[0][0]:.1f},{xy[0][1]:.1f}"
            for k in range(1, n - 2, 3):
                d += " C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy[k:k + 3])
            splines.setdefault((part[1], part[2]), []).append(d)
    try:  # the same tail and head twice (x * x) gives two splines, taken in turn
        paths = [splines[f"n{t}", f"n{h}"].pop(0) for t, h in edges]
    except (KeyError, IndexError):
        paths = None
    if None in centres or paths is None:
        raise RuntimeError("layout: Graphviz's plain output is missing nodes or edges")
    return Layout(centres, paths, width + 2 * _MARGIN, height + 2 * _MARGIN, "graphviz")
