"""Training with puregrad's nn (MLP + losses + optimizer) on the scalar engine, micrograd side by side.

1. micrograd's demo step (MLP 2-16-16-1, 100 two-moons points, SVM hinge + 1e-4 L2, full-batch
   SGD) written with nn.MLP, nn.svm_hinge, nn.l2 and nn.SGD, against micrograd's own demo code
   from the same weights (bench_micrograd.py's data, weights and micrograd step); the losses
   must agree every step. Target: >= 20x.
2. MLP 784 -> 32 -> 10 on MNIST-like input (synthetic: about 80% of pixels exactly 0, the rest
   uniform in (0, 1)), one image per step: forward + backward + optimizer update. Reports the
   per-image cost and the implied seconds for a 1,000-image epoch (target <= 30 s), with
   cross-entropy + SGD and + Adam, without the zero-input skipping (zeros passed as Values), and
   micrograd on the same step (micrograd has no exp/log, so that comparison uses MSE against
   the one-hot label in both).

3. MLP 784 -> 32 -> 10, cross-entropy, Adam, batches of 100 from a 1,000-image subset (real
   MNIST when MNIST_DATA is set, else the synthetic images) on 1 and more worker processes
   (``nn.parallel.DataParallel``): one process per count, all set up at once, then
   ``--repeats`` rounds in which each count trains ``--round`` batches in turn, with images/s, the figure
   per core, the speed-up (the median of the rounds' ratios) and the peak memory of all its
   processes together.

puregrad steps run inside autograd.gc_paused() (as recommended); micrograd runs as its demo
does. Every timing ends with gc.collect(), so each peer pays for freeing its own graphs.

Run: python benchmarks/bench_scalar_nn.py [--runs 5] [--images 20] [--workers 1,2] [--subset 1000]
     [--repeats 6] [--round 5]
"""

import argparse
import os
import random
import sys

import autograd
import nn
from autograd import Value
from autograd.commands import ArgumentParser, run

from _common import (alternate, at_least, freeing, interleave, machine, markdown_table, median,
                     print_ceiling, seconds, serve_rounds, worker_list, workers_table)
from bench_micrograd import initial_weights, micrograd_model, micrograd_step, two_moons

TARGET_EPOCH = 30.0  # seconds for 1,000 images


def paused(fn):
    def run():
        with autograd.gc_paused():
            return fn()
    return run


def as_state_dict(weights):
    """bench_micrograd's [(W, b)] weights in the shared state-dict format."""
    sd = {}
    for i, (W, b) in enumerate(weights):
        sd[f"layers.{i}.weight"], sd[f"layers.{i}.bias"] = W, b
    return sd


def demo_table(runs, lr=0.1):
    points, labels = two_moons()
    weights = initial_weights()
    model = nn.MLP(2, [16, 16, 1]).load_state_dict(as_state_dict(weights))
    optimizer = nn.SGD(model.parameters(), lr=lr)
    X = [list(p) for p in points]

    def ours():
        loss = nn.svm_hinge([model(x) for x in X], labels) + nn.l2(model.parameters(), 1e-4)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    peers = {"puregrad nn (MLP + svm_hinge + l2 + SGD)": freeing(paused(ours))}
    try:
        micro = micrograd_model(weights)
        peers["micrograd demo"] = freeing(lambda: micrograd_step(micro, points, labels, lr))
    except ImportError:
        print("micrograd: not installed (pip install micrograd), so only puregrad is measured")
    results = alternate(peers, runs)
    times = {name: [t for t, _ in rows] for name, rows in results.items()}
    print(markdown_table(["MLP 2-16-16-1, 100 points, one training step", "median", "best", "runs"],
                         [[name, seconds(median(ts)), seconds(min(ts)), runs] for name, ts in times.items()]))
    if len(peers) == 2:
        ours_name, micro_name = peers
        ratio = median([m / p for m, p in zip(times[micro_name], times[ours_name])])
        losses = [(a, b) for (_, a), (_, b) in zip(results[ours_name], results[micro_name])]
        worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in losses)
        print(f"\nspeed-up over micrograd: {ratio:.1f}x (median of per-run ratios; target >= 20x); "
              f"same loss every step: {'yes' if worst < 1e-9 else 'NO'} (worst relative difference {worst:.1e})")


def sparse_images(n, seed=0, zero_fraction=0.8):
    rng = random.Random(seed)
    X = [[0.0 if rng.random() < zero_fraction else rng.random() for _ in range(784)] for _ in range(n)]
    return X, [rng.randrange(10) for _ in range(n)]


def one_hot(y):
    return [1.0 if k == y else 0.0 for k in range(10)]


def puregrad_peer(X, Y, loss_name, optimizer_name, skip_zeros=True):
    model = nn.MLP(784, [32, 10], init="he", rng=0)
    opt = nn.SGD(model.parameters(), lr=0.01) if optimizer_name == "SGD" else nn.Adam(model.parameters())
    inputs = X if skip_zeros else [[Value(x) for x in image] for image in X]

    def loss_of(out, y):
        return nn.cross_entropy(out, y) if loss_name == "cross-entropy" else nn.mse(out, one_hot(y))

    def run():
        for x, y in zip(inputs, Y):
            loss = loss_of(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return freeing(paused(run))


def micrograd_peer(X, Y):
    from micrograd.engine import Value as MicroValue
    from micrograd.nn import MLP

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))  # its sums are 784-deep chains
    model = MLP(784, [32, 10])
    params = model.parameters()

    def run():
        for x, y in zip(X, Y):
            out = model([MicroValue(v) for v in x])
            loss = sum((o - t) * (o - t) for o, t in zip(out, one_hot(y))) * (1.0 / 10)
            model.zero_grad()
            loss.backward()
            for p in params:
                p.data -= 0.01 * p.grad
    return freeing(run)


def mnist_table(runs, images):
    X, Y = sparse_images(images)
    zero = sum(x == 0.0 for image in X for x in image) / (784 * len(X))
    peers = {
        "puregrad nn, cross-entropy, SGD": puregrad_peer(X, Y, "cross-entropy", "SGD"),
        "puregrad nn, cross-entropy, Adam": puregrad_peer(X, Y, "cross-entropy", "Adam"),
        "puregrad nn, MSE one-hot, SGD": puregrad_peer(X, Y, "mse", "SGD"),
        "puregrad nn, MSE one-hot, SGD, zeros as Values (no skipping)": puregrad_peer(X, Y, "mse", "SGD", False),
    }
    counts = dict.fromkeys(peers, images)
    try:
        micro_images = max(1, images // 5)  # about 1 s per image: fewer of them, same per-image figure
        peers["micrograd, MSE one-hot, SGD"] = micrograd_peer(X[:micro_images], Y[:micro_images])
        counts["micrograd, MSE one-hot, SGD"] = micro_images
    except ImportError:
        print("micrograd: not installed (pip install micrograd), so only puregrad is measured")
    results = alternate(peers, runs)
    per_image = {name: [t / counts[name] for t, _ in rows] for name, rows in results.items()}
    rows = [[name, seconds(median(ts)), seconds(min(ts)), f"{median(ts) * 1000:.1f} s",
             "yes" if median(ts) * 1000 <= TARGET_EPOCH else "no"] for name, ts in per_image.items()]
    print(markdown_table([f"MLP 784-32-10, one image per step ({zero:.0%} zero pixels, {images} images "
                          f"per run ({counts.get('micrograd, MSE one-hot, SGD', '-')} for micrograd), {runs} runs)",
                          "per image (median)", "best", "1,000-image epoch", f"<= {TARGET_EPOCH:.0f} s"], rows))
    base = "puregrad nn, MSE one-hot, SGD"
    dense = per_image["puregrad nn, MSE one-hot, SGD, zeros as Values (no skipping)"]
    print(f"\nskipping zero inputs: {median([d / s for d, s in zip(dense, per_image[base])]):.1f}x faster")
    if "micrograd, MSE one-hot, SGD" in per_image:
        micro = per_image["micrograd, MSE one-hot, SGD"]
        ratio = median([m / s for m, s in zip(micro, per_image[base])])
        print(f"speed-up over micrograd on the same step: {ratio:.1f}x")


def subset(n):
    """n training images as rows of floats, and labels: a class-balanced sample of MNIST when
    MNIST_DATA names its folder, else synthetic images (``sparse_images``)."""
    folder = os.environ.get("MNIST_DATA")
    if not folder:
        return sparse_images(n)
    from mnist import dataset, load

    digits = dataset.balanced(load("train", folder), n, seed=0)
    return dataset.floats(digits), list(digits.labels)


def workers_run(workers, images, per_round, batch=100):
    """One count's process of the workers table (``_common.interleave``): ``per_round`` batches
    per round, cycling through the subset's batches, after one warm-up batch."""
    from nn.parallel import Engine

    X, Y = subset(images)
    model = nn.MLP(784, [32, 10], init="he", rng=0)
    batches = [(X[k:k + batch], Y[k:k + batch]) for k in range(0, len(X), batch)]
    serve_rounds(Engine(model, nn.cross_entropy), nn.Adam(model.parameters(), lr=1e-3), workers,
                 batches, per_round, warmup=1)


def main(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=at_least(1), default=5, help="timed runs per peer (default 5)")
    parser.add_argument("--images", type=at_least(1), default=20, help="images per timed run (default 20)")
    parser.add_argument("--workers", type=worker_list, default=",".join(map(str, sorted({1, os.cpu_count() or 1}))),
                        help="worker counts for the workers table, e.g. 1,2 (default 1 and the cores); 0 for none")
    parser.add_argument("--subset", type=at_least(1), default=1000, help="images the workers table's batches cycle through")
    parser.add_argument("--repeats", type=at_least(1), default=6, help="rounds of the workers table (default 6)")
    parser.add_argument("--round", type=at_least(1), default=5,
                        help="batches each worker count trains per round of the workers table (default 5)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # one workers-table run
    args = parser.parse_args(argv)
    if args.child:
        return workers_run(args.child, args.subset, args.round)
    print(machine(), "\n")
    demo_table(args.runs)
    print()
    mnist_table(args.runs, args.images)
    counts = args.workers
    if counts:
        child_args = ["--subset", args.subset, "--round", args.round]
        results = interleave(os.path.abspath(__file__), counts, args.repeats, child_args)
        folder = os.environ.get("MNIST_DATA")
        print(f"\ndata: {f'MNIST ({folder}), a balanced sample' if folder else 'synthetic (set MNIST_DATA for MNIST)'}\n")
        print(workers_table(f"MLP 784-32-10, Adam, batches of 100 from {args.subset:,} images, "
                            f"worker processes", results))
        print_ceiling(os.path.abspath(__file__), max(counts), args.repeats, child_args)


if __name__ == "__main__":
    sys.exit(run(main))
