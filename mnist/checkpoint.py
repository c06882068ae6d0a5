"""Checkpoints: everything a training run needs to continue exactly where it stopped.

One JSON object, written atomically (``os.replace`` of a finished temporary file)::

    {"format": "puregrad-mnist-checkpoint", "version": 1,
     "config": {...},                    # the run's settings, as in the metrics file
     "options": {"data_dir", "save", "metrics",  # absolute paths, or null
                 "checkpoint_every"},            # a number of batches, or null
     "position": {"epoch": e, "batch": b},       # the next batch is b + 1 of epoch e
     "model": {...},                     # the model's state_dict()
     "optimizer": {...},                 # the optimizer's state_dict()
     "lr_scheduler": null,               # the scheduler's state_dict(), if the run has one
     "metrics": {"epochs", "evaluations", "timings", "current"}}   # RunState, so far

Nothing else is needed: the batch order of an epoch is a function of the seed and the epoch
(see ``train.py``), and the training set is chosen again from the config.
"""

import math
import os
import signal
import threading
from contextlib import contextmanager

from nn.saving import FORMAT as MODEL_FORMAT, OLD_FORMATS, json_object

from .engines import schedule_name
from .errors import DataError
from .model_file import layer_sizes, write_json
from .train import EvalEvery, RunState

__all__ = ["FORMAT", "VERSION", "Checkpoint", "default_path", "write_checkpoint", "read_checkpoint",
           "interrupts_held", "describe"]

FORMAT, VERSION = "puregrad-mnist-checkpoint", 1
CONFIG_KEYS = ("engine", "sizes", "activation", "init", "optimizer", "lr", "epochs", "batch_size",
               "train_size", "subset", "test_size", "image_size", "seed", "eval_every", "lr_schedule")
COUNT_KEYS = ("epochs", "batch_size", "train_size", "test_size", "image_size", "seed")
RECORDS = {"epochs": {"epoch", "loss", "train_accuracy", "test_accuracy", "batch_losses"},
           "evaluations": {"epoch", "batch", "test_accuracy", "test_size"},
           "timings": {"epoch", "seconds", "images_per_second", "test_seconds"}}


def default_path(save):
    """The checkpoint written beside a model file: ``model.json`` -> ``model.ckpt.json``."""
    return os.path.splitext(save)[0] + ".ckpt.json"


@contextmanager
def interrupts_held():
    """Hold Ctrl-C (SIGINT) until the block ends, then raise it: a file being written is finished."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if caught and callable(previous):
            previous(signal.SIGINT, None)


def write_checkpoint(path, config, options, model, optimizer, state, scheduler=None):
    """Write the run's checkpoint to ``path`` atomically; a Ctrl-C waits until the file is complete."""
    obj = {"format": FORMAT, "version": VERSION, "config": config, "options": options,
           "position": {"epoch": state.epoch, "batch": state.batch},
           "model": model.state_dict(), "optimizer": optimizer.state_dict(),
           "lr_scheduler": scheduler.state_dict() if scheduler is not None else None,
           "metrics": {k: v for k, v in state.as_dict().items() if k not in ("epoch", "batch")}}
    with interrupts_held():
        write_json(path, obj)


class Checkpoint:
    """A checked checkpoint: ``config``, ``options``, ``model``, ``optimizer``, ``lr_scheduler`` and
    ``state`` (a ``RunState``)."""

    def __init__(self, path, obj, state):
        self.path, self.state = path, state
        self.config, self.options = obj["config"], obj["options"]
        self.model, self.optimizer, self.lr_scheduler = obj["model"], obj["optimizer"], obj["lr_scheduler"]


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_count(x, low=0):
    return isinstance(x, int) and not isinstance(x, bool) and x >= low


def _read_json(path):
    """The JSON object in ``path``; DataError naming the file otherwise."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DataError(f"{path}: cannot read the checkpoint ({e.strerror or e})") from None
    try:
        return json_object(data, path, "checkpoint")
    except ValueError as e:
        raise DataError(str(e)) from None


def read_checkpoint(path):
    """A ``Checkpoint`` from ``path``; DataError naming the file and the first problem otherwise.

    Checks the parts a resumed run depends on: the format, the config's keys, the model's
    layer sizes against the config, the position, and the metrics' lists. The optimizer and
    scheduler states are checked when they are loaded.
    """
    obj = _read_json(path)
    if obj.get("format") != FORMAT:
        if obj.get("format") in (MODEL_FORMAT, *OLD_FORMATS) or "layers.0.weight" in obj:
            raise DataError(f"{path}: a model file, not a checkpoint (train writes checkpoints "
                            f"beside --save, as NAME.ckpt.json)")
        raise DataError(f"{path}: not a checkpoint (no \"format\": \"{FORMAT}\")")
    if obj.get("version") != VERSION:
        raise DataError(f"{path}: checkpoint version {obj.get('version')!r}; this puregrad reads "
                        f"version {VERSION}")
    for key, kind in (("config", dict), ("options", dict), ("position", dict), ("model", dict),
                      ("optimizer", dict), ("metrics", dict)):
        if not isinstance(obj.get(key), kind):
            raise DataError(f"{path}: the checkpoint's {key!r} is missing or not an object")
    obj.setdefault("lr_scheduler", None)
    config = obj["config"]
    missing = [k for k in CONFIG_KEYS if k not in config]
    if missing:
        raise DataError(f"{path}: the checkpoint's config lacks {missing[0]!r}")
    for key in COUNT_KEYS:
        if not _is_count(config[key], 0 if key == "seed" else 1):
            raise DataError(f"{path}: the checkpoint's config has {key} {config[key]!r}, not a count")
    options = obj["options"]
    if not all(isinstance(options.get(k), (str, type(None))) for k in ("data_dir", "save", "metrics")) \
            or not (options.get("checkpoint_every") is None or _is_count(options["checkpoint_every"], 1)):
        raise DataError(f"{path}: the checkpoint's options are not paths and a batch count")
    for key, parse in (("eval_every", EvalEvery.parse), ("lr_schedule", schedule_name)):
        try:
            parse(str(config[key]))
        except ValueError as e:
            raise DataError(f"{path}: the checkpoint's config has {key} {e}") from None
    if (config["lr_schedule"] != "none") != isinstance(obj["lr_scheduler"], dict):
        raise DataError(f"{path}: the checkpoint's lr_scheduler does not match its config's "
                        f"lr_schedule {config['lr_schedule']!r}")
    if layer_sizes(path, obj["model"]) != config["sizes"]:
        raise DataError(f"{path}: the model's layer sizes {layer_sizes(path, obj['model'])} differ "
                        f"from the config's {config['sizes']}")
    position, metrics = obj["position"], obj["metrics"]
    if not (_is_count(position.get("epoch"), 1) and _is_count(position.get("batch"))):
        raise DataError(f"{path}: the checkpoint's position is not an epoch and a batch count")
    per_epoch = math.ceil(config["train_size"] / config["batch_size"])
    if position["batch"] >= per_epoch:
        raise DataError(f"{path}: the checkpoint's position (batch {position['batch']}) is past "
                        f"the end of an epoch of {per_epoch} batches")
    for key, fields in RECORDS.items():
        records = metrics.get(key)
        if not isinstance(records, list) or \
                not all(isinstance(r, dict) and set(r) == fields for r in records):
            raise DataError(f"{path}: the checkpoint's metrics.{key} is not a list of records "
                            f"with {sorted(fields)}")
    current = metrics.get("current")
    if not isinstance(current, dict) or set(current) != set(RunState().current) or \
            not all(_is_number(current[k]) for k in current if k != "batch_losses"):
        raise DataError(f"{path}: the checkpoint's metrics.current is not the running totals "
                        f"{sorted(RunState().current)}")
    losses = [r["batch_losses"] for r in metrics["epochs"]] + [current["batch_losses"]]
    if not all(isinstance(b, list) and all(map(_is_number, b)) for b in losses):
        raise DataError(f"{path}: the checkpoint's batch_losses are not lists of numbers")
    if len(metrics["epochs"]) != position["epoch"] - 1 or len(current["batch_losses"]) != position["batch"]:
        raise DataError(f"{path}: the checkpoint's metrics do not match its position "
                        f"({describe(position['epoch'], position['batch'])})")
    state = RunState(position["epoch"], position["batch"], **{k: metrics[k] for k in (*RECORDS, "current")})
    return Checkpoint(path, obj, state)


def describe(epoch, batch):
    """A position in words: "after epoch 2" (epoch 3, batch 0) or "at epoch 3, batch 40"."""
    return f"after epoch {epoch - 1}" if batch == 0 else f"at epoch {epoch}, batch {batch}"

