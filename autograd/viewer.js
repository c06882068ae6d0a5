// Steps through a backward pass recorded by autograd.viewer: the data is in #view-data.
// Position 0 is the start (only the output has its grad, the seed); position k has run k rules.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("view-data").textContent);
  var steps = data.steps;
  var position = 0;
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var counter = document.getElementById("position");
  var explain = document.getElementById("explain");

  function gradsAt(k) {
    var grads = data.nodes.map(function (n) { return [n.grad, n.exact]; });
    for (var i = 0; i < k; i++) {
      steps[i].after.forEach(function (a) { grads[a[0]] = [a[1], a[2]]; });
    }
    return grads;
  }

  function mark(selector, cls, test) {
    document.querySelectorAll(selector).forEach(function (el) { el.classList.toggle(cls, test(el)); });
  }

  function lines(title, rows) {
    explain.textContent = "";
    var h = document.createElement("h2");
    h.textContent = title;
    explain.appendChild(h);
    rows.forEach(function (row) {
      var p = document.createElement("p");
      p.className = row[0];
      p.textContent = row[1];
      explain.appendChild(p);
    });
  }

  function show(k) {
    position = Math.max(0, Math.min(steps.length, k));
    var grads = gradsAt(position);
    document.querySelectorAll("[data-grad-of]").forEach(function (el) {
      var g = grads[+el.getAttribute("data-grad-of")];
      el.textContent = "grad " + g[0];
      el.setAttribute("data-grad", g[1]);
    });
    var step = position > 0 ? steps[position - 1] : null;
    var current = step ? step.node : data.root;
    var receiving = step ? step.parents : [];
    mark("g.node", "current", function (el) { return +el.getAttribute("data-node") === current; });
    mark("g.node", "receiving", function (el) { return receiving.indexOf(+el.getAttribute("data-node")) >= 0; });
    mark("g.node", "done", function (el) {
      var n = +el.getAttribute("data-node");
      for (var i = 0; i < position - 1; i++) { if (steps[i].node === n) return true; }
      return false;
    });
    mark("path.edge", "active", function (el) { return step !== null && +el.getAttribute("data-to") === current; });
    mark("tr[data-step]", "current", function (el) { return +el.getAttribute("data-step") === position; });
    var box = document.querySelector('g.node[data-node="' + current + '"]');
    if (box && position > 0) { box.scrollIntoView({block: "nearest", inline: "nearest"}); }
    if (step) { lines(step.title, step.lines); } else { lines(data.start_title, data.start_lines); }
    counter.textContent = position === 0 ? "start" : "step " + position + " of " + steps.length;
    counter.setAttribute("data-position", position);
    prev.disabled = position === 0;
    next.disabled = position === steps.length;
  }

  prev.addEventListener("click", function () { show(position - 1); });
  next.addEventListener("click", function () { show(position + 1); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { show(position + 1); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { show(position - 1); e.preventDefault(); }
    else if (e.key === "Home") { show(0); e.preventDefault(); }
    else if (e.key === "End") { show(steps.length); e.preventDefault(); }
  });
  // A graph a little wider than the window is shrunk to fit; a much wider one scrolls instead.
  var graph = document.getElementById("graph");
  var scale = graph ? graph.parentNode.clientWidth / graph.width.baseVal.value : 1;
  if (scale < 1 && scale >= 0.6) {
    graph.setAttribute("width", Math.floor(graph.width.baseVal.value * scale));
    graph.setAttribute("height", Math.floor(graph.height.baseVal.value * scale));
  }
  document.documentElement.setAttribute("data-ready", "1");
  show(0);
})();
