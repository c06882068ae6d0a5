"""Anomaly detection: stop at the first NaN or infinity an op produces, and say where.

Off, it costs nothing: ``detect_anomaly()`` swaps the engine's node constructor for a
checking one on entry and puts the plain one back on exit, so no flag is tested per node.
"""

import contextlib
import math
import os
import sys

from . import tensor as _tensor
from . import value as _value

__all__ = ["detect_anomaly", "AnomalyError"]

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


def _name(node):
    from .trace import node_name, short
    return f"{node_name(node)} (data {short(node.data)})"


class _Detector:
    def __init__(self):
        self.sites = {}  # node -> "file:line" of the user's code that created it

    def checking(self, plain_node):
        """A node constructor that calls ``plain_node`` and then checks its result."""
        def node(data, parents, op, ctx=None):
            return self.check_node(plain_node(data, parents, op, ctx), data, parents, op)
        return node

    def check_node(self, node, data, parents, op):
        site = self.sites[node] = _user_site(3)
        if not _finite(data):
            inputs = ", ".join(_name(p) for p in parents)
            raise AnomalyError(f"{op.name} produced {data!r} in the forward pass from inputs {inputs}, at {site}")
        return node

    def check_steps(self, steps):
        for node, grad, contributions in steps:
            for i, (parent, c) in enumerate(zip(node._parents, contributions)):
                if c is not None and not _finite(c):  # None: a parent that needs no gradient
                    site = self.sites.get(node, "a line run outside detect_anomaly()")
                    label = f" {node.label!r}" if node.label else ""
                    inputs = ", ".join(_name(p) for p in node._parents)
                    raise AnomalyError(
                        f"backward of {node.op}{label} gave {c!r} to input {i} ({_name(parent)}); "
                        f"grad from above {grad!r}; inputs {inputs}; node created at {site}")
            yield node, grad, contributions


@contextlib.contextmanager
def detect_anomaly():
    """Inside this block, the first NaN/inf from any op raises ``AnomalyError`` naming the op,
    the node's label, its inputs and the file and line of the user's code that created it."""
    if _value._step_check is not None:  # already on: nothing to swap
        yield
        return
    detector = _Detector()
    plain = _value._node, _tensor._node
    _value._node, _tensor._node = detector.checking(plain[0]), detector.checking(plain[1])
    _value._step_check = detector.check_steps
    try:
        yield
    finally:
        (_value._node, _tensor._node), _value._step_check = plain, None
