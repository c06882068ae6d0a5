"""How fast does the fast path train an MNIST MLP, next to numpy and the scalar engine?

Model 784 -> 128 -> 10 (ReLU), softmax cross-entropy, Adam, batch 100. Data: real MNIST when
MNIST_DATA names a folder with the IDX files (read by the ``mnist`` package), else MNIST-like
synthetic images (about 19% of pixels nonzero, in strokes). Prints a markdown table of median
per-batch figures: the fast path, numpy float64 on one thread (if installed) and the scalar
engine (a few images), with the ratios. The timed batches run with the cyclic collector paused,
as ``mnist``'s training loop runs them (the graphs hold no cycles; the collector would only
rescan each batch's lists), and only after ``--warmup`` training batches: a fresh model's first
batches run 20-30% faster than the batches of a real epoch. (The same update on the same
numbers measured 13 ms with its floats freshly allocated and 18-23 ms with the floats as many
steps of training had left them, scattered through memory.)

Then the fast path on 1 and more worker processes (``nn.parallel.DataParallel``, as
``python -m mnist train --workers N`` runs it): one process per count, all set up (and warmed
up) at once, then ``--repeats`` rounds in which each count trains ``--round`` batches in turn,
with the images/s, the figure per core, the speed-up (the median of the rounds' ratios) and the
peak memory of all its processes together.

    python benchmarks/bench_fast.py [--batches 8] [--warmup 100] [--scalar-images 2] [--kernels]
                                    [--workers 1,2] [--repeats 6] [--round 40]
"""

import argparse
import os
import random
import statistics
import sys
import time


def _keep_freed_memory():
    """Ask glibc to keep freed large blocks rather than hand them back to the OS (both peers alike).

    Otherwise numpy's ~1 MB temporaries may be unmapped and faulted in again on every step, and
    whether a process falls into that depends on its history (how large its heap already is):
    numpy's step here measured 48k or 87k images/s with identical code and data. Returns whether
    the setting took (glibc only).
    """
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # parameter numbers from glibc's malloc.h
        kept = libc.mallopt(m_trim_threshold, 256 << 20)
        return bool(kept and libc.mallopt(m_mmap_threshold, 32 << 20))  # 32 MiB: glibc's maximum
    except (OSError, AttributeError):
        return False


KEEPS_FREED_MEMORY = _keep_freed_memory()
os.environ.setdefault("OMP_NUM_THREADS", "1")  # numpy's BLAS on one thread: set before numpy loads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nn  # noqa: E402
from _common import (at_least, interleave, print_ceiling, serve_rounds, speedups, worker_list,  # noqa: E402
                     workers_table)
from autograd import Tensor, gc_paused, no_grad  # noqa: E402
from autograd.commands import ArgumentParser, run  # noqa: E402
from mnist import load as load_mnist  # noqa: E402
from mnist.dataset import first, floats  # noqa: E402

BATCH = 100


def synthetic(count, seed=0):
    """MNIST-like 28x28 images: a few random strokes of bright pixels, about 19% nonzero."""
    rng = random.Random(seed)
    images, labels = [], []
    for _ in range(count):
        img = [0.0] * 784
        for _ in range(4):
            r, c = rng.randrange(4, 24), rng.randrange(4, 24)
            dr, dc = rng.choice((-1, 0, 1)), rng.choice((-1, 0, 1)) or 1
            for _ in range(12):
                for rr in (r, r + 1):
                    for cc in (c, c + 1):
                        if 0 <= rr < 28 and 0 <= cc < 28:
                            img[rr * 28 + cc] = max(img[rr * 28 + cc], rng.uniform(0.3, 1.0))
                r, c = min(max(r + dr, 0), 27), min(max(c + dc, 0), 27)
        images.append(img)
        labels.append(rng.randrange(10))
    return images, labels


def load(count):
    folder = os.environ.get("MNIST_DATA")
    if folder:
        train = first(load_mnist("train", folder), count)
        return floats(train), list(train.labels), f"MNIST ({folder})"
    images, labels = synthetic(count)
    return images, labels, "synthetic MNIST-like (set MNIST_DATA for real MNIST)"


def batched(images, labels):
    """(images, labels) of BATCH each, in order."""
    return [(images[k:k + BATCH], labels[k:k + BATCH]) for k in range(0, len(images), BATCH)]


def fast_step(model, opt, x, y):
    """One training step of the benchmark's model on a batch: forward, loss, backward, update."""
    opt.zero_grad()
    nn.cross_entropy(model(Tensor(x)), y).backward()
    opt.step()


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_fast(batches, runs, warmup):
    model = nn.fast_mlp(784, [128, 10], init="he", rng=0)
    opt = nn.Adam(model.parameters(), lr=1e-3)
    it = iter(batches)

    def train():
        fast_step(model, opt, *next(it))

    def infer():
        with no_grad():
            model(Tensor(batches[0][0]))

    with gc_paused():  # as mnist's training loop runs its batches
        for _ in range(warmup):
            train()
        return median_time(train, runs), median_time(infer, runs)


def bench_workers(workers, batches, per_round, warmup):
    """One count's process of the workers table (``_common.interleave``): its rounds of
    ``per_round`` batches, after ``warmup`` batches, on demand."""
    from nn.parallel import Engine

    model = nn.fast_mlp(784, [128, 10], init="he", rng=0)
    serve_rounds(Engine(model, nn.cross_entropy), nn.Adam(model.parameters(), lr=1e-3), workers,
                 batches, per_round, warmup)


def bench_numpy(batches, runs, warmup):
    try:
        import numpy as np
    except ImportError:
        print("numpy is not installed: skipping the numpy column")
        return None
    rng = np.random.default_rng(0)
    w1 = rng.uniform(-1, 1, (128, 784)) * (6 / 784) ** 0.5
    b1, w2, b2 = np.zeros(128), rng.uniform(-1, 1, (10, 128)) * (6 / 128) ** 0.5, np.zeros(10)
    params = [w1, b1, w2, b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = [0]
    data = [(np.array(x), np.array(y)) for x, y in batches]
    it = iter(data)

    def forward(x):
        h = np.maximum(x @ w1.T + b1, 0.0)
        return h, h @ w2.T + b2

    def train():
        x, y = next(it)
        h, z = forward(x)
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = p
        g[np.arange(len(y)), y] -= 1.0
        g /= len(y)
        gh = (g @ w2) * (h > 0)
        grads = [gh.T @ x, gh.sum(axis=0), g.T @ h, g.sum(axis=0)]
        step[0] += 1
        t, lr, b1_, b2_, eps = step[0], 1e-3, 0.9, 0.999, 1e-8
        for p_, g_, m_, v_ in zip(params, grads, m, v):
            m_ *= b1_
            m_ += (1 - b1_) * g_
            v_ *= b2_
            v_ += (1 - b2_) * g_ * g_
            p_ -= lr / (1 - b1_ ** t) * m_ / (np.sqrt(v_ / (1 - b2_ ** t)) + eps)

    with gc_paused():  # the same conditions as the fast path
        for _ in range(warmup):
            train()
        return median_time(train, runs), median_time(lambda: forward(data[0][0]), runs)


def bench_scalar(images, labels, count):
    model = nn.MLP(784, [128, 10], init="he", rng=0)
    opt = nn.Adam(model.parameters(), lr=1e-3)
    times = []
    for x, y in zip(images[:count], labels[:count]):
        start = time.perf_counter()
        with gc_paused():
            opt.zero_grad()
            loss = nn.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_dot_strategies(batch, runs):
    """Layer 1's forward (batch x 784 sparse images times W^T, 128 outputs) by each dot-product
    strategy over the same gathered nonzeros: ns per multiply-add, median of ``runs``. The last
    identity row has the column norms computed beforehand, as ``weight_grad`` shares them
    between neighbouring pixels (the forward pass cannot: each image gathers other columns)."""
    import math
    from itertools import compress
    from operator import itemgetter, mul

    from autograd import kernels

    rng = random.Random(1)
    wt = [tuple(rng.gauss(0, 0.05) for _ in range(128)) for _ in range(784)]
    gathered = []
    for x in batch:
        idx = list(compress(range(784), x))
        take = itemgetter(*idx)
        gathered.append((take(x), list(zip(*take(wt)))))
    macs = sum(len(a) for a, _ in gathered) * 128

    def loop():
        for a, cols in gathered:
            for c in cols:
                s = 0.0
                for u, v in zip(a, c):
                    s += u * v

    norms = [kernels.norms_of(cols) for _, cols in gathered]  # as weight_grad shares them
    strategies = [("Python loop", loop),
                  ("sum(map(mul))", lambda: [[sum(map(mul, a, c)) for c in cols] for a, cols in gathered]),
                  ("math.dist identity (kernels.dots)", lambda: [kernels.dots(a, cols) for a, cols in gathered]),
                  ("math.dist identity, column norms known", lambda: [kernels.dots(a, cols, n) for (a, cols), n
                                                                      in zip(gathered, norms)])]
    if hasattr(math, "sumprod"):
        strategies.append(("math.sumprod", lambda: [[math.sumprod(a, c) for c in cols] for a, cols in gathered]))
    else:
        print("math.sumprod is not available (Python < 3.12): not measured")
    print("| dot strategy (gather excluded) | ns per multiply-add |")
    print("|---|---:|")
    for name, fn in strategies:
        print(f"| {name} | {median_time(fn, runs) / macs * 1e9:.1f} |")
    print()


def main(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=at_least(1), default=8, help="timed batches per measurement (median)")
    parser.add_argument("--warmup", type=at_least(0), default=100,
                        help="training batches before timing: a fresh model's first batches run 20-30%% faster "
                             "than an epoch's (memory not yet scattered by earlier steps)")
    parser.add_argument("--scalar-images", type=at_least(0), default=2, help="images for the scalar engine (0: no scalar row)")
    parser.add_argument("--kernels", action="store_true", help="also compare dot-product strategies")
    parser.add_argument("--workers", type=worker_list, default=",".join(map(str, sorted({1, os.cpu_count() or 1}))),
                        help="worker counts for the workers table, e.g. 1,2 (default 1 and the cores); "
                             "0 for none")
    parser.add_argument("--repeats", type=at_least(1), default=6, help="rounds of the workers table (default 6)")
    parser.add_argument("--round", type=at_least(1), default=40,
                        help="batches each worker count trains per round of the workers table (default 40)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # one workers-table run
    args = parser.parse_args(argv)
    images, labels, source = load(BATCH * (args.warmup + args.batches))
    batches = batched(images, labels)
    if args.child:
        return bench_workers(args.child, batches, args.round, args.warmup)
    nonzero = sum(v != 0 for img in images for v in img) / (784 * len(images))
    print(f"data: {source}; {nonzero:.0%} of pixels nonzero; MLP 784 -> 128 -> 10, Adam, batch {BATCH}\n")
    if args.kernels:
        bench_dot_strategies(batches[0][0][:20], 3)

    fast_train, fast_infer = bench_fast(batches, args.batches, args.warmup)
    rows = [("puregrad fast path (Tensor)", BATCH / fast_train, BATCH / fast_infer, "1x")]
    numpy_times = bench_numpy(batches, args.batches, args.warmup)
    if numpy_times:
        np_train, np_infer = numpy_times
        rows.append(("numpy float64, 1 thread", BATCH / np_train, BATCH / np_infer,
                     f"fast path {fast_train / np_train:.0f}x slower (target <= 60x)"))
    if args.scalar_images > 0:
        scalar = bench_scalar(images, labels, args.scalar_images)
        rows.append((f"puregrad scalar engine (Value), {args.scalar_images} images", 1 / scalar, None,
                     f"{scalar * BATCH / fast_train:.0f}x slower than the fast path"))

    print("| path | train images/s | inference images/s | ratio |")
    print("|---|---:|---:|---|")
    for name, train, infer, ratio in rows:
        infer_text = f"{infer:,.0f}" if infer else "-"
        print(f"| {name} | {train:,.0f} | {infer_text} | {ratio} |")
    print(f"\ntargets: fast path train >= 850 images/s, inference >= 2,300 images/s "
          f"(median of {args.batches} batches after {args.warmup} warm-up batches)")
    counts = args.workers
    if counts:
        child_args = ["--batches", args.batches, "--warmup", args.warmup, "--round", args.round]
        results = interleave(os.path.abspath(__file__), counts, args.repeats, child_args)
        print()
        print(workers_table("fast path, worker processes", results))
        print_ceiling(os.path.abspath(__file__), max(counts), args.repeats, child_args)
        if numpy_times:
            # numpy against one process as measured above, moments apart, over each count's speed-up
            # (the median of the rounds'): numpy's step timed between two fast-path batches would
            # find its caches cold and run about 2x slower, which is no fair figure for numpy
            for n, ratios in speedups(results).items():
                print(f"- {n} worker(s): {fast_train / np_train / statistics.median(ratios):.0f}x numpy's "
                      f"single-threaded step (the table above's ratio over this row's speed-up; target <= 60x)")
    if not KEEPS_FREED_MEMORY:
        print("note: could not pin glibc's malloc thresholds; numpy's figure may vary up to 2x between runs")


if __name__ == "__main__":
    sys.exit(run(main))
