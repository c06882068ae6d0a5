"""Model files for ``python -m mnist``: ``nn``'s model format, with the training configuration.

``train --save`` writes ``nn.saving.write_model(path, state_dict, config)``: JSON, or the
safetensors format for a ``*.safetensors`` name; ``nn.Module.load`` reads either back into a
model of the same shape. Any ``nn`` model file is read here too; ``config`` is then whatever the
file records (``{}`` for a bare state dict). Layer sizes are read off the weights, so a file
cannot claim one shape and hold another.
"""

import math
import numbers

from .errors import DataError

__all__ = ["save_model", "read_model", "layer_sizes", "write_json"]


def _writing(path, write, *args):
    """``write(path, *args)`` with an OSError as a DataError naming the file."""
    try:
        write(path, *args)
    except OSError as e:
        raise DataError(f"{path}: cannot write the file ({e.strerror or e})") from None


def write_json(path, obj):
    """Write JSON atomically (temporary file, then rename): the old file survives any failure."""
    from nn.saving import write_json_atomic  # nn is needed only once there is a model to save

    _writing(path, write_json_atomic, obj)


def save_model(path, config, state_dict):
    """Write the model file (JSON, or safetensors for a ``*.safetensors`` name) atomically."""
    from nn.saving import write_model

    _writing(path, write_model, state_dict, config)


def _is_row(row, width):
    return (isinstance(row, list) and len(row) == width
            and all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
                    for v in row))


def layer_sizes(path, state):
    """``[inputs, hidden..., outputs]`` read off ``layers.{i}.weight``/``bias``; checks every shape."""
    sizes = []
    i = 0
    while f"layers.{i}.weight" in state:
        weight, bias = state[f"layers.{i}.weight"], state.get(f"layers.{i}.bias")
        name = f"layers.{i}.weight"
        if not isinstance(weight, list) or not weight or not isinstance(weight[0], list):
            raise DataError(f"{path}: {name} is not a list of rows")
        width = len(weight[0])
        if width == 0 or not all(_is_row(r, width) for r in weight):
            raise DataError(f"{path}: {name} is not a rectangular [out][in] list of finite numbers")
        if sizes and width != sizes[-1]:
            raise DataError(f"{path}: {name} takes {width} inputs but the layer before gives "
                            f"{sizes[-1]}")
        if not _is_row(bias, len(weight)):
            raise DataError(f"{path}: layers.{i}.bias should be {len(weight)} finite numbers")
        sizes = sizes or [width]
        sizes.append(len(weight))
        i += 1
    if not sizes:
        raise DataError(f"{path}: no layers.0.weight in the model file")
    extra = set(state) - {f"layers.{j}.{p}" for j in range(i) for p in ("weight", "bias")}
    if extra:
        raise DataError(f"{path}: unexpected key {sorted(extra)[0]!r} in the state dict")
    if sizes[-1] != 10:
        raise DataError(f"{path}: the last layer gives {sizes[-1]} outputs, expected 10 digits")
    return sizes


def read_model(path):
    """``(config, state_dict, sizes)`` from a model file; DataError naming the file if unusable."""
    from nn.saving import read_model as read

    try:
        state, config = read(path)
    except OSError as e:
        raise DataError(f"{path}: cannot read the model file ({e.strerror or e})") from None
    except ValueError as e:
        raise DataError(str(e)) from None
    return config, state, layer_sizes(path, state)
