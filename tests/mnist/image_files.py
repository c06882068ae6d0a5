"""Writers for small PNG and PGM/PPM files, good or deliberately broken, for the image tests.

The PNG encoder is written from the specification independently of ``mnist.images`` (its Paeth
predictor is the textbook ``p = a + b - c`` form), so the two can only agree by both being right.
"""

import struct
import zlib

ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2))
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


def chunk(kind, body, crc=None):
    """One PNG chunk: length, type, body, CRC (``crc`` may lie on purpose)."""
    crc = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_line(kind, line, prior, bpp):
    """``line`` filtered with PNG filter ``kind`` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth)."""
    out = bytearray()
    for i, x in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        predicted = [0, a, b, (a + b) // 2, _paeth(a, b, c)][kind]
        out.append((x - predicted) % 256)
    return bytes(out)


def pack_row(values, depth):
    """Sample values as scanline bytes: big-endian for 16 bits, packed high bits first below 8."""
    if depth == 8:
        return bytes(values)
    if depth == 16:
        return struct.pack(f">{len(values)}H", *values)
    per_byte = 8 // depth
    out = bytearray()
    for start in range(0, len(values), per_byte):
        group = list(values[start:start + per_byte]) + [0] * per_byte
        byte = 0
        for v in group[:per_byte]:
            byte = (byte << depth) | v
        out.append(byte)
    return bytes(out)


def _passes(width, height, interlace):
    """``(xs, ys)`` pixel positions of each (non-empty) pass, in the order PNG stores them."""
    if not interlace:
        return [(range(width), range(height))]
    found = [(range(x0, width, dx), range(y0, height, dy)) for x0, y0, dx, dy in ADAM7]
    return [(xs, ys) for xs, ys in found if len(xs) and len(ys)]


def scanlines(samples, width, height, colour, depth, filters=(0,), interlace=False):
    """The uncompressed IDAT stream: each scanline's filter byte then its filtered bytes.

    ``filters`` is cycled over the scanlines (of every pass, in order).
    """
    channels = CHANNELS[colour]
    bpp = max(1, channels * depth // 8)
    stream, k = bytearray(), 0
    for xs, ys in _passes(width, height, interlace):
        prior = None
        for y in ys:
            values = [samples[(y * width + x) * channels + c] for x in xs for c in range(channels)]
            line = pack_row(values, depth)
            prior = prior or bytes(len(line))
            kind = filters[k % len(filters)]
            stream += bytes([kind]) + filter_line(kind, line, prior, bpp)
            prior, k = line, k + 1
    return bytes(stream)


def png(samples, width, height, colour=0, depth=8, filters=(0,), interlace=False, idat_parts=1,
        palette=None, transparency=None, before_idat=(), stream=None):
    """A PNG file; ``samples`` row-major, palette indices for colour type 3.

    ``idat_parts`` splits the compressed data over that many IDAT chunks; ``before_idat`` are
    extra chunks placed after PLTE/tRNS; ``stream`` replaces the uncompressed data.
    """
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, int(interlace))
    if stream is None:
        stream = scanlines(samples, width, height, colour, depth, filters, interlace)
    data = zlib.compress(stream)
    cut = [len(data) * i // idat_parts for i in range(idat_parts + 1)]
    chunks = [chunk(b"IHDR", header)]
    if palette is not None:
        chunks.append(chunk(b"PLTE", bytes(v for rgb in palette for v in rgb)))
    if transparency is not None:
        chunks.append(chunk(b"tRNS", bytes(transparency)))
    chunks += list(before_idat)
    chunks += [chunk(b"IDAT", data[a:b]) for a, b in zip(cut, cut[1:])]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + chunk(b"IEND", b"")


def pnm(samples, width, height, max_value=255, magic="P5", comment=None):
    """A PGM (P5 binary, P2 text) or PPM (P6, P3) file, with an optional header comment."""
    note = f"# {comment}\n" if comment else ""
    head = f"{magic}\n{note}{width} {height}\n{note}{max_value}\n".encode()
    if magic in ("P2", "P3"):
        rows = [" ".join(map(str, samples[i:i + width])) for i in range(0, len(samples), width)]
        return head + "\n".join(rows).encode() + b"\n"
    if max_value < 256:
        return head + bytes(samples)
    return head + struct.pack(f">{len(samples)}H", *samples)


def grey_png(rows, **options):
    """An 8-bit greyscale PNG from a list of rows of 0-255 values."""
    return png([v for row in rows for v in row], len(rows[0]), len(rows), **options)
