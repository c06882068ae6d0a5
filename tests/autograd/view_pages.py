"""What a page made by ``autograd.view`` claims, read back; and what Python says it should claim."""

import json
import re

import autograd
from autograd import Tensor, Value, topological_order
from autograd.array_ops import SoftmaxCrossEntropy
from autograd.viewer import EXACT_ENTRIES

PAYLOAD = re.compile(r'<script type="application/json" id="view-data">(.*?)</script>', re.S)


def neuron():
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = autograd.sum([x1 * w1, x2 * w2, b])
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def small_tensor_graph():
    w = Tensor([[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]], "w", requires_grad=True)
    b = Tensor([[0.1, -0.2]], "b", requires_grad=True)
    x = Tensor([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0]], "x")
    loss = SoftmaxCrossEntropy.apply((x @ w + b).relu(), [1, 0])
    loss.label = "loss"
    return loss


def shared():
    """x used twice by one op and again by another: each box is updated once per step."""
    x = Value(0.5, "x")
    y = (x * x + x).tanh()
    y.label = "y"
    return y


def payload(page):
    """The step data embedded in a page (the same JSON its script reads)."""
    return json.loads(PAYLOAD.search(page).group(1))


def replay(data):
    """The exact grads (repr) the page shows at each position 0..steps, one per node index."""
    grads = [node["exact"] for node in data["nodes"]]
    shown = [list(grads)]
    for step in data["steps"]:
        for i, _, exact in step["after"]:
            grads[i] = exact
        shown.append(list(grads))
    return shown


def _exact(grad):
    if grad is None or isinstance(grad, float):
        return repr(grad)
    return repr(grad) if len(grad) * len(grad[0]) <= EXACT_ENTRIES else ""


def expected(root, grad=None):
    """Python's grads at each position: from zero grads, after each of ``backward_steps()``.

    Position 0 has only the output's seed. Every .grad is put back afterwards.
    """
    order = topological_order(root)
    saved = [n.grad for n in order]
    try:
        root.zero_grad()
        positions = [[_exact(n.grad) for n in order]]
        for step in root.backward_steps() if grad is None else root.backward_steps(grad):
            if len(positions) == 1:
                positions[0][-1] = _exact(step.grad)  # the root is last in topological order
            positions.append([_exact(n.grad) for n in order])
    finally:
        for n, g in zip(order, saved):
            n.grad = g
    return positions
