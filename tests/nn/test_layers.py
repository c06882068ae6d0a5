"""The fast path against the scalar engine: same weights and batch in, same loss, gradients and step out."""

import json
import math

import pytest
from hypothesis import given, settings, strategies as st

import nn
from autograd import Tensor, gradcheck, no_grad


def close(a, b):
    return abs(a - b) <= 1e-9 * abs(b) + 1e-12


def assert_rows_close(got, want, what):
    for i, (g_row, w_row) in enumerate(zip(got, want, strict=True)):
        for j, (g, w) in enumerate(zip(g_row, w_row, strict=True)):
            assert close(g, w), f"{what}[{i}][{j}]: fast {g!r} vs scalar {w!r}"


def scalar_grads(mlp):
    """{layers.i.weight: [out][in] grads, layers.i.bias: [[out]]} from the scalar MLP's Values."""
    out = {}
    for i, layer in enumerate(mlp.layers):
        out[f"layers.{i}.weight"] = [[w.grad for w in n.w] for n in layer.neurons]
        out[f"layers.{i}.bias"] = [[n.b.grad for n in layer.neurons]]
    return out


def fast_grads(model):
    out = {}
    for i, layer in enumerate(model.layers):
        out[f"layers.{i}.weight"] = layer.weight.grad
        out[f"layers.{i}.bias"] = layer.bias.grad
    return out


@st.composite
def problems(draw):
    """A random small MLP (wide enough for the dot-product identity), a sparse batch and labels."""
    nin = draw(st.integers(1, 30))
    sizes = draw(st.lists(st.integers(1, 12), min_size=0, max_size=2)) + [draw(st.integers(2, 4))]
    activation = draw(st.sampled_from(["relu", "tanh", "sigmoid"]))
    batch = draw(st.integers(1, 12))
    pixel = st.one_of(st.just(0.0), st.floats(-3, 3))
    x = [draw(st.lists(pixel, min_size=nin, max_size=nin)) for _ in range(batch)]
    labels = [draw(st.integers(0, sizes[-1] - 1)) for _ in range(batch)]
    seed = draw(st.integers(0, 2**16))
    return nin, sizes, activation, x, labels, seed


def both_models(nin, sizes, activation, seed):
    """A scalar MLP and a fast MLP with the scalar one's weights moved over by state dict."""
    mlp = nn.MLP(nin, sizes, activation=activation, init="xavier", rng=seed)
    fast = nn.fast_mlp(nin, sizes, activation=activation, rng=seed + 1)
    fast.load_state_dict(json.loads(json.dumps(mlp.state_dict())))
    return mlp, fast


def assert_same_loss_and_gradients(mlp, fast, x, labels):
    loss = nn.cross_entropy([mlp(row) for row in x], labels)
    loss.backward()
    fast_loss = nn.cross_entropy(fast(x), labels)
    fast_loss.backward()
    assert close(fast_loss.item(), loss.data)
    want = scalar_grads(mlp)
    for name, grad in fast_grads(fast).items():
        assert_rows_close(grad, want[name], name)


@given(problems())
def test_loss_and_gradients_equal_the_scalar_engine(problem):
    nin, sizes, activation, x, labels, seed = problem
    assert_same_loss_and_gradients(*both_models(nin, sizes, activation, seed), x, labels)


def test_equivalence_on_a_wider_sparse_model():
    x = [[((i * 7 + j * 13) % 11) / 10.0 if (i + j) % 4 == 0 else 0.0 for j in range(100)] for i in range(9)]
    assert_same_loss_and_gradients(*both_models(100, [24, 10], "relu", 5), x, [i % 10 for i in range(9)])


@pytest.mark.parametrize("make", [
    lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda ps: nn.SGD(ps, lr=0.1),
    lambda ps: nn.Adam(ps, lr=0.01),
    lambda ps: nn.AdamW(ps, lr=0.01),
])
@given(problems())
@settings(max_examples=15)
def test_one_optimizer_step_leaves_the_same_weights(make, problem):
    """The same gradients in, the same weights out, on both kinds of parameter.

    The gradients are compared first; then the scalar ones are given to both, because Adam
    divides by |g| + eps: for a gradient near 1e-11 (a batch whose terms cancel) a rounding-level
    difference between the paths, far inside the gradient tolerance, moves the step by 1e-7.
    """
    nin, sizes, activation, x, labels, seed = problem
    mlp, fast = both_models(nin, sizes, activation, seed)
    nn.cross_entropy([mlp(row) for row in x], labels).backward()
    nn.cross_entropy(fast(x), labels).backward()
    grads = scalar_grads(mlp)
    for name, grad in fast_grads(fast).items():
        assert_rows_close(grad, grads[name], name)
    for i, layer in enumerate(fast.layers):
        layer.weight.grad = [list(row) for row in grads[f"layers.{i}.weight"]]
        layer.bias.grad = [list(row) for row in grads[f"layers.{i}.bias"]]
    make(mlp.parameters()).step()
    make(fast.parameters()).step()
    want = mlp.state_dict()
    for name, got in fast.state_dict().items():
        rows = got if isinstance(got[0], list) else [got]
        assert_rows_close(rows, want[name] if isinstance(got[0], list) else [want[name]], name)


@pytest.mark.parametrize("init", ["uniform", "xavier", "he", "torch"])
def test_same_seed_gives_the_scalar_mlps_weights_and_keys(init):
    mlp = nn.MLP(6, [5, 3], init=init, rng=7)
    fast = nn.fast_mlp(6, [5, 3], init=init, rng=7)
    assert fast.state_dict() == mlp.state_dict()
    assert list(fast.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    mlp2 = nn.MLP(6, [5, 3], rng=99).load_state_dict(fast.state_dict())
    assert mlp2.state_dict() == fast.state_dict()


def test_gradcheck_through_a_fast_mlp():
    model = nn.fast_mlp(5, [4, 3], activation="tanh", init="xavier", rng=3)
    x = Tensor([[0.5, 0.0, -1.0, 2.0, 0.0], [0.0, 1.5, 0.0, -0.5, 1.0]])
    params = model.parameters()
    assert gradcheck(lambda *ps: nn.cross_entropy(model(x), [2, 0]), params)


def test_linear_sequential_and_activations():
    layer = nn.Linear(3, 2, rng=0)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (1, 2)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    bound = 1 / math.sqrt(3)  # PyTorch's default init
    assert all(abs(w) <= bound for row in layer.weight.data for w in row)
    model = nn.Sequential(layer, nn.ReLU(), nn.Linear(2, 2, rng=1), nn.Tanh(), nn.Sigmoid())
    assert list(model.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    out = model([1.0, 2.0, 3.0])
    assert out.shape == (1, 2) and all(0 < v < 1 for v in out.data[0])
    with no_grad():
        assert not model([[1.0, 2.0, 3.0]]).requires_grad
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_layer_errors_name_the_layer():
    model = nn.fast_mlp(3, [2])
    with pytest.raises(ValueError, match=r"layers.0 \(3 -> 2\): expected 3 input columns, got shape \(1, 2\)"):
        model([[1.0, 2.0]])
    assert math.isnan(model([[1.0, 2.0, math.nan]]).data[0][0])  # NaN is data: it propagates
    with pytest.raises(ValueError, match="bad input.*non-empty"):
        model([])
    with pytest.raises(ValueError, match="load_state_dict: key 'layers.0.bias'"):
        model.load_state_dict({"layers.0.weight": [[0.0] * 3] * 2, "layers.0.bias": [0.0] * 3})
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Linear(2, 2, activation="softmax")
    with pytest.raises(TypeError, match="item 0 is a int"):
        nn.Sequential(3)
