"""Checkpoints and resume: a run stopped after any batch and resumed ends exactly as one that ran
through; Ctrl-C keeps the last checkpoint and says how to go on; bad checkpoints are refused."""

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from mnist_files import random_digits, run

from mnist import dataset, engines
from mnist.checkpoint import default_path, interrupts_held, read_checkpoint, write_checkpoint
from mnist.digits import Digits
from mnist.train import EvalEvery, RunState, train
from nn.parallel import DataParallel

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--train-size", "60", "--test-size", "20", "--hidden", "8", "--image-size", "7",
        "--batch-size", "10"]  # 6 batches an epoch


def _default_ctrl_c():
    """In the child: SIGINT as a terminal's Ctrl-C, even if this process was started ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def results(model, metrics):
    """What must not depend on stopping and resuming: the model file, and the metrics but timings."""
    m = json.loads(metrics.read_text())
    return json.loads(model.read_text()), {k: m[k] for k in ("config", "epochs", "evaluations")}


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
@pytest.mark.parametrize("engine", ["fast", "scalar"])
def test_one_epoch_resumed_for_two_more_equals_three(capsys, tmp_path, data, engine, optimizer):
    common = ["train", "--data-dir", data, *TINY, "--engine", engine, "--optimizer", optimizer]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(capsys, *common, "--epochs", 3, "--save", a, "--metrics", tmp_path / "am.json")[0] == 0
    assert run(capsys, *common, "--epochs", 1, "--save", b)[0] == 0
    assert read_checkpoint(tmp_path / "b.ckpt.json").state.epoch == 2
    code, out, err = run(capsys, "train", "--resume", tmp_path / "b.ckpt.json", "--epochs", 3,
                         "--metrics", tmp_path / "bm.json")
    assert code == 0, err
    assert "resuming from" in out and "after epoch 1" in out and "epoch 1/3" not in out
    assert f"model saved to {b}\n" in out  # the checkpoint keeps where the model goes
    assert results(a, tmp_path / "am.json") == results(b, tmp_path / "bm.json")  # bit for bit


@pytest.mark.parametrize("schedule", ["cosine", "step:1:0.5"])
def test_a_scheduled_run_interrupted_and_resumed_equals_one_that_ran_through(capsys, monkeypatch,
                                                                            tmp_path, data, schedule):
    common = ["train", "--data-dir", data, *TINY, "--epochs", 3, "--lr-schedule", schedule,
              "--checkpoint-every", 4]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    code, out, _ = run(capsys, *common, "--save", a, "--metrics", tmp_path / "am.json")
    assert ("(x0.5 every 1 epoch)" if schedule.startswith("step") else "(cosine to 0 over 18 batches)") \
        in out.splitlines()[0]
    rates = [line.split("  lr ")[1] for line in out.splitlines() if "  lr " in line]
    cosine = [f"{0.003 * (1 + math.cos(math.pi * t / 18)) / 2:.3g}" for t in (5, 11, 17)]
    assert rates == (["0.003", "0.0015", "0.00075"] if schedule.startswith("step") else cosine)
    with monkeypatch.context() as m:
        Interrupt(m, "fast", at=11)
        assert run(capsys, *common, "--save", b)[0] == 130
    code, out, err = run(capsys, "train", "--resume", tmp_path / "b.ckpt.json", "--metrics",
                         tmp_path / "bm.json")
    assert code == 0, err
    assert results(a, tmp_path / "am.json") == results(b, tmp_path / "bm.json")
    plain = tmp_path / "plain.json"
    assert run(capsys, "train", "--data-dir", data, *TINY, "--epochs", 3, "--save", plain)[0] == 0
    assert json.loads(plain.read_text())["state_dict"] != json.loads(a.read_text())["state_dict"]


def test_a_cosine_schedule_cannot_be_stretched_on_resume(capsys, tmp_path, data):
    model = tmp_path / "m.json"
    code, out, _ = run(capsys, "train", "--data-dir", data, *TINY, "--lr-schedule", "cosine", "--save", model)
    assert code == 0 and out.endswith(f"\ncheckpoint in {tmp_path / 'm.ckpt.json'}\n")
    assert "adam lr 0.003 (cosine to 0 over 6 batches), 60 training images" in out
    code, _, err = run(capsys, "train", "--resume", tmp_path / "m.ckpt.json", "--epochs", 2)
    assert code == 2 and err.count("\n") == 1
    assert f"--epochs 2 does not match {tmp_path / 'm.ckpt.json'}, whose cosine schedule spans --epochs 1" in err
    code, _, err = run(capsys, "train", "--resume", tmp_path / "m.ckpt.json", "--lr-schedule", "step:1")
    assert code == 2 and "--lr-schedule step:1:0.1 does not match" in err and "--lr-schedule cosine" in err


class Interrupt:
    """Ctrl-C arrives during batch number ``at``, inside the engine's ``train_batch``. With
    several workers the batch is ``DataParallel.train_batch``, which calls the engine here once
    or more (for each piece this process takes), so batches are counted there."""

    def __init__(self, monkeypatch, engine, at):
        self.batches, self.at, self.inside = 0, at, False
        cls = engines.ENGINES[engine]
        real, real_parallel = cls.train_batch, DataParallel.train_batch

        def parallel_batch(parallel_self, xs, ys):
            self.batches, self.inside = self.batches + 1, True
            try:
                return real_parallel(parallel_self, xs, ys)
            finally:
                self.inside = False

        def train_batch(engine_self, xs, ys):
            if not self.inside:
                self.batches += 1
            if self.batches == self.at:
                raise KeyboardInterrupt
            return real(engine_self, xs, ys)
        monkeypatch.setattr(cls, "train_batch", train_batch)
        monkeypatch.setattr(DataParallel, "train_batch", parallel_batch)


@pytest.mark.parametrize("engine", ["fast", "scalar"])
def test_ctrl_c_mid_epoch_keeps_the_last_checkpoint_and_resumes_exactly(capsys, monkeypatch, tmp_path,
                                                                         data, engine):
    common = ["train", "--data-dir", data, *TINY, "--engine", engine, "--epochs", 3,
              "--checkpoint-every", 4, "--eval-every", 5]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(capsys, *common, "--save", a, "--metrics", tmp_path / "am.json")[0] == 0
    with monkeypatch.context() as m:
        Interrupt(m, engine, at=11)  # checkpoints at batches 4, 6 (epoch end) and 8 = epoch 2 batch 2
        code, out, err = run(capsys, *common, "--save", b, "--metrics", tmp_path / "bm.json")
    ckpt = tmp_path / "b.ckpt.json"
    assert code == 130 and err.count("\n") == 1 and "Traceback" not in err
    assert err == (f"interrupted; the checkpoint at epoch 2, batch 2 is kept in {ckpt}; "
                   f"continue with: python -m mnist train --resume {ckpt}\n")
    assert not b.exists() and not (tmp_path / "bm.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ckpt.json", "a.json", "am.json",
                                                          "b.ckpt.json", "data"]
    state = read_checkpoint(ckpt).state
    assert (state.epoch, state.batch, len(state.current["batch_losses"])) == (2, 2, 2)
    code, out, err = run(capsys, *err.split("continue with: python -m mnist ")[1].split())
    assert code == 0, err
    assert "resuming from" in out and "at epoch 2, batch 2" in out
    assert results(a, tmp_path / "am.json") == results(b, tmp_path / "bm.json")
    assert read_checkpoint(ckpt).options["checkpoint_every"] == 4  # kept for the resumed run


@settings(max_examples=12, deadline=None)
@given(engine=st.sampled_from(["fast", "scalar"]), optimizer=st.sampled_from(["sgd", "adam", "adamw"]),
       schedule=st.sampled_from(["none", "cosine", "step:1:0.5", "step:2:0.1"]), stop=st.integers(1, 17),
       every=st.sampled_from(["3", "1 epoch", "2 epochs", "end", "5 batches"]))
def test_stopping_after_any_batch_and_resuming_changes_nothing(engine, optimizer, schedule, stop, every):
    images, labels = random_digits(30, seed=4)
    data = dataset.downsample(Digits(images, bytes(labels)), 7)
    train_set, test_set = dataset.first(data, 30), dataset.first(data, 10)
    eval_every, quiet = EvalEvery.parse(every), (lambda line: None)

    def fresh():
        """A run's engine, optimizer and schedule (built before any state is loaded, as the CLI does)."""
        e = engines.make_engine(engine, [49, 4, 10], "relu", seed=3)
        opt = engines.make_optimizer(optimizer, e.model.parameters(), 0.01)
        scheduler, per = engines.make_scheduler(schedule, opt, 3, 6)
        return e, opt, scheduler, {"scheduler": scheduler, "step_per": per, "eval_every": eval_every,
                                   "log": quiet}

    whole_engine, whole_opt, _, kw = fresh()
    whole, whole_probs = train(whole_engine, whole_opt, train_set, test_set, 3, 5, seed=1, **kw)

    class Stop(Exception):
        pass

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.ckpt.json")
        first_engine, first_opt, first_scheduler, kw = fresh()

        def keep(state):
            write_checkpoint(path, {}, {}, first_engine.model, first_opt, state, first_scheduler)
            if (state.epoch - 1) * 6 + state.batch == stop:
                raise Stop
        with pytest.raises(Stop):
            train(first_engine, first_opt, train_set, test_set, 3, 5, seed=1, checkpoint_every=1,
                  on_checkpoint=keep, **kw)
        with open(path) as f:
            saved = json.load(f)
    engine_b, opt_b, scheduler_b, kw = fresh()
    engine_b.model.load_state_dict(saved["model"])
    opt_b.load_state_dict(saved["optimizer"])
    if scheduler_b is not None:
        scheduler_b.load_state_dict(saved["lr_scheduler"])
    state = RunState(**saved["position"], **saved["metrics"])
    resumed, resumed_probs = train(engine_b, opt_b, train_set, test_set, 3, 5, seed=1, state=state, **kw)
    assert engine_b.model.state_dict() == whole_engine.model.state_dict()
    assert opt_b.state_dict() == whole_opt.state_dict()
    assert (resumed.epochs, resumed.evaluations) == (whole.epochs, whole.evaluations)
    assert resumed_probs == whole_probs


def test_sigint_keeps_the_last_checkpoint_and_leaves_no_partial_file(tmp_path, data):
    """A real Ctrl-C, sent once the first checkpoint exists, while a long run is still going."""
    model, ckpt = tmp_path / "m.json", tmp_path / "m.ckpt.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "mnist", "train", "--data-dir", str(data), *TINY,
                             "--epochs", "10000", "--save", str(model)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_ctrl_c)
    deadline = time.monotonic() + 120
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ckpt.exists(), f"no checkpoint appeared: {proc.poll()}"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.endswith(f"continue with: python -m mnist train --resume {ckpt}\n")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "m.ckpt.json"]  # no temporary file
    state = read_checkpoint(ckpt).state
    assert state.batch == 0 and state.epoch >= 2 and len(state.epochs) == state.epoch - 1


def test_interrupts_held_finishes_the_block_then_raises():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
            done.append("finished")
    assert done == ["finished"] and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_interrupt_messages_without_a_checkpoint(capsys, monkeypatch, tmp_path, data):
    Interrupt(monkeypatch, "fast", at=2)
    code, _, err = run(capsys, "train", "--data-dir", data, *TINY)
    assert code == 130 and err == ("interrupted; nothing was saved (with --save or --checkpoint, "
                                   "train keeps a checkpoint after each epoch)\n")
    Interrupt(monkeypatch, "fast", at=2)
    code, _, err = run(capsys, "train", "--data-dir", data, *TINY, "--save", tmp_path / "m.json")
    assert code == 130 and err == "interrupted before the first checkpoint; nothing was saved\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_batch_order_depends_on_seed_and_epoch_alone():
    """Why the position is enough: string seeds are hashed with SHA-512, not Python's salted hash."""
    code = "from mnist.dataset import batches; print(batches(50, 7, seed='3:2'))"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": h}).stdout
            for h in ("1", "2", "random")}
    assert runs == {str(dataset.batches(50, 7, seed="3:2")) + "\n"}


@pytest.mark.parametrize("save,expected", [("model.json", "model.ckpt.json"), ("runs/m", "runs/m.ckpt.json"),
                                           ("a.b/m.safetensors", "a.b/m.ckpt.json")])
def test_default_checkpoint_path_is_beside_the_model(save, expected):
    assert default_path(save) == expected


@pytest.fixture
def checkpoint(capsys, tmp_path, data):
    """A run of one epoch saved as m.json with its checkpoint m.ckpt.json."""
    code, _, err = run(capsys, "train", "--data-dir", data, *TINY, "--save", tmp_path / "m.json")
    assert code == 0, err
    return tmp_path / "m.ckpt.json"


CONFLICTS = [
    (["--engine", "scalar"], "--engine scalar does not match {}, which was trained with --engine fast"),
    (["--hidden", "16"], "--hidden 16 does not match {}, which was trained with --hidden 8"),
    (["--optimizer", "sgd"], "--optimizer sgd does not match {}, which was trained with --optimizer adam"),
    (["--image-size", "14"], "--image-size 14 does not match {}, which was trained with --image-size 7"),
    (["--lr", "0.01"], "--lr 0.01 does not match {}, which was trained with --lr 0.003"),
    (["--seed", "1"], "--seed 1 does not match {}, which was trained with --seed 0"),
]


@pytest.mark.parametrize("argv,words", CONFLICTS, ids=[a[0] for a, _ in CONFLICTS])
def test_a_checkpoint_for_another_setting_is_refused(capsys, checkpoint, argv, words):
    before = {p: p.read_bytes() for p in checkpoint.parent.glob("*.json")}
    code, out, err = run(capsys, "train", "--resume", checkpoint, "--epochs", 2, *argv)
    assert code == 2 and words.format(checkpoint) in err and err.count("\n") == 1 and out == ""
    assert {p: p.read_bytes() for p in checkpoint.parent.glob("*.json")} == before


def test_same_settings_given_again_and_more_epochs_are_fine(capsys, checkpoint):
    code, out, err = run(capsys, "train", "--resume", checkpoint, "--engine", "fast", "--hidden", "8",
                         "--epochs", 2)
    assert code == 0, err
    assert "epoch 2/2" in out and read_checkpoint(checkpoint).state.epoch == 3
    code, _, err = run(capsys, "train", "--resume", checkpoint, "--epochs", 1)
    assert code == 2 and "--epochs 1: " in err and "has already trained 2 epochs" in err


def test_resuming_a_finished_run_scores_and_saves_again(capsys, tmp_path, checkpoint):
    metrics = tmp_path / "again.json"
    code, out, err = run(capsys, "train", "--resume", checkpoint, "--metrics", metrics)
    assert code == 0, err
    assert "after epoch 1" in out and "epoch 1/1" not in out and "test accuracy" in out
    m = json.loads(metrics.read_text())
    assert len(m["epochs"]) == 1 and len(m["evaluations"]) == 1


def _edit(path, change):
    obj = json.loads(path.read_text())
    change(obj)
    path.write_text(json.dumps(obj))


BAD = [
    ("truncated", lambda p: p.write_text(p.read_text()[:500]), "not a checkpoint (bad or truncated JSON"),
    ("empty", lambda p: p.write_text(""), "not a checkpoint (bad or truncated JSON"),
    ("a list", lambda p: p.write_text("[1, 2]"), "not a checkpoint (expected a JSON object, got list)"),
    ("foreign", lambda p: p.write_text('{"hello": 1}'), 'not a checkpoint (no "format"'),
    ("model file", lambda p: p.write_text((p.parent / "m.json").read_text()), "a model file, not a checkpoint"),
    ("version", lambda p: _edit(p, lambda o: o.update(version=2)), "checkpoint version 2"),
    ("no optimizer", lambda p: _edit(p, lambda o: o.pop("optimizer")), "'optimizer' is missing"),
    ("options", lambda p: _edit(p, lambda o: o["options"].update(save=3)), "options are not paths"),
    ("config", lambda p: _edit(p, lambda o: o["config"].pop("seed")), "config lacks 'seed'"),
    ("count", lambda p: _edit(p, lambda o: o["config"].update(batch_size="10")), "batch_size '10'"),
    ("shape", lambda p: _edit(p, lambda o: o["config"].update(sizes=[49, 9, 10])),
     "layer sizes [49, 8, 10] differ from the config's [49, 9, 10]"),
    ("position", lambda p: _edit(p, lambda o: o["position"].update(batch=6)), "past the end of an epoch"),
    ("metrics", lambda p: _edit(p, lambda o: o["metrics"]["epochs"].clear()), "metrics do not match"),
    ("records", lambda p: _edit(p, lambda o: o["metrics"]["evaluations"].append(3)),
     "metrics.evaluations is not a list of records"),
    ("totals", lambda p: _edit(p, lambda o: o["metrics"]["current"].update(seen="0")),
     "metrics.current is not the running totals"),
    ("losses", lambda p: _edit(p, lambda o: o["metrics"]["epochs"][0]["batch_losses"].append(None)),
     "batch_losses are not lists of numbers"),
    ("weights", lambda p: _edit(p, lambda o: o["model"]["layers.0.weight"][0].pop()), "rectangular"),
    ("optimizer", lambda p: _edit(p, lambda o: o["optimizer"].update(optimizer="SGD")),
     "state dict for 'SGD'"),
    ("eval-every", lambda p: _edit(p, lambda o: o["config"].update(eval_every="often")), "eval_every"),
    ("schedule", lambda p: _edit(p, lambda o: o["config"].update(lr_schedule="cosine")),
     "lr_scheduler does not match its config's lr_schedule 'cosine'"),
]


@pytest.mark.parametrize("name,damage,words", BAD, ids=[b[0] for b in BAD])
def test_a_damaged_checkpoint_is_named_and_nothing_is_written(capsys, tmp_path, checkpoint, name,
                                                             damage, words):
    damage(checkpoint)
    before = {p: p.read_bytes() for p in tmp_path.glob("*.json")}
    code, out, err = run(capsys, "train", "--resume", checkpoint, "--epochs", 2)
    assert code == 1 and err.startswith(f"error: {checkpoint}: ") and words in err
    assert err.count("\n") == 1 and "epoch" not in out
    assert {p: p.read_bytes() for p in tmp_path.glob("*.json")} == before


def test_a_missing_checkpoint_is_named(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--resume", tmp_path / "none.ckpt.json")
    assert code == 1 and "none.ckpt.json: cannot read the checkpoint" in err



def test_a_run_whose_one_batch_is_the_whole_set_resumes(capsys, tmp_path, data):
    """Batch 100 on the 60 images of the set: fine when --train-size was not given, resumed too."""
    common = ["--image-size", "7", "--hidden", "4", "--test-size", "5"]
    assert run(capsys, "train", "--data-dir", data, *common, "--save", tmp_path / "m.json")[0] == 0
    code, out, err = run(capsys, "train", "--resume", tmp_path / "m.ckpt.json", "--epochs", 2)
    assert code == 0, err
    assert "epoch 2/2" in out
