"""puregrad's scalar engine against micrograd and a minimal engine on micrograd's own demo workload.

Workload: MLP 2 -> 16 -> 16 -> 1 with ReLU built from scalar Values, 100 two-moons points, SVM
hinge loss mean((1 - y * score).relu()) + 1e-4 * sum(p * p), one full-batch forward + backward
+ SGD step; every peer starts from the same weights, and their losses must agree every step.

Peers: micrograd; puregrad built exactly as micrograd builds it (one node per op: each neuron
a chain of binary adds); a minimal engine written below (the floor of a Python object per op:
``__slots__``, tuple parents, static rules, an iterative order, a plain loop; no checks,
labels, names, grad mode or hooks); and puregrad with each neuron's sum fused into one node,
as ``nn.Neuron`` builds it. Steps alternate between the peers and each timing ends with
gc.collect(), so each peer pays for freeing its own graph (micrograd's closures make
reference cycles) and none of the other's. Each peer runs with the collector on and paused.
Then a 1,000,000-node chain: build time, backward time, bytes per node (tracemalloc).

Run: python benchmarks/bench_micrograd.py [--runs 7] [--chain 1000000]
"""

import math
import random
import sys

import autograd
from autograd import Value
from autograd.commands import ArgumentParser, run

from _common import alternate, at_least, freeing, machine, markdown_table, median, seconds, timed, traced_bytes

SIZES = (2, 16, 16, 1)


def two_moons(n=100, noise=0.1, seed=0):
    """n points on two interleaved half circles with Gaussian noise; labels -1 (upper) and +1."""
    rng = random.Random(seed)
    points, labels = [], []
    for i in range(n):
        upper = i < n // 2
        t = math.pi * rng.random()
        x, y = (math.cos(t), math.sin(t)) if upper else (1 - math.cos(t), 0.5 - math.sin(t))
        points.append((x + rng.gauss(0, noise), y + rng.gauss(0, noise)))
        labels.append(-1.0 if upper else 1.0)
    return points, labels


def initial_weights(seed=1):
    """[(W [out][in], b [out])] per layer: W uniform in [-1, 1], b = 0, as micrograd initialises."""
    rng = random.Random(seed)
    return [([[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)], [0.0] * n_out)
            for n_in, n_out in zip(SIZES, SIZES[1:])]


class MiniValue:
    """The minimal engine: what a scalar node must cost, with nothing a learner would need."""

    __slots__ = ("data", "grad", "_parents", "_rule")

    def __init__(self, data, parents=(), rule=None):
        self.data, self.grad, self._parents, self._rule = data, 0.0, parents, rule

    def __add__(self, other):
        other = other if isinstance(other, MiniValue) else MiniValue(other)
        return MiniValue(self.data + other.data, (self, other), _mini_add)

    def __mul__(self, other):
        other = other if isinstance(other, MiniValue) else MiniValue(other)
        return MiniValue(self.data * other.data, (self, other), _mini_mul)

    __radd__, __rmul__ = __add__, __mul__

    def relu(self):
        return MiniValue(self.data if self.data > 0 else 0.0, (self,), _mini_relu)

    def backward(self):
        order, seen, stack = [], {self}, [(self, iter(self._parents))]
        while stack:
            node, parents = stack[-1]
            for p in parents:
                if p not in seen:
                    seen.add(p)
                    stack.append((p, iter(p._parents)))
                    break
            else:
                stack.pop()
                order.append(node)
        self.grad = 1.0
        for node in reversed(order):
            if node._parents:
                for parent, g in zip(node._parents, node._rule(node, node.grad)):
                    parent.grad += g


def _mini_add(out, g):
    return g, g


def _mini_mul(out, g):
    a, b = out._parents
    return g * b.data, g * a.data


def _mini_relu(out, g):
    return (g if out.data > 0 else 0.0,)


class ScalarMLP:
    """The MLP on one scalar engine (``value`` is its node class), built micrograd's way: each
    neuron ``sum(w_i * x_i, start=b)`` (a chain of binary adds), or, ``fused``, one n-ary sum."""

    def __init__(self, weights, value=Value, fused=False):
        self.value, self.fused = value, fused
        self.layers = [([[value(w) for w in row] for row in W], [value(v) for v in b]) for W, b in weights]
        self.params = [p for W, b in self.layers for p in [w for row in W for w in row] + b]

    def neuron(self, row, bias, x):
        if self.fused:
            return autograd.sum([wi * xi for wi, xi in zip(row, x)] + [bias])
        return sum((wi * xi for wi, xi in zip(row, x)), bias)

    def __call__(self, x):
        last = len(self.layers) - 1
        for k, (W, b) in enumerate(self.layers):
            x = [self.neuron(row, bias, x) for row, bias in zip(W, b)]
            if k < last:
                x = [a.relu() for a in x]
        return x[0]

    def step(self, points, labels, lr):
        inputs = [[self.value(a), self.value(b)] for a, b in points]
        losses = [(1 + -y * self(x)).relu() for x, y in zip(inputs, labels)]
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in self.params)
        for p in self.params:
            p.grad = 0.0
        total.backward()
        for p in self.params:
            p.data -= lr * p.grad
        return total.data


def micrograd_model(weights):
    """micrograd's own MLP with our initial weights copied in."""
    from micrograd.nn import MLP

    model = MLP(SIZES[0], list(SIZES[1:]))
    for layer, (W, b) in zip(model.layers, weights):
        for neuron, row, bias in zip(layer.neurons, W, b):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = bias
    return model


def micrograd_step(model, points, labels, lr):
    """micrograd's demo loss and SGD step, as in its README notebook."""
    from micrograd.engine import Value as MicroValue

    inputs = [[MicroValue(a), MicroValue(b)] for a, b in points]
    losses = [(1 + -y * model(x)).relu() for x, y in zip(inputs, labels)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    total.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def paused(fn):
    """fn with the cyclic collector paused (autograd.gc_paused), as puregrad recommends for a step."""
    def run():
        with autograd.gc_paused():
            return fn()
    return run


MODES = {"on": "collector on", "paused": "collector paused"}


PEERS = {  # name -> (node class, fused neurons)
    "puregrad, one node per op": (Value, False),
    "minimal engine, one node per op": (MiniValue, False),
    "puregrad, fused neurons": (Value, True),
}


def mlp_table(runs, lr=0.1):
    points, labels = two_moons()
    weights = initial_weights()
    steps = {}
    for name, (value, fused) in PEERS.items():
        model = ScalarMLP(weights, value, fused)
        steps[name] = (lambda m: lambda: m.step(points, labels, lr))(model)
    try:
        model = micrograd_model(weights)
        steps["micrograd"] = lambda: micrograd_step(model, points, labels, lr)
    except ImportError:
        print("micrograd: not installed (pip install micrograd), so it is not measured")
    # every timing ends with gc.collect(), so each peer pays for freeing its own graph
    peers = {(name, mode): freeing(paused(step) if mode == "paused" else step)
             for name, step in steps.items() for mode in MODES}
    results = alternate(peers, runs)
    times = {key: [t for t, _ in rows] for key, rows in results.items()}
    rows = [[f"{name}, {MODES[mode]}", seconds(median(ts)), seconds(min(ts)), runs]
            for (name, mode), ts in times.items()]
    print(markdown_table(["MLP 2-16-16-1, 100 points, one step + freeing its graph",
                          "median", "best", "runs"], rows))

    def ratio(slow, fast, mode_slow, mode_fast):
        return median([a / b for a, b in zip(times[slow, mode_slow], times[fast, mode_fast])])

    ours, floor = "puregrad, one node per op", "minimal engine, one node per op"
    print(f"\npuregrad / minimal engine, one node per op: {ratio(ours, floor, 'paused', 'paused'):.2f}x "
          f"with the collector paused, {ratio(ours, floor, 'on', 'on'):.2f}x with it on (target <= 1.2x; "
          f"medians of {runs} per-run ratios)")
    fused = ratio(ours, 'puregrad, fused neurons', 'paused', 'paused')
    how = f"{fused:.2f}x faster" if fused >= 1 else f"{1 / fused:.2f}x slower"
    print(f"fused neurons: {how} than one node per op (collector paused)")
    losses = [[loss for _, loss in results[name, "on"]] for name in steps]
    worst = max(abs(a - b) / max(abs(b), 1e-12) for other in losses[1:] for a, b in zip(other, losses[0]))
    print(f"same loss in every peer: {'yes' if worst < 1e-9 else 'NO'} (first {losses[0][0]:.12f}; "
          f"worst relative difference {worst:.1e})")
    if "micrograd" not in steps:
        return
    print(f"micrograd / puregrad, one node per op: {ratio('micrograd', ours, 'paused', 'paused'):.2f}x "
          f"with the collector paused in both, {ratio('micrograd', ours, 'on', 'on'):.2f}x with it on in "
          f"both, {ratio('micrograd', ours, 'on', 'paused'):.2f}x as each is meant to run (micrograd "
          "as its demo, puregrad inside gc_paused())")


def chain(n):
    """x -> x + c -> ... : n add nodes (one shared constant leaf c), returns (root, x, c)."""
    x, c = Value(0.5, "x"), Value(1.0, "c")
    y = x
    for _ in range(n):
        y = y + c
    return y, x, c


def chain_table(n):
    build_on, built = timed(chain, n)
    del built
    build_paused, (root, x, c) = timed(paused(lambda: chain(n)))
    backward_time, _ = timed(root.backward)
    assert (x.grad, c.grad) == (1.0, float(n)), "chain gradients are wrong"
    del root
    (root, _, _), graph_bytes, _ = traced_bytes(chain, n)
    _, grad_bytes, peak_bytes = traced_bytes(root.backward)
    del root
    rows = [[f"{n:,}", seconds(build_on), seconds(build_paused), seconds(backward_time),
             f"{graph_bytes / n:.0f}", f"{(graph_bytes + grad_bytes) / n:.0f}",
             f"{(graph_bytes + peak_bytes) / n:.0f}"]]
    print(markdown_table(["chain nodes", "build", "build, collector paused", "backward",
                          "bytes/node built", "bytes/node with grads", "bytes/node peak in backward"], rows))
    print("(bytes by tracemalloc: every allocation the chain makes, divided by its add nodes)")


def micrograd_depth_limit(high=100_000):
    """The shortest micrograd chain whose backward raises RecursionError (binary search)."""
    from micrograd.engine import Value as MicroValue

    def fails(depth):
        y = MicroValue(0.5)
        for _ in range(depth):
            y = y + 1.0
        try:
            y.backward()
        except RecursionError:
            return True
        return False

    low = 1
    if not fails(high):
        return None
    while low < high:
        mid = (low + high) // 2
        low, high = (low, mid) if fails(mid) else (mid + 1, high)
    return low


def main(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=at_least(1), default=7, help="timed steps per peer (default 7)")
    parser.add_argument("--chain", type=at_least(0), default=1_000_000,
                        help="chain length (default 1,000,000; 0 skips the chain)")
    args = parser.parse_args(argv)
    print(machine(), "\n")
    mlp_table(args.runs)
    if args.chain == 0:
        return
    print()
    chain_table(args.chain)
    try:
        depth = micrograd_depth_limit()
    except ImportError:
        print("\nmicrograd: not installed, so its chain depth limit is not measured")
    else:
        print(f"\nmicrograd on a chain: backward raises RecursionError from depth {depth:,} "
              f"(recursion limit {sys.getrecursionlimit()}); puregrad's {args.chain:,}-node chain above "
              f"{'is beyond it' if args.chain >= depth else 'is shorter'}")


if __name__ == "__main__":
    sys.exit(run(main))
