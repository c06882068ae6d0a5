"""micrograd's model shapes on the scalar engine: ``Neuron``, ``Layer``, ``MLP``.

A neuron computes act(w . x + b) as ONE n-ary sum node over the products (not a chain of
additions), so a 784-input neuron's graph is three nodes deep (products, sum, activation),
not 784.

Inputs may be numbers or Values. Numbers that are exactly zero are skipped: their products
are 0.0 and adding 0.0 does not change a float sum, so the output is bit-identical; their
weights get no contribution, i.e. gradient 0, the same as w * 0.0 would give. (A zero that is
a Value is kept, since the gradient with respect to that input is w, not 0.) The one case
where skipping would change the output, a NaN or infinite weight (0 * inf is NaN), is
checked for: the neuron then multiplies every input. On MNIST-like
inputs, with about 80% zero pixels, a training step is about 3x cheaper
(``benchmarks/bench_scalar_nn.py``).
"""

import math
from operator import attrgetter

from autograd import Value, sum as value_sum

from . import init as _init
from .activations import ACTIVATIONS, activate, check_activation, layer_plan
from .module import Module

__all__ = ["Neuron", "Layer", "MLP", "ACTIVATIONS"]  # ACTIVATIONS re-exported from nn.activations

def _prepare(x, nin, name):
    """(index, Value) for each input that is not a plain-number zero; errors name the layer.

    Numbers become Values once here, not once per neuron.
    """
    try:
        xs = list(x)
    except TypeError:
        raise TypeError(f"{name}: expected a list of {nin} numbers or Values, got {type(x).__name__}") from None
    if len(xs) != nin:
        raise ValueError(f"{name}: expected {nin} inputs, got {len(xs)}")
    pairs = []
    for i, xi in enumerate(xs):
        if type(xi) is not Value:
            if xi == 0.0:
                continue
            try:
                xi = Value(xi)
            except TypeError:
                raise TypeError(f"{name}: input {i} is a {type(xi).__name__}, not a number or Value") from None
        pairs.append((i, xi))
    return pairs


_data = attrgetter("data")


def _affine(w, b, pairs):
    """w . x + b as one sum node over the ``_prepare``d inputs (plain-number zeros skipped).

    Skipped zeros are multiplied after all if some weight is NaN or infinite, so that 0 * inf
    and 0 * NaN give NaN as they should (a sum of the weights is non-finite exactly then, or
    on overflow, where multiplying everything is merely slower).
    """
    if len(pairs) < len(w) and not math.isfinite(sum(map(_data, w))):
        given = dict(pairs)
        pairs = [(i, given.get(i, 0.0)) for i in range(len(w))]
    terms = [w[i] * xi for i, xi in pairs]
    terms.append(b)
    return value_sum(terms)


class Neuron(Module):
    """act(sum_i w_i x_i + b). ``w`` is a list of ``nin`` Values, ``b`` a Value.

    Weights are drawn by ``init`` (default: the scheme for ``activation``, ``nn.init.for_activation``)
    unless given as ``weights`` (and ``bias``).
    """

    def __init__(self, nin, activation="relu", init=None, rng=None, *, weights=None,
                 bias=0.0, name="Neuron"):
        self.activation = check_activation(activation, name)
        if weights is None:
            scheme = init or _init.for_activation(activation)
            (weights,), (bias,) = _init.layer(scheme, nin, 1, _init.as_rng(rng))
        if len(weights) != nin:
            raise ValueError(f"{name}: expected {nin} weights, got {len(weights)}")
        self.w = [Value(v) for v in weights]
        self.b = Value(bias)
        self.name = name
        self.label_parameters()  # w[0], ..., b: so steps and traces name each weight

    @property
    def nin(self):
        return len(self.w)

    def __call__(self, x):
        return activate(_affine(self.w, self.b, _prepare(x, len(self.w), self.name)), self.activation)

    def __repr__(self):
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons over the same ``nin`` inputs. Always returns a list of ``nout`` Values.

    ``init`` as for ``Neuron``, drawn for the whole layer at once (row j is neuron j's weights).

    State dict: ``weight`` [nout][nin] (row j is neuron j's weights) and ``bias`` [nout].
    """

    def __init__(self, nin, nout, activation="relu", init=None, rng=None, *, name="Layer"):
        self.activation = check_activation(activation, name)
        weight, bias = _init.layer(init or _init.for_activation(activation), nin, nout, _init.as_rng(rng))
        self.neurons = [Neuron(nin, activation, weights=w, bias=b, name=f"{name} neuron {j}")
                        for j, (w, b) in enumerate(zip(weight, bias))]
        self.nin, self.nout, self.name = nin, nout, name
        self.label_parameters()  # weight[j][i], bias[j], as in the state dict

    def __call__(self, x):
        pairs = _prepare(x, self.nin, self.name)
        act = self.activation
        return [activate(_affine(n.w, n.b, pairs), act) for n in self.neurons]

    def named_tensors(self):
        yield "weight", [n.w for n in self.neurons]
        yield "bias", [n.b for n in self.neurons]

    def __repr__(self):
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """``MLP(nin, [h1, ..., nout])``: layers ``nin -> h1 -> ... -> nout``, as in micrograd.

    Hidden layers use ``activation``; the last uses ``last_activation`` ("linear" by default,
    so it outputs logits/scores). ``init`` names the scheme for every layer (see ``nn.init``);
    by default it is the one that trains well for ``activation``: He for relu, Xavier for tanh
    and sigmoid (``nn.init.for_activation``), as ``python -m mnist train`` uses. micrograd's
    U(-1, 1) is ``init="uniform"``. ``rng`` is a ``random.Random`` or an int seed: the same
    seed gives the same model.

    Calling it on ``nin`` numbers or Values returns a list of Values, except that when the last
    layer has ONE output it returns that single Value (micrograd's convention, so
    ``model(x).relu()`` and ``loss = (model(x) - y) ** 2`` work directly).

    State dict: ``layers.{i}.weight`` [out][in] and ``layers.{i}.bias`` [out] (PyTorch's names).
    """

    def __init__(self, nin, sizes, activation="relu", init=None, rng=None, last_activation="linear"):
        plan = layer_plan(nin, sizes, activation, last_activation, "MLP")
        init = init or _init.for_activation(activation)
        rng = _init.as_rng(rng)
        self.layers = [Layer(fan_in, fan_out, act, init, rng, name=f"MLP layer {i} ({fan_in} -> {fan_out})")
                       for i, (fan_in, fan_out, act) in enumerate(plan)]
        self.label_parameters()  # layers.0.weight[j][i], ...: the state dict's names

    @property
    def nin(self):
        return self.layers[0].nin

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def __repr__(self):
        sizes = [layer.nout for layer in self.layers]
        return f"MLP({self.nin}, {sizes}, activation={self.layers[0].activation!r})"

