"""Toy datasets (seeded, well formed) and the micrograd demo (100%, reproducible, NaN named)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import nn
from nn import demo

ROOT = Path(__file__).resolve().parents[2]


@given(st.sampled_from(sorted(nn.data.DATASETS)), st.integers(2, 60), st.integers(0, 2**32))
def test_datasets_are_seeded_and_well_formed(name, n, seed):
    make = nn.data.DATASETS[name]
    X, y = make(n, rng=seed)
    assert (X, y) == make(n, rng=seed)
    assert len(X) == len(y) == n and all(len(p) == 2 and all(isinstance(c, float) for c in p) for p in X)
    assert set(y) <= {0, 1}


def test_spirals_classes_and_balance():
    X, y = nn.data.make_spirals(90, classes=3, rng=1)
    assert sorted(set(y)) == [0, 1, 2] and [y.count(c) for c in range(3)] == [30, 30, 30]
    assert nn.data.make_moons(10, rng=1) != nn.data.make_moons(10, rng=2)
    with pytest.raises(ValueError, match="make_moons: n must be an int >= 2"):
        nn.data.make_moons(1)


def test_xor_labels_follow_signs():
    X, y = nn.data.make_xor(50, rng=3)
    assert all(label == int((a > 0) != (b > 0)) for (a, b), label in zip(X, y))


def test_demo_reaches_full_training_accuracy_and_draws_the_boundary():
    lines = []
    model, X, y, history = demo.train(log=lines.append)
    assert history[-1][2] == 1.0 and demo.accuracy(model, X, y) == 1.0
    assert history[-1][1] < history[0][1] and lines[0].startswith("step   0  loss")
    picture = demo.boundary_picture(model, X, y, width=40, height=12)
    rows = picture.splitlines()
    assert len(rows) == 12 and all(len(r) == 40 for r in rows)
    assert set(picture) <= set(".#ox\n") and "#" in picture and "." in picture


def test_same_seed_same_training_run():
    first = demo.train(steps=3, seed=5, log=None)
    second = demo.train(steps=3, seed=5, log=None)
    assert first[3] == second[3] and first[0].state_dict() == second[0].state_dict()


def test_nan_loss_names_the_step(monkeypatch):
    real = nn.data.make_moons

    def poisoned(*args, **kwargs):
        X, y = real(*args, **kwargs)
        X[0][0] = float("nan")
        return X, y
    monkeypatch.setattr(nn.data, "make_moons", poisoned)
    # relu(nan) is nan, so the very first loss is NaN and says so (it used to hide behind relu's 0)
    with pytest.raises(FloatingPointError, match="step 0: loss is nan"):
        demo.train(steps=2, log=None)


@pytest.mark.parametrize("argv,words", [
    (["--steps", "0"], "argument --steps: must be at least 1, got 0"),
    (["--steps", "ten"], "argument --steps: invalid int value: 'ten'"),
    (["--stpes", "5"], "unrecognized option --stpes (did you mean --steps?)"),
    (["extra"], "unexpected argument 'extra'"),
])
def test_demo_bad_options_give_one_line(capsys, argv, words):
    assert demo.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"python -m nn.demo: error: {words}; see python -m nn.demo --help\n"


def test_demo_ctrl_c_ends_with_one_line():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "nn.demo", "--steps", "100000"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout.readline().startswith("MLP(2, [16, 16, 1])")
    assert proc.stdout.readline().startswith("step   0")  # training has started
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err == "interrupted\n"
