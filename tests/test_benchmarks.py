"""The benchmark scripts still run: each once with tiny settings, on generated data, checking the
table it prints (its rows, and the peer's row or the line saying the peer is missing).

These time nothing: speed is judged by running the scripts themselves (see the README).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def has(module):
    return importlib.util.find_spec(module) is not None


CASES = [
    ("bench_fast.py", ["--batches", "1", "--warmup", "1", "--scalar-images", "1", "--kernels",
                       "--workers", "1,2", "--repeats", "1"],
     ["| math.dist identity, column norms known |", "| puregrad fast path (Tensor) |",
      "| puregrad scalar engine (Value), 1 images |", "| fast path, worker processes |", "\n| 2 | ",
      *(["- 2 worker(s): "] if has("numpy") else [])],
     "| numpy float64, 1 thread |" if has("numpy") else "numpy is not installed: skipping the numpy column"),
    ("bench_parallel_split.py", ["--workers", "1,2", "--batches", "1", "--warmup", "1"],
     ["| 1, the plain loop |", "\n| 2 | "], "set MNIST_DATA to measure them"),
    ("bench_micrograd.py", ["--runs", "1", "--chain", "2000"],
     ["| 2,000 |"],
     "micrograd on a chain: backward raises RecursionError" if has("micrograd")
     else "micrograd: not installed"),
    ("bench_scalar_nn.py", ["--runs", "1", "--images", "1", "--workers", "1,2", "--subset", "4",
                            "--repeats", "1"],
     ["| puregrad nn, cross-entropy, Adam |", "skipping zero inputs:", "one epoch of 4 images, worker processes",
      "\n| 2 | "],
     "| micrograd, MSE one-hot, SGD |" if has("micrograd") else "micrograd: not installed"),
]


@pytest.mark.parametrize("script, args, rows, peer", CASES, ids=[c[0] for c in CASES])
def test_benchmark_script_runs_and_prints_its_table(script, args, rows, peer):
    env = {k: v for k, v in os.environ.items() if k != "MNIST_DATA"}  # generated data: quick
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    for row in rows + [peer]:
        assert row in done.stdout, f"{row!r} missing from:\n{done.stdout}"
