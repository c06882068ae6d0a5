"""``Digits``: a set of labelled images stored compactly, one bytes-like row per image."""

from dataclasses import dataclass, field

__all__ = ["Digits"]


@dataclass
class Digits:
    """Labelled images: ``pixels[i]`` is image i, row-major, ``rows * cols`` integers.

    Pixels are integers in 0..``max_value`` (255 for raw MNIST; larger after pooling, where a
    pixel holds the sum of a block), so storage stays compact (``bytes`` or ``array``) and
    the float conversion happens per batch. ``labels[i]`` is the digit 0-9 of image i.
    """

    pixels: list
    labels: bytes
    rows: int = 28
    cols: int = 28
    max_value: int = 255
    source: str = field(default="", compare=False)

    def __len__(self):
        return len(self.labels)

    @property
    def size(self):
        """Pixels per image (``rows * cols``): the model's input width."""
        return self.rows * self.cols

    def take(self, indices):
        """A new ``Digits`` holding the images at ``indices``, in that order."""
        pixels, labels = self.pixels, self.labels
        return Digits([pixels[i] for i in indices], bytes(labels[i] for i in indices),
                      self.rows, self.cols, self.max_value, self.source)
