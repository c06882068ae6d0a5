"""Reader for the CSV form of MNIST many tutorials ship: ``label,pixel0,...,pixel783``.

One image per line, the label first, then 784 pixel values 0-255 row by row; an optional
header line (any first line whose first field is not a number) is skipped. Gzipped files
are read too.
"""

from .digits import Digits
from .errors import DataError
from .idx import read_bytes

__all__ = ["read_csv"]


def _bad_row(path, number, fields, width):
    """The DataError describing what is wrong with one CSV row."""
    if len(fields) != width + 1:
        return DataError(f"{path}: line {number} has {len(fields)} fields, expected "
                         f"{width + 1} (label + {width} pixels)")
    for column, text in enumerate(fields):
        try:
            value = int(text)
        except ValueError:
            return DataError(f"{path}: line {number}, field {column + 1}: {text.strip()!r} is "
                             f"not an integer")
        top = 9 if column == 0 else 255
        if not 0 <= value <= top:
            what = "label" if column == 0 else "pixel"
            return DataError(f"{path}: line {number}, field {column + 1}: {what} {value} is "
                             f"outside 0-{top}")
    return DataError(f"{path}: line {number} could not be read")


def read_csv(path, rows=28, cols=28):
    """A ``Digits`` from a CSV file of ``label,pixel0,...`` lines (header optional)."""
    try:
        text = read_bytes(path).decode("ascii")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not a text CSV file (byte {e.start} is not ASCII)") from None
    lines = text.splitlines()
    first = 1
    if lines and not lines[0].split(",", 1)[0].strip().isdigit():
        first = 2  # a header line such as "label,pixel0,..." or "label,1x1,..."
        lines = lines[1:]
    width = rows * cols
    labels = bytearray()
    pixels = []
    for number, line in enumerate(lines, first):
        if not line.strip():
            continue
        fields = line.split(",")
        try:
            row = bytes(map(int, fields))
        except ValueError:
            raise _bad_row(path, number, fields, width) from None
        if len(row) != width + 1 or row[0] > 9:
            raise _bad_row(path, number, fields, width)
        labels.append(row[0])
        pixels.append(row[1:])
    if not pixels:
        raise DataError(f"{path}: no images in the file")
    return Digits(pixels, bytes(labels), rows, cols, 255, str(path))
