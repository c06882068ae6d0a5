"""The edge-case table in docs/edge-cases.md, enforced on both paths by one parametrised test.

The page's table is the one source of truth: this module reads it, evaluates each row's
expression with ``x`` set to each column's value on each path the row lists, and checks that
the cell says what happened. On a path the row does not list, the expression must fail for
want of the op (so the "paths" column cannot claim too little either).
"""

import math
import pathlib
import re

import pytest

import nn.functional as F
from autograd import Tensor, Value, sum as value_sum

PAGE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "edge-cases.md"
PATHS = {"both": ("scalar", "fast"), "scalar": ("scalar",), "fast": ("fast",)}

class NotOnPath(Exception):
    """The op of a row does not exist on this path."""


class Scalar:
    """A row on the scalar path: Values, and nn.functional on lists."""

    def __init__(self):
        self.first = None  # the first leaf made: its gradient is the cell's second part

    def _note(self, node):
        self.first = self.first or node

    def value(self, x):
        v = Value(x)
        self._note(v)
        return v

    def leaf(self, *rows):
        values = [[Value(e) for e in row] for row in rows]
        self._note(values[0][0])
        return values

    @staticmethod
    def const(*rows):
        return [[float(e) for e in row] for row in rows]

    @staticmethod
    def bias(*entries):
        return [Value(e) for e in entries]

    @staticmethod
    def sum(rows):
        return value_sum([v for row in rows for v in row])

    @staticmethod
    def mean(rows):
        raise NotOnPath("mean")

    @staticmethod
    def matmul(a, b):
        raise NotOnPath("matmul")

    @staticmethod
    def nodes(out):
        if isinstance(out, Value):
            return [out]
        return [v for row in out for v in (row if isinstance(row, list) else [row])]

    def entries(self, out):
        return [v.data for v in self.nodes(out)]

    def backward(self, out):
        self.nodes(out)[0].backward()

    def grad(self):
        return self.first.grad


class Fast:
    """A row on the fast path: Tensors, and nn.functional on Tensors."""

    def __init__(self):
        self.first = None

    def _note(self, node):
        self.first = self.first or node

    def value(self, x):
        return self.leaf([x])

    def leaf(self, *rows):
        t = Tensor(list(rows), requires_grad=True)
        self._note(t)
        return t

    @staticmethod
    def const(*rows):
        return Tensor(list(rows))

    @staticmethod
    def bias(*entries):
        return Tensor([list(entries)], requires_grad=True)

    @staticmethod
    def sum(t):
        return t.sum()

    @staticmethod
    def mean(t):
        return t.mean()

    @staticmethod
    def matmul(a, b):
        return a @ b

    @staticmethod
    def entries(out):
        return [v for row in out.data for v in row]

    def backward(self, out):
        rows, cols = out.shape
        out.backward([[1.0 if (i, j) == (0, 0) else 0.0 for j in range(cols)] for i in range(rows)])

    def grad(self):
        return 0.0 if self.first.grad is None else self.first.grad[0][0]


def show(v):
    """A float as the table writes it: nan, inf, -inf, 0 (either sign) or 4 significant digits."""
    return "0" if v == 0 else format(v, ".4g")


def evaluate(expression, path, x):
    """The cell for ``expression`` at ``x`` on ``path``: "result; gradient", or an exception's name."""
    way = {"scalar": Scalar, "fast": Fast}[path]()
    env = {"x": x, "value": way.value, "leaf": way.leaf, "const": way.const, "bias": way.bias,
           "sum": way.sum, "mean": way.mean, "matmul": way.matmul, "abs": abs,
           "linear": F.linear, "softmax": F.softmax, "log_softmax": F.log_softmax,
           "cross_entropy": F.cross_entropy, "mse": F.mse}
    try:
        out = eval(expression, {"__builtins__": {}}, env)  # noqa: S307 - the expressions are the docs'
    except Exception as e:  # noqa: BLE001 - the exception's type is what the cell records
        return type(e).__name__
    entries = [show(v) for v in way.entries(out)]
    result = entries[0] if len(entries) == 1 else f"[{', '.join(entries)}]"
    try:
        way.backward(out)
    except Exception as e:  # noqa: BLE001
        return f"{result}; {type(e).__name__}"
    return f"{result}; {show(way.grad())}"


def read_table(text=None):
    """(input columns, rows) of the page's table; each row a dict of op, expression, paths and cells."""
    text = PAGE.read_text(encoding="utf-8") if text is None else text
    section = text.split("## The table", 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip().strip("`") for c in line.strip().strip("|").split("|")] for line in lines]
    header, body = cells[0], [c for c in cells[2:]]
    assert header[:3] == ["op", "expression", "paths"], header
    columns = header[3:]
    rows = [{"op": c[0], "expression": c[1], "paths": PATHS[c[2]], "cells": dict(zip(columns, c[3:], strict=True))}
            for c in body]
    return columns, rows


COLUMNS, ROWS = read_table()


def _cases():
    for row in ROWS:
        for path in row["paths"]:
            for column in COLUMNS:
                yield pytest.param(row["expression"], path, column, row["cells"][column],
                                   id=f"{row['expression']}-{path}-{column}")


@pytest.mark.parametrize("expression, path, column, cell", list(_cases()))
def test_each_op_does_what_the_table_says(expression, path, column, cell):
    assert evaluate(expression, path, float(column)) == cell


@pytest.mark.parametrize("row", ROWS, ids=[r["expression"] for r in ROWS])
def test_an_op_missing_from_a_path_is_missing_there(row):
    for path in {"scalar", "fast"} - set(row["paths"]):
        outcome = evaluate(row["expression"], path, 0.5)
        assert outcome in ("TypeError", "AttributeError", "NotOnPath"), (path, outcome)


def test_the_table_covers_every_op_asked_about():
    ops = {row["op"] for row in ROWS}
    assert ops == {"add", "sub", "mul", "div", "neg", "pow", "abs", "exp", "log", "sqrt", "tanh", "sigmoid",
                   "relu", "sum", "mean", "matmul", "linear", "softmax", "log_softmax", "cross_entropy", "mse"}
    assert COLUMNS == ["nan", "inf", "-inf", "0", "-1", "1e308"]


def test_no_nan_input_gives_a_number():
    """The page's first rule, read off its own table: every cell of the nan column is NaN or an error."""
    for row in ROWS:
        cell = row["cells"]["nan"]
        result = cell.split(";")[0]
        assert re.fullmatch(r"nan|\[nan(, nan)*\]|[A-Za-z]+Error", result), (row["expression"], cell)
