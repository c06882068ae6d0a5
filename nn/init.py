"""Weight initialisation: plain [out][in] lists of floats drawn from a seedable ``random.Random``.

Both paths build layers from ``layer(scheme, nin, nout, rng)``, so the same scheme and seed give
the same numbers to a scalar ``MLP`` and to an array ``Linear`` stack. Draw order is fixed:
weights row by row (one row per output), then the bias.

Schemes (fan_in = nin, fan_out = nout):

- ``"uniform"``  micrograd: w ~ U(-1, 1), b = 0
- ``"xavier"``   Glorot uniform: w ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)), b = 0
- ``"xavier_normal"``  w ~ N(0, sqrt(2 / (fan_in + fan_out))), b = 0
- ``"he"`` / ``"kaiming"``  He uniform, for relu: w ~ U(-a, a), a = sqrt(6 / fan_in), b = 0
- ``"he_normal"``  w ~ N(0, sqrt(2 / fan_in)), b = 0
- ``"torch"``    PyTorch's nn.Linear default: w, b ~ U(-k, k), k = 1 / sqrt(fan_in)

These match ``torch.nn.init``'s xavier_* (gain 1) and kaiming_* (nonlinearity="relu").

Why it matters: a layer's outputs are sums of ``fan_in`` products, so their spread grows with
the weights' spread times sqrt(fan_in). With U(-1, 1) a 784-input layer's outputs have a
standard deviation in the tens, ReLUs and the softmax saturate, and a fresh MNIST model's loss
starts in the tens instead of near log(10) = 2.3. He and Xavier scale the weights by 1/sqrt(fan_in)
(times a gain for the activation) so the spread stays about the same layer after layer.
``for_activation`` picks the scheme the models use when none is given.
"""

import math
import random

__all__ = ["as_rng", "uniform", "normal", "layer", "for_activation", "SCHEMES"]


def as_rng(rng=None):
    """A ``random.Random``: ``rng`` itself, a new one seeded with the int ``rng``, or an unseeded one."""
    if isinstance(rng, random.Random):
        return rng
    if rng is None or (isinstance(rng, int) and not isinstance(rng, bool)):
        return random.Random(rng)
    raise TypeError(f"rng: expected a random.Random, an int seed or None, got {type(rng).__name__}")


def uniform(nout, nin, bound, rng):
    """[nout][nin] floats from U(-bound, bound)."""
    u = rng.uniform
    return [[u(-bound, bound) for _ in range(nin)] for _ in range(nout)]


def normal(nout, nin, std, rng):
    """[nout][nin] floats from N(0, std)."""
    g = rng.gauss
    return [[g(0.0, std) for _ in range(nin)] for _ in range(nout)]


def _scheme(name, nin, nout, rng):
    if name == "uniform":
        return uniform(nout, nin, 1.0, rng), [0.0] * nout
    if name == "xavier":
        return uniform(nout, nin, math.sqrt(6.0 / (nin + nout)), rng), [0.0] * nout
    if name == "xavier_normal":
        return normal(nout, nin, math.sqrt(2.0 / (nin + nout)), rng), [0.0] * nout
    if name in ("he", "kaiming"):
        return uniform(nout, nin, math.sqrt(6.0 / nin), rng), [0.0] * nout
    if name == "he_normal":
        return normal(nout, nin, math.sqrt(2.0 / nin), rng), [0.0] * nout
    if name == "torch":
        k = 1.0 / math.sqrt(nin)
        return uniform(nout, nin, k, rng), uniform(1, nout, k, rng)[0]
    raise ValueError(f"init: unknown scheme {name!r}; expected one of {', '.join(SCHEMES)}")


SCHEMES = ("uniform", "xavier", "xavier_normal", "he", "kaiming", "he_normal", "torch")


def for_activation(activation):
    """The scheme a layer trains well from, given the activation after it (the models' default).

    "he" for relu (ReLU zeroes half its inputs, so the weights' variance is doubled to 2/fan_in),
    "xavier" for tanh and sigmoid (variance 2/(fan_in + fan_out) keeps them out of saturation),
    and "torch" for "linear": a layer with no activation of its own (a model's output layer, or
    a PyTorch-style ``Linear`` followed by a separate ``ReLU`` module) gets what PyTorch's
    nn.Linear does, which keeps its outputs smaller than its inputs, so logits start near 0.
    """
    schemes = {"relu": "he", "tanh": "xavier", "sigmoid": "xavier", "linear": "torch"}
    if activation not in schemes:
        raise ValueError(f"init: no default scheme for activation {activation!r}; "
                         f"expected one of {', '.join(schemes)}")
    return schemes[activation]


def layer(scheme, nin, nout, rng):
    """(weight [nout][nin], bias [nout]) for a layer, drawn from ``rng`` by ``scheme`` (see module doc).

    ``scheme`` may also be a callable ``(nin, nout, rng) -> (weight, bias)``.
    """
    if nin < 1 or nout < 1:
        raise ValueError(f"init: a layer needs nin >= 1 and nout >= 1, got nin={nin}, nout={nout}")
    if callable(scheme):
        return scheme(nin, nout, rng)
    return _scheme(scheme, nin, nout, rng)
