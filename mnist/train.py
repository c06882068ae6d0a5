"""The training loop, written once against a small engine interface.

An engine (see ``engines.py``) wraps one model on one path and offers:

- ``model``: an ``nn.Module`` (``parameters()``, ``state_dict()``, ``load_state_dict()``);
- ``train_batch(xs, ys) -> (loss, correct)``: forward the rows of floats ``xs``, the mean
  softmax cross-entropy against the integer labels ``ys``, then backward so each parameter's
  ``.grad`` holds d(loss)/d(parameter); ``correct`` counts rows whose largest logit is the label;
- ``logits(xs) -> rows of floats``: a forward pass without recording a graph.

The optimizer is any object with ``zero_grad()`` and ``step()`` (``nn.optim``'s).
"""

import math
import sys
import time

from tqdm import tqdm

from autograd import Tensor, gc_paused
from nn.functional import softmax

from .dataset import batches, floats
from .errors import DataError
from .report import argmax

__all__ = ["predict", "train", "epoch_summary"]


def predict(engine, digits, batch_size=500, progress=False, desc="test"):
    """Softmax probabilities (one row of 10 per image) for every image of ``digits``, in order."""
    out = []
    steps = range(0, len(digits), batch_size)
    for start in tqdm(steps, desc=desc, leave=False, disable=not progress, file=sys.stderr):
        xs = floats(digits, range(start, min(start + batch_size, len(digits))))
        out.extend(softmax(Tensor(engine.logits(xs))).data)
    return out


def epoch_summary(record, timing, epochs):
    """The one line printed after each epoch."""
    return (f"epoch {record['epoch']}/{epochs}  loss {record['loss']:.4f}  "
            f"train {100 * record['train_accuracy']:.2f}%  test {100 * record['test_accuracy']:.2f}%  "
            f"{timing['seconds']:.1f} s  {timing['images_per_second']:.0f} images/s")


def train(engine, optimizer, train_set, test_set, epochs, batch_size, seed, progress=False,
          log=print):
    """Train for ``epochs`` over shuffled batches; returns ``(records, timings, probabilities)``.

    ``records[e]`` holds the epoch's mean training loss, training accuracy (counted on each
    batch before its update) and test accuracy: deterministic for a given seed. ``timings[e]``
    holds the wall-clock figures, kept apart because they vary between runs. ``probabilities``
    are the final model's softmax outputs on ``test_set``.
    """
    records, timings, probabilities = [], [], []
    labels = train_set.labels
    n = len(train_set)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        total_loss, correct, seen = 0.0, 0, 0
        order = batches(n, batch_size, seed=f"{seed}:{epoch}")
        bar = tqdm(order, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False,
                   disable=not progress, file=sys.stderr)
        # The collector would only rescan the batch's lists (the graphs hold no cycles): about
        # 2-5 ms a batch on the fast path. Reference counting frees every batch as it ends.
        with gc_paused():
            for number, indices in enumerate(bar, 1):
                xs = floats(train_set, indices)
                ys = [labels[i] for i in indices]
                optimizer.zero_grad()
                loss, hits = engine.train_batch(xs, ys)
                if not math.isfinite(loss):
                    raise DataError(f"epoch {epoch}, batch {number}: the loss is {loss}; "
                                    f"try a smaller --lr")
                optimizer.step()
                total_loss += loss * len(indices)
                correct += hits
                seen += len(indices)
                bar.set_postfix(loss=f"{total_loss / seen:.4f}", refresh=False)
        bar.close()
        seconds = time.perf_counter() - start
        probabilities = predict(engine, test_set, progress=progress)
        test_hits = sum(argmax(p) == y for p, y in zip(probabilities, test_set.labels))
        records.append({"epoch": epoch, "loss": total_loss / n, "train_accuracy": correct / n,
                        "test_accuracy": test_hits / len(test_set)})
        timings.append({"epoch": epoch, "seconds": seconds, "images_per_second": n / seconds,
                        "test_seconds": time.perf_counter() - start - seconds})
        log(epoch_summary(records[-1], timings[-1], epochs))
    return records, timings, probabilities
