"""puregrad's autograd: reverse-mode differentiation you can step through.

``Value`` is a scalar node; every op's forward and derivative rules live side by side in
``autograd.scalar_ops``. ``Tensor`` is the fast path's 2-D node, with its rules in
``autograd.array_ops`` over the pure-Python ``kernels``. Both share one backward loop
(``autograd.graph``), which is iterative, so depth is no limit.
"""

from .anomaly import AnomalyError, detect_anomaly
from .gradcheck import GradcheckError, gradcheck
from .graph import gc_paused, topological_order
from .value import Value, enable_grad, is_grad_enabled, no_grad, sum
from .tensor import Tensor
from .viewer import view

__all__ = ["Value", "sum", "no_grad", "enable_grad", "is_grad_enabled", "topological_order", "gc_paused",
           "gradcheck", "GradcheckError", "Tensor",
           "detect_anomaly", "AnomalyError", "view"]
