"""``Module``: the base of every model, on either path (scalar Values or array parameters).

How a module finds its parts (no registration calls needed):

- **Children** are attributes holding a ``Module``, or a list/tuple of them, in the order the
  attributes were first assigned; a child in a list is named ``attr.i``.
- **Parameters** are attributes holding a ``Value``, a (nested) list/tuple of Values, or an
  *array parameter*: any object with ``.data`` (a list of row lists of floats), ``.grad`` (the
  same shape, or None) and ``.shape``, such as ``autograd.Tensor`` (unless its ``requires_grad``
  is False: a constant, not a parameter). Attributes whose name starts with ``_`` are private
  and never searched, so caches (say, a layer's last input) stay out.
- ``named_parameters()`` lists this module's own parameters first, then each child's, depth
  first, all in attribute order; so ``parameters()`` has a stable, documented order. For the
  scalar ``MLP`` it is micrograd's: layer by layer, neuron by neuron, weights then bias.

The state dict is built from **named tensors** (``named_tensors()``), which need not be the
parameters one for one: by default each parameter attribute is one tensor (a list of Values is
one 1-D tensor), and a module may override ``named_tensors()`` to group or reshape them into
the names PyTorch uses. A tensor is one of

- a ``Value`` (saved as a float), a list of Values (``[n]``), a list of lists of Values
  (``[rows][cols]``), read and written through each Value's ``.data``;
- an array parameter (saved as its ``.data``, ``[rows][cols]``), written row by row in place;
- ``flat(array_parameter)`` for a ``(1, n)`` or ``(n, 1)`` array parameter saved as ``[n]``
  (e.g. a bias kept as a row for broadcasting).

The scalar ``Layer`` yields ``weight`` (its neurons' weights, ``[out][in]``) and ``bias``
(``[out]``); an array ``Linear`` would yield ``("weight", self.weight)`` and
``("bias", flat(self.bias))``. Containers keep their children in a list attribute named
``layers``, which gives the shared names ``layers.{i}.weight`` / ``layers.{i}.bias``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Self

from autograd import Value

from .safetensors_format import is_number, nested_shape
from .saving import read_model, write_json_atomic, write_model

__all__ = ["Module", "flat", "is_array_parameter", "write_json_atomic"]


def is_array_parameter(obj):
    """True for an object shaped like an array parameter (``.data`` rows, ``.grad``, ``.shape``)."""
    return (not isinstance(obj, (Value, Module)) and hasattr(obj, "shape")
            and hasattr(obj, "grad") and isinstance(getattr(obj, "data", None), list))


class flat:  # noqa: N801 - used like a function in named_tensors()
    """Marks a ``(1, n)`` or ``(n, 1)`` array parameter to be saved as a flat list ``[n]``."""

    __slots__ = ("param",)

    def __init__(self, param):
        rows, cols = len(param.data), len(param.data[0]) if param.data else 0
        if rows != 1 and cols != 1:
            raise ValueError(f"flat: expected a (1, n) or (n, 1) array, got ({rows}, {cols})")
        self.param = param


def _is_module_list(x):
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(m, Module) for m in x)


def _is_value_tensor(x):
    """A non-empty list of Values, or a non-empty list of equal-length lists of Values."""
    if not isinstance(x, (list, tuple)) or not x:
        return False
    if all(isinstance(v, Value) for v in x):
        return True
    return (all(isinstance(r, (list, tuple)) and len(r) == len(x[0]) for r in x)
            and all(isinstance(v, Value) for r in x for v in r) and len(x[0]) > 0)


def _parameters_in(name, x):
    """(name, parameter) pairs found in one attribute value: a Value, array, or nested list."""
    if isinstance(x, Value) or (is_array_parameter(x) and getattr(x, "requires_grad", True)):
        yield name, x
    elif isinstance(x, (list, tuple)):
        for i, item in enumerate(x):
            yield from _parameters_in(f"{name}.{i}", item)


# the three tensor kinds: shape of what is saved, how to read it, how to write it

def _shape(t):
    if isinstance(t, Value):
        return ()
    if isinstance(t, flat):
        return (len(t.param.data) * len(t.param.data[0]),)
    if is_array_parameter(t):
        return (len(t.data), len(t.data[0]) if t.data else 0)
    if t and isinstance(t[0], (list, tuple)):
        return (len(t), len(t[0]))
    return (len(t),)


def _read(t):
    if isinstance(t, Value):
        return t.data
    if isinstance(t, flat):
        return [x for row in t.param.data for x in row]
    if is_array_parameter(t):
        return [list(row) for row in t.data]
    if t and isinstance(t[0], (list, tuple)):
        return [[v.data for v in row] for row in t]
    return [v.data for v in t]


def _write(t, values):
    if isinstance(t, Value):
        t.data = float(values)
    elif isinstance(t, flat):
        data = t.param.data
        if len(data) == 1:
            data[0][:] = [float(x) for x in values]
        else:
            for row, x in zip(data, values):
                row[0] = float(x)
    elif is_array_parameter(t):
        for row, new in zip(t.data, values):
            row[:] = [float(x) for x in new]
    elif t and isinstance(t[0], (list, tuple)):
        for row, new in zip(t, values):
            for v, x in zip(row, new):
                v.data = float(x)
    else:
        for v, x in zip(t, values):
            v.data = float(x)


def _shape_problem(value, shape):
    """Why ``value`` is not nested lists of numbers of ``shape``, or None if it is."""
    if not shape:
        return None if is_number(value) else f"expected a number, got {type(value).__name__}"
    if not isinstance(value, (list, tuple)):
        return f"expected a list of shape {list(shape)}, got {type(value).__name__}"
    if len(value) != shape[0]:
        got = nested_shape(value)
        return (f"expected shape {list(shape)}, got " +
                (str(got) if got else f"length {len(value)} on axis 0"))
    if len(shape) == 1 and all(type(x) is float for x in value):  # the usual row, without ABC checks
        return None
    for i, item in enumerate(value):
        problem = _shape_problem(item, shape[1:])
        if problem is not None:
            return f"at [{i}]: {problem}" if len(shape) > 1 else f"item {i}: {problem}"
    return None


class Module:
    """Base class: parameters, gradients, train/eval mode, and the state dict (see module docstring)."""

    training = True  # class default, so subclasses need not call Module.__init__

    # parts

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, child module) pairs in attribute order; list members are named ``attr.i``."""
        for name, x in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(x, Module):
                yield name, x
            elif _is_module_list(x):
                for i, m in enumerate(x):
                    yield f"{name}.{i}", m

    def children(self) -> list[Module]:
        return [m for _, m in self.named_children()]

    def _own_attributes(self):
        """(name, value) of the public attributes that are not child modules, in attribute order."""
        for name, x in vars(self).items():
            if not name.startswith("_") and not isinstance(x, Module) and not _is_module_list(x):
                yield name, x

    def named_parameters(self) -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter): own parameters in attribute order, then each child's, depth first."""
        for name, x in self._own_attributes():
            yield from _parameters_in(name, x)
        for prefix, child in self.named_children():
            for name, p in child.named_parameters():
                yield f"{prefix}.{name}", p

    def parameters(self) -> list[Any]:
        """Every parameter (Values and array parameters) in ``named_parameters()`` order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset gradients: a Value's ``grad`` to 0.0, an array parameter's ``grad`` to None."""
        for p in self.parameters():
            p.grad = 0.0 if isinstance(p, Value) else None

    def label_parameters(self) -> Self:
        """Label every parameter with its state-dict name, so steps, traces and pictures name it:
        ``layers.0.weight[3][1]`` for one weight of a scalar layer, ``layers.0.weight`` for an array.

        The models call this when they are built; call it again after building your own. Returns self.
        """
        for name, t in self.named_tensors():
            if isinstance(t, flat):
                t.param.label = name
            elif isinstance(t, Value) or is_array_parameter(t):
                t.label = name
            else:
                for i, item in enumerate(t):
                    if isinstance(item, Value):
                        item.label = f"{name}[{i}]"
                    else:
                        for j, v in enumerate(item):
                            v.label = f"{name}[{i}][{j}]"
        return self

    def train(self, mode: bool = True) -> Self:
        """Set ``training`` on this module and every descendant; returns self."""
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Self:
        """``train(False)``: the same as PyTorch's eval mode flag; returns self."""
        return self.train(False)

    # state

    def named_tensors(self) -> Iterator[tuple[str, Any]]:
        """(dotted name, tensor) pairs that make up the state dict; override to group or reshape."""
        for name, x in self._own_attributes():
            if _is_value_tensor(x):
                yield name, x  # a list (of lists) of Values is one tensor
            else:
                yield from _parameters_in(name, x)
        for prefix, child in self.named_children():
            for name, t in child.named_tensors():
                yield f"{prefix}.{name}", t

    def state_dict(self) -> dict[str, Any]:
        """{name: float or nested lists of floats}, a copy, JSON-serialisable, in ``named_tensors()`` order."""
        return {name: _read(t) for name, t in self.named_tensors()}

    def load_state_dict(self, state: dict[str, Any]) -> Self:
        """Copy values from ``state`` into this model's tensors.

        Every key must be present with the right shape and no key may be extra; otherwise a
        ValueError names the first wrong key and nothing is changed.
        """
        if not isinstance(state, dict):
            raise ValueError(f"load_state_dict: expected a dict, got {type(state).__name__}")
        tensors = list(self.named_tensors())
        names = {name for name, _ in tensors}
        for name, t in tensors:
            if name not in state:
                raise ValueError(f"load_state_dict: missing key {name!r}")
            problem = _shape_problem(state[name], _shape(t))
            if problem is not None:
                raise ValueError(f"load_state_dict: key {name!r}: {problem}")
        for name in state:
            if name not in names:
                raise ValueError(f"load_state_dict: unexpected key {name!r}")
        for name, t in tensors:
            _write(t, state[name])
        return self

    def save(self, path: str | os.PathLike, config: dict[str, Any] | None = None) -> None:
        """Write ``state_dict()`` and ``config`` (a JSON-ready dict, recorded as is) to ``path``.

        ``*.safetensors`` is written in the safetensors format (float64, PyTorch's names and
        shapes), any other name as JSON (see ``nn.saving``). Atomic: the old file survives any
        failure, and a new file gets the permissions ``open()`` would give it.
        """
        write_model(path, self.state_dict(), config)

    def load(self, path: str | os.PathLike) -> Self:
        """Read a model file (JSON or ``*.safetensors``, see ``save``) into this model; returns self.

        A file that is not a model file, or holds other names or shapes than this model's,
        raises a one-line ValueError naming the file, and the model is left as it was. The
        file's config is not checked against the model; ``nn.saving.read_model`` returns it.
        """
        state, _ = read_model(path)
        try:
            return self.load_state_dict(state)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{n}={c!r}' for n, c in self.named_children())})"

