"""Step-through, trace tables, DOT pictures and anomaly detection."""

import inspect
import re
import shutil

import pytest

import autograd
from autograd import Value
from autograd.anomaly import AnomalyError, detect_anomaly
from autograd.dot import FORMATS, GraphvizError, GraphvizNotFound, render, svg, to_dot
from autograd.trace import trace


def _neuron():
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(1.0, "b")
    y = (x * w + b).tanh()
    y.label = "y"
    return y, (x, w, b)


def test_steps_apply_each_rule_once_and_match_backward():
    y, leaves = _neuron()
    steps = list(y.backward_steps())
    assert [s.op for s in steps] == ["tanh", "add", "mul"]
    first = [v.grad for v in leaves]
    y.zero_grad()
    y.backward()
    assert [v.grad for v in leaves] == first
    # a step's contributions are what its parents received from it
    assert steps[-1].contributions == (steps[-1].grad * -3.0, steps[-1].grad * 2.0)
    assert steps[0].grad == 1.0 and steps[0].parents == y.parents


def test_step_is_applied_when_yielded():
    y, (x, w, b) = _neuron()
    steps = y.backward_steps()
    next(steps)
    next(steps)  # the add rule has run: b has its gradient, x has not yet
    assert b.grad != 0.0 and x.grad == 0.0


def test_trace_shortens_large_graphs():
    x = Value(0.5, "x")
    y = x
    for _ in range(500):
        y = y * 1.0
    text = str(trace(y, max_rows=10))
    assert "490 steps omitted" in text
    assert len(text.splitlines()) == 12  # header, 5 rows, the gap line, 5 rows


def _parse_dot(text):
    assert text.count("{") - text.count("\\{") == text.count("}") - text.count("\\}")
    declared = set(re.findall(r"^\s+(\w+) \[", text, re.M)) - {"node", "graph", "edge"}
    edges = re.findall(r"^\s+(\w+) -> (\w+);", text, re.M)
    return declared, edges


def test_dot_declares_every_edge_end_and_names_every_node():
    y, _ = _neuron()
    y.backward()
    text = to_dot(y)
    declared, edges = _parse_dot(text)
    assert edges and all(a in declared and b in declared for a, b in edges)
    order = autograd.topological_order(y)
    assert sum(1 for name in declared if not name.endswith("_op")) == len(order)
    for label in ("x", "w", "b", "y", "tanh", "mul", "add"):
        assert label in text


def test_dot_escapes_record_characters_in_labels():
    v = Value(1.0, 'a|b{c}"d"')
    text = to_dot(v * 2)
    assert r"a\|b\{c\}\"d\"" in text
    _parse_dot(text)


def test_render_without_graphviz_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
        render(_neuron()[0], tmp_path / "g.svg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_writes_svg(tmp_path):
    path = render(_neuron()[0], tmp_path / "g.svg")
    assert "<svg" in open(path).read()
    assert "<svg" in open(render(_neuron()[0], tmp_path / "g", format="SVG")).read()
    assert svg(_neuron()[0]) == open(path).read()


@pytest.mark.parametrize("name, problem", [("neuron", "has no suffix to tell the format"),
                                           ("neuron.xyz", "unknown format 'xyz'")])
def test_render_names_the_formats_it_accepts_before_looking_for_graphviz(monkeypatch, tmp_path, name, problem):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ValueError, match=f"^render: .*{problem}.*one of {', '.join(FORMATS)}$"):
        render(_neuron()[0], tmp_path / name)
    assert not (tmp_path / name).exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_shows_graphvizs_own_message_in_one_line(tmp_path):
    path = tmp_path / "missing" / "g.svg"
    with pytest.raises(GraphvizError, match=f"^render: Graphviz dot -Tsvg failed writing {re.escape(str(path))}: ") as caught:
        render(_neuron()[0], path)
    assert "\n" not in str(caught.value) and len(str(caught.value)) > len(f"render: ... {path}: ") + 10


def _line_of(marker):
    source, start = inspect.getsourcelines(test_anomaly_forward_points_at_the_creating_line)
    return start + next(i for i, line in enumerate(source) if marker in line)


HUGE, TINY = 1e200, 1e-200


@pytest.mark.parametrize("make", [
    lambda: Value(1e308) + Value(1e308),
    lambda: Value(-1e308) - Value(1e308),
    lambda: Value(HUGE) * Value(HUGE),
    lambda: Value(HUGE) / Value(TINY),
    lambda: -Value(float("nan")),
    lambda: Value(float("nan")).tanh(),
    lambda: Value(float("inf")).sigmoid() * 0.0 + Value(float("inf")) - Value(float("inf")),
    lambda: autograd.sum([1e308, 1e308]),
    lambda: Value(float("inf")).abs(),
])
def test_anomaly_catches_each_forward_op(make):
    with detect_anomaly(), pytest.raises(AnomalyError, match="produced (inf|-inf|nan)"):
        make()


def test_anomaly_forward_points_at_the_creating_line():
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        Value(HUGE, "h") * Value(HUGE)  # marker: creating line
    assert f"{__file__}:{_line_of('marker: creating line')}" in str(caught.value)
    assert "mul" in str(caught.value) and "h (data 1e+200)" in str(caught.value)


@pytest.mark.parametrize("build, op", [
    (lambda a: (a * Value(TINY)) * HUGE, "mul"),       # d/dTINY = grad * a, overflows
    (lambda a: (Value(1e-320) * a).log() * 1e10, "log"),  # 1 / 1e-320 overflows
    (lambda a: Value(1.0) / (a * 1e-160) * 1e100, "div"),  # d/db = -1e100 * 1e160 / 1e-160
])
def test_anomaly_catches_backward_and_names_node(build, op):
    a = Value(HUGE if op == "mul" else 1.0, "a")
    with detect_anomaly():
        out = build(a)
        with pytest.raises(AnomalyError, match=rf"backward of {op}.*node created at {re.escape(__file__)}:\d+"):
            out.backward()


def test_anomaly_is_off_outside_and_leaves_no_watcher():
    from autograd import mode
    with detect_anomaly():
        assert len(mode.watchers()) == 1
        with detect_anomaly():  # nested: still one detector
            assert len(mode.watchers()) == 1
    assert mode.watchers() == () and mode.changed == 0
    assert (Value(HUGE) * Value(HUGE)).data == float("inf")  # IEEE behaviour when off


def test_anomaly_mode_belongs_to_its_thread():
    import threading
    seen = {}

    def other():
        seen["data"] = (Value(HUGE) * Value(HUGE)).data  # no detector in this thread

    with detect_anomaly():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen["data"] == float("inf")


from hypothesis import given  # noqa: E402

from autograd.testing import expressions  # noqa: E402


@given(expressions(max_inputs=3, max_ops=10))
def test_step_iterator_reproduces_backward_on_random_graphs(expr):
    build, inputs = expr
    out = build(*inputs)
    steps = list(out.backward_steps())
    stepped = [v.grad for v in inputs]
    interior = [n for n in autograd.topological_order(out) if n.parents]
    assert sorted(map(id, (s.node for s in steps))) == sorted(map(id, interior))  # each rule once
    for v in inputs:
        v.grad = 0.0
    out.backward()
    assert [v.grad for v in inputs] == stepped  # bit for bit: one loop, not two
    assert len(trace(out)) == len(steps)


def test_anomaly_and_pictures_work_for_arrays():
    from autograd import Tensor
    from autograd.array_ops import SoftmaxCrossEntropy
    w = Tensor([[1e200, 1.0], [2.0, 3.0]], "w", requires_grad=True)
    x = Tensor([[1.0, 0.0]], "x")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"mul produced .*inf.* w \(data \[1e\+200"):
        (x @ w) * w  # marker: array line
    with detect_anomaly():
        loss = SoftmaxCrossEntropy.apply((x @ (w * 1e-200)) * 1e200, [1])
        loss.label = "loss"
        steps = list(loss.backward_steps())
    assert [s.op for s in steps][:2] == ["cross_entropy", "mul"]
    text = to_dot(loss)
    assert "w 2x2" in text and "loss 1x1" in text
    _parse_dot(text)
    assert "cross_entropy" in str(trace(loss))


def test_one_name_per_node_in_steps_trace_picture_and_anomaly():
    from autograd.trace import node_name, numbering
    x, w = Value(2.0, "x"), Value(1e150, "w")
    y = (x * w) * w
    numbers = numbering(y)
    names = {node_name(n, numbers) for n in numbers}
    assert names == {"x", "w", "mul#2", "mul#3"}
    step_text = "\n".join(str(s) for s in y.backward_steps())
    assert "mul#3 [mul]" in step_text and "mul#2 +=" in step_text
    assert "mul#2" in str(trace(y)) and "mul#2" in to_dot(y)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"mul produced inf .* inputs mul#3 \(data 2e\+300\), w"):
        (x * w) * w * w


def test_printed_numbers_never_show_minus_zero():
    from autograd.trace import short
    assert short(-0.0) == "0" and short([[-0.0, 1.0]]) == "[0, 1]"
    a = Value(0.0, "a")
    y = a * -1.0  # d/da = -1, d/d(-1) = a = 0: the contribution is -0.0 on some paths
    assert "-0" not in str(trace(y * 0.0))


@given(expressions(max_inputs=3, max_ops=8))
def test_trace_leaves_every_grad_as_it_was_unless_asked(expr):
    build, inputs = expr
    out = build(*inputs)
    nodes = autograd.topological_order(out)
    before = [n.grad for n in nodes]
    first, second = str(trace(out)), str(trace(out))
    assert first == second and [n.grad for n in nodes] == before
    kept = trace(out, keep_grads=True)
    applied = [v.grad for v in inputs]
    for v in inputs:
        v.grad = 0.0
    out.backward()
    assert [v.grad for v in inputs] == applied and len(kept) == len(list(out.backward_steps()))


def test_scalar_models_label_parameters_with_state_dict_names():
    import nn
    mlp = nn.MLP(3, [2, 1], rng=0)
    assert mlp.layers[0].neurons[1].w[2].label == "layers.0.weight[1][2]"
    assert mlp.layers[1].neurons[0].b.label == "layers.1.bias[0]"
    fast = nn.fast_mlp(3, [2, 1], rng=0)
    assert (fast.layers[0].weight.label, fast.layers[1].bias.label) == ("layers.0.weight", "layers.1.bias")
    text = str(trace(mlp([1.0, 2.0, 3.0])))
    assert "layers.0.weight[0][0] +=" in text and "leaf +=" not in text
