"""A backward pass you can click through: ``autograd.view(y, "backprop.html")`` writes one offline page.

The page draws the graph and replays ``y.backward_steps()`` one rule at a time (Next / Previous,
or the arrow keys): the node whose rule runs is highlighted, its rule's formula is shown with
this step's numbers put in, and each box's grad changes as the contributions arrive. The pass
is run on the graph with every ``.grad`` saved first and put back after, so viewing changes
nothing. In a notebook the returned ``View`` shows itself inline.
"""

from __future__ import annotations

import html
import json
import numbers
import os
import re
from importlib import resources
from typing import Any

from . import layout as _layout
from .graph import topological_order
from .node import Node
from .trace import contributions_text, node_name, numbering, short

__all__ = ["view", "View", "formula_of", "MAX_DRAWN"]

MAX_DRAWN = 300        # past this many nodes the page lists the steps as a table, undrawn
MAX_TABLE_ROWS = 1000  # a longer table keeps its first and last halves, as trace() does
EXACT_ENTRIES = 64     # grads up to this many entries are kept exactly in data-grad attributes
_CHAR, _LINE, _PAD = 7.3, 16, 9  # monospace 12px: pixels per character and per line


def formula_of(node: Node) -> str:
    """The formula of the ``Function`` that made ``node`` (its docstring's first line), spaces evened.

    e.g. ``z = a * b; dz/da = b, dz/db = a``; "" for a leaf or a Function without a docstring.
    """
    function = node.function
    if function is None or not (function.__doc__ or "").strip():
        return ""
    return " ".join(function.formula().split())


_CLAUSE = re.compile(r"\bd(\w+)/d(\w+)\s*=\s*")
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")
_ATOM = re.compile(r"[\w.]+(\([^()]*\))?|\([^()]*\)")  # needs no parentheses after "grad ×"


def _derivatives(formula):
    """``(output, [(input, expression), ...])`` read off "z = a * b; dz/da = b, dz/db = a", or None."""
    head, sep, tail = formula.partition(";")
    found = list(_CLAUSE.finditer(tail))
    if not sep or "=" not in head or not found:
        return None
    out = head.split("=")[0].strip()
    if any(m.group(1) != out for m in found):
        return None
    clauses = []
    for m, after in zip(found, found[1:] + [None]):
        expr = tail[m.end():after.start() if after else len(tail)]
        expr = re.split(r"\s\((?=[A-Za-z]{2})", expr)[0]  # drop a remark: "(relu'(0) = 0, as in ...)"
        expr = re.split(r",\s|\.\s|\.$", expr.strip())[0].strip().rstrip(",")
        clauses.append((m.group(2), expr))
    return out, clauses


def _bindings(node, clauses):
    """Each clause's input name matched to a parent, or None when the formula names other inputs."""
    parents = node.parents
    if len(clauses) == 1 and clauses[0][0].endswith("_i") and len(parents) > 1:
        stem, expr = clauses[0][0][:-2], clauses[0][1]  # "dz/da_i = 1": one clause for every term
        clauses = [(f"{stem}_{k}", expr.replace(f"{stem}_i", f"{stem}_{k}")) for k in range(1, len(parents) + 1)]
    if len(clauses) != len(parents):
        return None
    return clauses


def _number(x):
    text = short(x)
    return f"({text})" if text.startswith("-") else text


def _substituted(node, out, clauses):
    """Each derivative expression with this node's numbers put in, e.g. "1 - z**2" -> "1 - 0.707107**2"."""
    values = {out: node.data, **{name: p.data for (name, _), p in zip(clauses, node.parents)}}
    free = {n for _, e in clauses for n in _NAME.findall(e) if len(n) == 1 and n not in values} - {"e"}
    saved = getattr(node, "saved", None)
    constant = None
    if len(free) == 1 and isinstance(saved, numbers.Real) and not isinstance(saved, bool):
        constant = free.pop()  # a number the rule keeps beside the node, as pow's exponent
        values[constant] = saved
    names = "|".join(map(re.escape, sorted(values, key=len, reverse=True)))
    # "2 z" and "z (1 - z)" multiply: once numbers are in, a "·" keeps "2 1.41421" from reading as two numbers
    implicit = re.compile(rf"(\b(?:\d[\d.]*|{names})\b|\))\s+(?=(?:{names})\b|\()")
    put = lambda m: _number(values[m.group(0)]) if m.group(0) in values else m.group(0)  # noqa: E731
    return [_NAME.sub(put, implicit.sub(r"\1 · ", expr)) for _, expr in clauses], constant


def _shape(node):
    shape = getattr(node, "shape", None)
    return f"{shape[0]}x{shape[1]}" if shape else ""


def _text(x, shape=False):
    """A float or block of floats in a few characters; with ``shape``, a block says its shape first."""
    if x is None or isinstance(x, numbers.Real):
        return short(x)
    return f"({len(x)}x{len(x[0])}) {short(x)}" if shape else short(x)


def _exact(x):
    """The grad exactly (repr), for the page's data-grad attributes; "" past EXACT_ENTRIES."""
    if x is None or isinstance(x, numbers.Real):
        return repr(x)
    return repr(x) if len(x) * len(x[0]) <= EXACT_ENTRIES else ""


def _explain(step, name):
    """The lines that say what one step did: the rule, its numbers, what each parent received."""
    node, grad, contributions = step.node, step.grad, step.contributions
    formula = formula_of(node)
    lines = [["rule", f"rule of {node.op}: {formula}" if formula
              else f"rule of {node.op} (its Function has no docstring, so no formula to show)"]]
    parsed = _derivatives(formula) if isinstance(node.data, numbers.Real) else None
    clauses = _bindings(node, parsed[1]) if parsed else None
    if clauses:
        out = parsed[0]
        put_in, constant = _substituted(node, out, clauses)
        here = [f"{out} = {name(node)} = {short(node.data)}"]
        here += [f"{var} = {name(p)} = {short(p.data)}" for (var, _), p in zip(clauses, node.parents)]
        here += [f"{constant} = {short(node.saved)}"] if constant else []
        lines.append(["here", "here " + ", ".join(here)])
        lines.append(["arrives", f"grad arriving at {name(node)}: {short(grad)}"])
        g = _number(grad)
        for (var, expr), filled, parent, c in zip(clauses, put_in, node.parents, contributions):
            factor = filled if _ATOM.fullmatch(filled) else f"({filled})"
            lines.append(["gives", f"{name(parent)}.grad += {g} × d{out}/d{var} = {g} × {factor} = {short(c)}"])
        return lines
    lines.append(["arrives", f"grad arriving at {name(node)}: {_text(grad, shape=True)}"])
    for parent, c in zip(node.parents, contributions):
        lines.append(["gives", f"{name(parent)}: no grad needed" if c is None
                      else f"{name(parent)}.grad += {_text(c, shape=True)}"])
    return lines


def _record(root, grad, order, index, name, explain):
    """Run the backward pass from zero grads, recording each step; every .grad is put back after."""
    saved = [(n, n.grad) for n in order]
    try:
        root.zero_grad()
        start = [[_text(n.grad), _exact(n.grad)] for n in order]
        steps = []
        for step in root.backward_steps() if grad is None else root.backward_steps(grad):
            receivers = list(dict.fromkeys(step.parents))  # x * x gives x twice; its box once
            steps.append({
                "node": index[step.node], "parents": [index[p] for p in receivers],
                "title": f"the rule of {name(step.node)}{f' ({step.node.op})' if step.node.label else ''} runs",
                "lines": _explain(step, name) if explain else [],
                "after": [[index[p], _text(p.grad), _exact(p.grad)] for p in receivers],
                "row": (name(step.node), step.node.op, _text(step.grad, shape=True),
                        contributions_text(step.parents, step.contributions, name)),
            })
            if len(steps) == 1:  # the output's grad is the seed; it is never a parent, so it stays
                start[index[root]] = [_text(step.grad), _exact(step.grad)]
    finally:
        for n, g in saved:
            n.grad = g
    return start, steps


def _esc(text):
    return html.escape(str(text), quote=True)


def _boxes(order, name, start, steps):
    """Each node's title (name, op, shape) and data line, and a box size that fits every grad it shows."""
    longest = [len(g) for g, _ in start]
    for step in steps:
        for i, text, _ in step["after"]:
            longest[i] = max(longest[i], len(text))
    rows, boxes = [], []
    for node, grad in zip(order, longest):
        title = name(node) + (f" · {node.op}" if node.parents and node.label else "")  # else the name has it
        title += f"  {_shape(node)}" if _shape(node) else ""
        data = f"data {_text(node.data)}"
        rows.append((title, data))
        boxes.append((max(90, _CHAR * max(len(title), len(data), 5 + grad) + 2 * _PAD), 3 * _LINE + _PAD))
    return rows, boxes


def _svg(order, rows, boxes, start, chosen):
    index = {n: i for i, n in enumerate(order)}
    edges = [(index[p], i) for i, n in enumerate(order) for p in n.parents]
    picture, note = None, ""
    if chosen in ("auto", "graphviz"):
        try:
            picture = _layout.graphviz(boxes, edges)
        except RuntimeError as e:
            note = f"{e}; drawn with puregrad's own layout instead"
        if picture is None and chosen == "graphviz" and not note:
            from .dot import GraphvizNotFound, not_installed
            raise GraphvizNotFound(not_installed("view"))
    picture = picture or _layout.layered(boxes, edges)
    w, h = picture.width, picture.height
    out = [f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
           f'viewBox="0 0 {w:.0f} {h:.0f}" data-layout="{picture.engine}">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" '
           'markerHeight="9" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#9aa3b5"/></marker></defs>']
    out += [f'<path class="edge" data-from="{t}" data-to="{hd}" d="{d}" marker-end="url(#arrow)"/>'
            for (t, hd), d in zip(edges, picture.paths)]
    for i, ((title, data), (cx, cy), (bw, bh), node) in enumerate(zip(rows, picture.centres, boxes, order)):
        kind = "node interior" if node.parents else "node leaf"
        out.append(f'<g class="{kind}" data-node="{i}" transform="translate({cx - bw / 2:.1f},{cy - bh / 2:.1f})">'
                   f'<rect width="{bw:.1f}" height="{bh:.1f}" rx="5"/>'
                   f'<text x="{_PAD}" y="{_LINE}" class="title">{_esc(title)}</text>'
                   f'<text x="{_PAD}" y="{2 * _LINE}" class="data">{_esc(data)}</text>'
                   f'<text x="{_PAD}" y="{3 * _LINE}" class="grad" data-grad-of="{i}" '
                   f'data-grad="{_esc(start[i][1])}">grad {_esc(start[i][0])}</text></g>')
    out.append("</svg>")
    return "\n".join(out), picture.engine, note


def _table(steps):
    """Every step as a table row (the middle left out past MAX_TABLE_ROWS)."""
    shown = list(enumerate(steps, 1))
    gap = ""
    if len(shown) > MAX_TABLE_ROWS:
        half = MAX_TABLE_ROWS // 2
        gap = f'<tr><td colspan="5">... {len(shown) - 2 * half} steps left out ...</td></tr>'
        shown = shown[:half] + [None] + shown[-half:]
    rows = ['<table id="steps"><tr><th>step</th><th>node</th><th>op</th><th>grad arriving</th>'
            '<th>contributions to parents</th></tr>']
    for item in shown:
        if item is None:
            rows.append(gap)
            continue
        k, step = item
        rows.append(f'<tr data-step="{k}">' + "".join(f"<td>{_esc(c)}</td>" for c in (k, *step["row"])) + "</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _json(obj):
    """JSON safe inside a <script> element (no "</script>" can end it early)."""
    return json.dumps(obj, separators=(",", ":")).replace("<", "\\u003c")


def _asset(name):
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


_CONTROLS = """<div class="controls"><button id="prev" type="button">◀ Previous</button>
<span id="position" data-position="0">start</span><button id="next" type="button">Next ▶</button>
<span class="hint">or the ← → keys (Home, End)</span></div>
<section id="explain" aria-live="polite"><noscript>Turn on JavaScript to step through the pass;
the table below lists every step.</noscript></section>"""


def _page(root, grad, chosen):
    """The page's HTML and the text it shows at each position (0 is the start)."""
    order = topological_order(root)
    numbers_ = numbering(root)  # the node indices are trace's numbers, in the same forward order
    name = lambda n: node_name(n, numbers_)  # noqa: E731 - the one naming rule
    drawn = len(order) <= MAX_DRAWN
    start, steps = _record(root, grad, order, numbers_, name, explain=drawn)
    seed = start[numbers_[root]][0]
    opening = [f"start: the grad of {name(root)} is set to {seed}",
               [["here", f"d{name(root)}/d{name(root)} = 1: the pass starts at the output with grad {seed}; "
                 "every other grad starts at zero."], ["gives", "Press Next (or the → key) to run the first rule."]]]
    texts = [f"{opening[0]}\n{opening[1][0][1]}"] + ["\n".join([s["title"]] + [t for _, t in s["lines"]])
                                                    for s in steps]
    title = f"Backward pass of {name(root)}"
    summary = f"{len(order)} nodes, {len(steps)} steps"
    notes = ["The page runs this pass from zero grads (as after zero_grad()); the graph's own "
             ".grad values were saved and put back, so viewing changed none of them."]
    if not drawn:
        notes.append(f"This graph has {len(order)} nodes, more than the {MAX_DRAWN} this page draws, "
                     "so its steps are listed as a table instead. Try a smaller graph (fewer inputs "
                     "or a smaller layer) to step through it.")
        body, script = _table(steps), ""
    else:
        svg, engine, note = _svg(order, *_boxes(order, name, start, steps), start, chosen)
        notes += [note] if note else []
        summary += " · layout: " + ("Graphviz" if engine == "graphviz" else "puregrad's own (layered)")
        data = {"root": numbers_[root], "nodes": [{"grad": g, "exact": e} for g, e in start],
                "steps": [{k: s[k] for k in ("node", "parents", "title", "lines", "after")} for s in steps],
                "start_title": opening[0], "start_lines": opening[1]}
        body = "\n".join([_CONTROLS, f'<div id="picture">{svg}</div>',
                          f"<details><summary>All {len(steps)} steps as a table</summary>{_table(steps)}</details>"])
        script = (f'<script type="application/json" id="view-data">{_json(data)}</script>\n'
                  f"<script>{_asset('viewer.js')}</script>")
    page = "\n".join([
        '<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc(title)}</title>", f"<style>{_asset('viewer.css')}</style></head><body>",
        f"<h1>{_esc(title)}</h1>", f'<p class="summary">{_esc(summary)}</p>',
        *[f'<p class="note">{_esc(n)}</p>' for n in notes], body, script, "</body></html>", ""])
    return page, texts, len(order), drawn


def write_text(path: str | os.PathLike[str], text: str, who: str) -> str:
    """Write ``text`` to ``path`` whole or not at all (a temporary file renamed over it).

    Raises OSError naming ``who`` and the path in one line when it cannot be written.
    """
    path = os.fspath(path)
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as f:  # "x": created with the umask's permissions
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise OSError(f"{who}: cannot write {path}: {e.strerror or e}") from None
    return path


class View:
    """A backward pass as a page: ``html`` is the page, ``path`` where it was written (or None).

    In Jupyter the view shows inline (``_repr_html_``: the page in an iframe); where Graphviz is
    installed it also offers the graph as SVG (``_repr_svg_``).
    """

    def __init__(self, root: Node, html_text: str, texts: list[str], nodes: int, drawn: bool,
                 path: str | None = None) -> None:
        self.root, self.html, self.nodes, self.drawn, self.path = root, html_text, nodes, drawn, path
        self._texts = texts
        self.steps = len(texts) - 1

    def explain(self, step: int) -> str:
        """The text the page shows at ``step`` (0 is the start, before any rule runs).

        Past the size limit only which rule runs (the table has the numbers).
        """
        if not 0 <= step <= self.steps:
            raise IndexError(f"explain: step {step} is out of range (0 to {self.steps})")
        return self._texts[step]

    def __repr__(self) -> str:
        where = f"written to {self.path}" if self.path else "not saved"
        drawn = "" if self.drawn else ", listed as a table"
        return f"<View of {node_name(self.root)}: {self.nodes} nodes, {self.steps} steps{drawn}, {where}>"

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the page to ``path`` (an OSError naming it if that fails); returns the path."""
        self.path = write_text(path, self.html, "view")
        return self.path

    def _repr_html_(self) -> str:
        height = 720 if self.drawn else 480
        return (f'<iframe srcdoc="{_esc(self.html)}" sandbox="allow-scripts" '
                f'style="width: 100%; height: {height}px; border: 1px solid #ddd;"></iframe>')

    def _repr_svg_(self) -> str | None:
        from .dot import GraphvizNotFound, svg
        try:
            return svg(self.root)
        except GraphvizNotFound:
            return None  # the notebook then shows the HTML (or the repr)


def view(root: Node, path: str | os.PathLike[str] | None = None, *, grad: Any = None,
         layout: str = "auto") -> View:
    """A page that steps through ``root``'s backward pass; written to ``path`` if given.

    ``grad`` seeds the pass as in ``backward(grad)``. ``layout``: "auto" (Graphviz's where the
    ``dot`` program is installed, else puregrad's own), "graphviz" or "layered". Graphs of more
    than ``MAX_DRAWN`` nodes are listed as a table. Nobody's ``.grad`` is changed.
    """
    if not isinstance(root, Node):
        raise TypeError(f"view: expected a Value or Tensor, got {type(root).__name__}")
    if layout not in _layout.LAYOUTS:
        raise ValueError(f"view: layout must be one of {', '.join(_layout.LAYOUTS)}, got {layout!r}")
    if not root.parents:
        raise ValueError(f"view: {node_name(root)} is a leaf (no op made it), so it has no backward "
                         "pass to show; view a result computed from it, such as its loss")
    result = View(root, *_page(root, grad, layout))
    if path is not None:
        result.save(path)
    return result
