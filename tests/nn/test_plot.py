"""nn.plot: text charts put every point where its value says, and pictures side by side line up."""

import math

import pytest
from hypothesis import given, strategies as st

from nn.plot import MARKERS, decision_map, line_chart, side_by_side

values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def grid(chart, height):
    """The chart's plotting area: ``height`` rows of cells right of the axis."""
    return [line.split("|", 1)[1] for line in chart.splitlines()[:height]]


@given(st.lists(values, min_size=1, max_size=80), st.integers(2, 70), st.integers(2, 15))
def test_every_point_lands_in_its_column_and_the_extremes_on_the_edges(ys, width, height):
    rows = grid(line_chart(ys, width=width, height=height), height)
    assert len(rows) == height and all(len(r) <= width for r in rows)
    n = len(ys)
    columns = {round(k * (width - 1) / (n - 1)) if n > 1 else 0 for k in range(n)}
    marked = {c for r in rows for c, ch in enumerate(r) if ch == "*"}
    assert marked == columns
    if max(ys) > min(ys):  # the largest value is on the top row, the smallest on the bottom one
        assert "*" in rows[0] and "*" in rows[-1]


@given(st.lists(st.floats(0.001, 1000), min_size=2, max_size=60, unique=True))
def test_a_falling_series_never_rises_on_the_chart(ys):
    ys = sorted(ys, reverse=True)
    for log in (False, True):
        rows = grid(line_chart(ys, width=len(ys), height=12, log=log), 12)
        heights = [next(r for r, row in enumerate(rows) if row[c:c + 1] == "*") for c in range(len(ys))]
        assert heights == sorted(heights)


def test_axis_labels_legend_and_notes():
    chart = line_chart({"a": [4.0, 2.0, 1.0], "b": [3.0, 50.0, math.nan]}, width=5, height=3, ymax=10, x_label="epoch")
    assert chart.splitlines() == [
        "10 |  ^",            # b's 50, above ymax
        "   |*",              # a's 4
        " 1 |o * *",          # b's 3 drawn over nothing, a's 2 and 1; b's NaN left out
        "   +-----",
        "    0   2  epoch",
        "    * a   o b  (^: above 10)",
    ]
    assert "(log scale)" in line_chart([1.0, 10.0, 0.0], log=True)


def test_bad_charts_say_what_is_wrong():
    with pytest.raises(ValueError, match="line_chart: no finite value to draw"):
        line_chart([math.nan, math.inf])
    with pytest.raises(ValueError, match=r"log needs values > 0"):
        line_chart([0.0, -1.0], log=True)
    with pytest.raises(ValueError, match=f"expected 1 to {len(MARKERS)} series"):
        line_chart({str(i): [1.0] for i in range(len(MARKERS) + 1)})
    with pytest.raises(ValueError, match="series 'x' is empty"):
        line_chart({"x": []})
    with pytest.raises(ValueError, match="at least 2"):
        line_chart([1.0], width=1)


def test_decision_map_colours_by_class_and_draws_points_on_top():
    points, labels = [[0.0, 0.0], [1.0, 1.0]], [0, 1]
    picture = decision_map(lambda p: int(p[0] > 0.5), points, labels, width=10, height=4, margin=0.0)
    rows = picture.splitlines()
    assert len(rows) == 4 and all(len(r) == 10 for r in rows)
    assert rows[-1][0] == "o" and rows[0][-1] == "x"  # (0, 0) bottom left, (1, 1) top right
    assert all(set(r[:5]) <= {".", "o"} and set(r[5:]) <= {"#", "x"} for r in rows)
    with pytest.raises(ValueError, match="decision_map: need as many labels as points, got 2 and 1"):
        decision_map(lambda p: 0, points, [0])


@given(st.lists(st.lists(st.text("ab#", max_size=6), min_size=1, max_size=4), min_size=1, max_size=4))
def test_side_by_side_keeps_each_picture_in_its_own_columns(pictures):
    texts = ["\n".join(lines) for lines in pictures]
    out = side_by_side(texts, gap=2).split("\n")
    blocks = [t.splitlines() for t in texts]
    widths = [max(map(len, b), default=0) for b in blocks]
    for r, line in enumerate(out):
        start = 0
        for b, w in zip(blocks, widths):
            assert line[start:start + w].rstrip() == (b[r] if r < len(b) else "")
            start += w + 2
    with pytest.raises(ValueError, match="side_by_side: 1 titles for 2 pictures"):
        side_by_side(["a", "b"], titles=["t"])
