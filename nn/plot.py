"""Text pictures for the terminal: loss curves, a classifier's decision map, pictures side by side.

Plain ASCII, so they print on any terminal and sit in doctest output unchanged.

- ``line_chart(losses)`` or ``line_chart({"lr 0.1": a, "lr 1": b})``: one marker per step;
- ``decision_map(predict, points, labels)``: the plane coloured by the class ``predict`` gives,
  with the points on top;
- ``side_by_side([picture, picture, ...], titles)``: pictures next to each other.
"""

import math

from autograd import no_grad

__all__ = ["line_chart", "decision_map", "side_by_side", "MARKERS"]

MARKERS = "*o+x#@"  # one per series, in order


def _number(x):
    return f"{x + 0.0:.3g}"  # + 0.0: never "-0"


def _series(series):
    """[(name, [floats])] from a list of numbers or a {name: list of numbers} dict."""
    if isinstance(series, dict):
        items = list(series.items())
    else:
        items = [("", series)]
    if not items or len(items) > len(MARKERS):
        raise ValueError(f"line_chart: expected 1 to {len(MARKERS)} series, got {len(items)}")
    out = []
    for name, ys in items:
        ys = [float(y) for y in ys]
        if not ys:
            raise ValueError(f"line_chart: series {name or 0!r} is empty")
        out.append((name, ys))
    return out


def line_chart(series, width=60, height=10, log=False, ymax=None, x_label="step"):
    """A chart of one or more sequences (say, a loss per step) as text lines joined by newlines.

    Point k of a series of n is drawn in column round(k * (width - 1) / (n - 1)), at the row of
    its value between the smallest and largest value shown (on a log10 scale if ``log``). Values
    above ``ymax`` are drawn as "^" on the top row; NaN and infinities are left out (and so are
    values <= 0 when ``log``). Several series get the markers of ``MARKERS`` and a legend.
    """
    if width < 2 or height < 2:
        raise ValueError(f"line_chart: width and height must be at least 2, got {width} x {height}")
    items = _series(series)
    scale = math.log10 if log else (lambda y: y)  # noqa: E731
    shown = [y for _, ys in items for y in ys
             if math.isfinite(y) and (y > 0 or not log) and (ymax is None or y <= ymax)]
    if not shown:
        raise ValueError("line_chart: no finite value to draw" + (" (log needs values > 0)" if log else ""))
    lo, hi = min(shown), max(shown) if ymax is None else ymax
    s_lo, s_hi = scale(lo), scale(hi)
    span = (s_hi - s_lo) or 1.0
    grid = [[" "] * width for _ in range(height)]
    for marker, (_, ys) in zip(MARKERS, items):
        n = len(ys)
        for k, y in enumerate(ys):
            if not math.isfinite(y) or (log and y <= 0):
                continue
            col = round(k * (width - 1) / (n - 1)) if n > 1 else 0
            if ymax is not None and y > ymax:
                grid[0][col] = "^"
                continue
            grid[round((s_hi - scale(y)) / span * (height - 1))][col] = marker
    top, bottom = _number(hi), _number(lo)
    margin = max(len(top), len(bottom))
    lines = []
    for r, row in enumerate(grid):
        tag = top if r == 0 else bottom if r == height - 1 else ""
        lines.append(f"{tag:>{margin}} |{''.join(row)}".rstrip())
    last = str(max(len(ys) for _, ys in items) - 1)
    lines.append(" " * margin + " +" + "-" * width)
    lines.append(" " * margin + "  0" + last.rjust(width - 1) + f"  {x_label}".rstrip())
    notes = []
    if len(items) > 1 or items[0][0]:
        notes.append("   ".join(f"{m} {name}" for m, (name, _) in zip(MARKERS, items)))
    if log:
        notes.append("(log scale)")
    if ymax is not None and any(y > ymax for _, ys in items for y in ys if math.isfinite(y)):
        notes.append(f"(^: above {_number(ymax)})")
    if notes:
        lines.append(" " * margin + "  " + "  ".join(notes))
    return "\n".join(lines)


def decision_map(predict, points, labels, width=48, height=16, regions=".#-=", marks="ox*@", margin=0.25):
    """The plane around ``points`` as text: each cell shows the class ``predict([x, y])`` gives its
    centre (``regions[class]``), and each point its label (``marks[label]``) on top.

    ``predict`` takes a point (a list of two floats) and returns a class index; it runs under
    ``no_grad()``, so it records no graph. The picture spans the points' range plus ``margin``.
    """
    if not points or len(points) != len(labels):
        raise ValueError(f"decision_map: need as many labels as points, got {len(points)} and {len(labels)}")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs) - margin, max(xs) + margin
    y0, y1 = min(ys) - margin, max(ys) + margin
    grid = []
    with no_grad():
        for r in range(height):
            cy = y1 - (r + 0.5) * (y1 - y0) / height
            grid.append([regions[predict([x0 + (c + 0.5) * (x1 - x0) / width, cy])] for c in range(width)])
    for (px, py), label in zip(points, labels):
        c = min(width - 1, int((px - x0) / (x1 - x0) * width))
        r = min(height - 1, int((y1 - py) / (y1 - y0) * height))
        grid[r][c] = marks[label]
    return "\n".join("".join(row) for row in grid)


def side_by_side(pictures, titles=None, gap=3):
    """Text pictures (strings of lines) next to each other, each under its title if given."""
    blocks = [p.splitlines() for p in pictures]
    if titles is not None:
        if len(titles) != len(blocks):
            raise ValueError(f"side_by_side: {len(titles)} titles for {len(blocks)} pictures")
        blocks = [[str(t)] + b for t, b in zip(titles, blocks)]
    widths = [max(map(len, b), default=0) for b in blocks]
    rows = max(map(len, blocks), default=0)
    lines = []
    for r in range(rows):
        cells = [(b[r] if r < len(b) else "").ljust(w) for b, w in zip(blocks, widths)]
        lines.append((" " * gap).join(cells).rstrip())
    return "\n".join(lines)
