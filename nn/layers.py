"""PyTorch's model shapes on the fast path: ``Linear``, ``ReLU`` / ``Tanh`` / ``Sigmoid``,
``Sequential``, and ``fast_mlp``, the array twin of the scalar ``MLP``.

Each layer is ONE node of ``autograd.Tensor`` per batch, not one node per weight. Inputs are a
``Tensor`` of shape (batch, in) or rows of numbers (a flat list of numbers is one row).

The state dict has the scalar path's format (``weight`` [out][in], ``bias`` [out]), so
``fast_mlp(...).load_state_dict(mlp.state_dict())`` moves a scalar ``MLP`` here and back.
"""

from autograd import Tensor

from . import init as _init
from .activations import activate, check_activation, layer_plan
from .functional import linear
from .module import Module, flat

__all__ = ["Linear", "ReLU", "Tanh", "Sigmoid", "Sequential", "fast_mlp", "as_batch"]


def as_batch(x, name):
    """``x`` as a Tensor of rows: a Tensor as is, rows of numbers copied, a flat list as one row."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (list, tuple)):
        x = [x]
    try:
        return Tensor(x)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{name}: bad input: {e}") from None


class Linear(Module):
    """y = act(x W^T + b) with ``weight`` W (out, in) and ``bias`` b (1, out), both parameters.

    ``activation`` ("linear" by default, as PyTorch's nn.Linear; or relu / tanh / sigmoid) is
    applied after the affine map, like the scalar ``nn.Layer``. ``init`` names a scheme from
    ``nn.init``, drawn from ``rng`` (a ``random.Random`` or an int seed); by default the one for
    ``activation`` (``nn.init.for_activation``): He for relu, Xavier for tanh and sigmoid, and
    PyTorch's own for "linear", so a ``Linear`` used as in PyTorch (with a separate ``ReLU``
    module after it) starts as PyTorch's would. Or pass ``weight`` ([out][in]) and ``bias``
    ([out]) lists directly.
    State dict: ``weight`` [out][in], ``bias`` [out].
    """

    def __init__(self, in_features, out_features, activation="linear", init=None, rng=None, *,
                 weight=None, bias=None, name="Linear"):
        check_activation(activation, name)
        if weight is None or bias is None:
            scheme = init or _init.for_activation(activation)
            weight, bias = _init.layer(scheme, in_features, out_features, _init.as_rng(rng))
        self.weight = Tensor(weight, label=f"{name}.weight", requires_grad=True)
        self.bias = Tensor([bias], label=f"{name}.bias", requires_grad=True)
        if self.weight.shape != (out_features, in_features) or self.bias.shape != (1, out_features):
            raise ValueError(f"{name}: weight {self.weight.shape} / bias {self.bias.shape} do not fit "
                             f"{in_features} -> {out_features}")
        self.in_features, self.out_features = in_features, out_features
        self.activation, self.name = activation, name

    def __call__(self, x):
        x = as_batch(x, self.name)
        if x.shape[1] != self.in_features:
            raise ValueError(f"{self.name}: expected {self.in_features} input columns, got shape {x.shape}")
        return activate(linear(x, self.weight, self.bias), self.activation)

    def named_tensors(self):
        yield "weight", self.weight
        yield "bias", flat(self.bias)

    def __repr__(self):
        act = f", activation={self.activation!r}" if self.activation != "linear" else ""
        return f"Linear({self.in_features}, {self.out_features}{act})"


class _Activation(Module):
    """An activation as a module: applies ``activation`` (a name from ``nn.activations``) elementwise."""

    activation = "linear"

    def __call__(self, x):
        return activate(as_batch(x, type(self).__name__), self.activation)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ReLU(_Activation):
    """max(x, 0) elementwise."""

    activation = "relu"


class Tanh(_Activation):
    """tanh(x) elementwise."""

    activation = "tanh"


class Sigmoid(_Activation):
    """1 / (1 + e**-x) elementwise."""

    activation = "sigmoid"


class Sequential(Module):
    """Modules applied in order; they are kept in ``layers``, so parameters are named ``layers.{i}.*``."""

    def __init__(self, *modules):
        if not modules:
            raise ValueError("Sequential: needs at least one module")
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: item {i} is a {type(m).__name__}, not an nn.Module")
        self.layers = list(modules)
        self.label_parameters()  # layers.0.weight, ...: the state dict's names

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __repr__(self):
        inner = ", ".join(repr(m) for m in self.layers)
        return f"Sequential({inner})"


def fast_mlp(nin, sizes, activation="relu", init=None, rng=None, last_activation="linear"):
    """The fast-path twin of ``nn.MLP(nin, sizes, ...)``: a ``Sequential`` of ``Linear`` layers.

    Same arguments, same defaults (``init`` for every layer: by default the scheme for
    ``activation``, ``nn.init.for_activation``), and the same draws from ``rng``, so the same
    seed gives the same weights as the scalar ``MLP``; the state dict keys are the same
    (``layers.{i}.weight``, ``layers.{i}.bias``). Called on a batch (batch, nin) it returns a
    Tensor (batch, sizes[-1]).
    """
    plan = layer_plan(nin, sizes, activation, last_activation, "fast_mlp")
    init = init or _init.for_activation(activation)
    rng = _init.as_rng(rng)
    layers = [Linear(fan_in, fan_out, act, init, rng, name=f"layers.{i} ({fan_in} -> {fan_out})")
              for i, (fan_in, fan_out, act) in enumerate(plan)]  # the same draws as nn.MLP's layers
    return Sequential(*layers)
