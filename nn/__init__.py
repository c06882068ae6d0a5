"""puregrad's nn: modules, micrograd-shaped scalar models, losses, optimizers, init, toy data."""

from . import activations, data, init, losses, optim, saving
from .losses import (binary_cross_entropy_with_logits, check_finite, cross_entropy, l2, log_softmax, mse,
                     softmax, softplus, svm_hinge)
from .layers import Linear, ReLU, Sequential, Sigmoid, Tanh, fast_mlp
from .module import Module, flat, is_array_parameter
from .optim import SGD, Adam, AdamW, Optimizer
from .scalar_models import MLP, Layer, Neuron

__all__ = [
    "Module", "flat", "is_array_parameter", "Neuron", "Layer", "MLP", "Optimizer", "SGD", "Adam", "AdamW",
    "mse", "svm_hinge", "l2", "softplus", "binary_cross_entropy_with_logits", "softmax", "log_softmax",
    "cross_entropy", "check_finite", "activations", "data", "init", "losses", "optim", "saving",
    "Linear", "ReLU", "Tanh", "Sigmoid", "Sequential", "fast_mlp",
]
