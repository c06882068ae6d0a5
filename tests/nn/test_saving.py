"""nn.saving: one model format (JSON or safetensors by suffix) and files written atomically with
the permissions open() would give them."""

import contextlib
import json
import os
import stat

import pytest
from hypothesis import given, strategies as st

import nn
from nn import saving


@contextlib.contextmanager
def umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


SUFFIXES = ["model.json", "model.safetensors"]


@given(st.integers(0, 0o777))
def test_the_umask_is_read_without_changing_it(mask):
    with umask(mask):
        assert saving._umask() == mask
        assert os.umask(mask) == mask  # still set after reading it


def test_the_umask_fallback_when_proc_is_missing(monkeypatch):
    monkeypatch.setattr(saving, "_PROC_STATUS", "/nonexistent/status")
    for mask in (0o022, 0o077, 0o002):
        with umask(mask):
            assert saving._umask() == mask and os.umask(mask) == mask


@given(st.sampled_from([0o000, 0o002, 0o022, 0o027, 0o077, 0o177, 0o777]), st.sampled_from(SUFFIXES))
def test_new_files_get_the_mode_open_gives(tmp_path_factory, mask, name):
    folder = tmp_path_factory.mktemp("umask")
    with umask(mask):
        nn.MLP(2, [3, 1], rng=0).save(folder / name)
        saving.write_json_atomic(folder / "metrics.json", {"a": 1})
        with open(folder / "plain", "w"):
            pass
    assert mode(folder / name) == mode(folder / "plain") == 0o666 & ~mask
    assert mode(folder / "metrics.json") == 0o666 & ~mask


@pytest.mark.parametrize("name", SUFFIXES)
def test_an_existing_file_keeps_its_mode_as_with_open(tmp_path, name):
    path = tmp_path / name
    nn.MLP(2, [3, 1], rng=0).save(path)
    os.chmod(path, 0o640)
    with umask(0o077):
        nn.MLP(2, [3, 1], rng=1).save(path)
    assert mode(path) == 0o640
    assert nn.MLP(2, [3, 1], rng=2).load(path).state_dict() == nn.MLP(2, [3, 1], rng=1).state_dict()


def test_atomic_file_leaves_the_old_file_when_the_block_fails(tmp_path):
    path = tmp_path / "data.bin"
    saving.write_atomic(path, b"old")
    with pytest.raises(ValueError, match="checksum"):
        with saving.atomic_file(path) as f:
            f.write(b"new but wrong")
            raise ValueError("checksum does not match")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["data.bin"]


# one model format

def test_module_save_writes_the_documented_json(tmp_path):
    model = nn.fast_mlp(4, [3, 2], rng=0)
    model.save(tmp_path / "m.json", config={"activation": "relu"})
    obj = json.loads((tmp_path / "m.json").read_text())
    assert obj == {"format": "puregrad-model", "config": {"activation": "relu"},
                   "state_dict": model.state_dict()}
    model.save(tmp_path / "bare.json")
    assert json.loads((tmp_path / "bare.json").read_text())["config"] == {}


@pytest.mark.parametrize("name", SUFFIXES)
def test_config_round_trips(tmp_path, name):
    config = {"activation": "tanh", "sizes": [4, 3, 2], "lr": 0.003, "note": "é"}
    model = nn.fast_mlp(4, [3, 2], rng=0)
    model.save(tmp_path / name, config=config)
    state, read_back = saving.read_model(tmp_path / name)
    assert read_back == config and state == model.state_dict()
    model.save(tmp_path / name)
    assert saving.read_model(tmp_path / name)[1] == {}


def test_config_must_be_a_dict(tmp_path):
    with pytest.raises(TypeError, match="config must be a dict"):
        nn.MLP(2, [1], rng=0).save(tmp_path / "m.json", config=["relu"])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("layout", ["current", "mnist-before", "bare"])
def test_every_json_layout_loads_with_module_load(tmp_path, layout):
    state = nn.fast_mlp(4, [3, 2], rng=0).state_dict()
    obj = {"current": {"format": "puregrad-model", "config": {}, "state_dict": state},
           "mnist-before": {"format": "puregrad-mnist-model", "config": {"activation": "relu"},
                            "state_dict": state},
           "bare": state}[layout]
    (tmp_path / "m.json").write_text(json.dumps(obj))
    assert nn.fast_mlp(4, [3, 2], rng=1).load(tmp_path / "m.json").state_dict() == state


@pytest.mark.parametrize("obj, message", [
    ({"format": "keras", "weights": []}, "not a puregrad model file (its format is 'keras')"),
    ({"format": "puregrad-model", "config": {}}, "lacks its config or state_dict"),
    ({"format": "puregrad-model", "config": [], "state_dict": {}}, "lacks its config or state_dict"),
    ([1, 2], "expected a JSON object, got list"),
    ("deep", "bad or truncated JSON: "),
])
def test_json_that_is_not_a_model_file(tmp_path, obj, message):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(obj) if obj != "deep" else "[" * 100_000 + "]" * 100_000)
    model = nn.MLP(2, [1], rng=0)
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load(path)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)
    assert "\n" not in str(info.value) and model.state_dict() == before


@pytest.mark.parametrize("name", SUFFIXES)
def test_a_model_of_another_shape_is_refused_naming_file_and_shapes(tmp_path, name):
    path = tmp_path / name
    nn.fast_mlp(784, [16, 10], rng=0).save(path)
    model = nn.fast_mlp(784, [8, 10], rng=1)
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load(path)
    assert str(info.value) == (f"{path}: load_state_dict: key 'layers.0.weight': expected shape "
                               f"[8, 784], got [16, 784]")
    assert model.state_dict() == before
