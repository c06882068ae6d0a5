"""The training loop, written once against a small engine interface.

An engine (see ``engines.py``) wraps one model on one path and offers:

- ``model``: an ``nn.Module`` (``parameters()``, ``state_dict()``, ``load_state_dict()``);
- ``train_batch(xs, ys) -> (loss, correct)``: forward the rows of floats ``xs``, the mean
  softmax cross-entropy against the integer labels ``ys``, then backward so each parameter's
  ``.grad`` holds d(loss)/d(parameter); ``correct`` counts rows whose largest logit is the label;
- ``logits(xs) -> rows of floats``: a forward pass without recording a graph.

The optimizer is any object with ``zero_grad()`` and ``step()`` (``nn.optim``'s).

Where a run stands and what it has measured is a ``RunState``, so a run can stop after any
batch and continue (from a checkpoint, ``checkpoint.py``) exactly as if it had not stopped:
the batches of epoch e come in the order ``batches(n, batch_size, seed=f"{seed}:{e}")``, a
function of the seed and the epoch alone, so the position (epoch, batch) is all it needs.
"""

import math
import re
import sys
import time
from dataclasses import asdict, dataclass, field

from tqdm import tqdm

from autograd import Tensor, gc_paused
from nn.functional import softmax

from .dataset import batches, floats
from .errors import DataError
from .report import argmax

__all__ = ["EvalEvery", "RunState", "predict", "train", "epoch_summary"]


def predict(engine, digits, batch_size=500, progress=False, desc="test"):
    """Softmax probabilities (one row of 10 per image) for every image of ``digits``, in order."""
    out = []
    steps = range(0, len(digits), batch_size)
    for start in tqdm(steps, desc=desc, leave=False, disable=not progress, file=sys.stderr):
        xs = floats(digits, range(start, min(start + batch_size, len(digits))))
        out.extend(softmax(Tensor(engine.logits(xs))).data)
    return out


@dataclass(frozen=True)
class EvalEvery:
    """When the test set is scored: every ``count`` batches or epochs (``unit``), or only at the end.

    Written ``200`` or ``200 batches``, ``2 epochs`` (or ``2epochs``, ``epoch``), or ``end``.
    Batches are counted from the start of training, across epochs. The end of the last epoch
    is always scored.
    """

    count: int = 1
    unit: str = "epoch"  # "batch", "epoch" or "end"

    @classmethod
    def parse(cls, text):
        """``EvalEvery`` from its written form; ValueError with the accepted forms if unreadable."""
        words = text.strip().lower()
        if words == "end":
            return cls(1, "end")
        match = re.fullmatch(r"(\d*)\s*(batch|batches|epoch|epochs)?", words)
        if not words or not match or not (match[1] or match[2]):
            raise ValueError(f"{text!r} is not N, N batches, N epochs or end")
        count = int(match[1] or 1)
        if count < 1:
            raise ValueError(f"{text!r}: N must be at least 1")
        return cls(count, "epoch" if (match[2] or "b").startswith("e") else "batch")

    def __str__(self):
        if self.unit == "end":
            return "end"
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}" if self.unit == "epoch" \
            else f"{self.count} batch{'es' if self.count != 1 else ''}"

    def due(self, epoch, batch, per_epoch):
        """True if the test set is scored after ``batch`` (1-based) of ``epoch``."""
        if self.unit == "batch":
            return ((epoch - 1) * per_epoch + batch) % self.count == 0
        return self.unit == "epoch" and batch == per_epoch and epoch % self.count == 0


def _fresh_totals():
    return {"loss_sum": 0.0, "correct": 0, "seen": 0, "batch_losses": [], "seconds": 0.0,
            "test_seconds": 0.0}


@dataclass
class RunState:
    """A run's position and measurements: the next batch is ``batch + 1`` of ``epoch`` (1-based).

    ``epochs`` holds a record per finished epoch (mean loss, training accuracy, test accuracy
    or None, each batch's loss), ``evaluations`` every scoring of the test set, ``timings`` the
    wall-clock figures, and ``current`` the running totals of the epoch in progress.
    """

    epoch: int = 1
    batch: int = 0
    epochs: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    timings: list = field(default_factory=list)
    current: dict = field(default_factory=_fresh_totals)

    def as_dict(self):
        """A JSON-ready copy; ``RunState(**d)`` builds it again."""
        return asdict(self)


def epoch_summary(record, timing, epochs):
    """The one line printed after each epoch: its metrics, then training and testing time apart."""
    test = f"  test {100 * record['test_accuracy']:.2f}%" if record["test_accuracy"] is not None else ""
    testing = f"  testing {timing['test_seconds']:.1f} s" if timing["test_seconds"] else ""
    return (f"epoch {record['epoch']}/{epochs}  loss {record['loss']:.4f}  "
            f"train {100 * record['train_accuracy']:.2f}%{test}  training {timing['seconds']:.1f} s "
            f"({timing['images_per_second']:.0f} images/s){testing}")


def train(engine, optimizer, train_set, test_set, epochs, batch_size, seed, progress=False,
          log=print, eval_every=EvalEvery(), state=None, checkpoint_every=None, on_checkpoint=None,
          scheduler=None, step_per="batch"):
    """Train until ``epochs`` epochs are done; returns ``(state, probabilities)``.

    Starts from ``state`` (a ``RunState``, say from a checkpoint) or from the beginning. Each
    epoch record holds the mean training loss, the training accuracy (counted on each batch
    before its update), the test accuracy when the epoch's end was scored, and every batch's
    loss: all deterministic for a given seed, whether or not the run was stopped and resumed.
    ``on_checkpoint(state)`` is called after each epoch and, with ``checkpoint_every``, after
    every that many batches. A learning-rate ``scheduler`` is stepped after every optimizer
    step (``step_per="batch"``) or after every epoch (``"epoch"``), before any checkpoint.
    ``probabilities`` are the final model's softmax outputs on ``test_set``.
    """
    state = state or RunState()
    labels, n = train_set.labels, len(train_set)
    per_epoch = math.ceil(n / batch_size)
    probabilities, scored_at = None, None

    def evaluate(epoch, batch):
        nonlocal probabilities, scored_at
        start = time.perf_counter()
        probabilities = predict(engine, test_set, progress=progress)
        hits = sum(argmax(p) == y for p, y in zip(probabilities, test_set.labels))
        seconds = time.perf_counter() - start
        state.current["test_seconds"] += seconds
        state.evaluations.append({"epoch": epoch, "batch": batch,
                                  "test_accuracy": hits / len(test_set), "test_size": len(test_set)})
        scored_at = (epoch, batch)
        return hits / len(test_set), seconds

    while state.epoch <= epochs:
        epoch, totals = state.epoch, state.current
        order = batches(n, batch_size, seed=f"{seed}:{epoch}")
        bar = tqdm(order[state.batch:], desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False,
                   initial=state.batch, total=per_epoch, disable=not progress, file=sys.stderr)
        # The collector would only rescan the batch's lists (the graphs hold no cycles): about
        # 2-5 ms a batch on the fast path. Reference counting frees every batch as it ends.
        with gc_paused():
            for indices in bar:
                number = state.batch + 1
                start = time.perf_counter()
                xs = floats(train_set, indices)
                ys = [labels[i] for i in indices]
                optimizer.zero_grad()
                loss, hits = engine.train_batch(xs, ys)
                if not math.isfinite(loss):
                    raise DataError(f"epoch {epoch}, batch {number}: the loss is {loss}; "
                                    f"try a smaller --lr")
                used = getattr(optimizer, "lr", None)  # the epoch line shows its last batch's rate
                optimizer.step()
                if scheduler is not None and step_per == "batch":
                    scheduler.step()
                totals["loss_sum"] += loss * len(indices)
                totals["correct"] += hits
                totals["seen"] += len(indices)
                totals["batch_losses"].append(loss)
                totals["seconds"] += time.perf_counter() - start
                state.batch = number
                bar.set_postfix(loss=f"{totals['loss_sum'] / totals['seen']:.4f}", refresh=False)
                if number == per_epoch:
                    break
                if eval_every.due(epoch, number, per_epoch):
                    accuracy, seconds = evaluate(epoch, number)
                    with tqdm.external_write_mode():
                        log(f"epoch {epoch}/{epochs}  batch {number}/{per_epoch}  "
                            f"test {100 * accuracy:.2f}%  testing {seconds:.1f} s")
                if checkpoint_every and on_checkpoint and \
                        ((epoch - 1) * per_epoch + number) % checkpoint_every == 0:
                    on_checkpoint(state)
        bar.close()
        accuracy = None
        if eval_every.due(epoch, per_epoch, per_epoch) or epoch == epochs:
            accuracy, _ = evaluate(epoch, per_epoch)
        seconds = totals["seconds"]
        state.epochs.append({"epoch": epoch, "loss": totals["loss_sum"] / n,
                             "train_accuracy": totals["correct"] / n, "test_accuracy": accuracy,
                             "batch_losses": totals["batch_losses"]})
        state.timings.append({"epoch": epoch, "seconds": seconds, "images_per_second": n / seconds,
                              "test_seconds": totals["test_seconds"]})
        if scheduler is not None and step_per == "epoch":
            scheduler.step()
        log(epoch_summary(state.epochs[-1], state.timings[-1], epochs) +
            (f"  lr {used:.3g}" if scheduler is not None else ""))
        state.epoch, state.batch, state.current = epoch + 1, 0, _fresh_totals()
        if on_checkpoint:
            on_checkpoint(state)
    if scored_at != (epochs, per_epoch):  # resumed after the last epoch: score the model again
        probabilities = predict(engine, test_set, progress=progress)
    return state, probabilities
