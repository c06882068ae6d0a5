"""puregrad's nn: modules, micrograd-shaped scalar models, functions and losses on both paths,
optimizers, lr schedules, init, toy data."""

from . import activations, data, functional, init, losses, lr_scheduler, optim, saving
from .functional import cross_entropy, log_softmax, mse, softmax  # linear: nn.functional.linear (nn.Linear is the layer)
from .losses import binary_cross_entropy_with_logits, check_finite, l2, softplus, svm_hinge
from .layers import Linear, ReLU, Sequential, Sigmoid, Tanh, fast_mlp
from .lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR
from .module import Module, flat, is_array_parameter
from .optim import SGD, Adam, AdamW, Optimizer
from .scalar_models import MLP, Layer, Neuron

__all__ = [
    "Module", "flat", "is_array_parameter", "Neuron", "Layer", "MLP", "Optimizer", "SGD", "Adam", "AdamW",
    "mse", "svm_hinge", "l2", "softplus", "binary_cross_entropy_with_logits", "softmax", "log_softmax",
    "cross_entropy", "check_finite", "activations", "data", "functional", "init", "losses", "optim", "saving",
    "lr_scheduler", "LRScheduler", "StepLR", "CosineAnnealingLR",
    "Linear", "ReLU", "Tanh", "Sigmoid", "Sequential", "fast_mlp",
]
