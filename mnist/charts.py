"""Pictures for the training report, drawn as inline SVG and PNG text: no plotting package, no network.

``line_chart`` draws series of (x, y) points on nice axes, ``heat_map`` the confusion matrix,
``png_data_uri`` a digit as a data: URI (a PNG written with zlib, so no image package either).
"""

import base64
import html
import math
import struct
import zlib

__all__ = ["line_chart", "heat_map", "png_data_uri", "nice_ticks"]

_W, _H = 720, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 58, 18, 30, 42


def nice_ticks(low, high, count=5, whole=False):
    """About ``count`` round tick values (1, 2, 2.5 or 5 times a power of ten) covering [low, high].

    ``whole``: steps of at least 1 (an axis of epochs or batches).
    """
    if not high > low:
        low, high = low - 0.5, high + 0.5
    raw = max((high - low) / count, 1 if whole else 0)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw and not (whole and m == 2.5 and power == 1))
    first = math.floor(low / step) * step
    ticks = []
    while not ticks or ticks[-1] < high - 1e-9 * step:
        ticks.append(round(first + len(ticks) * step, 12))
    return ticks


def _esc(text):
    return html.escape(str(text), quote=True)


def _points(xy):
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)


def line_chart(name, title, series, x_label, y_label, marks=(), y_start=None, y_ceiling=None):
    """An SVG line chart. ``series``: (label, colour, [(x, y), ...], width) each; a single point is a dot.

    The x axis has whole-number ticks. ``marks``: x positions for dashed vertical lines (epoch
    boundaries). ``y_start`` fixes where the y axis starts (0 for a loss); ``y_ceiling`` caps it
    (100 for a percentage). The element carries ``data-chart=name``.
    """
    xs = [x for *_, pts, _w in series for x, _ in pts]
    ys = [y for *_, pts, _w in series for _, y in pts]
    x_ticks = nice_ticks(min(xs), max(xs), whole=True)
    low, high = min(ys), max(ys)
    pad = (high - low) * 0.08 or 0.01
    low = low - pad if y_start is None else y_start
    high = min(high + pad, y_ceiling) if y_ceiling is not None else high + pad
    y_ticks = nice_ticks(low, high)
    x0, x1, y0, y1 = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]
    px = lambda x: _LEFT + (x - x0) / ((x1 - x0) or 1) * (_W - _LEFT - _RIGHT)  # noqa: E731
    py = lambda y: _H - _BOTTOM - (y - y0) / ((y1 - y0) or 1) * (_H - _TOP - _BOTTOM)  # noqa: E731
    out = [f'<svg class="chart" data-chart="{_esc(name)}" xmlns="http://www.w3.org/2000/svg" width="{_W}" '
           f'height="{_H}" viewBox="0 0 {_W} {_H}" role="img" aria-label="{_esc(title)}">',
           f'<text x="{_LEFT}" y="18" class="chart-title">{_esc(title)}</text>']
    for t in y_ticks:
        out.append(f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{py(t):.1f}" y2="{py(t):.1f}"/>'
                   f'<text class="tick" x="{_LEFT - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    for t in x_ticks:
        out.append(f'<text class="tick" x="{px(t):.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle">{t:g}</text>')
    out += [f'<line class="mark" x1="{px(m):.1f}" x2="{px(m):.1f}" y1="{_TOP}" y2="{_H - _BOTTOM}"/>' for m in marks]
    out.append(f'<line class="axis" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{_H - _BOTTOM}" y2="{_H - _BOTTOM}"/>'
               f'<line class="axis" x1="{_LEFT}" x2="{_LEFT}" y1="{_TOP}" y2="{_H - _BOTTOM}"/>'
               f'<text class="label" x="{(_LEFT + _W - _RIGHT) / 2}" y="{_H - 8}" text-anchor="middle">{_esc(x_label)}</text>'
               f'<text class="label" transform="translate(14,{(_TOP + _H - _BOTTOM) / 2}) rotate(-90)" '
               f'text-anchor="middle">{_esc(y_label)}</text>')
    legend_x = _W - _RIGHT
    for label, colour, pts, width in reversed(series):
        xy = [(px(x), py(y)) for x, y in pts]
        if len(xy) == 1:
            out.append(f'<circle cx="{xy[0][0]:.1f}" cy="{xy[0][1]:.1f}" r="4" fill="{colour}"/>')
        else:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width}" points="{_points(xy)}"/>')
        legend_x -= 9 + 7 * len(label) + 18
        out.append(f'<rect x="{legend_x}" y="9" width="12" height="4" fill="{colour}"/>'
                   f'<text class="legend" x="{legend_x + 16}" y="15">{_esc(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def heat_map(matrix, cell=38):
    """The confusion matrix as an SVG grid: rows true digits, columns predictions, with recall.

    A cell's colour is its share of the row (blue on the diagonal, red off it), so mistakes stand
    out whatever the class sizes; each cell shows its count.
    """
    n = len(matrix)
    left, top = 64, 46
    width, height = left + cell * n + 70, top + cell * n + 12
    out = [f'<svg class="chart" data-chart="confusion" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="confusion matrix">',
           f'<text class="label" x="{left + cell * n / 2}" y="14" text-anchor="middle">predicted</text>',
           f'<text class="label" transform="translate(14,{top + cell * n / 2}) rotate(-90)" '
           f'text-anchor="middle">true digit</text>',
           f'<text class="label" x="{left + cell * n + 8}" y="{top - 8}">recall</text>']
    for p in range(n):
        out.append(f'<text class="tick" x="{left + cell * p + cell / 2}" y="{top - 8}" text-anchor="middle">{p}</text>')
    for t, row in enumerate(matrix):
        total = sum(row)
        y = top + cell * t
        out.append(f'<text class="tick" x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end">{t}</text>')
        for p, count in enumerate(row):
            share = count / total if total else 0.0
            strength = share if t == p else min(1.0, share * 5)  # a 20% confusion is as red as it gets
            hue = 214 if t == p else 4
            fill = f"hsl({hue}, 70%, {97 - 52 * strength:.0f}%)"
            ink = "light" if strength > 0.6 else "dark"
            out.append(f'<rect class="cell" data-true="{t}" data-predicted="{p}" x="{left + cell * p}" y="{y}" '
                       f'width="{cell}" height="{cell}" fill="{fill}"/>')
            if count:
                out.append(f'<text class="count {ink}" x="{left + cell * p + cell / 2}" y="{y + cell / 2 + 4}" '
                           f'text-anchor="middle">{count}</text>')
        recall = f"{100 * row[t] / total:.1f}%" if total else "-"
        out.append(f'<text class="tick" x="{left + cell * n + 8}" y="{y + cell / 2 + 4}">{recall}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_data_uri(pixels, rows, cols, max_value=255):
    """An image of integers in 0..``max_value`` as a grey PNG data: URI, ink dark on white."""
    scale = 255 / max_value
    raw = b"".join(b"\x00" + bytes(255 - round(v * scale) for v in pixels[r * cols:(r + 1) * cols])
                   for r in range(rows))  # each row: filter type 0, then its bytes
    png = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 8, 0, 0, 0, 0))
           + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
