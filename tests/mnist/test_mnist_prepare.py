"""mnist.prepare: a picture of a digit becomes a 28x28 MNIST-style image."""

import pytest
from hypothesis import given, strategies as st

from mnist.prepare import BlankImage, centre_of_mass, ink, ink_box, place, prepare, resize


@st.composite
def drawings(draw, min_side=6, max_side=40):
    """``(width, height, ink)``: a few rectangles of ink (0 paper .. 1) inside a paper border."""
    width, height = draw(st.integers(min_side, max_side)), draw(st.integers(min_side, max_side))
    canvas = [0.0] * (width * height)
    for _ in range(draw(st.integers(1, 4))):
        x0, y0 = draw(st.integers(1, width - 2)), draw(st.integers(1, height - 2))
        x1, y1 = draw(st.integers(x0, width - 2)), draw(st.integers(y0, height - 2))
        level = draw(st.floats(0.3, 1.0))
        for y in range(y0, y1 + 1):
            for x in range(x0, x1 + 1):
                canvas[y * width + x] = max(canvas[y * width + x], level)
    return width, height, canvas


def dark_on_light(canvas, paper=1.0, depth=1.0):
    """Lightness of ``canvas``'s ink drawn dark on paper of lightness ``paper``."""
    return [paper - depth * v for v in canvas]


def grid(digit):
    return [list(digit[r * 28:(r + 1) * 28]) for r in range(28)]


@given(drawings())
def test_prepared_digit_is_28x28_bytes_centred_by_mass_in_a_20_pixel_box(drawing):
    width, height, canvas = drawing
    digit = prepare(dark_on_light(canvas), width, height)
    assert isinstance(digit, bytes) and len(digit) == 784 and max(digit) == 255
    left, top, right, bottom = ink_box(list(digit), 28)
    assert 19 <= max(right - left, bottom - top) <= 20
    x, y = centre_of_mass(list(digit), 28)
    touches_edge = left == 0 or top == 0 or right == 28 or bottom == 28
    assert touches_edge or (abs(x - 14) <= 1 and abs(y - 14) <= 1)


@given(drawings(), st.floats(0.6, 1.0), st.floats(0.4, 0.9))
def test_dark_on_light_prepares_like_light_on_dark(drawing, paper, depth):
    width, height, canvas = drawing
    light = dark_on_light(canvas, paper, depth)
    assert prepare(light, width, height) == prepare([1.0 - v for v in light], width, height)


@given(drawings(max_side=20), st.integers(2, 4))
def test_a_drawing_enlarged_k_times_prepares_to_the_same_digit(drawing, k):
    width, height, canvas = drawing
    big = [canvas[(y // k) * width + x // k] for y in range(height * k) for x in range(width * k)]
    small, large = prepare(dark_on_light(canvas), width, height), prepare(dark_on_light(big),
                                                                          width * k, height * k)
    assert max(abs(a - b) for a, b in zip(small, large)) <= 1  # area averaging: float rounding only


@given(drawings(), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9))
def test_more_paper_around_the_digit_changes_nothing(drawing, left, top, right, bottom):
    width, height, canvas = drawing
    wide = width + left + right
    padded = [0.0] * (wide * (height + top + bottom))
    for y in range(height):
        start = (y + top) * wide + left
        padded[start:start + width] = canvas[y * width:(y + 1) * width]
    assert prepare(dark_on_light(padded), wide, height + top + bottom) == prepare(
        dark_on_light(canvas), width, height)


@given(st.integers(1, 30), st.integers(1, 30), st.integers(1, 30), st.integers(1, 30), st.data())
def test_resize_keeps_the_mean_brightness(width, height, new_width, new_height, data):
    pixels = data.draw(st.lists(st.floats(0, 1), min_size=width * height, max_size=width * height))
    out = resize(pixels, width, height, new_width, new_height)
    assert len(out) == new_width * new_height
    assert sum(out) / len(out) == pytest.approx(sum(pixels) / len(pixels), abs=1e-9)


def test_resize_anti_aliases_a_thin_line():
    # a 1-pixel line in a 10x10 image halved: one column at half strength, not all or nothing
    pixels = [1.0 if x == 4 else 0.0 for y in range(10) for x in range(10)]
    assert resize(pixels, 10, 10, 5, 5)[:5] == [0.0, 0.0, 0.5, 0.0, 0.0]


def test_faint_ink_is_stretched_and_smudges_are_paper():
    light = [0.9] * 25
    light[12], light[13] = 0.6, 0.88  # the ink, and a smudge under a tenth of its contrast
    assert list(ink(light, 5, 5)) == [0.0] * 12 + [pytest.approx(1.0)] + [0.0] * 12


def test_a_lopsided_digit_is_kept_whole_not_cut_at_the_edge():
    # nearly all the mass at the right of a wide 'digit': centring it would push ink off the left
    pixels = [1.0 if x == 19 or (x, y) == (0, 0) else 0.0 for y in range(8) for x in range(20)]
    field = place(pixels, 20, 8)
    assert sum(field) == sum(pixels) and any(field[0::28])  # moved only as far as column 0


@pytest.mark.parametrize("light", [[1.0] * 64, [0.0] * 64, [0.5] * 64,
                                   [0.97 if i % 7 else 1.0 for i in range(64)]],
                         ids=["white", "black", "grey", "faint noise"])
def test_blank_images_say_so(light):
    with pytest.raises(BlankImage, match=r"^empty.png: no ink found"):
        prepare(light, 8, 8, "empty.png")


@pytest.mark.parametrize("width, height", [(1, 9), (9, 1), (2, 2), (3, 40)])
def test_tiny_and_one_pixel_wide_images(width, height):
    light = [1.0] * (width * height)
    light[len(light) // 2] = 0.0  # one dark pixel: the border's median is still the paper
    digit = prepare(light, width, height)
    assert len(digit) == 784 and max(digit) == 255


def test_a_one_pixel_image_is_all_border_so_all_paper():
    with pytest.raises(BlankImage):
        prepare([0.0], 1, 1)
