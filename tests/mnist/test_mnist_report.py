"""Reports: accuracy, the confusion matrix table, and digits drawn as text."""

import io
import re

from hypothesis import given, settings, strategies as st

from mnist import report

labels = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=200)


@settings(max_examples=40, deadline=None)
@given(pairs=labels)
def test_confusion_matrix_counts_every_image(pairs):
    true, predicted = [t for t, _ in pairs], [p for _, p in pairs]
    m = report.confusion_matrix(true, predicted)
    assert sum(map(sum, m)) == len(pairs)
    assert sum(m[i][i] for i in range(10)) == sum(t == p for t, p in pairs)
    assert [sum(row) for row in m] == [true.count(d) for d in range(10)]
    if pairs:
        assert report.accuracy(true, predicted) == sum(m[i][i] for i in range(10)) / len(pairs)
    text = report.format_confusion(m)
    assert len(text.splitlines()) == 12


def test_confusion_table_shows_recall():
    text = report.format_confusion(report.confusion_matrix([3, 3, 1], [3, 4, 1]))
    row3 = text.splitlines()[2 + 3]
    assert row3.split()[:6] == ["3", "0", "0", "0", "1", "1"] and row3.endswith("50.0%")
    assert report.accuracy([], []) == 0.0


def test_draw_digit_two_pixel_rows_per_line():
    pixels = [0.0] * 9 + [1.0] * 3 + [0.0, 1.0, 0.0] + [0.2] * 3  # 6 rows x 3 cols
    lines = report.draw_digit(pixels, 6, 3)
    assert lines == ["   ", "▄▄▄", "░▀░"]
    odd = report.draw_digit([1.0] * 3, 1, 3)  # an odd last row draws as the top half
    assert odd == ["▀▀▀"]
    ascii_lines = report.draw_digit(pixels, 6, 3, unicode=False)
    assert len(ascii_lines) == 3 and all(len(line) == 3 and line.isascii() for line in ascii_lines)
    assert ascii_lines[0] == "   "


def test_top_k_and_prediction_caption():
    probs = [0.05, 0.1, 0.6, 0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0]
    assert report.top_k(probs, 3) == [(2, 0.6), (7, 0.25), (1, 0.1)]
    text = report.format_prediction([0.0] * 784, 28, 28, 7, probs, title="test image 5")
    assert "test image 5" in text and "true label  7" in text and "predicted   2  (WRONG)" in text
    assert "2: 0.600  7: 0.250  1: 0.100" in text
    assert len(text.splitlines()) == 16
    plain = report.format_prediction([0.0] * 49, 7, 7, 3, None)
    assert "true label  3" in plain and "predicted" not in plain
    unknown = report.format_prediction([0.0] * 49, 7, 7, None, probs, title="mine.png")
    assert unknown.splitlines()[:3] == ["+-------+  mine.png", "|       |  predicted   2",
                                        "|       |  top-3       2: 0.600  7: 0.250  1: 0.100"]


def test_unicode_detection():
    assert report.can_draw_unicode(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert not report.can_draw_unicode(io.TextIOWrapper(io.BytesIO(), encoding="ascii"))


losses = st.lists(st.floats(1e-6, 50.0), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(values=losses, epochs=st.integers(1, 5), width=st.integers(8, 80), height=st.integers(2, 12),
       unicode=st.booleans())
def test_loss_curve_shape(values, epochs, width, height, unicode):
    lines = report.format_loss_curve(values, epochs, width, height, unicode).splitlines()
    assert len(lines) == height + 3 and lines[0].startswith(f"training loss by batch, log scale ({len(values)} ")
    rows, axis = lines[1:height + 1], lines[height + 1]
    margin = axis.index("└" if unicode else "+")
    assert all(len(r) <= margin + 1 + width for r in rows) and len(axis) == margin + 1 + width
    assert axis.count("┴" if unicode else "+") == epochs - 1 + (not unicode)
    assert lines[-1].split()[:2] == ["epoch", "1"]
    assert unicode or "\n".join(lines).isascii()
    # the tallest column is full height, every column shows at least its bottom cell
    bottom = rows[-1][margin + 1:].ljust(width)
    assert " " not in bottom
    assert rows[0][margin + 1:].strip() != ""
    assert float(rows[0].split()[0]) >= float(rows[-1].split()[0])


def _bar_heights(text, height):
    """Each column's drawn height in eighths, read back off a unicode chart."""
    rows = text.splitlines()[1:height + 1]
    margin = text.splitlines()[height + 1].index("└")
    cells = [r[margin + 1:].ljust(len(text.splitlines()[height + 1]) - margin - 1) for r in rows]
    return [sum(" ▁▂▃▄▅▆▇█".index(row[c]) for row in cells) for c in range(len(cells[0]))]


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(1e-3, 10.0), min_size=1, max_size=64))
def test_loss_curve_bars_keep_the_order_of_the_losses(values):
    width = 64
    heights = _bar_heights(report.format_loss_curve(values, 1, width, 6), 6)
    means = [values[c * len(values) // width] for c in range(width)]  # at most one batch a column
    for a in range(width):
        for b in range(width):
            if means[a] < means[b]:
                assert heights[a] <= heights[b]
    assert max(heights) == 6 * 8 and min(heights) >= 1


def test_loss_curve_example():
    text = report.format_loss_curve([2.0, 1.0, 0.5, 0.25], epochs=2, width=8, height=3)
    assert text.splitlines() == [
        "training loss by batch, log scale (4 in 8 columns, each the mean of its batches)",
        " 2.0000 ┤██",
        "        │████▁▁",  # log scale: 2, 1, 0.5, 0.25 are 24, 16, 9 and 1 eighths high
        " 0.2500 ┤██████▁▁",
        "        └────┴───",
        "  epoch  1   2",
    ]
    assert report.format_loss_curve([1.0] * 30, epochs=3, width=30, height=2).splitlines()[-1] == \
        "  epoch  1         2         3"
    assert report.format_loss_curve([1.0, 1.0], unicode=False, width=4, height=2).splitlines()[1:] == [
        " 1.0000 +####", " 1.0000 +####", "        +----", "  epoch  1"]
    assert report.can_draw_unicode(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), report.CURVE_CHARACTERS)
    assert not report.can_draw_unicode(io.TextIOWrapper(io.BytesIO(), encoding="cp437"),
                                       report.CURVE_CHARACTERS)


@given(st.integers(1, 21), st.integers(16, 64))
def test_every_epoch_is_numbered_under_its_start_when_there_is_room(epochs, width):
    lines = report.format_loss_curve([1.0] * (epochs * 3), epochs=epochs, width=width, height=2).splitlines()
    axis, labels = lines[-2], lines[-1]
    assert labels.startswith("  epoch  1")
    shown = {int(m.group()): m.start() for m in re.finditer(r"\d+", labels)}
    for e, at in shown.items():  # a number is right under its epoch's tick (the first under its first column)
        at_start = 9 + (e - 1) * width // epochs  # the margin " 1.0000 └" is 9 wide
        assert at == at_start and (e == 1 or axis[at_start] == "┴")
    if width // epochs >= len(str(epochs)) + 1:  # room for every number and a space
        assert sorted(shown) == list(range(1, epochs + 1))
