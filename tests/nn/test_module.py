"""nn.Module: parameter discovery and order, modes, state dicts, atomic save and careful load."""

import json
import math
import os

import pytest
from hypothesis import given, strategies as st

import nn
from autograd import Value
from nn.module import write_json_atomic


class FakeArray:
    """The smallest array parameter: ``.data`` rows, ``.grad`` rows or None, ``.shape``."""

    def __init__(self, rows):
        self.data = [list(map(float, r)) for r in rows]
        self.grad = None

    @property
    def shape(self):
        return (len(self.data), len(self.data[0]))


class FakeLinear(nn.Module):
    """What an array Linear needs to write: two attributes and named_tensors with a flat bias."""

    def __init__(self, nin, nout, seed):
        weight, bias = nn.init.layer("uniform", nin, nout, nn.init.as_rng(seed))
        self.weight = FakeArray(weight)
        self.bias = FakeArray([[0.5 * j for j in range(nout)]])
        self._last_input = FakeArray([[1.0]])  # private: never a parameter

    def named_tensors(self):
        yield "weight", self.weight
        yield "bias", nn.flat(self.bias)


class FakeStack(nn.Module):
    def __init__(self):
        self.layers = [FakeLinear(3, 2, 0), FakeLinear(2, 1, 1)]


def test_parameter_order_is_micrograds():
    model = nn.MLP(2, [3, 1], rng=0)
    names = [n for n, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    expected = [p for layer in model.layers for n in layer.neurons for p in n.w + [n.b]]
    assert all(a is b for a, b in zip(model.parameters(), expected)) and len(expected) == len(names)


def test_state_dict_names_and_shapes():
    sd = nn.MLP(2, [4, 3, 1], rng=0).state_dict()
    assert list(sd) == [f"layers.{i}.{k}" for i in range(3) for k in ("weight", "bias")]
    assert [len(sd["layers.0.weight"]), len(sd["layers.0.weight"][0])] == [4, 2]
    assert len(sd["layers.1.bias"]) == 3 and len(sd["layers.2.weight"][0]) == 3
    json.dumps(sd)  # plain lists of floats


def test_zero_grad_train_eval():
    model = nn.MLP(2, [2, 1], rng=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert model.eval() is model and not model.training
    assert not model.layers[1].training and not model.layers[0].neurons[1].training
    model.train()
    assert model.layers[0].neurons[1].training


def test_array_parameters_discovered_and_saved():
    stack = FakeStack()
    names = [n for n, _ in stack.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    sd = stack.state_dict()
    assert sd["layers.0.bias"] == [0.0, 0.5] and len(sd["layers.0.weight"]) == 2
    stack.layers[0].weight.grad = [[1.0] * 3] * 2
    stack.zero_grad()
    assert stack.layers[0].weight.grad is None


def test_weights_move_between_scalar_and_array_models():
    scalar, arrays = nn.MLP(3, [2, 1], rng=5), FakeStack()
    arrays.load_state_dict(scalar.state_dict())
    assert arrays.state_dict() == scalar.state_dict()
    arrays.layers[1].bias.data[0][0] = 0.25
    scalar.load_state_dict(arrays.state_dict())
    assert scalar.layers[1].neurons[0].b.data == 0.25


def test_same_seed_same_model():
    assert nn.MLP(4, [8, 2], rng=3).state_dict() == nn.MLP(4, [8, 2], rng=3).state_dict()
    assert nn.MLP(4, [8, 2], rng=3).state_dict() != nn.MLP(4, [8, 2], rng=4).state_dict()


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(st.integers(0, 2**32), st.lists(finite, min_size=1, max_size=5))
def test_save_load_round_trip_bit_identical(tmp_path_factory, seed, extremes):
    model = nn.MLP(3, [4, 2], init="xavier", rng=seed)
    for p, x in zip(model.parameters(), extremes):  # awkward floats survive JSON too
        p.data = x
    path = tmp_path_factory.mktemp("m") / "model.json"
    model.save(path)
    other = nn.MLP(3, [4, 2], rng=seed + 1).load(path)
    bits = [p.data.hex() for p in model.parameters()]
    assert [p.data.hex() for p in other.parameters()] == bits


def _snapshot(model):
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("change, message", [
    (lambda sd: sd.pop("layers.1.bias"), "missing key 'layers.1.bias'"),
    (lambda sd: sd.update(extra=[1.0]), "unexpected key 'extra'"),
    (lambda sd: sd["layers.0.weight"].pop(), "key 'layers.0.weight': expected shape [3, 2], got [2, 2]"),
    (lambda sd: sd["layers.0.weight"].append([1.0]), "key 'layers.0.weight': expected shape [3, 2], got length 4 on axis 0"),
    (lambda sd: sd["layers.0.weight"][2].append(1.0), "key 'layers.0.weight': at [2]: expected shape [2]"),
    (lambda sd: sd["layers.1.bias"].__setitem__(0, "x"), "key 'layers.1.bias': item 0: expected a number"),
    (lambda sd: sd.__setitem__("layers.1.bias", 1.0), "key 'layers.1.bias': expected a list"),
])
def test_load_state_dict_names_first_wrong_key_and_changes_nothing(change, message):
    model = nn.MLP(2, [3, 1], rng=0)
    before = _snapshot(model)
    sd = nn.MLP(2, [3, 1], rng=1).state_dict()
    change(sd)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        model.load_state_dict(sd)
    assert _snapshot(model) == before


def _files(folder):
    return sorted(os.listdir(folder))


def test_load_rejects_bad_files_naming_them(tmp_path):
    model = nn.MLP(2, [3, 1], rng=0)
    good = tmp_path / "model.json"
    model.save(good)
    text = good.read_text()
    before = _snapshot(model)
    for name, content, message in [("cut.json", text[: len(text) // 2], "bad or truncated JSON"),
                                   ("junk.json", "not json at all", "bad or truncated JSON"),
                                   ("list.json", "[1, 2]", "expected a JSON object")]:
        (tmp_path / name).write_text(content)
        with pytest.raises(ValueError, match=name) as info:
            model.load(tmp_path / name)
        assert message in str(info.value)
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "absent.json")
    assert _snapshot(model) == before


class _HalfWrite:
    """A file whose write stores a few bytes and then reports a full disk."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def fileno(self):
        return self.f.fileno()

    def write(self, text):
        self.f.write(text[:5])
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_failed_save_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch, failing):
    path = tmp_path / "model.json"
    nn.MLP(2, [3, 1], rng=0).save(path)
    old = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    if failing == "write":
        real_fdopen = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: _HalfWrite(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(OSError, match="No space"):
        nn.MLP(2, [3, 1], rng=1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old and _files(tmp_path) == ["model.json"]


def test_unserialisable_state_fails_before_touching_disk(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_json_atomic(path, {"a": object()})
    assert path.read_text() == "old" and _files(tmp_path) == ["x.json"]


def test_non_finite_weights_round_trip(tmp_path):
    model = nn.Neuron(2, rng=0)
    model.w[0].data, model.w[1].data = math.inf, -math.inf
    model.save(tmp_path / "n.json")
    other = nn.Neuron(2, rng=1).load(tmp_path / "n.json")
    assert [v.data for v in other.w] == [math.inf, -math.inf]
    assert isinstance(other.b, Value)
