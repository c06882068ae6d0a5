"""Defaults that train: every model picks its init from its activation (nn.init.for_activation)."""

import math
import random

import pytest
from hypothesis import given, settings, strategies as st

import nn
from autograd import Tensor, no_grad
from nn.functional import cross_entropy

ACTIVATIONS = ["relu", "tanh", "sigmoid"]


def test_for_activation_names_the_scheme_for_each_activation():
    assert [nn.init.for_activation(a) for a in ("relu", "tanh", "sigmoid", "linear")] == [
        "he", "xavier", "xavier", "torch"]
    with pytest.raises(ValueError, match="init: no default scheme for activation 'gelu'"):
        nn.init.for_activation("gelu")


@pytest.mark.parametrize("activation", ACTIVATIONS + ["linear"])
def test_every_model_defaults_to_the_scheme_for_its_activation(activation):
    scheme = nn.init.for_activation(activation)
    same = lambda make: make(None).state_dict() == make(scheme).state_dict()  # noqa: E731
    assert same(lambda init: nn.MLP(5, [4, 3], activation=activation, init=init, rng=2))
    assert same(lambda init: nn.fast_mlp(5, [4, 3], activation=activation, init=init, rng=2))
    assert same(lambda init: nn.Linear(5, 4, activation=activation, init=init, rng=2))
    assert same(lambda init: nn.Layer(5, 4, activation=activation, init=init, rng=2))
    assert same(lambda init: nn.Neuron(5, activation, init=init, rng=2))


def test_micrograds_uniform_init_stays_available_by_name():
    """init="uniform": w ~ U(-1, 1) drawn row by row, b = 0, as micrograd's MLP."""
    state = nn.MLP(3, [4, 1], init="uniform", rng=0).state_dict()
    rng = random.Random(0)
    assert state["layers.0.weight"] == [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(4)]
    assert state["layers.0.bias"] == [0.0] * 4


def mnist_like(n, rng):
    """n rows of 784 pixels in [0, 1], about 80% of them zero, as MNIST's are."""
    return [[rng.random() if rng.random() < 0.2 else 0.0 for _ in range(784)] for _ in range(n)]


def initial_loss(model, rng, n=50):
    x, y = mnist_like(n, rng), [rng.randrange(10) for _ in range(n)]
    with no_grad():
        return cross_entropy(model(Tensor(x)), y).item()


@settings(max_examples=12)
@given(st.sampled_from(ACTIVATIONS), st.lists(st.integers(8, 160), min_size=1, max_size=2),
       st.integers(0, 2**16))
def test_a_fresh_model_starts_near_the_loss_of_a_uniform_guess(activation, hidden, seed):
    """On MNIST-like inputs, the default init's first loss is near log(10), a guess's loss."""
    model = nn.fast_mlp(784, hidden + [10], activation=activation, rng=seed)
    assert abs(initial_loss(model, random.Random(seed)) - math.log(10)) < 1.0


def test_micrograds_init_does_not_start_near_it_on_wide_relu_layers():
    """The contrast the default exists for (and a check that the property above can fail)."""
    model = nn.fast_mlp(784, [64, 10], init="uniform", rng=0)
    assert initial_loss(model, random.Random(0)) > 10
