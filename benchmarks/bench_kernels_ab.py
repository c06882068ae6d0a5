"""Did a change to autograd/kernels.py slow the fast path? This checkout's kernels against another commit's.

The training step of bench_fast.py (MLP 784 -> 128 -> 10, ReLU, Adam, batch 100) runs in one
process, batch after batch, with the kernel functions swapped between batches: this checkout's
``autograd.kernels`` and the same file as it was at ``--base`` (read with ``git show``), loaded
as a second module. The array rules look kernels up on the module at call time, so swapping its
functions swaps every kernel the step uses and nothing else. The two take turns (A B B A ...),
so the machine's noise, and the way memory fills as training goes on, fall on both alike; a
comparison between separate processes on a shared machine varied by 1.5x from run to run.

    python benchmarks/bench_kernels_ab.py [--base 4c5bc0c] [--batches 60] [--warmup 40]

The default base is the last commit before the accurate dot products (issue 11, item 5).
"""

import importlib.util
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import nn  # noqa: E402
from autograd import gc_paused, kernels  # noqa: E402
from autograd.commands import ArgumentParser, run  # noqa: E402
from _common import at_least  # noqa: E402
from bench_fast import BATCH, batched, fast_step, load  # noqa: E402

BASE = "4c5bc0c"  # main before the accurate dot products


def kernels_at(rev):
    """autograd/kernels.py as it was at ``rev``, as a module of its own; None (and why) if git cannot say."""
    try:
        source = subprocess.run(["git", "show", f"{rev}:autograd/kernels.py"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return None, getattr(e, "stderr", "") or str(e)
    spec = importlib.util.spec_from_loader(f"kernels_at_{rev}", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{rev}:autograd/kernels.py", "exec"), module.__dict__)
    return module, None


def functions(module):
    return {name: getattr(module, name) for name in kernels.__all__ if hasattr(module, name)}


def main(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE, help=f"the commit to compare against (default {BASE})")
    parser.add_argument("--batches", type=at_least(1), default=60, help="timed batches per variant (default 60)")
    parser.add_argument("--warmup", type=at_least(0), default=40, help="untimed batches first (default 40)")
    args = parser.parse_args(argv)
    old, why = kernels_at(args.base)
    if old is None:
        print(f"cannot read autograd/kernels.py at {args.base} (not a git checkout, or no such commit): "
              f"skipping. {why.strip()}")
        return 0
    variants = {"this checkout": functions(kernels), args.base: functions(old)}
    missing = sorted(set(variants["this checkout"]) - set(variants[args.base]))
    if missing:
        print(f"not in {args.base}'s kernels, so this checkout's run in both: {', '.join(missing)}")
    images, labels, source = load(BATCH * (args.warmup + 2 * args.batches))
    batches = batched(images, labels)
    model = nn.fast_mlp(784, [128, 10], init="he", rng=0)
    opt = nn.Adam(model.parameters(), lr=1e-3)
    times = {name: [] for name in variants}
    names = list(variants)
    try:
        with gc_paused():  # as mnist's training loop runs its batches
            for i, (x, y) in enumerate(batches):
                name = names[(i + i // 2) % 2]  # A B B A A B ...
                for fn_name, fn in variants[name].items():
                    setattr(kernels, fn_name, fn)
                start = time.perf_counter()
                fast_step(model, opt, x, y)
                if i >= args.warmup:
                    times[name].append(time.perf_counter() - start)
    finally:
        for fn_name, fn in variants["this checkout"].items():
            setattr(kernels, fn_name, fn)
    print(f"data: {source}; MLP 784 -> 128 -> 10, Adam, batch {BATCH}; {args.warmup} warm-up batches, then "
          f"{args.batches} timed batches each, taking turns in one process\n")
    base = statistics.median(times[args.base])
    print("| kernels | ms per batch (median) | lower quartile | upper quartile | vs base |")
    print("|---|---:|---:|---:|---:|")
    for name in reversed(names):
        q1, q2, q3 = statistics.quantiles(times[name], n=4)
        print(f"| {name} | {1e3 * q2:.1f} | {1e3 * q1:.1f} | {1e3 * q3:.1f} | {q2 / base:.3f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
