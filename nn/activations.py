"""The activation names both paths accept, and applying one by name to a Value or a Tensor.

A node type joins by having ``relu()``, ``tanh()`` and ``sigmoid()`` methods; "linear" is identity.
"""

__all__ = ["ACTIVATIONS", "check_activation", "activate"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def check_activation(activation, where=""):
    """``activation`` if it is a known name, else a ValueError naming ``where`` (e.g. the layer)."""
    if activation not in ACTIVATIONS:
        prefix = f"{where}: " if where else ""
        raise ValueError(f"{prefix}unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}")
    return activation


def activate(z, activation):
    """relu(z), tanh(z), sigmoid(z) or z itself ("linear"), by name."""
    if activation == "relu":
        return z.relu()
    if activation == "tanh":
        return z.tanh()
    if activation == "sigmoid":
        return z.sigmoid()
    return z
