"""Dataset tools: subsets, class-balanced samples, downsampling, scaling to floats, batches.

Images stay integer (compact) until a batch is needed; ``floats`` turns them into rows of
floats in [0, 1] through a lookup table, so a pixel that is exactly 0 becomes exactly 0.0
(the fast path's first layer skips those).
"""

import random
from array import array

from .digits import Digits
from .errors import DataError

__all__ = ["first", "balanced_indices", "balanced", "downsample", "floats", "batches"]


def _rng(seed):
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _check_count(digits, n, what):
    if not 1 <= n <= len(digits):
        raise DataError(f"{what}: asked for {n} images, the set has {len(digits)} "
                        f"(choose 1 to {len(digits)})")


def first(digits, n):
    """The first ``n`` images, in file order."""
    _check_count(digits, n, digits.source or "first")
    return digits.take(range(n))


def balanced_indices(labels, n, seed=0):
    """``n`` indices in increasing order, drawn at random (seeded) and class-balanced.

    Classes are visited round-robin in a seeded order, each giving a random unused image,
    so class counts differ by at most one unless a class runs out of images.
    """
    if not 0 <= n <= len(labels):
        raise DataError(f"balanced sample: asked for {n} images, the set has {len(labels)}")
    rng = _rng(seed)
    pools = {}
    for i, y in enumerate(labels):
        pools.setdefault(y, []).append(i)
    order = sorted(pools)
    rng.shuffle(order)
    for y in order:
        rng.shuffle(pools[y])
    chosen = []
    while len(chosen) < n:
        for y in order:
            if pools[y] and len(chosen) < n:
                chosen.append(pools[y].pop())
        order = [y for y in order if pools[y]]
    return sorted(chosen)


def balanced(digits, n, seed=0):
    """A seeded class-balanced random subset of ``n`` images (kept in file order)."""
    _check_count(digits, n, digits.source or "balanced")
    return digits.take(balanced_indices(digits.labels, n, seed))


def _pool(image, k, out_rows, out_cols):
    """Sums of each k x k block of a row-major image, as a list (row-major, out_rows x out_cols)."""
    across = list(map(sum, zip(*[image[j::k] for j in range(k)])))  # k neighbours in each row
    out = []
    for r in range(out_rows):
        start = r * k * out_cols
        rows = [across[start + i * out_cols:start + (i + 1) * out_cols] for i in range(k)]
        out.extend(map(sum, zip(*rows)))
    return out


def downsample(digits, size):
    """Average-pool square images to ``size`` x ``size`` (28 -> 14 or 7): each pixel a k x k block.

    A new pixel stores the block's sum and ``max_value`` grows by k*k, so ``floats`` gives
    mean(block) / 255 exactly and the mean brightness of every image is preserved.
    """
    if digits.rows == size and digits.cols == size:
        return digits
    k = digits.rows // size
    if k < 1 or digits.rows % size or digits.cols % size or digits.cols // size != k:
        raise DataError(f"downsample: cannot pool {digits.rows}x{digits.cols} images to "
                        f"{size}x{size} (the size must divide both sides evenly)")
    typecode = "H" if digits.max_value * k * k < 1 << 16 else "L"
    pixels = [array(typecode, _pool(p, k, size, size)) for p in digits.pixels]
    return Digits(pixels, digits.labels, size, size, digits.max_value * k * k, digits.source)


def floats(digits, indices=None):
    """Rows of floats in [0, 1] (pixel / max_value) for the images at ``indices`` (default all)."""
    table = [v / digits.max_value for v in range(digits.max_value + 1)]
    table[0] = 0.0
    look = table.__getitem__
    pixels = digits.pixels
    chosen = pixels if indices is None else [pixels[i] for i in indices]
    return [list(map(look, p)) for p in chosen]


def batches(n, batch_size, seed=0):
    """Index lists covering 0..n-1 exactly once, shuffled (seeded), each ``batch_size`` long.

    The last batch holds the remainder when ``batch_size`` does not divide ``n``.
    """
    if batch_size < 1:
        raise DataError(f"batches: batch size {batch_size} must be at least 1")
    order = list(range(n))
    _rng(seed).shuffle(order)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
