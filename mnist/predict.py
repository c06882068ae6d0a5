"""``python -m mnist predict MODEL IMAGE...``: a model's top-3 guesses for a learner's own digits.

Each image is read (``images``), prepared as MNIST's digits were (``prepare``), scaled to floats
and pooled to the model's image size by the same ``dataset`` functions as the training images,
and drawn beside the guesses, so the learner sees exactly what the model saw.
"""

import sys

from . import dataset, report
from .digits import Digits
from .images import lightness, read_image
from .prepare import FIELD, BlankImage, prepare

__all__ = ["prepare_file", "prepare_files", "predict_files"]


def prepare_file(path):
    """The MNIST-style 28x28 bytes of the image file at ``path`` (``BlankImage`` if no ink)."""
    raster = read_image(path)
    return prepare(lightness(raster), raster.width, raster.height, str(path))


def prepare_files(paths):
    """``(digits, blank)``: the images with ink as 28x28 ``Digits`` (labels unknown, 0), and
    ``{index: message}`` for the blank ones. A file that cannot be read raises DataError."""
    pixels, blank = [], {}
    for i, path in enumerate(paths):
        try:
            pixels.append(prepare_file(path))
        except BlankImage as e:
            blank[i] = str(e)
    return Digits(pixels, bytes(len(pixels)), FIELD, FIELD, 255, "your images"), blank


def predict_files(engine, side, paths, unicode=True):
    """Print each image's prepared digit and the model's top-3; returns the exit status
    (1 if some image was blank, else 0). Every file is read before anything is printed."""
    from .train import predict

    digits, blank = prepare_files(paths)
    digits = dataset.downsample(digits, side)
    probabilities = iter(predict(engine, digits) if len(digits) else [])
    pictures = iter(dataset.floats(digits))
    for i, path in enumerate(paths):
        if i in blank:
            print(f"error: {blank[i]}", file=sys.stderr)
            continue
        print(report.format_prediction(next(pictures), side, side, None, next(probabilities),
                                       title=str(path), unicode=unicode))
    return 1 if blank else 0
