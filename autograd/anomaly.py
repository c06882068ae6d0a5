"""Anomaly detection: stop at the first NaN or infinity an op produces, and say where.

``detect_anomaly()`` is a watcher (``autograd.mode.watch``): it sees every node made in its
thread and every step of every backward pass. Off, it costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import contextlib
import math
import os
import sys

from . import mode

__all__ = ["detect_anomaly", "AnomalyError", "AnomalyDetector"]

# frames from these folders are the library's own; the user's line is the first frame outside them
_LIBRARY_DIRS = tuple(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), name) + os.sep
    for name in ("autograd", "nn", "mnist"))


class AnomalyError(ArithmeticError):
    """A forward or backward rule produced NaN or infinity inside ``detect_anomaly()``."""


def _finite(x):
    if isinstance(x, float | int):
        return math.isfinite(x)
    return all(math.isfinite(v) for row in x for v in row)


def _user_site(depth):
    frame = sys._getframe(depth)
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame = frame.f_back
    if frame is None:
        return "<library code>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _name(node, numbers):
    from .trace import node_name, short  # late: trace imports the graph machinery
    return f"{node_name(node, numbers)} (data {short(node.data)})"


class AnomalyDetector:
    """The watcher behind ``detect_anomaly()``: checks each new node's data and each backward step.

    Nodes are named as every view names them (``trace.node_name``), numbered within the graph
    of the node that went wrong (forward) or of the pass's root (backward).
    """

    def __init__(self):
        self.sites = {}  # node -> "file:line" of the user's code that created it

    def forward(self, node):
        from .trace import numbering
        site = self.sites[node] = _user_site(2)
        if not _finite(node.data):
            numbers = numbering(node)
            inputs = ", ".join(_name(p, numbers) for p in node.parents)
            raise AnomalyError(f"{node.op or 'an op'} produced {node.data!r} in the forward pass from "
                               f"inputs {inputs}, at {site}")

    def backward(self, steps):
        from .trace import node_name, numbering
        numbers = None
        for node, grad, contributions in steps:
            if numbers is None:
                numbers = numbering(node)  # the first step's node is the root of the pass
            for i, (parent, c) in enumerate(zip(node._parents, contributions)):
                if c is not None and not _finite(c):  # None: a parent that needs no gradient
                    site = self.sites.get(node, "a line run outside detect_anomaly()")
                    inputs = ", ".join(_name(p, numbers) for p in node._parents)
                    raise AnomalyError(
                        f"backward of {node.op} ({node_name(node, numbers)}) gave {c!r} to input {i} "
                        f"({_name(parent, numbers)}); grad from above {grad!r}; inputs {inputs}; "
                        f"node created at {site}")
            yield node, grad, contributions


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block, the first NaN/inf from any op raises ``AnomalyError`` naming the op,
    the node's label, its inputs and the file and line of the user's code that created it."""
    if any(isinstance(w, AnomalyDetector) for w in mode.watchers()):  # already on in this thread
        yield
        return
    with mode.watch(AnomalyDetector()):
        yield
