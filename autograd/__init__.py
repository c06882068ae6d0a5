"""puregrad's autograd: reverse-mode differentiation you can step through.

Every node is an ``autograd.Node``: the scalar ``Value`` (one float) or the array ``Tensor``
(a 2-D block, one node per layer). Every op, built-in or your own, is a ``Function``: a
``forward`` and a ``backward`` rule side by side, called with ``MyOp.apply(...)``. The scalar
rules are in ``autograd.scalar_ops``, the array rules in ``autograd.array_ops`` over the
pure-Python ``kernels``. One backward loop (``autograd.graph``) serves both; it is iterative,
so depth is no limit. Grad mode (``no_grad()``) is per thread, as in PyTorch.
"""

from .anomaly import AnomalyError, detect_anomaly
from .function import Function
from .gradcheck import GradcheckError, gradcheck
from .graph import Step, gc_paused, topological_order
from .mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled, watch
from .node import Node
from .tensor import Tensor
from .value import Value, sum
from .viewer import view

__all__ = ["Node", "Value", "Tensor", "Function", "Step", "sum", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "watch", "topological_order", "gc_paused",
           "gradcheck", "GradcheckError", "detect_anomaly", "AnomalyError", "view"]
