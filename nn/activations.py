"""The activation names both paths accept, and applying one by name to a Value or a Tensor.

A node type joins by having ``relu()``, ``tanh()`` and ``sigmoid()`` methods; "linear" is identity.
"""

__all__ = ["ACTIVATIONS", "check_activation", "activate", "layer_plan"]

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


def layer_plan(nin, sizes, activation, last_activation, where):
    """[(fan_in, fan_out, activation), ...] for an MLP of ``sizes`` on ``nin`` inputs.

    Both paths build their layers from this one plan, in this order, so the same seed draws the
    same weights for ``nn.MLP`` and ``nn.fast_mlp``. ``sizes`` may be one int.
    """
    sizes = [sizes] if isinstance(sizes, int) else list(sizes)
    if not sizes:
        raise ValueError(f"{where}: sizes must list at least one layer size")
    check_activation(activation, where)
    check_activation(last_activation, where)
    dims = [nin] + sizes
    return [(dims[i], dims[i + 1], activation if i < len(sizes) - 1 else last_activation)
            for i in range(len(sizes))]
