"""Readers for the IDX files MNIST ships in, gzipped or not.

IDX layout (big-endian): a 4-byte magic number (two zero bytes, a type code 0x08 for
unsigned bytes, the number of dimensions), one 4-byte size per dimension, then the data.
Images are magic 2051 (3 dimensions: count, rows, cols), labels magic 2049 (1 dimension).
"""

import gzip
import struct
import zlib

from .digits import Digits
from .errors import DataError

__all__ = ["IMAGES_MAGIC", "LABELS_MAGIC", "read_bytes", "read_images", "read_labels", "read_pair",
           "check_labels"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_KIND = {IMAGES_MAGIC: "an image file", LABELS_MAGIC: "a label file"}


def read_bytes(path):
    """The file's contents, un-gzipped when it starts with the gzip signature (1f 8b)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DataError(f"{path}: cannot read the file ({e.strerror or e})") from None
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: the gzip data is corrupt or cut short ({e})") from None


def _header(path, data, magic, ndim):
    """The dimension sizes after checking the magic number; raises DataError naming the file."""
    if len(data) < 4:
        raise DataError(f"{path}: only {len(data)} bytes, too short for an IDX header")
    (found,) = struct.unpack(">I", data[:4])
    if found != magic:
        hint = f" ({_KIND[found]})" if found in _KIND else ""
        raise DataError(f"{path}: magic number {found}{hint}, expected {magic} ({_KIND[magic]})")
    end = 4 + 4 * ndim
    if len(data) < end:
        raise DataError(f"{path}: header cut short ({len(data)} bytes, expected {end})")
    return struct.unpack(f">{ndim}I", data[4:end]), end


def _check_length(path, data, start, expected, what):
    found = len(data) - start
    if found != expected:
        problem = "file cut short" if found < expected else "extra bytes at the end"
        raise DataError(f"{path}: {found} bytes of data, the header says {what} = {expected} "
                        f"({problem})")


def read_images(path):
    """``(pixels, rows, cols)``: one ``bytes`` of ``rows * cols`` pixels per image."""
    data = read_bytes(path)
    (count, rows, cols), start = _header(path, data, IMAGES_MAGIC, 3)
    if rows == 0 or cols == 0:
        raise DataError(f"{path}: image size {rows}x{cols} has no pixels")
    size = rows * cols
    _check_length(path, data, start, count * size, f"{count} images x {rows}x{cols}")
    pixels = [data[o:o + size] for o in range(start, start + count * size, size)]
    return pixels, rows, cols


def check_labels(path, labels):
    """Raise DataError naming the file and the first label outside 0-9."""
    if labels and max(labels) > 9:
        bad = next(i for i, y in enumerate(labels) if y > 9)
        raise DataError(f"{path}: label {labels[bad]} at index {bad} is not a digit 0-9")


def read_labels(path):
    """The labels as ``bytes``, each checked to be a digit 0-9."""
    data = read_bytes(path)
    (count,), start = _header(path, data, LABELS_MAGIC, 1)
    _check_length(path, data, start, count, f"{count} labels")
    labels = bytes(data[start:])
    check_labels(path, labels)
    return labels


def read_pair(images_path, labels_path):
    """A ``Digits`` from an image file and its label file, checking that their counts agree."""
    pixels, rows, cols = read_images(images_path)
    labels = read_labels(labels_path)
    if len(pixels) != len(labels):
        raise DataError(f"{images_path}: {len(pixels)} images but {labels_path} has "
                        f"{len(labels)} labels")
    return Digits(pixels, labels, rows, cols, 255, str(images_path))
