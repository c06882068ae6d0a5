"""``python -m mnist report``: a training run as one offline page of charts and digits.

From the metrics file (``train --metrics``): the loss of every batch and the accuracy of every
epoch as line charts. With the model (``--model``): the confusion matrix as a heat map and the
worst mistakes, the test digits the model got wrong with the most confidence, drawn with their
top-3. A metrics file from before per-batch losses were kept shows the per-epoch curve and says so.
"""

import html
import json
import math
import numbers
import os

from . import report
from .charts import heat_map, line_chart, png_data_uri
from .errors import DataError

__all__ = ["read_metrics", "build_report", "write_report", "MISTAKES"]

MISTAKES = 20  # worst mistakes drawn
_MAX_POINTS = 4000  # past this many batches the raw loss is drawn as each bucket's low and high
_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 18px 24px; color: #1d2330; max-width: 1000px; }
h1 { font-size: 21px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 22px 0 6px; }
.summary { color: #555; margin: 0; } .note { background: #fff6d6; border-left: 4px solid #e0b000; padding: 6px 10px; }
svg.chart text { font: 12px system-ui, sans-serif; fill: #333; } svg.chart .chart-title { font-weight: 600; font-size: 13px; }
svg.chart .grid { stroke: #e6e8ee; } svg.chart .axis { stroke: #888; } svg.chart .mark { stroke: #bbb; stroke-dasharray: 3 3; }
svg.chart .count { font-size: 11px; } svg.chart .count.light { fill: #fff; } svg.chart .label { fill: #555; }
.mistakes { display: flex; flex-wrap: wrap; gap: 10px; }
figure.mistake { margin: 0; width: 180px; border: 1px solid #e3e5ea; border-radius: 6px; padding: 6px; text-align: center; }
figure.mistake img { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid #ddd; }
figcaption { font: 11px/1.35 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; }
"""


def _number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def read_metrics(path):
    """The metrics file as a dict, checked: its epochs (and per-batch losses, evaluations if kept).

    A file that is missing, cut short, not JSON or not a metrics file raises one ``DataError``.
    """
    try:
        with open(path, encoding="utf-8") as f:
            metrics = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: cannot read the metrics file ({getattr(e, 'strerror', None) or e})") from None
    except ValueError as e:
        raise DataError(f"{path}: not a metrics file (cut short or not JSON: {e})") from None
    epochs = metrics.get("epochs") if isinstance(metrics, dict) else None
    if not isinstance(epochs, list) or not epochs:
        raise DataError(f"{path}: not a metrics file from 'python -m mnist train --metrics' (no 'epochs' list)")
    for i, record in enumerate(epochs):
        for key in ("epoch", "loss", "train_accuracy", "test_accuracy"):
            if not isinstance(record, dict) or not (_number(record.get(key)) or
                                                    key == "test_accuracy" and record.get(key) is None):
                raise DataError(f"{path}: epoch record {i} has no number for {key!r}")  # None: not scored
        losses = record.get("batch_losses")
        if losses is not None and not (isinstance(losses, list) and losses and all(map(_number, losses))):
            raise DataError(f"{path}: epoch {record['epoch']}: 'batch_losses' is not a list of finite numbers")
    for i, e in enumerate(metrics.get("evaluations") or []):
        if not isinstance(e, dict) or not all(_number(e.get(k)) for k in ("epoch", "test_accuracy")):
            raise DataError(f"{path}: evaluation {i} has no number for 'epoch' or 'test_accuracy'")
    return metrics


def _batches_per_epoch(metrics):
    """How many batches an epoch had: from the losses kept, else from the config, else None."""
    losses = metrics["epochs"][0].get("batch_losses")
    if losses:
        return len(losses)
    config = metrics.get("config") or {}
    if _number(config.get("train_size")) and _number(config.get("batch_size")) and config["batch_size"] > 0:
        return math.ceil(config["train_size"] / config["batch_size"])
    return None


def _evaluation_x(evaluation, per_epoch):
    """Where a test-set evaluation sits on the epoch axis: after ``batch`` batches of its epoch."""
    batch = evaluation.get("batch")
    if per_epoch and _number(batch):
        return evaluation["epoch"] - 1 + min(batch, per_epoch) / per_epoch
    return evaluation["epoch"]


def _envelope(points, buckets):
    """Many points drawn as each bucket's lowest and highest, so the noise keeps its look."""
    size = math.ceil(len(points) / buckets)
    out = []
    for start in range(0, len(points), size):
        part = points[start:start + size]
        x = part[len(part) // 2][0]
        out += [(x, min(y for _, y in part)), (x, max(y for _, y in part))]
    return out


def loss_chart(metrics):
    """The loss of every batch (with a running mean), or of every epoch for an older file."""
    epochs = metrics["epochs"]
    if all(e.get("batch_losses") for e in epochs):
        losses = [loss for e in epochs for loss in e["batch_losses"]]
        raw = list(enumerate(losses, 1))
        half = max(1, min(25, len(losses) // 20))
        mean = [(i + 1, sum(part) / len(part))  # centred, so the mean does not lag the batches
                for i, part in ((i, losses[max(0, i - half):i + half + 1]) for i in range(len(losses)))]
        drawn = raw if len(raw) <= _MAX_POINTS else _envelope(raw, _MAX_POINTS // 2)
        marks = [sum(len(e["batch_losses"]) for e in epochs[:k]) + 0.5 for k in range(1, len(epochs))]
        return line_chart("loss", f"training loss of each of {len(losses)} batches", [
            ("each batch", "#9db8e0", drawn, 1), (f"mean of {2 * half + 1} around each", "#1f4fa0", mean, 2)],
            "batch", "cross-entropy loss", marks=marks, y_start=0.0), None
    points = [(e["epoch"], e["loss"]) for e in epochs]
    note = ("This metrics file keeps each epoch's mean loss only (it was written before the loss of "
            "every batch was kept), so the loss curve has one point per epoch; train again to see every batch.")
    return line_chart("loss", "mean training loss of each epoch", [("epoch mean", "#1f4fa0", points, 2)],
                      "epoch", "cross-entropy loss", y_start=0.0), note


def accuracy_chart(metrics):
    """Training and test accuracy by epoch; test evaluations inside epochs where they were kept."""
    epochs = metrics["epochs"]
    train = [(e["epoch"], 100 * e["train_accuracy"]) for e in epochs]
    series = [("training", "#e08a1e", train, 2)]
    test = _test_points(metrics)
    series += [("test", "#2a9d5b", [(x, 100 * a) for x, a in test], 2)] if test else []
    return line_chart("accuracy", "accuracy (%)", series, "epoch", "accuracy %", y_ceiling=100.0)


def _test_points(metrics):
    """(epoch position, test accuracy) of every scoring of the test set, in order."""
    if metrics.get("evaluations"):
        per_epoch = _batches_per_epoch(metrics)
        return sorted((_evaluation_x(e, per_epoch), e["test_accuracy"]) for e in metrics["evaluations"])
    return [(e["epoch"], e["test_accuracy"]) for e in metrics["epochs"] if e["test_accuracy"] is not None]


def _config_line(config):
    if not isinstance(config, dict) or not config:
        return ""
    parts = []
    if isinstance(config.get("sizes"), list):
        parts.append(" -> ".join(map(str, config["sizes"])) + f" ({config.get('activation', '?')})")
    for key, fmt in (("engine", "{} engine"), ("optimizer", "{}"), ("lr", "lr {:g}"), ("batch_size", "batch {}"),
                     ("train_size", "{} training images"), ("epochs", "{} epoch(s)"), ("seed", "seed {}")):
        if config.get(key) is not None:
            parts.append(fmt.format(config[key]))
    return ", ".join(parts)


def mistakes_html(test_set, probabilities, count=MISTAKES):
    """The ``count`` wrong predictions made with the highest confidence, each drawn with its top-3."""
    wrong = [(max(p), i) for i, (p, y) in enumerate(zip(probabilities, test_set.labels)) if report.argmax(p) != y]
    figures = []
    for confidence, i in sorted(wrong, key=lambda w: (-w[0], w[1]))[:count]:
        top = report.top_k(probabilities[i], 3)
        uri = png_data_uri(test_set.pixels[i], test_set.rows, test_set.cols, test_set.max_value)
        figures.append(f'<figure class="mistake" data-index="{i}"><img src="{uri}" alt="test image {i}">'
                       f"<figcaption>test image {i}<br>true {test_set.labels[i]}, predicted {top[0][0]}<br>"
                       + "  ".join(f"{c}: {p:.3f}" for c, p in top) + "</figcaption></figure>")
    if not figures:
        return "<p>No test image was predicted wrong.</p>", 0
    return f'<div class="mistakes">{"".join(figures)}</div>', len(wrong)


def build_report(metrics_path, metrics, scored=None):
    """The page. ``scored``: ``(model_path, test_set, probabilities)`` or None (curves only)."""
    esc = html.escape
    loss_svg, loss_note = loss_chart(metrics)
    body = [f"<h1>Training report: {esc(os.path.basename(str(metrics_path)))}</h1>"]
    config = _config_line(metrics.get("config"))
    body += [f'<p class="summary">{esc(config)}</p>'] if config else []
    last = metrics["epochs"][-1]
    test = _test_points(metrics)
    scored_last = f", test accuracy {100 * test[-1][1]:.2f}%" if test else ""
    body.append(f'<p class="summary">after epoch {last["epoch"]}: loss {last["loss"]:.4f}, training accuracy '
                f'{100 * last["train_accuracy"]:.2f}%{scored_last}</p>')
    body += ["<h2>Loss</h2>"] + ([f'<p class="note">{esc(loss_note)}</p>'] if loss_note else []) + [loss_svg]
    body += ["<h2>Accuracy</h2>", accuracy_chart(metrics)]
    if scored is None:
        body.append('<p class="note">Run with --model MODEL.json (the file train --save wrote) to add the '
                    "confusion matrix and the worst mistakes: the test digits the model got wrong with the "
                    "most confidence, drawn with its top-3 guesses.</p>")
    else:
        model_path, test_set, probabilities = scored
        predicted = [report.argmax(p) for p in probabilities]
        matrix = report.confusion_matrix(list(test_set.labels), predicted)
        hits = sum(matrix[t][t] for t in range(len(matrix)))
        gallery, wrong = mistakes_html(test_set, probabilities)
        body += [f"<h2>Confusion matrix of {esc(os.path.basename(str(model_path)))} on {len(test_set)} test images</h2>",
                 f'<p class="summary">test accuracy {100 * hits / len(test_set):.2f}% ({hits} of {len(test_set)})</p>',
                 heat_map(matrix),
                 f"<h2>Worst mistakes: {min(wrong, MISTAKES)} of {wrong} wrong, the most confident first</h2>",
                 gallery]
    return "\n".join(['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
                      f"<title>Training report: {esc(str(metrics_path))}</title>", f"<style>{_CSS}</style>",
                      "</head><body>", *body, "</body></html>", ""])


def write_report(path, metrics_path, metrics, scored=None):
    """Build the page and write it whole to ``path`` (a DataError naming it if that fails)."""
    from autograd.viewer import write_text  # one whole-or-nothing text writer for both pages

    page = build_report(metrics_path, metrics, scored)
    try:
        return write_text(path, page, "report")
    except OSError as e:
        raise DataError(str(e)) from None
