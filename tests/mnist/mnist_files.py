"""Writers for small MNIST-format files, good or deliberately broken, and a command-line runner,
used by the mnist tests."""

import gzip
import os
import random
import struct

# read at import, before the autouse fixture hides it: for the tests that use real data on purpose
REAL_MNIST = os.environ.get("MNIST_DATA")


def idx_images(images, rows, cols, magic=2051, count=None):
    """IDX image bytes for a list of ``rows * cols``-byte images (``count`` may lie on purpose)."""
    count = len(images) if count is None else count
    return struct.pack(">IIII", magic, count, rows, cols) + b"".join(bytes(i) for i in images)


def idx_labels(labels, magic=2049, count=None):
    count = len(labels) if count is None else count
    return struct.pack(">II", magic, count) + bytes(labels)


def write(path, data, gz=False):
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def random_digits(n, rows=28, cols=28, seed=0):
    """``(images, labels)``: sparse random images (about 80% zero pixels) and labels cycling 0-9."""
    rng = random.Random(seed)
    images = [bytes(rng.randrange(1, 256) if rng.random() < 0.2 else 0 for _ in range(rows * cols))
              for _ in range(n)]
    return images, [i % 10 for i in range(n)]


def write_split(folder, split, images, labels, rows=28, cols=28, gz=True):
    """The split's two canonical IDX files in ``folder`` (``split`` is "train" or "t10k")."""
    suffix = ".gz" if gz else ""
    write(folder / f"{split}-images-idx3-ubyte{suffix}", idx_images(images, rows, cols), gz)
    write(folder / f"{split}-labels-idx1-ubyte{suffix}", idx_labels(labels), gz)


def write_dataset(folder, n_train=60, n_test=20, seed=0):
    """A complete tiny MNIST folder (gzipped IDX): ``n_train`` and ``n_test`` random images."""
    folder.mkdir(parents=True, exist_ok=True)
    write_split(folder, "train", *random_digits(n_train, seed=seed))
    write_split(folder, "t10k", *random_digits(n_test, seed=seed + 1))
    return folder


def csv_text(images, labels, header=True):
    lines = ["label," + ",".join(f"pixel{i}" for i in range(len(images[0])))] if header else []
    lines += [",".join(map(str, [y, *img])) for img, y in zip(images, labels)]
    return "\n".join(lines) + "\n"


def run(capsys, *argv):
    """``python -m mnist *argv`` in this process: ``(exit status, stdout, stderr)``."""
    from mnist.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
