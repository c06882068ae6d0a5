"""Turning any picture of one digit into a 28x28 image made the way MNIST's digits were.

LeCun, Cortes and Burges: NIST's digits were "size normalized to fit in a 20x20 pixel box while
preserving their aspect ratio", anti-aliased, then "centered in a 28x28 image by computing the
center of mass of the pixels, and translating the image so as to position this point at the
center of the 28x28 field". Their digits are light ink (255) on black paper (0). So:

1. ink: 1 - lightness if the paper (the median of the border pixels) is light, else lightness;
   then paper -> 0 and the strongest ink -> 1, and anything under ``INK_THRESHOLD`` is paper;
2. crop to the bounding box of the ink;
3. scale by area averaging (a box filter) so the larger side is ``BOX`` pixels, keeping the
   aspect ratio, and stretch so the strongest pixel is 1 again (MNIST's strokes reach 254-255);
4. place in a ``FIELD`` x ``FIELD`` image with the centre of mass at pixel (14, 14), rounded to
   a whole pixel, where MNIST's lie (their mean is 14.0 in both directions);
5. round to bytes 0-255 as the MNIST files store them.
"""

import math
import statistics
from array import array
from itertools import repeat
from operator import mul, sub

from .errors import DataError

__all__ = ["FIELD", "BOX", "INK_THRESHOLD", "BlankImage", "ink", "ink_box", "resize",
           "centre_of_mass", "place", "prepare"]

FIELD, BOX = 28, 20
INK_THRESHOLD = 0.1  # fainter than a tenth of the strongest ink counts as paper (noise, smudges)


class BlankImage(DataError):
    """An image with no ink on it: nothing to classify."""


def _rows(pixels, width):
    return [pixels[i:i + width] for i in range(0, len(pixels), width)]


def ink(light, width, height, name="image"):
    """Ink per pixel in [0, 1] (an ``array('d')``) from lightness in [0, 1]: paper 0, the
    strongest ink 1, ink under ``INK_THRESHOLD`` 0.

    Dark ink on light paper is inverted; the paper's shade is the median of the border pixels.
    ``BlankImage`` if no pixel stands out from the paper by ``INK_THRESHOLD``.
    """
    sides = light[width:-width:width] + light[2 * width - 1:-1:width]  # first, last column
    border = light[:width] + light[-width:] + sides
    paper = statistics.median(border)
    if paper > 0.5:  # light paper: the digit is what is dark
        light, paper = array("d", map(sub, repeat(1.0), light)), 1.0 - paper
    contrast = max(light) - paper
    if contrast < INK_THRESHOLD:
        raise BlankImage(f"{name}: no ink found (every pixel is within {INK_THRESHOLD:.0%} of the "
                         "paper's shade); nothing to classify")
    # (v - paper) / contrast, where that is at least the threshold; fainter ink becomes paper
    cutoff, scale = paper + INK_THRESHOLD * contrast, 1.0 / contrast
    return array("d", [(v - paper) * scale if v >= cutoff else 0.0 for v in light])


def ink_box(pixels, width):
    """``(left, top, right, bottom)``, right and bottom exclusive, around the non-zero pixels."""
    rows = [(y, bytes(map(bool, row))) for y, row in enumerate(_rows(pixels, width)) if any(row)]
    left = min(marks.find(1) for _, marks in rows)
    right = max(marks.rfind(1) for _, marks in rows) + 1
    return left, rows[0][0], right, rows[-1][0] + 1


def _area_weights(n_in, n_out):
    """For each output cell: (first source index, weights) = each source pixel's share of the
    cell's span ``[j * n_in / n_out, (j + 1) * n_in / n_out)``; the weights sum to 1."""
    ratio = n_in / n_out
    cells = []
    for j in range(n_out):
        start, end = j * ratio, (j + 1) * ratio
        first, last = int(start), min(n_in, math.ceil(end))
        shares = [(min(end, i + 1) - max(start, i)) / ratio for i in range(first, last)]
        cells.append((first, shares))
    return cells


def resize(pixels, width, height, new_width, new_height):
    """Area-averaged (box filter) resampling: each new pixel is the mean of the area it covers.

    Done in two passes, across then down; anti-aliased where nearest-neighbour would jag.
    """
    across = _area_weights(width, new_width)
    rows = [[sum(map(mul, row[first:first + len(w)], w)) for first, w in across]
            for row in _rows(pixels, width)]
    out = []
    for first, w in _area_weights(height, new_height):
        out.extend(sum(map(mul, column, w)) for column in zip(*rows[first:first + len(w)]))
    return out


def centre_of_mass(pixels, width):
    """``(x, y)`` = the ink-weighted mean pixel position (column, row), sum(v * x) / sum(v)."""
    rows = _rows(pixels, width)
    total = sum(pixels)
    x = sum(i * sum(column) for i, column in enumerate(zip(*rows))) / total
    y = sum(i * sum(row) for i, row in enumerate(rows)) / total
    return x, y


def place(pixels, width, height, field=FIELD):
    """A ``field`` x ``field`` image with ``pixels`` moved so their centre of mass is at pixel
    ``(field // 2, field // 2)``, by whole pixels, and never pushed past an edge."""
    x, y = centre_of_mass(pixels, width)
    # rounded first so a centre exactly half-way between pixels goes the same way every time
    left = min(max(0, math.floor(round(field // 2 - x, 9) + 0.5)), field - width)
    top = min(max(0, math.floor(round(field // 2 - y, 9) + 0.5)), field - height)
    out = [0.0] * (field * field)
    for r, row in enumerate(_rows(pixels, width)):
        start = (top + r) * field + left
        out[start:start + width] = row
    return out


def prepare(light, width, height, name="image"):
    """The 28x28 MNIST-style digit (``FIELD * FIELD`` bytes 0-255, ink light on black) from
    ``light``, one lightness in [0, 1] per pixel of a ``width`` x ``height`` picture."""
    pixels = ink(light, width, height, name)
    left, top, right, bottom = ink_box(pixels, width)
    w, h = right - left, bottom - top
    cropped = array("d")
    for row in _rows(pixels, width)[top:bottom]:
        cropped += row[left:right]
    scale = BOX / max(w, h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    small = resize(cropped, w, h, new_w, new_h)
    peak = max(small)
    digit = place([v / peak for v in small], new_w, new_h)
    return bytes(min(255, round(v * 255)) for v in digit)
