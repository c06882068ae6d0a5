"""The benchmark scripts still run: each once with tiny settings, on generated data, checking the
table it prints (its rows, and the peer's row or the line saying the peer is missing).

These time nothing: speed is judged by running the scripts themselves (see the README).
"""

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def has(module):
    return importlib.util.find_spec(module) is not None


def has_commit(rev):
    try:
        return subprocess.run(["git", "cat-file", "-e", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True).returncode == 0
    except OSError:
        return False


CASES = [
    ("bench_fast.py", ["--batches", "1", "--warmup", "1", "--scalar-images", "1", "--kernels",
                       "--workers", "1,2", "--repeats", "1", "--round", "1"],
     ["| math.dist identity, column norms known |", "| puregrad fast path (Tensor) |",
      "| puregrad scalar engine (Value), 1 images |", "| fast path, worker processes |", "\n| 2 | ",
      "- ceiling: 2 separate one-process runs side by side train ",
      *(["- 2 worker(s): "] if has("numpy") else [])],
     "| numpy float64, 1 thread |" if has("numpy") else "numpy is not installed: skipping the numpy column"),
    ("bench_parallel_split.py", ["--workers", "1,2", "--batches", "1", "--warmup", "1"],
     ["| 1, the plain loop |", "\n| 2 | "], "set MNIST_DATA to measure them"),
    ("bench_micrograd.py", ["--runs", "1", "--chain", "2000"],
     ["| 2,000 |"],
     "micrograd on a chain: backward raises RecursionError" if has("micrograd")
     else "micrograd: not installed"),
    ("bench_scalar_nn.py", ["--runs", "1", "--images", "1", "--workers", "1,2", "--subset", "4",
                            "--repeats", "1", "--round", "1"],
     ["| puregrad nn, cross-entropy, Adam |", "skipping zero inputs:", "batches of 100 from 4 images, worker processes",
      "\n| 2 | ", "- ceiling: 2 separate one-process runs side by side train "],
     "| micrograd, MSE one-hot, SGD |" if has("micrograd") else "micrograd: not installed"),
    ("bench_kernels_ab.py", ["--batches", "2", "--warmup", "1"], [],
     "| this checkout |" if has_commit("4c5bc0c") else "cannot read autograd/kernels.py at 4c5bc0c"),
]


@pytest.mark.parametrize("script, args, rows, peer", CASES, ids=[c[0] for c in CASES])
def test_benchmark_script_runs_and_prints_its_table(script, args, rows, peer):
    env = {k: v for k, v in os.environ.items() if k != "MNIST_DATA"}  # generated data: quick
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    for row in rows + [peer]:
        assert row in done.stdout, f"{row!r} missing from:\n{done.stdout}"


COMMANDS = [ROOT / "benchmarks" / c[0] for c in CASES] + [ROOT / "docs" / "levels" / "run.py"]


@pytest.mark.parametrize("script", COMMANDS, ids=[p.name for p in COMMANDS])
def test_a_bad_option_gives_one_line_naming_it(script):
    done = subprocess.run([sys.executable, str(script), "--batchez", "3"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "error: unrecognized option --batchez" in done.stderr and done.stderr.endswith(" --help\n")


@pytest.mark.parametrize("script, option, value, message", [
    ("bench_micrograd.py", "--runs", "0", "argument --runs: must be at least 1, got 0"),
    ("bench_micrograd.py", "--chain", "-1", "argument --chain: must be at least 0, got -1"),
    ("bench_fast.py", "--workers", "1,x", "argument --workers: expected worker counts like 1,2, got '1,x'"),
    ("bench_scalar_nn.py", "--images", "ten", "argument --images: expected a whole number, got 'ten'"),
    ("bench_parallel_split.py", "--workers", "-2", "argument --workers: worker counts cannot be negative"),
    ("bench_kernels_ab.py", "--batches", "0", "argument --batches: must be at least 1, got 0"),
])
def test_a_count_out_of_range_gives_one_line_naming_it(script, option, value, message):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), option, value], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
    assert message in done.stderr


def test_ctrl_c_in_a_benchmark_ends_with_one_line():
    proc = subprocess.Popen([sys.executable, "-u", str(ROOT / "benchmarks" / "bench_micrograd.py"), "--runs", "100000"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout.readline()  # it has started
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err == "interrupted\n"
