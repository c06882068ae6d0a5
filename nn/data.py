"""Toy 2-D classification sets, stdlib only and seeded: two moons, circles, spirals, xor.

Each function returns ``(X, y)``: ``X`` a list of ``[x0, x1]`` float pairs and ``y`` a list of
int labels (0 and 1, or 0..classes-1 for spirals), in a shuffled order. ``rng`` is a
``random.Random`` or an int seed; the same seed gives the same set. ``noise`` is the standard
deviation of Gaussian noise added to each coordinate.
"""

import math

from .init import as_rng

__all__ = ["make_moons", "make_circles", "make_spirals", "make_xor", "DATASETS"]


def _check_n(n, name):
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"{name}: n must be an int >= 2, got {n!r}")


def _finish(points, labels, noise, rng):
    """Add noise, then shuffle points and labels together."""
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] if noise else [a, b] for a, b in points]
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [labels[i] for i in order]


def make_moons(n=100, noise=0.1, rng=0):
    """Two interleaved half circles (as sklearn's make_moons): class 0 on top, class 1 below."""
    _check_n(n, "make_moons")
    rng = as_rng(rng)
    n0 = n // 2
    n1 = n - n0
    pts = [(math.cos(math.pi * i / max(n0 - 1, 1)), math.sin(math.pi * i / max(n0 - 1, 1))) for i in range(n0)]
    pts += [(1 - math.cos(math.pi * i / max(n1 - 1, 1)), 0.5 - math.sin(math.pi * i / max(n1 - 1, 1)))
            for i in range(n1)]
    return _finish(pts, [0] * n0 + [1] * n1, noise, rng)


def make_circles(n=100, noise=0.05, factor=0.5, rng=0):
    """A circle of radius 1 (class 0) around one of radius ``factor`` (class 1)."""
    _check_n(n, "make_circles")
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor!r}")
    rng = as_rng(rng)
    n0 = n // 2
    n1 = n - n0
    pts = [(math.cos(2 * math.pi * i / n0), math.sin(2 * math.pi * i / n0)) for i in range(n0)]
    pts += [(factor * math.cos(2 * math.pi * i / n1), factor * math.sin(2 * math.pi * i / n1)) for i in range(n1)]
    return _finish(pts, [0] * n0 + [1] * n1, noise, rng)


def make_spirals(n=100, noise=0.1, classes=2, turns=1.0, rng=0):
    """``classes`` interleaved arms spiralling out from the origin, ``turns`` revolutions each."""
    _check_n(n, "make_spirals")
    if not isinstance(classes, int) or classes < 2:
        raise ValueError(f"make_spirals: classes must be an int >= 2, got {classes!r}")
    rng = as_rng(rng)
    pts, labels = [], []
    for c in range(classes):
        count = n // classes + (1 if c < n % classes else 0)
        for i in range(count):
            r = (i + 1) / count
            angle = 2 * math.pi * (turns * r + c / classes)
            pts.append((r * math.cos(angle), r * math.sin(angle)))
            labels.append(c)
    return _finish(pts, labels, noise, rng)


def make_xor(n=100, noise=0.0, rng=0):
    """Points uniform in [-1, 1]^2, labelled 1 where the signs of x0 and x1 differ (XOR)."""
    _check_n(n, "make_xor")
    rng = as_rng(rng)
    pts = [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(n)]
    return _finish(pts, [int((a > 0) != (b > 0)) for a, b in pts], noise, rng)


DATASETS = {"moons": make_moons, "circles": make_circles, "spirals": make_spirals, "xor": make_xor}
