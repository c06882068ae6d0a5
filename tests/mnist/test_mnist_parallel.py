"""``python -m mnist train --workers N``: the engines give the same losses on any worker count, and
Ctrl-C or a killed worker ends the run cleanly (no process, no shared memory left behind)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mnist_files import random_digits, write_dataset

from mnist import dataset
from mnist.cli import main
from mnist.digits import Digits
from mnist.engines import make_engine, make_optimizer
from nn.parallel import PREFIX, DataParallel

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
@pytest.mark.parametrize("name", ["scalar", "fast"])
def test_two_workers_give_the_losses_of_one(name, optimizer):
    """The issue's check: the first 20 batches' losses agree to 1e-9 relative with --workers 1."""
    images, labels = random_digits(200, seed=9)
    data = dataset.downsample(Digits(images, bytes(labels)), 7)
    runs = []
    for workers in (1, 2):
        engine = make_engine(name, [49, 8, 10], "relu", seed=2)
        opt = make_optimizer(optimizer, engine.model.parameters(), 0.01)
        par = DataParallel(engine, opt, workers) if workers > 1 else None
        e, o = (par, par.optimizer) if par else (engine, opt)
        results = []
        for indices in dataset.batches(len(data), 10, seed=1)[:20]:
            o.zero_grad()
            results.append(e.train_batch(dataset.floats(data, indices), [data.labels[i] for i in indices]))
            o.step()
        if par:
            par.close()
        runs.append(results)
    for b, ((l1, c1), (l2, c2)) in enumerate(zip(*runs)):
        assert l2 == pytest.approx(l1, rel=1e-9, abs=1e-12) and c1 == c2, f"batch {b}"


TINY = ["--image-size", "7", "--hidden", "8", "--train-size", "40", "--test-size", "20", "--batch-size", "10"]


def test_workers_option(capsys, tmp_path):
    data = write_dataset(tmp_path / "data", n_train=60, n_test=20)
    assert main(["train", "--data-dir", str(data), *TINY, "--workers", "0"]) == 2
    assert "--workers: 0 is out of range" in capsys.readouterr().err
    metrics = []
    for workers in ("2", "2", "1"):
        path = tmp_path / f"m{len(metrics)}.json"
        argv = ["train", "--data-dir", str(data), *TINY, "--epochs", "2", "--workers", workers,
                "--metrics", str(path)]
        assert main(argv) == 0
        metrics.append(json.loads(path.read_text()))
    assert metrics[0]["config"]["workers"] == 2 and metrics[0]["epochs"] == metrics[1]["epochs"]
    for two, one in zip(metrics[0]["epochs"], metrics[2]["epochs"]):
        assert two["loss"] == pytest.approx(one["loss"], rel=1e-9)


@pytest.mark.parametrize("first, then", [("2", "1"), ("1", "2")])
def test_a_checkpoint_resumes_on_another_worker_count(capsys, tmp_path, first, then):
    """A run saved after epoch 1 on one worker count goes on on the other, as one run on that one would."""
    data = write_dataset(tmp_path / "data", n_train=60, n_test=20)
    base = ["train", "--data-dir", str(data), *TINY]
    straight, resumed = tmp_path / "straight.json", tmp_path / "resumed.json"
    assert main([*base, "--epochs", "2", "--workers", then, "--metrics", str(straight)]) == 0
    assert main([*base, "--epochs", "1", "--workers", first, "--save", str(tmp_path / "m.json")]) == 0
    assert main(["train", "--resume", str(tmp_path / "m.ckpt.json"), "--epochs", "2", "--workers", then,
                 "--metrics", str(resumed)]) == 0
    capsys.readouterr()
    want, got = json.loads(straight.read_text()), json.loads(resumed.read_text())
    assert got["config"]["workers"] == int(then) and len(got["epochs"]) == 2
    for a, b in zip(want["epochs"], got["epochs"]):
        assert b["batch_losses"] == pytest.approx(a["batch_losses"], rel=1e-9)
        assert b["train_accuracy"] == a["train_accuracy"]


def running(pid):
    """True while ``pid`` is a live process (a zombie waiting to be reaped has finished)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def children_of(pid, spawned_only=False):
    """Pids of the processes ``pid`` started (only multiprocessing's spawned workers if asked)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                spawned = b"spawn_main" in f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if ppid == pid and (spawned or not spawned_only):
            found.append(int(entry))
    return found


def workers_of(pid):
    return children_of(pid, spawned_only=True)


def start_training(tmp_path):
    """A scalar-engine run long enough to interrupt, once its first epoch is done."""
    if not os.path.isdir("/proc") or not os.path.isdir("/dev/shm"):
        pytest.skip("needs Linux's /proc and /dev/shm to watch the processes and segments")
    data = write_dataset(tmp_path / "data", n_train=60, n_test=20)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "mnist", "train", "--data-dir", str(data), "--engine",
                             "scalar", "--hidden", "16", "--train-size", "60", "--test-size", "20",
                             "--epochs", "1000", "--batch-size", "20", "--workers", "2"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    for line in proc.stdout:  # the workers are past their start once an epoch is done
        if line.startswith("epoch 1/"):
            break
    assert proc.poll() is None, proc.stderr.read()
    return proc, children_of(proc.pid)  # the workers and multiprocessing's resource tracker


def assert_clean(proc, pids):
    deadline = time.monotonic() + 30
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if running(p)], "a process was left running"
    assert not [n for n in os.listdir("/dev/shm") if n.startswith(f"{PREFIX}-{proc.pid}-")], \
        "a shared memory segment was left in /dev/shm"


@pytest.mark.parametrize("to", ["process", "group"])
def test_ctrl_c_stops_every_worker(tmp_path, to):
    """SIGINT to the main process alone, or to its whole group as a terminal's Ctrl-C does."""
    proc, pids = start_training(tmp_path)
    if to == "group":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip().splitlines()[-1].startswith("interrupted; "), err
    assert "Traceback" not in err
    assert_clean(proc, pids)


def test_a_killed_worker_ends_the_run_with_one_line(tmp_path):
    proc, pids = start_training(tmp_path)
    victim = workers_of(proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith(f"error: nn.parallel: worker 1 of 2 (pid {victim}) was killed by SIGKILL")
    assert "Traceback" not in err
    assert_clean(proc, pids)
