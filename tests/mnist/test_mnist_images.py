"""mnist.images: PNG and PGM/PPM decoding, round trips through the test encoder, bad files."""

import gzip
import importlib.util
import io
import struct
import zlib
from array import array

import pytest
from hypothesis import given, strategies as st
from image_files import CHANNELS, DEPTHS, chunk, grey_png, png, pnm

from mnist.errors import DataError
from mnist.images import decode, lightness, read_image

HAS_PIL = importlib.util.find_spec("PIL") is not None
needs_pil = pytest.mark.skipif(not HAS_PIL, reason="Pillow is not installed (optional "
                               "cross-check against an independent decoder)")


@st.composite
def png_images(draw, colour=None):
    """``(file bytes, width, height, channels, max_value, expected samples)`` for a random PNG."""
    colour = draw(st.sampled_from(sorted(CHANNELS))) if colour is None else colour
    depth = draw(st.sampled_from(DEPTHS[colour]))
    width, height = draw(st.integers(1, 11)), draw(st.integers(1, 11))
    filters = draw(st.lists(st.integers(0, 4), min_size=1, max_size=5))
    interlace, parts = draw(st.booleans()), draw(st.integers(1, 3))
    top = (1 << depth) - 1
    if colour == 3:
        colours = draw(st.lists(st.tuples(*[st.integers(0, 255)] * 3), min_size=1,
                                max_size=min(256, top + 1)))
        indices = draw(st.lists(st.integers(0, len(colours) - 1), min_size=width * height,
                                max_size=width * height))
        alphas = draw(st.none() | st.lists(st.integers(0, 255), max_size=len(colours)))
        data = png(indices, width, height, 3, depth, filters, interlace, parts, colours, alphas)
        full = alphas is not None and alphas + [255] * (len(colours) - len(alphas))
        expected = [v for i in indices for v in colours[i] + ((full[i],) if full else ())]
        return data, width, height, 4 if full else 3, 255, expected
    n = width * height * CHANNELS[colour]
    samples = draw(st.lists(st.integers(0, top), min_size=n, max_size=n))
    data = png(samples, width, height, colour, depth, filters, interlace, parts)
    return data, width, height, CHANNELS[colour], top, samples


@given(png_images())
def test_png_decodes_to_the_encoded_samples(case):
    data, width, height, channels, top, expected = case
    raster = decode(data, "t.png")
    assert (raster.width, raster.height, raster.channels, raster.max_value) == (width, height,
                                                                                channels, top)
    assert list(raster.samples) == expected


@pytest.mark.parametrize("kind", range(5), ids=["none", "sub", "up", "average", "paeth"])
def test_each_filter_on_every_scanline(kind):
    rows = [[(x * 37 + y * 91 + x * y) % 256 for x in range(9)] for y in range(7)]
    for colour, channels in ((0, 1), (2, 3), (6, 4)):
        samples = [v for row in rows for v in row for _ in range(channels)]
        raster = decode(png(samples, 9, 7, colour, filters=(kind,)), "t.png")
        assert list(raster.samples) == samples
    # long scanlines (a running Sub sum over 300 pixels of 8 bytes each), 16-bit RGBA
    wide = [(i * 7919) % 65536 for i in range(300 * 3 * 4)]
    assert list(decode(png(wide, 300, 3, 6, 16, filters=(kind,)), "w.png").samples) == wide


def _pillow_reads(data, channels):
    """The samples Pillow decodes from PNG bytes, in our channel layout (8-bit but I;16)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    if image.mode == "I;16":
        return list(array("H", image.tobytes())), 65535  # Pillow's I;16 is little-endian
    return list(image.convert({1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]).tobytes()), 255


def _to_8_bits(samples, top):
    """Samples scaled to 0-255 the way Pillow reads them: low depths stretched, 16-bit's high byte."""
    return [v >> 8 for v in samples] if top == 65535 else [v * 255 // top for v in samples]


@needs_pil
@given(png_images())
def test_pillow_reads_the_test_encoder_as_the_decoder_does(case):
    data, width, height, channels, top, expected = case
    raster = decode(data, "t.png")
    got, got_top = _pillow_reads(data, channels)
    assert got == (list(raster.samples) if got_top == top else _to_8_bits(raster.samples, top))


@needs_pil
@pytest.mark.parametrize("mode", ["1", "L", "LA", "RGB", "RGBA", "P", "I;16"])
@pytest.mark.parametrize("optimize", [False, True])
def test_pngs_written_by_pillow(mode, optimize):
    from PIL import Image

    pixels = [(x * 29 + y * 53 + (x ^ y) * 7) % 256 for y in range(13) for x in range(17)]
    if mode == "I;16":
        image = Image.frombytes(mode, (17, 13), struct.pack(f"<{len(pixels)}H",
                                                            *[(v * 257 + 3) % 65536 for v in pixels]))
    else:
        image = Image.frombytes("L", (17, 13), bytes(pixels)).convert(mode)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=optimize)
    raster = decode(out.getvalue(), "pil.png")
    got, got_top = _pillow_reads(out.getvalue(), raster.channels)
    assert got == (list(raster.samples) if got_top == raster.max_value
                   else _to_8_bits(raster.samples, raster.max_value))


@given(st.sampled_from(["P5", "P2", "P6", "P3"]), st.integers(1, 9), st.integers(1, 9),
       st.sampled_from([1, 15, 255, 256, 1000, 65535]), st.booleans(), st.data())
def test_pgm_and_ppm_decode_to_their_samples(magic, width, height, top, comment, data):
    n = width * height * (3 if magic in ("P3", "P6") else 1)
    samples = data.draw(st.lists(st.integers(0, top), min_size=n, max_size=n))
    raster = decode(pnm(samples, width, height, top, magic, "made by a test" if comment else None),
                    "t.pgm")
    assert (raster.width, raster.height, raster.max_value) == (width, height, top)
    assert list(raster.samples) == samples


def test_lightness_grey_rgb_and_alpha_over_white():
    grey = decode(pnm([0, 51, 255], 3, 1), "g.pgm")
    assert lightness(grey) == pytest.approx([0.0, 0.2, 1.0])
    rgb = decode(png([255, 0, 0, 0, 255, 0, 0, 0, 255], 3, 1, colour=2), "c.png")
    assert lightness(rgb) == pytest.approx([0.299, 0.587, 0.114])
    # black ink: opaque, half transparent, fully transparent -> black, mid grey, white paper
    rgba = decode(png([0, 0, 0, 255, 0, 0, 0, 128, 0, 0, 0, 0], 3, 1, colour=6), "a.png")
    assert lightness(rgba) == pytest.approx([0.0, 1 - 128 / 255, 1.0])
    keyed = decode(png([0, 7, 7], 3, 1, transparency=struct.pack(">H", 7)), "k.png")
    assert lightness(keyed) == pytest.approx([0.0, 1.0, 1.0])
    rgb_key = decode(png([1, 2, 3, 1, 2, 4], 2, 1, colour=2,
                         transparency=struct.pack(">3H", 1, 2, 3)), "k.png")
    assert (rgb_key.channels, list(rgb_key.samples)) == (4, [1, 2, 3, 0, 1, 2, 4, 255])


GOOD = grey_png([[0, 255], [255, 0]])


def _ihdr(width=2, height=2, depth=8, colour=0, interlace=0, compression=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, compression, 0,
                                      interlace))


def _with_header(header, rest=None):
    body = GOOD[8 + 25:] if rest is None else rest
    return GOOD[:8] + header + body


BAD = {
    "empty": (b"", "empty file"),
    "jpeg": (b"\xff\xd8\xff\xe0\0\x10JFIF", "looks like a JPEG image; save it as PNG or PGM"),
    "text": (b"hello, world\n", "not a PNG or PGM image"),
    "signature only": (GOOD[:8], "truncated PNG"),
    "cut in IDAT": (GOOD[:45], "truncated PNG (the IDAT chunk is cut short)"),
    "no IEND": (GOOD[:-12], "truncated PNG (it ends before the IEND chunk)"),
    "bad IHDR CRC": (GOOD[:29] + bytes([GOOD[29] ^ 1]) + GOOD[30:], "bad CRC in the IHDR chunk"),
    "bad IDAT CRC": (GOOD[:-13] + bytes([GOOD[-13] ^ 1]) + GOOD[-12:], "bad CRC in the IDAT chunk"),
    "first not IHDR": (GOOD[:8] + chunk(b"gAMA", b"\0\0\0\1") + GOOD[8:],
                       "the first chunk is gAMA, not IHDR"),
    "depth 3": (_with_header(_ihdr(depth=3)), "bit depth 3, not allowed for greyscale"),
    "RGB depth 4": (_with_header(_ihdr(depth=4, colour=2)), "bit depth 4, not allowed for RGB"),
    "colour 5": (_with_header(_ihdr(colour=5)), "unknown colour type 5"),
    "width 0": (_with_header(_ihdr(width=0)), "impossible size 0x2"),
    "interlace 2": (_with_header(_ihdr(interlace=2)), "interlace method (2)"),
    "huge": (_with_header(_ihdr(width=100_000, height=100_000)), "too large to read here"),
    "short IHDR": (GOOD[:8] + chunk(b"IHDR", b"\0" * 12) + GOOD[33:], "holds 12 bytes, not 13"),
    "no IDAT": (GOOD[:33] + chunk(b"IEND", b""), "no image data (no IDAT chunk)"),
    "no PLTE": (png([0, 1], 2, 1, colour=3), "a palette image without a PLTE chunk"),
    "index past palette": (png([0, 2], 2, 1, colour=3, palette=[(0, 0, 0), (9, 9, 9)]),
                           "palette entry 2, the PLTE chunk has 2"),
    "critical chunk": (png([0], 1, 1, before_idat=[chunk(b"ZZZZ", b"")]),
                       "unknown critical chunk ZZZZ"),
    "filter 5": (png([0], 1, 1, stream=b"\x05\x00"), "scanline 0 has unknown filter type 5"),
    "short data": (png([0, 0], 2, 1, stream=b"\x00\x00"), "truncated PNG image data (2 of 3 bytes)"),
    "long data": (png([0], 1, 1, stream=b"\x00\x00\x00"), "more PNG image data than"),
    "not zlib": (GOOD[:33] + chunk(b"IDAT", b"not zlib at all") + chunk(b"IEND", b""),
                 "damaged PNG image data (zlib"),
    "bad chunk type": (GOOD[:8] + GOOD[8:33] + struct.pack(">I", 0) + b"1234" + b"\0" * 4,
                       "chunk type b'1234' is not four letters"),
    "pgm truncated": (pnm([1, 2, 3, 4], 2, 2)[:-1], "truncated P5 image (3 of 4 pixel bytes)"),
    "pgm no maxval": (b"P5\n2 2\n", "truncated header"),
    "pgm maxval 0": (b"P5 1 1 0\n\0", "maxval must be 1 to 65535"),
    "pgm maxval 70000": (b"P2 1 1 70000\n1\n", "maxval must be 1 to 65535"),
    "pgm letters": (b"P5 two 2 255\n", "not all whole numbers"),
    "pgm above maxval": (b"P2 2 1 15\n3 16\n", "a pixel value 16 is above the maxval 15"),
    "P2 word": (b"P2 2 1 15\n3 x\n", "a P2 pixel value is not a whole number"),
    "P2 short": (b"P2 2 2 15\n3 4 5\n", "truncated P2 image (3 of 4 values)"),
    "pbm": (b"P4\n1 1\n\0", "looks like a PBM image"),
}


@pytest.mark.parametrize("data, words", BAD.values(), ids=BAD.keys())
def test_bad_files_are_refused_in_one_line_naming_them(tmp_path, data, words):
    path = tmp_path / "digit.png"
    path.write_bytes(data)
    with pytest.raises(DataError) as caught:
        read_image(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and words in message and "\n" not in message


def test_a_missing_file_or_a_folder(tmp_path):
    for path, words in ((tmp_path / "nope.png", "No such file"), (tmp_path, "Is a directory")):
        with pytest.raises(DataError, match=words):
            read_image(path)


def _valid_files():
    return [grey_png([[0, 9, 200], [255, 3, 7]], filters=(4,)),
            png([1, 2, 3, 4] * 6, 3, 2, colour=6, depth=8, filters=(1, 3), interlace=True,
                idat_parts=2),
            png([0, 1, 2, 1], 2, 2, colour=3, depth=2, palette=[(1, 2, 3), (4, 5, 6), (7, 8, 9)]),
            pnm([0, 100, 200, 300], 2, 2, max_value=300), pnm([1, 2, 3], 3, 1, magic="P2")]


@given(st.sampled_from(_valid_files()), st.data())
def test_any_truncation_or_flipped_byte_is_a_data_error_or_an_image(data, draw):
    """Damaged files never raise anything but DataError (a flipped pixel byte may still decode)."""
    if draw.draw(st.booleans()):
        damaged = data[:draw.draw(st.integers(0, len(data) - 1))]
    else:
        i = draw.draw(st.integers(0, len(data) - 1))
        damaged = data[:i] + bytes([data[i] ^ draw.draw(st.integers(1, 255))]) + data[i + 1:]
    try:
        raster = decode(damaged, "damaged")
    except DataError as e:
        assert str(e).startswith("damaged: ") and "\n" not in str(e)
    else:
        assert len(raster.samples) == raster.width * raster.height * raster.channels


def test_a_png_bomb_is_not_unpacked_past_its_size():
    # 1x1 grey needs 2 bytes; this stream inflates to 10 MB, only 3 bytes of which are read
    data = png([0], 1, 1, stream=b"\0" * 10_000_000)
    with pytest.raises(DataError, match="more PNG image data than"):
        decode(data, "bomb.png")
    assert len(zlib.compress(b"\0" * 10_000_000)) < 20_000


def test_a_gzipped_image_is_read_like_the_mnist_files(tmp_path):
    path = tmp_path / "digit.pgm.gz"
    path.write_bytes(gzip.compress(pnm([0, 128, 255, 7], 2, 2), mtime=0))
    assert list(read_image(path).samples) == [0, 128, 255, 7]
