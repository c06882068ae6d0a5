"""The command line: bad options exit non-zero with one clear line and touch no file; a tiny run end to end."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mnist_files import run, write_dataset


ROOT = Path(__file__).resolve().parents[2]
TINY = ["--engine", "scalar", "--image-size", "7", "--hidden", "8", "--train-size", "40",
        "--test-size", "20", "--epochs", "2", "--batch-size", "10", "--lr", "0.01"]


BAD_TRAIN = [
    (["--train-size", "0"], "--train-size"), (["--train-size", "-5"], "--train-size"),
    (["--train-size", "70000"], "1 to 60000"), (["--train-size", "ten"], "not a whole number"),
    (["--test-size", "0"], "--test-size"), (["--test-size", "10001"], "1 to 10000"),
    (["--epochs", "0"], "--epochs"), (["--batch-size", "0"], "--batch-size"),
    (["--hidden", "0"], "at least 1 unit"), (["--hidden", "64,0"], "at least 1 unit"),
    (["--hidden", "64,,32"], "sizes like"), (["--lr", "0"], "positive"), (["--lr", "nan"], "positive"),
    (["--lr", "-1"], "positive"), (["--seed", "-1"], "negative"), (["--engine", "gpu"], "invalid choice"),
    (["--optimizer", "rmsprop"], "invalid choice"), (["--image-size", "10"], "invalid choice"),
    (["--activation", "gelu"], "invalid choice"), (["--bogus"], "unrecognized option --bogus"),
    (["--epcohs", "2"], "unrecognized option --epcohs (did you mean --epochs?)"),
    (["--eval-every", "0"], "at least 1"), (["--eval-every", "often"], "N, N batches, N epochs or end"),
    (["--eval-every", "2 weeks"], "not N"), (["--lr-schedule", "warm"], "not none, cosine or step:N:GAMMA"),
    (["--lr-schedule", "step:0"], "N epochs >= 1"), (["--lr-schedule", "step:2:-1"], "GAMMA > 0"), (["--checkpoint-every", "0"], "--checkpoint-every"),
    (["--train-size", "10", "--batch-size", "50"], "larger than --train-size"),
]


@pytest.mark.parametrize("argv,words", BAD_TRAIN, ids=[" ".join(a) for a, _ in BAD_TRAIN])
def test_bad_train_options(capsys, tmp_path, data, argv, words):
    saved = tmp_path / "model.json"
    saved.write_text("old model")
    code, out, err = run(capsys, "train", "--data-dir", data, "--save", saved, *argv)
    assert code == 2 and words in err and "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("; see python -m mnist train --help\n")
    assert saved.read_text() == "old model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "model.json"]


BAD_OTHER = [
    (["eval", "m.json", "--tset-size", "5"], "python -m mnist eval",
     "unrecognized option --tset-size (did you mean --test-size?)"),
    (["eval", "m.json", "--test-size", "0"], "python -m mnist eval",
     "argument --test-size: 0 is out of range (choose 1 to 10000)"),
    (["eval"], "python -m mnist eval", "the following arguments are required: model"),
    (["eval", "a.json", "b.json"], "python -m mnist eval", "unexpected argument 'b.json'"),
    (["show", "--cuont", "2"], "python -m mnist show", "unrecognized option --cuont (did you mean --count?)"),
    (["show", "--count", "many"], "python -m mnist show", "argument --count: 'many' is not a whole number"),
    (["show", "--engine", "gpu"], "python -m mnist show", "argument --engine: invalid choice: 'gpu'"),
    (["trian"], "python -m mnist", "argument {train,eval,show,predict,report}: invalid choice: 'trian'"),
    ([], "python -m mnist", "the following arguments are required: {train,eval,show,predict,report}"),
]


@pytest.mark.parametrize("argv,prog,words", BAD_OTHER, ids=[" ".join(a) or "nothing" for a, _, _ in BAD_OTHER])
def test_bad_options_give_one_line_pointing_to_help(capsys, argv, prog, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"{prog}: error: {words}") and err.endswith(f"; see {prog} --help\n")


@pytest.mark.parametrize("where,words", [("missing/m.json", "does not exist"), (".", "is a folder")])
def test_unwritable_save_path_refused_before_training(capsys, tmp_path, data, where, words):
    code, _, err = run(capsys, "train", "--data-dir", data, *TINY, "--save", tmp_path / where)
    assert code == 2 and words in err


def test_save_and_metrics_must_differ(capsys, tmp_path, data):
    path = tmp_path / "same.json"
    code, _, err = run(capsys, "train", "--data-dir", data, *TINY, "--save", path, "--metrics", path)
    assert code == 2 and "same file" in err and not path.exists()


def test_data_problems_exit_1_with_one_line(capsys, tmp_path, data):
    code, _, err = run(capsys, "train", "--data-dir", tmp_path / "nowhere", *TINY)
    assert code == 1 and err.count("\n") == 1 and "no such folder" in err
    code, _, err = run(capsys, "train", "--data-dir", data, *TINY[:-8], "--train-size", "100",
                       "--test-size", "5", "--epochs", "1")
    assert code == 1 and "asked for 100 images, the set has 60" in err


def test_offline_without_data(capsys):
    code, _, err = run(capsys, "show")
    assert code == 1 and "MNIST_DATA" in err and "--data-dir" in err


def test_train_eval_show_end_to_end(capsys, tmp_path, data):
    model, metrics = tmp_path / "model.json", tmp_path / "metrics.json"
    code, out, err = run(capsys, "train", "--data-dir", data, *TINY, "--save", model, "--metrics", metrics)
    assert code == 0, err
    assert "epoch 2/2" in out and "test accuracy" in out and "true \\ predicted" in out
    m = json.loads(metrics.read_text())
    assert m["config"]["sizes"] == [49, 8, 10] and m["config"]["seed"] == 0
    assert [e["epoch"] for e in m["epochs"]] == [1, 2]
    assert set(m["epochs"][0]) == {"epoch", "loss", "train_accuracy", "test_accuracy", "batch_losses"}
    assert [len(e["batch_losses"]) for e in m["epochs"]] == [4, 4]  # 40 images in batches of 10
    assert m["epochs"][0]["loss"] == pytest.approx(sum(m["epochs"][0]["batch_losses"]) / 4)
    assert [(v["epoch"], v["batch"], v["test_size"]) for v in m["evaluations"]] == [(1, 4, 20), (2, 4, 20)]
    assert [v["test_accuracy"] for v in m["evaluations"]] == [e["test_accuracy"] for e in m["epochs"]]
    assert set(m["timings"][0]) == {"epoch", "seconds", "images_per_second", "test_seconds"}
    assert "training loss by batch" in out and "test accuracy" in out
    # the same command and seed give the same metrics, timings apart
    again = tmp_path / "again.json"
    assert run(capsys, "train", "--data-dir", data, *TINY, "--metrics", again)[0] == 0
    m2 = json.loads(again.read_text())
    assert (m2["config"], m2["epochs"]) == (m["config"], m["epochs"])

    code, out, _ = run(capsys, "eval", model, "--data-dir", data)
    assert code == 0 and f"{100 * m['epochs'][-1]['test_accuracy']:.2f}%" in out
    code, out, _ = run(capsys, "show", model, "--data-dir", data, "--all", "--count", "2", "--ascii")
    assert code == 0 and out.count("true label") == 2 and "top-3" in out and out.isascii()
    assert "showing the first 2 test images, right or wrong" in out.splitlines()[0]
    code, _, err = run(capsys, "eval", model, "--data-dir", data, "--image-size", "14")
    assert code == 2 and "does not match" in err and "49 inputs" in err


def test_show_without_a_model(capsys, data):
    code, out, _ = run(capsys, "show", "--data-dir", data, "--count", "3")
    assert code == 0 and out.count("true label") == 3


def _state(sizes):
    state = {}
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        state[f"layers.{i}.weight"] = [[0.0] * a for _ in range(b)]
        state[f"layers.{i}.bias"] = [0.0] * b
    return state


BAD_MODELS = [
    ("truncated.json", '{"layers.0.weight": [[0.0, ', "truncated JSON"),
    ("list.json", "[1, 2]", "expected a JSON object"),
    ("odd-inputs.json", json.dumps(_state([50, 10])), "50 inputs"),
    ("nine-outputs.json", json.dumps(_state([49, 9])), "9 outputs"),
    ("gap.json", json.dumps({**_state([49, 4]), "layers.1.weight": [[0.0] * 5] * 10,
                             "layers.1.bias": [0.0] * 10}), "takes 5 inputs"),
    ("extra.json", json.dumps({**_state([49, 10]), "head.weight": []}), "unexpected key 'head.weight'"),
    ("nan.json", json.dumps(_state([49, 10])).replace("0.0", "NaN", 1), "finite numbers"),
]


@pytest.mark.parametrize("name,text,words", BAD_MODELS, ids=[b[0] for b in BAD_MODELS])
def test_unusable_model_files(capsys, tmp_path, data, name, text, words):
    path = tmp_path / name
    path.write_text(text)
    code, _, err = run(capsys, "eval", path, "--data-dir", data, "--engine", "scalar")
    assert code == 1 and words in err and str(path) in err and err.count("\n") == 1


def test_missing_model_file_and_bare_state_dict(capsys, tmp_path, data):
    code, _, err = run(capsys, "eval", tmp_path / "none.json", "--data-dir", data)
    assert code == 1 and "cannot read the model file" in err
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(_state([49, 10])))
    code, out, _ = run(capsys, "eval", bare, "--data-dir", data, "--engine", "scalar")
    assert code == 0 and "test accuracy" in out


def test_module_entry_point_prints_no_traceback(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "mnist", "train", "--hidden", "0"], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "at least 1 unit" in bad.stderr and "Traceback" not in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "mnist", "eval", str(tmp_path / "m.json")],
                             cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.startswith("error: ")
    assert "Traceback" not in missing.stderr


def test_a_fast_model_scores_the_same_on_the_scalar_engine(capsys, tmp_path, data):
    model = tmp_path / "fast.json"
    code, _, err = run(capsys, "train", "--data-dir", data, *TINY[2:], "--engine", "fast", "--save", model)
    assert code == 0, err
    lines = [run(capsys, "eval", model, "--data-dir", data, "--engine", name)[1].splitlines()[0]
             for name in ("fast", "scalar")]
    assert lines[0] == lines[1] and lines[0].startswith("test accuracy")


def test_the_scalar_engine_scores_a_subset_by_default_and_says_so(capsys, tmp_path):
    data = write_dataset(tmp_path / "big", n_train=20, n_test=1003)
    small = ["--image-size", "7", "--hidden", "4", "--train-size", "20", "--batch-size", "10"]
    metrics = tmp_path / "m.json"
    code, out, err = run(capsys, "train", "--data-dir", data, *small, "--engine", "scalar",
                         "--metrics", metrics)
    assert code == 0, err
    assert ("scoring the first 1000 of 1003 test images, the scalar engine's default "
            "(--test-size 1003 scores them all)") in out.splitlines()
    assert " of the first 1000 of 1003 test images)" in out
    m = json.loads(metrics.read_text())
    assert m["config"]["test_size"] == 1000 and m["evaluations"][0]["test_size"] == 1000
    code, out, _ = run(capsys, "train", "--data-dir", data, *small, "--engine", "fast")
    assert code == 0 and "scoring" not in out and " of 1003 test images)" in out


def test_show_header_says_what_it_shows(capsys, tmp_path, data, monkeypatch):
    model = tmp_path / "model.json"
    assert run(capsys, "train", "--data-dir", data, *TINY, "--save", model)[0] == 0

    def perfect(engine, digits, progress=False):
        return [[1.0 if c == y else 0.0 for c in range(10)] for y in digits.labels]
    monkeypatch.setattr("mnist.train.predict", perfect)
    code, out, _ = run(capsys, "show", model, "--data-dir", data, "--count", "2")
    assert code == 0 and out == ("0 of 20 test images predicted wrong; nothing to show "
                                 "(--all shows right answers too)\n")
    code, out, _ = run(capsys, "show", model, "--data-dir", data, "--count", "2", "--all")
    assert out.splitlines()[0] == "0 of 20 test images predicted wrong; showing the first 2 test " \
        "images, right or wrong" and out.count("(right)") == 2
