"""Reading a learner's own images with the standard library: PNG (zlib, struct) and PGM/PPM.

``read_image(path)`` gives a ``Raster``: the samples exactly as stored (palette entries looked
up, a tRNS colour key turned into an alpha channel), which ``lightness`` turns into one float
per pixel, 0 black to 1 white, with transparency composited over white paper. Anything else
is refused with a ``DataError`` naming the file and what is wrong.
"""

import struct
import sys
import zlib
from array import array
from dataclasses import dataclass
from itertools import repeat
from operator import add, mul, sub

from .errors import DataError
from .idx import read_bytes

__all__ = ["Raster", "read_image", "decode", "decode_png", "decode_pnm", "lightness", "MAX_PIXELS"]

MAX_PIXELS = 25_000_000  # 5000x5000; larger is refused before anything is unpacked
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# colour type -> (name, channels, allowed bit depths), as the PNG specification lists them
COLOUR_TYPES = {0: ("greyscale", 1, (1, 2, 4, 8, 16)), 2: ("RGB", 3, (8, 16)),
                3: ("palette", 1, (1, 2, 4, 8)), 4: ("grey+alpha", 2, (8, 16)),
                6: ("RGBA", 4, (8, 16))}
# Adam7 passes: (first column, first row, column step, row step)
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2))
# what a file that is not a PNG or PGM probably is, from its first bytes
OTHER_FORMATS = {b"\xff\xd8\xff": "a JPEG", b"GIF8": "a GIF", b"BM": "a BMP", b"II*\0": "a TIFF",
                 b"MM\0*": "a TIFF", b"RIFF": "a WebP (or other RIFF) file", b"P1": "a PBM",
                 b"P4": "a PBM", b"%PDF": "a PDF", b"<svg": "an SVG", b"<?xml": "an XML/SVG file"}


@dataclass
class Raster:
    """An image as stored: ``samples`` row-major, ``channels`` per pixel, each 0..``max_value``.

    Channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (alpha last).
    """

    width: int
    height: int
    channels: int
    max_value: int
    samples: object


def read_image(path):
    """The ``Raster`` in the PNG or PGM/PPM file at ``path`` (gzipped or not); DataError naming
    it otherwise."""
    return decode(read_bytes(path), str(path))


def decode(data, name):
    """A ``Raster`` from the bytes of a PNG or PGM/PPM file (``name`` is used in errors)."""
    if not data:
        raise DataError(f"{name}: empty file, not an image")
    if data.startswith(PNG_SIGNATURE):
        return decode_png(data, name)
    if data[:2] in (b"P2", b"P3", b"P5", b"P6"):
        return decode_pnm(data, name)
    guess = next((what for magic, what in OTHER_FORMATS.items() if data.startswith(magic)), None)
    if guess:
        raise DataError(f"{name}: looks like {guess} image; save it as PNG or PGM")
    raise DataError(f"{name}: not a PNG or PGM image (it starts with {data[:8]!r})")


# ---- PNG ----------------------------------------------------------------------------------

def _chunks(data, name):
    """``(type, body)`` for each chunk up to IEND, every CRC checked."""
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise DataError(f"{name}: truncated PNG (it ends before the IEND chunk)")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        label = kind.decode("latin-1")
        if not kind.isalpha() or not kind.isascii():
            raise DataError(f"{name}: damaged PNG (a chunk type {kind!r} is not four letters)")
        end = pos + 12 + length
        if end > len(data):
            raise DataError(f"{name}: truncated PNG (the {label} chunk is cut short)")
        body = data[pos + 8:end - 4]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[end - 4:end])[0]:
            raise DataError(f"{name}: bad CRC in the {label} chunk (the file is damaged)")
        yield kind, body
        if kind == b"IEND":
            return
        pos = end


def _check_size(width, height, name):
    if width * height > MAX_PIXELS:
        raise DataError(f"{name}: {width}x{height} is too large to read here (over "
                        f"{MAX_PIXELS:,} pixels); crop or shrink it first")


def _header(body, name):
    """``(width, height, depth, colour type, interlaced)`` from a checked IHDR body."""
    if len(body) != 13:
        raise DataError(f"{name}: the IHDR chunk holds {len(body)} bytes, not 13")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", body)
    if not (1 <= width < 1 << 31 and 1 <= height < 1 << 31):
        raise DataError(f"{name}: IHDR gives an impossible size {width}x{height}")
    if colour not in COLOUR_TYPES:
        raise DataError(f"{name}: IHDR gives an unknown colour type {colour}")
    kind, _, depths = COLOUR_TYPES[colour]
    if depth not in depths:
        raise DataError(f"{name}: IHDR gives bit depth {depth}, not allowed for {kind} "
                        f"(allowed: {', '.join(map(str, depths))})")
    if compression or filtering or interlace > 1:
        raise DataError(f"{name}: IHDR gives an unknown compression ({compression}), filter "
                        f"method ({filtering}) or interlace method ({interlace})")
    _check_size(width, height, name)
    return width, height, depth, colour, interlace == 1


def decode_png(data, name):
    """A ``Raster`` from PNG bytes: every colour type and bit depth, Adam7 or not, CRCs checked."""
    header = palette = transparency = None
    idat = []
    for kind, body in _chunks(data, name):
        if header is None and kind != b"IHDR":
            raise DataError(f"{name}: the first chunk is {kind.decode()}, not IHDR")
        if kind == b"IHDR":
            if header is not None:
                raise DataError(f"{name}: more than one IHDR chunk")
            header = _header(body, name)
        elif kind == b"PLTE":
            if not body or len(body) % 3 or len(body) > 768:
                raise DataError(f"{name}: the PLTE chunk holds {len(body)} bytes, not 3 per "
                                "colour for 1 to 256 colours")
            palette = body
        elif kind == b"tRNS":
            transparency = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind != b"IEND" and kind[0] < 97:  # an upper-case first letter marks a critical chunk
            raise DataError(f"{name}: unknown critical chunk {kind.decode()}; cannot read it")
    width, height, depth, colour, interlaced = header
    channels = COLOUR_TYPES[colour][1]
    if not idat:
        raise DataError(f"{name}: no image data (no IDAT chunk)")
    if colour == 3 and palette is None:
        raise DataError(f"{name}: a palette image without a PLTE chunk")
    samples = _pixels(b"".join(idat), width, height, channels, depth, interlaced, name)
    max_value = (1 << depth) - 1
    if colour == 3:
        return _from_palette(samples, palette, transparency, width, height, name)
    if transparency is not None and colour in (0, 2):
        return _colour_key(samples, transparency, width, height, channels, max_value, name)
    return Raster(width, height, channels, max_value, samples)


def _pixels(data, width, height, channels, depth, interlaced, name):
    """All samples, row-major, from the compressed IDAT data: inflated, unfiltered, unpacked,
    and for Adam7 each of the seven passes' pixels put in its place."""
    passes = ([(0, 0, 1, 1, width, height)] if not interlaced else
              [(x0, y0, dx, dy, -(-(width - x0) // dx), -(-(height - y0) // dy))
               for x0, y0, dx, dy in ADAM7 if width > x0 and height > y0])
    row_bytes = [-(-w * channels * depth // 8) for *_, w, h in passes]
    raw = _inflate(data, sum(h * (1 + n) for (*_, h), n in zip(passes, row_bytes)), name)
    bpp = max(1, channels * depth // 8)  # bytes per complete pixel, as the filters count them
    if not interlaced:
        return _samples(_unfilter(raw, 0, height, row_bytes[0], bpp, name), width, channels, depth)
    samples, pos = [0] * (width * height * channels), 0
    for (x0, y0, dx, dy, w, h), n in zip(passes, row_bytes):
        part = _samples(_unfilter(raw, pos, h, n, bpp, name), w, channels, depth)
        pos += h * (1 + n)
        step = dx * channels
        for r in range(h):
            start = ((y0 + r * dy) * width + x0) * channels
            for c in range(channels):
                samples[start + c:start + c + (w - 1) * step + 1:step] = \
                    part[r * w * channels + c:(r + 1) * w * channels:channels]
    return samples


def _inflate(blob, expected, name):
    """The decompressed image data, exactly ``expected`` bytes; no more is ever unpacked."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(blob, expected + 1)
    except zlib.error as e:
        raise DataError(f"{name}: damaged PNG image data (zlib: {e})") from None
    if len(raw) < expected:
        raise DataError(f"{name}: truncated PNG image data ({len(raw)} of {expected} bytes)")
    if len(raw) > expected:
        raise DataError(f"{name}: more PNG image data than its IHDR size allows")
    return raw


def _unfilter(raw, pos, rows, n, bpp, name):
    """The ``rows`` scanlines of ``n`` bytes starting at ``raw[pos]``, each filter undone."""
    lines = []
    prior = bytes(n)
    low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")

    def add(x, y):  # bytewise (x + y) % 256 of two lines held as integers: no carry between bytes
        return ((x & low) + (y & low)) ^ ((x ^ y) & high)

    for r in range(rows):
        kind, line = raw[pos], raw[pos + 1:pos + 1 + n]
        pos += 1 + n
        if kind == 0:
            out = line
        elif kind == 1:  # Sub: each byte plus the one bpp to its left: a running sum, in log n adds
            x, shift = int.from_bytes(line, "big"), 8 * bpp
            while shift < 8 * n:
                x = add(x, x >> shift)
                shift *= 2
            out = x.to_bytes(n, "big")
        elif kind == 2:  # Up: each byte plus the one above
            out = add(int.from_bytes(line, "big"), int.from_bytes(prior, "big")).to_bytes(n, "big")
        elif kind == 3:  # Average: plus the floor of the mean of left and above
            out = bytearray(line)
            for i in range(n):
                left = out[i - bpp] if i >= bpp else 0
                out[i] = (out[i] + ((left + prior[i]) >> 1)) & 255
        elif kind == 4:  # Paeth: plus whichever of left, up, corner is nearest left + up - corner
            out = bytearray(line)
            for i in range(n):
                left, corner = (out[i - bpp], prior[i - bpp]) if i >= bpp else (0, 0)
                up = prior[i]
                via_left, via_up = abs(up - corner), abs(left - corner)
                via_corner = abs(left + up - 2 * corner)
                if via_left <= via_up and via_left <= via_corner:
                    out[i] = (out[i] + left) & 255
                else:
                    out[i] = (out[i] + (up if via_up <= via_corner else corner)) & 255
        else:
            raise DataError(f"{name}: damaged PNG (scanline {r} has unknown filter type {kind})")
        lines.append(out)
        prior = out
    return lines


def _samples(lines, width, channels, depth):
    """Sample values (a flat sequence, ``width * channels`` per line) from unfiltered scanlines."""
    if depth == 8:
        return b"".join(lines)
    if depth == 16:
        wide = array("H", b"".join(lines))
        if sys.byteorder == "little":  # PNG stores 16-bit samples big-endian
            wide.byteswap()
        return wide
    per_byte = 8 // depth  # 1, 2 or 4 bits: several pixels in a byte, leftmost in the high bits
    table = [[(byte >> (8 - depth * (k + 1))) & ((1 << depth) - 1) for k in range(per_byte)]
             for byte in range(256)]
    out = []
    for line in lines:
        out.extend([v for byte in line for v in table[byte]][:width])
    return out


def _from_palette(indices, palette, transparency, width, height, name):
    """RGB (or RGBA, with a tRNS chunk) samples looked up from palette ``indices``."""
    count = len(palette) // 3
    if max(indices) >= count:
        raise DataError(f"{name}: a pixel uses palette entry {max(indices)}, the PLTE chunk has "
                        f"{count}")
    if transparency is None:
        colours = [palette[3 * i:3 * i + 3] for i in range(count)]
        channels = 3
    else:
        alphas = transparency[:count] + bytes([255]) * (count - len(transparency))
        colours = [palette[3 * i:3 * i + 3] + alphas[i:i + 1] for i in range(count)]
        channels = 4
    return Raster(width, height, channels, 255, b"".join(map(colours.__getitem__, indices)))


def _colour_key(samples, key_bytes, width, height, channels, max_value, name):
    """Grey or RGB samples with an alpha channel: 0 where a pixel equals the tRNS key colour."""
    if len(key_bytes) != 2 * channels:
        raise DataError(f"{name}: the tRNS chunk holds {len(key_bytes)} bytes, not {2 * channels}")
    key = tuple(struct.unpack(f">{channels}H", key_bytes))
    out = []
    for i in range(0, len(samples), channels):
        pixel = tuple(samples[i:i + channels])
        out.extend(pixel)
        out.append(0 if pixel == key else max_value)
    return Raster(width, height, channels + 1, max_value, out)


# ---- PGM / PPM ----------------------------------------------------------------------------

def _pnm_fields(data, count, name):
    """The first ``count`` whitespace-separated header fields (comments skipped), and where the
    byte after the last field's single whitespace is."""
    fields, pos = [], 2
    while len(fields) < count:
        while pos < len(data) and (data[pos:pos + 1].isspace() or data[pos] == 35):  # 35 '#'
            if data[pos] == 35:
                end = data.find(b"\n", pos)
                pos = len(data) if end < 0 else end
            pos += 1
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace() and data[pos] != 35:
            pos += 1
        if start == pos:
            raise DataError(f"{name}: truncated header (it ends before width, height and maxval)")
        fields.append(data[start:pos])
    return fields, pos + 1


def decode_pnm(data, name):
    """A ``Raster`` from PGM (P5 binary, P2 text) or PPM (P6, P3) bytes; maxval up to 65535."""
    magic = data[:2].decode()
    channels = 3 if magic in ("P3", "P6") else 1
    fields, pos = _pnm_fields(data, 3, name)
    try:
        width, height, max_value = map(int, fields)
    except ValueError:
        raise DataError(f"{name}: the {magic} header's width, height and maxval are not all whole "
                        f"numbers ({b' '.join(fields).decode('latin-1')!r})") from None
    if width < 1 or height < 1 or not 1 <= max_value <= 65535:
        raise DataError(f"{name}: impossible {magic} header: {width}x{height}, maxval {max_value} "
                        "(maxval must be 1 to 65535)")
    _check_size(width, height, name)
    count = width * height * channels
    if magic in ("P5", "P6"):
        size = 1 if max_value < 256 else 2
        body = data[pos:pos + count * size]
        if len(body) < count * size:
            raise DataError(f"{name}: truncated {magic} image ({len(body)} of {count * size} "
                            "pixel bytes)")
        samples = body if size == 1 else array("H", struct.unpack(f">{count}H", body))
    else:
        text = b"\n".join(line.split(b"#")[0] for line in data[pos:].split(b"\n"))
        words = text.split()
        if len(words) < count:
            raise DataError(f"{name}: truncated {magic} image ({len(words)} of {count} values)")
        try:
            samples = [int(w) for w in words[:count]]
        except ValueError:
            raise DataError(f"{name}: a {magic} pixel value is not a whole number") from None
    if max(samples) > max_value:
        raise DataError(f"{name}: a pixel value {max(samples)} is above the maxval {max_value}")
    return Raster(width, height, channels, max_value, samples)


# ---- to one lightness per pixel -----------------------------------------------------------

def lightness(raster):
    """One float per pixel (an ``array('d')``): 0 black .. 1 white; RGB as luma
    0.299 R + 0.587 G + 0.114 B (ITU-R BT.601); alpha composited over white, ``1 - a (1 - v)``."""
    top, s, n = raster.max_value, raster.samples, raster.channels

    def weighted(c, weight):  # channel c's samples times weight / max_value, by table look-up
        table = [weight * v / top for v in range(top + 1)]
        return map(table.__getitem__, s[c::n])

    if n in (1, 2):
        grey = weighted(0, 1.0)
    else:
        grey = map(add, map(add, weighted(0, 0.299), weighted(1, 0.587)), weighted(2, 0.114))
    if n in (2, 4):
        grey = map(sub, repeat(1.0), map(mul, weighted(n - 1, 1.0), map(sub, repeat(1.0), grey)))
    return array("d", grey)
