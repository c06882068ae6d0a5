"""puregrad's MNIST: readers, download and cache, dataset tools, training loop, reports, your
own images (``images``, ``prepare``, ``predict``), CLI.

``load("train")`` / ``load("test")`` return ``Digits`` from ``--data-dir``/``data_dir``, the
``MNIST_DATA`` folder, the user cache, or a checked download. Run ``python -m mnist --help``.
Everything that can go wrong with a file or an option raises ``DataError`` with one line.
"""

from .digits import Digits
from .errors import DataError
from .fetch import load

__all__ = ["Digits", "DataError", "load"]
