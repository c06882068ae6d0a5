"""Reports: accuracy, the confusion matrix table, and digits drawn as text."""

import io

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
