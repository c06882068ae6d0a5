"""Model files: the state dict plus the training configuration, as one JSON object.

``{"format": "puregrad-mnist-model", "config": {...}, "state_dict": {"layers.0.weight": ...}}``.
A bare state dict (as ``nn.Module.save`` writes) is read too, with the defaults for the rest.
Layer sizes are read off the weights, so a file cannot claim one shape and hold another.
"""

import json
import math
import numbers

from .errors import DataError

__all__ = ["FORMAT", "save_model", "read_model", "read_json", "layer_sizes", "write_json"]

FORMAT = "puregrad-mnist-model"


def write_json(path, obj):
    """Write JSON atomically (temporary file, then rename): the old file survives any failure."""
    from nn.module import write_json_atomic  # nn is needed only once there is a model to save

    try:
        write_json_atomic(path, obj)
    except OSError as e:
        raise DataError(f"{path}: cannot write the file ({e.strerror or e})") from None


def save_model(path, config, state_dict):
    write_json(path, {"format": FORMAT, "config": config, "state_dict": state_dict})


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


def read_json(path, what="model file"):
    """The JSON object in ``path``; DataError naming the file and ``what`` it should be otherwise."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: cannot read the {what} ({getattr(e, 'strerror', None) or e})") from None
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise DataError(f"{path}: not a {what} (bad or truncated JSON: {e})") from None
    if not isinstance(obj, dict):
        raise DataError(f"{path}: not a {what} (expected a JSON object)")
    return obj


def read_model(path):
    """``(config, state_dict, sizes)`` from a model file; DataError naming the file if unusable."""
    obj = read_json(path)
    if obj.get("format") == FORMAT:
        config, state = obj.get("config"), obj.get("state_dict")
        if not isinstance(config, dict) or not isinstance(state, dict):
            raise DataError(f"{path}: the model file lacks its config or state_dict object")
    else:
        config, state = {}, obj
    return config, state, layer_sizes(path, state)
