"""One model format: train --save files load with nn's Module.load, and nn's files (JSON or
safetensors) score in eval/show, with a one-line warning when they do not record their config."""

import json
import re
import shlex
from pathlib import Path

import pytest
from mnist_files import run, write_dataset

import nn
from mnist.cli import main

ROOT = Path(__file__).resolve().parents[2]

TINY = ["--image-size", "7", "--hidden", "8", "--train-size", "40", "--test-size", "20",
        "--epochs", "1", "--batch-size", "10", "--lr", "0.01"]


def accuracy(out):
    return next(line for line in out.splitlines() if line.startswith("test accuracy"))


@pytest.fixture
def trained(capsys, tmp_path, data):
    """A tanh model trained to model.json and model.safetensors (the same weights)."""
    paths = [tmp_path / "model.json", tmp_path / "model.safetensors"]
    for path in paths:
        code, out, err = run(capsys, "train", "--data-dir", data, *TINY, "--activation", "tanh",
                             "--save", path)
        assert code == 0, err
    return paths


def test_train_save_files_load_with_module_load(trained):
    json_file, safetensors_file = trained
    model = nn.fast_mlp(49, [8, 10], activation="tanh").load(json_file)
    assert nn.fast_mlp(49, [8, 10]).load(safetensors_file).state_dict() == model.state_dict()
    state, config = nn.saving.read_model(safetensors_file)
    assert config["activation"] == "tanh" and config["sizes"] == [49, 8, 10]
    assert state == model.state_dict()
    with pytest.raises(ValueError, match=r"model.json: .*expected shape \[16, 49\], got \[8, 49\]"):
        nn.fast_mlp(49, [16, 10]).load(json_file)


def test_eval_reads_both_layouts_alike_without_a_warning(capsys, data, trained):
    results = [run(capsys, "eval", path, "--data-dir", data) for path in trained]
    assert [(code, err) for code, _, err in results] == [(0, ""), (0, "")]
    assert accuracy(results[0][1]) == accuracy(results[1][1])


@pytest.mark.parametrize("suffix", [".json", ".safetensors"])
def test_a_bare_module_file_warns_once_and_is_scored_as_relu_unless_told(capsys, tmp_path, data,
                                                                          trained, suffix):
    tanh = nn.fast_mlp(49, [8, 10], activation="tanh").load(trained[0])
    bare = tmp_path / f"bare{suffix}"
    tanh.save(bare)
    code, out, err = run(capsys, "eval", bare, "--data-dir", data)
    assert code == 0 and err.count("\n") == 1
    assert err == (f"warning: {bare} does not record its configuration; assuming relu (choose "
                   f"with --activation) and 7x7 images (its 49 inputs)\n")
    assert accuracy(out)
    code, out, err = run(capsys, "eval", bare, "--data-dir", data, "--activation", "tanh")
    assert code == 0 and err == ""
    assert accuracy(out) == accuracy(run(capsys, "eval", trained[0], "--data-dir", data)[1])
    code, out, err = run(capsys, "show", bare, "--data-dir", data, "--count", "1", "--ascii")
    assert code == 0 and err.startswith(f"warning: {bare} does not record") and "top-3" in out


def test_a_recorded_activation_wins_and_a_contrary_one_is_refused(capsys, tmp_path, data, trained):
    code, _, err = run(capsys, "eval", trained[1], "--data-dir", data, "--activation", "relu")
    assert code == 2 and err == (f"python -m mnist eval: error: --activation relu does not match "
                                 f"{trained[1]}, which was trained with tanh; see python -m mnist "
                                 f"eval --help\n")
    partial = tmp_path / "partial.json"
    nn.fast_mlp(49, [8, 10], activation="tanh").save(partial, config={"activation": "tanh"})
    code, _, err = run(capsys, "eval", partial, "--data-dir", data)
    assert code == 0 and err == ""  # the image size follows from the 49 inputs


@pytest.mark.parametrize("config, words", [
    ({"activation": "gelu"}, "unknown activation 'gelu' in the config"),
    ({"activation": "relu", "image_size": 14}, "the config says 14x14 images but the model takes 49 inputs"),
])
def test_a_config_that_contradicts_the_model(capsys, tmp_path, data, config, words):
    path = tmp_path / "odd.safetensors"
    nn.fast_mlp(49, [8, 10]).save(path, config=config)
    code, _, err = run(capsys, "eval", path, "--data-dir", data)
    assert code == 1 and err == f"error: {path}: {words}\n"


def test_a_broken_safetensors_file_is_one_line(capsys, tmp_path, data, trained):
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(trained[1].read_bytes()[:-100])
    code, _, err = run(capsys, "eval", cut, "--data-dir", data)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"error: {cut}: truncated: the header describes")


def test_an_old_train_save_file_still_scores(capsys, tmp_path, data, trained):
    new = json.loads(trained[0].read_text())
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**new, "format": "puregrad-mnist-model"}))
    code, out, err = run(capsys, "eval", old, "--data-dir", data)
    assert code == 0 and err == ""
    assert accuracy(out) == accuracy(run(capsys, "eval", trained[0], "--data-dir", data)[1])


def test_the_saving_page_transcript_matches_what_the_commands_print(capsys, tmp_path, monkeypatch):
    """docs/saving.md's console block, run in order on generated digits."""
    text = (ROOT / "docs" / "saving.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```console\n(.*?)^```", text, re.S | re.M)
    steps = re.split(r"^\$ ", block, flags=re.M)[1:]
    monkeypatch.setenv("MNIST_DATA", str(write_dataset(tmp_path / "data", n_train=60, n_test=20)))
    monkeypatch.chdir(tmp_path)
    for step in steps:
        command, *want = step.splitlines()
        argv = shlex.split(command)
        if argv[:2] == ["python", "-c"]:
            exec(argv[2], {})
            got = capsys.readouterr()
        else:
            assert argv[:3] == ["python", "-m", "mnist"], command
            assert main(argv[3:]) == 0, command
            got = capsys.readouterr()
        printed = got.err.splitlines() + got.out.splitlines()  # stderr's warning comes first
        assert _shown(want, printed), f"{command}: printed {printed}, the page shows {want}"


def _shown(want, printed):
    """Whether ``printed`` matches ``want`` line by line, numbers free, "..." for any lines."""
    from test_readme_transcripts import line_pattern

    skipping = False
    for line in want:
        if line == "...":
            skipping = True
            continue
        while printed and skipping and not line_pattern(line).match(printed[0]):
            printed = printed[1:]
        if not printed or not line_pattern(line).match(printed[0]):
            return False
        printed, skipping = printed[1:], False
    return skipping or not printed
