"""puregrad's scalar engine against micrograd on micrograd's own demo workload, in one process.

Workload: MLP 2 -> 16 -> 16 -> 1 with ReLU built from scalar Values (one node per scalar op,
each neuron's weighted sum + bias as one n-ary sum here), 100 two-moons points, SVM hinge
loss mean((1 - y * score).relu()) + 1e-4 * sum(p * p), one full-batch forward + backward +
SGD step; both peers start from the same weights, and their losses must agree every step.
Steps alternate between the peers and each timing ends with gc.collect(), so each peer pays
for freeing its own graph (micrograd's closures make reference cycles) and none of the other's.
Each peer runs with the collector on and paused, so the table shows how much is collector time.
Then a 1,000,000-node chain: build time, backward time, bytes per node (tracemalloc).

Run: python benchmarks/bench_micrograd.py [--runs 7] [--chain 1000000]
"""

import argparse
import math
import random
import sys

import autograd
from autograd import Value

from _common import alternate, freeing, machine, markdown_table, median, seconds, timed, traced_bytes

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


class PuregradMLP:
    """The MLP written directly with autograd.Value: no nn, no fused neurons."""

    def __init__(self, weights):
        self.layers = [([[Value(w) for w in row] for row in W], [Value(v) for v in b]) for W, b in weights]
        self.params = [p for W, b in self.layers for p in [w for row in W for w in row] + b]

    def __call__(self, x):
        last = len(self.layers) - 1
        for k, (W, b) in enumerate(self.layers):
            x = [autograd.sum([wi * xi for wi, xi in zip(row, x)] + [bias]) for row, bias in zip(W, b)]
            if k < last:
                x = [a.relu() for a in x]
        return x[0]

    def step(self, points, labels, lr):
        inputs = [[Value(a), Value(b)] for a, b in points]
        losses = [(1 + -y * self(x)).relu() for x, y in zip(inputs, labels)]
        total = autograd.sum(losses) * (1.0 / len(losses)) + 1e-4 * autograd.sum([p * p for p in self.params])
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


def mlp_table(runs, lr=0.1):
    points, labels = two_moons()
    weights = initial_weights()
    ours = PuregradMLP(weights)
    steps = {"puregrad": lambda: ours.step(points, labels, lr)}
    try:
        model = micrograd_model(weights)
        steps["micrograd"] = lambda: micrograd_step(model, points, labels, lr)
    except ImportError:
        print("micrograd: not installed (pip install micrograd), so only puregrad is measured")
    # every timing ends with gc.collect(), so each peer pays for freeing its own graph
    peers = {(name, mode): freeing(paused(step) if mode == "paused" else step)
             for name, step in steps.items() for mode in MODES}
    results = alternate(peers, runs)
    times = {key: [t for t, _ in rows] for key, rows in results.items()}
    rows = [[f"{name}, {MODES[mode]}", seconds(median(ts)), seconds(min(ts)), runs]
            for (name, mode), ts in times.items()]
    print(markdown_table(["MLP 2-16-16-1, 100 points, one step + freeing its graph",
                          "median", "best", "runs"], rows))
    if "micrograd" not in steps:
        return

    def ratio(ours_mode, micrograd_mode):
        pairs = zip(times["micrograd", micrograd_mode], times["puregrad", ours_mode])
        return median([m / p for m, p in pairs])

    print(f"\nspeed-up over micrograd: {ratio('paused', 'on'):.1f}x (each run as recommended: puregrad "
          f"inside gc_paused(), micrograd as its demo; median of {runs} per-run ratios; target >= 20x)")
    print(f"collector on in both: {ratio('on', 'on'):.1f}x; paused in both: {ratio('paused', 'paused'):.1f}x")
    losses = [(a, b) for mode in MODES
              for (_, a), (_, b) in zip(results["puregrad", mode], results["micrograd", mode])]
    worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in losses)
    print(f"same loss in both: {'yes' if worst < 1e-9 else 'NO'} (first {losses[0][0]:.12f} vs "
          f"{losses[0][1]:.12f}; worst relative difference over {len(losses)} steps {worst:.1e})")


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed steps per peer (default 7)")
    parser.add_argument("--chain", type=int, default=1_000_000, help="chain length (default 1,000,000)")
    args = parser.parse_args(argv)
    print(machine(), "\n")
    mlp_table(args.runs)
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
    main()
