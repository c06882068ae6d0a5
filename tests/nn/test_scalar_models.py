"""Neuron, Layer, MLP: call shapes, errors naming the layer, exact sparse skipping, gradcheck, init."""

import math
import random

import pytest
from hypothesis import assume, given, strategies as st

import nn
from autograd import Value, gradcheck, topological_order


def test_call_shapes():
    model = nn.MLP(2, [16, 16, 1], rng=0)
    out = model([1.0, -2.0])
    assert isinstance(out, Value)  # one output: the Value itself (micrograd's convention)
    assert isinstance(model([Value(1.0), 2]), Value)
    two = nn.MLP(2, [3, 2], rng=0)([1.0, 2.0])
    assert isinstance(two, list) and len(two) == 2
    one = nn.Layer(2, 1, rng=0)([1.0, 2.0])
    assert isinstance(one, list) and len(one) == 1  # a Layer always returns a list
    assert isinstance(nn.Neuron(3, rng=0)([1, 2, 3]), Value)


def test_last_layer_linear_by_default_hidden_relu():
    model = nn.MLP(2, [4, 3], rng=0)
    assert [layer.activation for layer in model.layers] == ["relu", "linear"]
    assert nn.MLP(2, [4, 3], activation="tanh", last_activation="sigmoid", rng=0).layers[1].activation == "sigmoid"
    outs = model([5.0, -7.0])
    assert any(o.data < 0 for o in nn.MLP(2, [3], rng=1)([5.0, -7.0]))  # linear output may be negative
    assert all(o.op == "sum" for o in outs)


@pytest.mark.parametrize("activation, f", [
    ("relu", lambda z: max(z, 0.0)), ("tanh", math.tanh),
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z))), ("linear", lambda z: z)])
def test_neuron_matches_formula(activation, f):
    n = nn.Neuron(3, activation, rng=2)
    n.b.data = 0.3
    x = [0.5, -1.5, 2.0]
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.3
    assert n(x).data == pytest.approx(f(z), rel=1e-15, abs=1e-15)
    assert n(x).op == (activation if activation != "linear" else "sum")


def test_wrong_input_count_names_the_layer():
    model = nn.MLP(2, [3, 1], rng=0)
    with pytest.raises(ValueError, match=r"MLP layer 0 \(2 -> 3\): expected 2 inputs, got 3"):
        model([1, 2, 3])
    with pytest.raises(ValueError, match="MLP layer 1 .*expected 3 inputs, got 2"):
        model.layers[1]([1, 2])
    with pytest.raises(TypeError, match="input 1 is a str"):
        model([1, "a"])
    with pytest.raises(TypeError, match="expected a list of 2"):
        model(3.0)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        nn.MLP(2, [3], activation="gelu")


def test_sum_is_one_node_per_neuron():
    n = nn.Neuron(5, "linear", rng=0)
    out = n([1.0, 2.0, 3.0, 4.0, 5.0])
    assert out.op == "sum" and len(out.parents) == 6


@given(st.integers(0, 2**32), st.lists(st.sampled_from([0.0, -0.0, 0.0, 1.5, -0.25, 3.0]), min_size=6, max_size=6))
def test_skipping_zero_inputs_is_exact(seed, xs):
    """Plain zeros are skipped; Value zeros are kept: outputs and weight grads are bit-identical."""
    model = nn.MLP(6, [5, 3], init="xavier", rng=seed)
    fast = model(xs)
    sum(fast).backward()
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    full = model([Value(x) for x in xs])
    sum(full).backward()
    assert [o.data.hex() for o in fast] == [o.data.hex() for o in full]
    assert [g == p.grad for g, p in zip(grads, model.parameters())] == [True] * len(grads)


def _away_from_kinks(out, gap=1e-4):
    return all(abs(node.parents[0].data) > gap for node in topological_order(out) if node.op == "relu")


@given(st.integers(0, 2**32), st.sampled_from(["relu", "tanh", "sigmoid"]),
       st.lists(st.integers(1, 3), min_size=1, max_size=2), st.integers(1, 3))
def test_gradcheck_through_small_mlps(seed, activation, hidden, nin):
    rng = random.Random(seed)
    model = nn.MLP(nin, hidden + [2], activation=activation, init="xavier", rng=rng)
    for layer in model.layers:
        for n in layer.neurons:
            n.b.data = rng.uniform(-0.5, 0.5)
    xs = [Value(rng.uniform(-2, 2)) for _ in range(nin)]

    def f(*_):
        a, b = model(xs)
        return a * b + a.tanh()
    assume(_away_from_kinks(f()))
    assert gradcheck(f, model.parameters() + xs)


@pytest.mark.parametrize("scheme", nn.init.SCHEMES)
def test_init_schemes_are_seeded_and_bounded(scheme):
    w, b = nn.init.layer(scheme, 50, 20, random.Random(1))
    assert (w, b) == nn.init.layer(scheme, 50, 20, random.Random(1))
    assert len(w) == 20 and all(len(r) == 50 for r in w) and len(b) == 20
    flat = [x for r in w for x in r]
    bound = {"uniform": 1.0, "xavier": math.sqrt(6 / 70), "he": math.sqrt(6 / 50),
             "kaiming": math.sqrt(6 / 50), "torch": 1 / math.sqrt(50)}.get(scheme)
    if bound is not None:
        assert max(abs(x) for x in flat) <= bound and max(abs(x) for x in flat) > 0.8 * bound
    else:  # normal schemes: the sample standard deviation is near the target
        std = {"xavier_normal": math.sqrt(2 / 70), "he_normal": math.sqrt(2 / 50)}[scheme]
        sd = math.sqrt(sum(x * x for x in flat) / len(flat))
        assert 0.85 * std < sd < 1.15 * std
    if scheme != "torch":
        assert b == [0.0] * 20


def test_init_errors():
    with pytest.raises(ValueError, match="unknown scheme 'glorot'"):
        nn.MLP(2, [3], init="glorot")
    with pytest.raises(TypeError, match="rng"):
        nn.MLP(2, [3], rng="seed")
    with pytest.raises(ValueError, match="nin >= 1"):
        nn.Layer(0, 3)
