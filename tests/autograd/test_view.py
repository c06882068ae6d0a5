"""autograd.view: the page's steps match backward_steps(), nobody's .grad changes, bad input is one line.

What a browser shows is checked in test_view_browser.py; here the page's data and HTML are read
directly.
"""

import os
import re
import shutil

import pytest
from hypothesis import assume, given, settings, strategies as st

import autograd
from autograd import Function, Tensor, Value, layout, viewer
from autograd.dot import GraphvizNotFound
from autograd.testing import OPS, expressions, operands
from autograd.viewer import View, formula_of, view
from test_function import Softplus  # the public op API's own example
from view_pages import expected, neuron, payload, replay, shared, small_tensor_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")


def grads(root):
    return [n.grad for n in autograd.topological_order(root)]


@pytest.mark.parametrize("make", [neuron, shared, small_tensor_graph])
@pytest.mark.parametrize("chosen", ["layered", pytest.param("graphviz", marks=needs_dot)])
def test_every_position_of_the_page_shows_the_grads_of_backward_steps(make, chosen):
    root = make()
    page = view(root, layout=chosen)
    assert replay(payload(page.html)) == expected(root)
    assert f'data-layout="{chosen}"' in page.html


@given(expressions(max_inputs=3, max_ops=10), st.floats(-5, 5))
def test_view_changes_no_grad_and_ends_where_backward_ends(expr, junk):
    build, inputs = expr
    out = build(*inputs)
    assume(out.parents)  # an expression may be one of its inputs
    out.backward()
    for v in inputs:
        v.grad += junk  # whatever the grads hold, the page starts from zero and leaves them alone
    before = grads(out)
    data = payload(view(out).html)
    assert grads(out) == before
    out.zero_grad()
    out.backward()
    assert replay(data)[-1] == [repr(g) for g in grads(out)]


def test_tensor_grads_are_put_back_as_the_same_objects():
    loss = small_tensor_graph()
    loss.backward()
    before = grads(loss)
    view(loss)
    assert all(a is b for a, b in zip(grads(loss), before))


def _gives(step):
    return [text for kind, text in step["lines"] if kind == "gives"]


@pytest.mark.parametrize("spec", OPS, ids=lambda s: s.name)
@settings(max_examples=10)
@given(data=st.data())
def test_each_scalar_rule_shows_its_formula_with_its_numbers(spec, data):
    xs = data.draw(operands(spec))
    leaves = [x if i in spec.numbers_only else Value(x, f"x{i}") for i, x in enumerate(xs)]
    out = spec.apply(*leaves)
    [step] = payload(view(out).html)["steps"]
    (kind, rule), *_ = step["lines"]
    assert rule == f"rule of {out.op}: {formula_of(out)}"
    [taken] = list(out.backward_steps())
    gives = _gives(step)
    assert len(gives) == len(out.parents)
    for line, parent, c in zip(gives, out.parents, taken.contributions):
        assert line.startswith(f"{parent.label}.grad += 1 × d")
        assert line.endswith(f"= {autograd.trace.short(c)}")
        put_in = line.split(" = ")[1].split(" × ", 1)[1]
        assert not re.search(r"\b[abz]\b|\ba_\d", put_in), f"a name was left in: {line}"


def test_formula_of_reads_the_rule_and_the_lines_put_numbers_in():
    o = neuron()
    assert formula_of(o) == "z = tanh a; dz/da = 1 - z**2"
    steps = payload(view(o).html)["steps"]
    assert _gives(steps[0]) == ["n.grad += 1 × dz/da = 1 × (1 - 0.707107**2) = 0.5"]
    assert _gives(steps[-1]) == ["x1.grad += 0.5 × dz/da = 0.5 × (-3) = -1.5",
                                 "w1.grad += 0.5 × dz/db = 0.5 × 2 = 1"]
    assert formula_of(Value(1.0)) == ""


class Twice(Function):
    @staticmethod
    def forward(ctx, a):
        return 2 * a

    @staticmethod
    def backward(ctx, grad):
        return (2 * grad,)


def test_a_user_defined_op_shows_its_own_formula():
    a = Value(0.5, "a")
    [step] = payload(view(Softplus.apply(a)).html)["steps"]
    assert step["lines"][0] == ["rule", "rule of softplus: z = log(1 + e**a); dz/da = sigmoid(a)"]
    assert _gives(step) == ["a.grad += 1 × dz/da = 1 × sigmoid(0.5) = 0.622459"]
    [step] = payload(view(Twice.apply(a)).html)["steps"]
    assert "no docstring" in step["lines"][0][1] and _gives(step) == ["a.grad += 2"]


def test_arrays_show_shapes_and_a_few_values():
    page = view(small_tensor_graph()).html
    assert "w · leaf" not in page and ">w  3x2<" in page and ">loss · cross_entropy  1x1<" in page
    step = payload(page)["steps"][1]
    assert any(text.startswith("grad arriving at") and "(2x2) [" in text for _, text in step["lines"])


def test_a_leaf_or_a_non_node_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"^view: x is a leaf \(no op made it\)"):
        view(Value(1.0, "x"))
    with pytest.raises(ValueError, match="view: w is a leaf"):
        view(Tensor([[1.0]], "w", requires_grad=True))
    with pytest.raises(TypeError, match="view: expected a Value or Tensor, got float"):
        view(1.5)
    with pytest.raises(ValueError, match="view: layout must be one of auto, graphviz, layered, got 'dots'"):
        view(neuron(), layout="dots")
    loss = small_tensor_graph()
    rows = loss.parents[0]
    rows.label = "rows"
    loss.backward()
    before = grads(rows)
    with pytest.raises(ValueError, match=r"tensor 'rows' has shape \(2, 2\); pass grad"):
        view(rows)
    assert grads(rows) == before
    assert view(rows, grad=[[1.0, 0.0], [0.0, 1.0]]).steps == 3


def test_an_unwritable_path_is_one_oserror_naming_it_and_leaves_nothing(tmp_path):
    for path in (tmp_path / "missing" / "page.html", tmp_path):
        with pytest.raises(OSError, match=f"^view: cannot write {re.escape(str(path))}: "):
            view(neuron(), path)
    assert os.listdir(tmp_path) == []
    page = view(neuron(), tmp_path / "page.html")
    assert page.path == str(tmp_path / "page.html") and "written to" in repr(page)
    assert (tmp_path / "page.html").read_text(encoding="utf-8") == page.html


def test_past_the_size_limit_the_page_says_so_and_lists_the_steps(monkeypatch):
    monkeypatch.setattr(viewer, "MAX_TABLE_ROWS", 40)
    x = Value(0.5, "x")
    y = x
    for _ in range(viewer.MAX_DRAWN + 10):
        y = y * 1.0
    page = view(y)
    assert f"more than the {viewer.MAX_DRAWN} this page draws" in page.html
    assert "<svg" not in page.html and "<script" not in page.html and "listed as a table" in repr(page)
    assert page.html.count('<tr data-step="') == 40 and f"{viewer.MAX_DRAWN + 10 - 40} steps left out" in page.html


def test_labels_cannot_break_out_of_the_page():
    x = Value(1.0, "</script><b>x")
    page = view(x * 2).html
    assert page.count("</script>") == 2 and "<b>x" not in page
    assert payload(page)["steps"]


def test_without_graphviz_auto_uses_the_own_layout_and_graphviz_is_refused(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert 'data-layout="layered"' in view(neuron()).html
    with pytest.raises(GraphvizNotFound, match="view: the Graphviz 'dot' program is not installed"):
        view(neuron(), layout="graphviz")
    assert neuron_view()._repr_svg_() is None


def neuron_view():
    return view(neuron())


def test_notebook_reprs():
    page = neuron_view()
    frame = page._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"&lt;!DOCTYPE html&gt;") and 'sandbox="allow-scripts"' in frame
    if shutil.which("dot"):
        assert page._repr_svg_().lstrip().startswith("<?xml")


@st.composite
def dags(draw):
    """Random graphs in topological order, every node but the last used by a later one."""
    count = draw(st.integers(2, 40))
    edges = set()
    for head in range(1, count):
        for tail in draw(st.lists(st.integers(0, head - 1), min_size=1, max_size=3)):
            edges.add((tail, head))
    for tail in range(count - 1):
        if not any(t == tail for t, _ in edges):
            edges.add((tail, draw(st.integers(tail + 1, count - 1))))
    widths = draw(st.lists(st.integers(60, 200), min_size=count, max_size=count))
    return [(w, 57) for w in widths], sorted(edges)


def _overlap(a, b):
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    return abs(ax - bx) * 2 < aw + bw and abs(ay - by) * 2 < ah + bh


@pytest.mark.parametrize("engine", [layout.layered, pytest.param(layout.graphviz, marks=needs_dot)])
@settings(max_examples=25)
@given(graph=dags())
def test_layouts_keep_boxes_apart_and_edges_pointing_right(engine, graph):
    boxes, edges = graph
    drawn = engine(boxes, edges)
    rects = [(x, y, w, h) for (x, y), (w, h) in zip(drawn.centres, boxes)]
    assert not any(_overlap(a, b) for i, a in enumerate(rects) for b in rects[i + 1:])
    assert all(drawn.centres[t][0] < drawn.centres[h][0] for t, h in edges)
    assert len(drawn.paths) == len(edges)
    assert all(0 <= x - w / 2 and x + w / 2 <= drawn.width and 0 <= y - h / 2 and y + h / 2 <= drawn.height
               for x, y, w, h in rects)


def test_view_is_exported_and_the_view_repr_says_what_it_is():
    assert autograd.view is view
    assert repr(neuron_view()) == "<View of o: 9 nodes, 4 steps, not saved>"
    assert isinstance(neuron_view(), View)


def test_the_page_assets_are_packaged():
    import fnmatch
    import pathlib
    import tomllib

    root = pathlib.Path(__file__).resolve().parents[2]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package in ("autograd", "nn", "mnist"):
        for path in (root / package).iterdir():
            if path.is_file() and path.suffix not in (".py", ".pyc"):
                assert any(fnmatch.fnmatch(path.name, g) for g in globs.get(package, []) + globs.get("*", [])), (
                    f"{package}/{path.name} is not in pyproject's package-data, so a wheel would leave it out")


def test_explain_gives_the_text_of_each_position():
    page = neuron_view()
    data = payload(page.html)
    assert page.explain(0).startswith("start: the grad of o is set to 1\ndo/do = 1")
    for k, step in enumerate(data["steps"], 1):
        assert page.explain(k).splitlines() == [step["title"]] + [t for _, t in step["lines"]]
    with pytest.raises(IndexError, match=r"explain: step 5 is out of range \(0 to 4\)"):
        page.explain(5)
