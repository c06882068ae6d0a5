"""Data-parallel training on several cores, with the standard library only: ``DataParallel``.

It wraps an *engine*: any object with ``model`` (an ``nn.Module``) and
``train_batch(xs, ys) -> (mean loss, count)``, which runs forward, the loss (the MEAN over the
batch) and backward; ``Engine(model, loss)`` makes one for any model. With the ``nn.optim``
optimizer built over ``engine.model.parameters()`` it offers the same ``model``,
``train_batch`` and ``logits``, and an ``optimizer`` to use instead of the one given, so a
loop written for one engine runs unchanged::

    with DataParallel(Engine(model, loss), optimizer, workers=4) as run:
        for xs, ys in batches:
            run.optimizer.zero_grad()
            loss, count = run.train_batch(xs, ys)
            run.optimizer.step()

- ``train_batch`` cuts the batch into ``pieces`` contiguous pieces of n_p examples (by
  default one per worker, or four per worker for a model of Values: ``default_pieces``). This
  process computes the first; each worker process (started once, with "spawn", holding a
  pickled replica of the engine) and this one take the next piece nobody has taken, from a
  shared counter, until none is left, and leave each piece's gradient in shared memory. So a
  faster core computes more pieces. The loss is sum_p (n_p / n) loss_p; the counts add up.
- ``optimizer.step()``: each process sums the gradients over its own range of parameter rows,
  sum_p (n_p / n) g_p in piece order, applies the optimizer's rule there (keeping that range's
  optimizer state) and writes the new rows to shared memory; then each reads the others' rows.

Which process computed which piece never changes a number: a run is bit-for-bit repeatable
for a given seed and number of pieces, whatever the number of workers; against one process
only the order of the gradient sums differs. Ctrl-C reaches only this process (workers ignore
SIGINT), which stops them; a worker that dies raises ``WorkerError`` instead of hanging; the
shared memory is unlinked on every way out. Scripts that use it need the usual
``if __name__ == "__main__":`` guard ("spawn" imports the main module in each worker).
See docs/parallel.md for the picture of one step and what to expect from more cores.
"""

import copy
import multiprocessing
import os
import pickle
import struct
import sys
import weakref
from itertools import accumulate
from multiprocessing import connection

from autograd import Value, gc_paused, no_grad

from .optim import Optimizer
from .shards import Layout, Replica, join_state, split_state
from .workers import PREFIX, claim, how_it_ended, segment, serve, shutdown, sigint_ignored

__all__ = ["DataParallel", "ParallelOptimizer", "Engine", "WorkerError", "PREFIX", "default_workers",
           "default_pieces", "split"]

class WorkerError(RuntimeError):
    """A worker process died or could not start; the message is one line naming which and how."""


def default_workers():
    """The number of cores this process may run on (``os.sched_getaffinity``, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


SCALAR_PIECES = 4  # pieces per worker for a model of Values


def default_pieces(parameters, workers):
    """How many pieces ``DataParallel`` cuts a batch into by default: one per worker for a model
    with array parameters (each piece pays a layer's fixed costs again, such as the weight
    gradient's 784 x 128 outputs, so pieces stay large), ``SCALAR_PIECES`` per worker for a
    model of Values on several workers (each example is its own graph: nothing is paid per
    piece but writing its gradient, and small pieces let a faster core take more of them)."""
    if workers == 1 or any(not isinstance(p, Value) for p in parameters):
        return workers
    return SCALAR_PIECES * workers


def split(n, parts):
    """Sizes of ``parts`` contiguous shards of ``n`` items, the first ``n % parts`` one larger."""
    q, r = divmod(n, parts)
    return [q + (i < r) for i in range(parts)]


class Engine:
    """An engine for any ``nn`` model and loss, e.g. ``Engine(nn.MLP(2, [16, 1]), nn.svm_hinge)``.

    ``train_batch(xs, ys)`` computes ``loss(outputs, ys)``, backward, and returns (loss, 0);
    the outputs are ``model(xs)`` (one call per batch) for a model with array parameters
    (``fast_mlp``, ``Linear``), else ``[model(x) for x in xs]`` (a model of Values);
    ``nn.cross_entropy`` serves both.
    The loss must be the MEAN over the batch, as nn's losses are, and a module-level
    function: workers receive it pickled.
    """

    def __init__(self, model, loss):
        self.model, self.loss = model, loss
        self.batched = any(not isinstance(p, Value) for p in model.parameters())

    def _outputs(self, xs):
        return self.model(xs) if self.batched else [self.model(x) for x in xs]

    def train_batch(self, xs, ys):
        loss = self.loss(self._outputs(xs), ys)
        loss.backward()
        return (loss.data[0][0] if isinstance(loss.data, list) else loss.data), 0

    def logits(self, xs):
        """The model's outputs on ``xs`` as rows of floats, without recording a graph."""
        with no_grad():
            out = self._outputs(xs)
        if self.batched:
            return out.data
        return [[v.data for v in o] if isinstance(o, list) else [o.data] for o in out]


def _stderr(line):
    print(line, file=sys.stderr)


class DataParallel:
    """``engine`` and ``optimizer`` trained over ``workers`` processes (see the module docstring).

    ``workers`` defaults to ``default_workers()``; this process is worker 0. ``pieces`` (how
    many pieces a batch is cut into, the most that can be shared out) defaults to
    ``default_pieces(engine.model.parameters(), workers)``; the numbers a run gives depend on it, not on
    ``workers``. ``log`` receives the one-line notes (a batch or a model too small to split),
    each said once; default stderr.
    Use it as a context manager, or call ``close()``: that stops the workers and frees the
    shared memory (also done at exit if forgotten).
    """

    def __init__(self, engine, optimizer, workers=None, log=None, pieces=None):
        self.engine = engine
        self.workers = default_workers() if workers is None else workers
        if not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"DataParallel: workers must be a whole number >= 1, got {workers!r}")
        params = engine.model.parameters()
        self.pieces = default_pieces(params, self.workers) if pieces is None else pieces
        if not isinstance(self.pieces, int) or self.pieces < 1:
            raise ValueError(f"DataParallel: pieces must be a whole number >= 1, got {pieces!r}")
        self._log, self._said = log or _stderr, set()
        self._procs, self._conns, self._segments, self._views = [], [], [], []
        self._inputs, self._pending, self._closed, self._next = None, None, False, None
        self._finalizer = weakref.finalize(self, shutdown, self._procs, self._conns,
                                           self._segments, self._views, True)
        _check_optimizer(optimizer, params)
        self._optimizer = optimizer
        self.layout = Layout(params, self.workers)
        if self.layout.owners < self.workers:
            self._say("model", f"nn.parallel: the model has {self.layout.size} parameters in "
                      f"too few rows to share: {self.layout.owners} of {self.workers} workers "
                      f"update them")
        try:
            self._start()
        except BaseException:
            self.close(gentle=False)
            raise
        self.optimizer = ParallelOptimizer(self, optimizer)

    # set-up and tear-down

    def _start(self):
        size = self.layout.size
        shm = segment(8 * size * (1 + self.pieces))
        self._segments.append(shm)
        parts = split_state(self._optimizer.state, self.layout)
        self._replica = Replica(self.engine, self.workers, 0, shm.buf, _shard(self._optimizer, parts[0]),
                                self._views)
        self._replica.publish()
        if self.workers == 1:
            return
        try:
            blob = pickle.dumps(self.engine, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            raise TypeError(f"DataParallel: the engine cannot be sent to the worker processes "
                            f"({type(e).__name__}: {e}); it and its model must pickle") from None
        ctx = multiprocessing.get_context("spawn")
        self._next = ctx.Value("q", 0)  # the number of the next piece of the batch to be taken
        for w in range(1, self.workers):
            here, there = ctx.Pipe()
            p = ctx.Process(target=serve, args=(there, w, self._next), name=f"puregrad worker {w}",
                            daemon=True)
            with sigint_ignored():
                p.start()
            there.close()
            self._procs.append(p)
            self._conns.append(here)
        for w, conn in enumerate(self._conns, 1):
            setup = (blob, shm.name, self.workers, _shard(self._optimizer, parts[w]), self.layout.shapes)
            try:
                conn.send_bytes(pickle.dumps(setup, protocol=pickle.HIGHEST_PROTOCOL))
            except OSError:  # it died before reading: while importing the main module, say
                self._died(w, "while starting")
        self._collect("ready", range(1, self.workers), "while starting")

    @property
    def pids(self):
        """The worker processes' ids (this process, worker 0, not included)."""
        return [p.pid for p in self._procs]

    def close(self, gentle=True):
        """Stop the workers and unlink the shared memory; the optimizer keeps the final state."""
        if self._closed:
            return
        if gentle and hasattr(self, "_replica") and not self._broken():
            self._gather_state()
        self._closed = True
        self._finalizer.detach()
        shutdown(self._procs, self._conns, self._segments, self._views, gentle)

    def _broken(self):
        return any(not p.is_alive() for p in self._procs)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        self.close(gentle=kind is None)

    def _say(self, key, line):
        if key not in self._said:
            self._said.add(key)
            self._log(line)

    # messages

    def _send(self, message, workers):
        for w in workers:
            try:
                self._conns[w - 1].send(message)
            except OSError:
                self._died(w, "while being sent work")

    def _collect(self, kind, workers, doing):
        """Each listed worker's reply, by worker; a death or an error ends the run here."""
        workers = list(workers)
        waiting = {self._conns[w - 1]: w for w in workers}
        sentinels = {self._procs[w - 1].sentinel: w for w in workers}
        replies = {}
        while waiting:
            watched = list(waiting) + [s for s, w in sentinels.items() if w not in replies]
            for ready in connection.wait(watched):
                if ready in sentinels:
                    w = sentinels[ready]
                    conn = self._conns[w - 1]
                    if w not in replies and not conn.poll():
                        self._died(w, doing)
                    continue
                w = waiting.pop(ready)
                try:
                    reply = ready.recv()
                except (EOFError, OSError):
                    self._died(w, doing)
                if reply[0] == "error":
                    self.close(gentle=False)
                    error, trace = reply[1], reply[2]
                    if doing == "while starting":
                        raise WorkerError(f"nn.parallel: worker {w} could not start: "
                                          f"{type(error).__name__}: {error}")
                    error.add_note(f"(raised in nn.parallel worker {w}; its traceback:)\n{trace}")
                    raise error
                if reply[0] != kind:
                    raise RuntimeError(f"nn.parallel: worker {w} answered {reply[0]!r}, expected {kind!r}")
                replies[w] = reply
        return replies

    def _died(self, w, doing):
        p = self._procs[w - 1]
        p.join(timeout=1)
        how, pid = how_it_ended(p), p.pid
        self.close(gentle=False)
        raise WorkerError(f"nn.parallel: worker {w} of {self.workers} (pid {pid}) {how} {doing}; "
                          f"the other workers were stopped")

    def _check_open(self):
        if self._closed:
            raise WorkerError("nn.parallel: this DataParallel is closed (its workers have stopped)")

    # the engine interface

    @property
    def model(self):
        """The model in this process: it holds the current parameters after every step."""
        return self.engine.model

    def logits(self, xs):
        """The engine's ``logits`` (rows of floats, no graph), the rows shared out as in a batch
        (after ``close()``, all in this process)."""
        if self._closed or min(self.workers, len(xs)) <= 1:
            return self.engine.logits(xs)
        sizes = self._hand_out(xs)
        rows = list(self.engine.logits(xs[:sizes[0]]))
        replies = self._collect("logits", range(1, len(sizes)), "while computing outputs")
        for w in range(1, len(sizes)):
            rows.extend(replies[w][1])
        return rows

    def train_batch(self, xs, ys):
        """Forward and backward over ``len(xs)`` examples in pieces; returns (mean loss, count).

        Each call starts from zero gradients; call ``optimizer.step()`` before the next batch.
        This process's model then holds the gradient of the last piece it computed, not the
        batch's. An error here (or in a worker) stops the workers: the run cannot go on.
        """
        self._check_open()
        n = len(xs)
        if n == 0 or n != len(ys):
            raise ValueError(f"DataParallel.train_batch: {n} inputs and {len(ys)} labels "
                             f"(need the same number, at least 1)")
        if n < self.workers:
            self._say("batch", f"nn.parallel: a batch of {n} is split over {n} of {self.workers} workers")
        sizes = split(n, min(self.pieces, n))
        starts = list(accumulate(sizes, initial=0))
        helpers = range(1, self.workers) if len(sizes) > 1 else range(0)
        try:
            self._replica.begin()
            if self._next is not None:
                self._next.value = 1  # piece 0 is ours: its rows need not go through shared memory
            if helpers:
                spec = self._share_inputs(xs, starts[1])(starts[1], n)
                self._send(("batch", spec, list(ys[starts[1]:]), starts), helpers)
            results = [None] * len(sizes)
            piece = 0
            with gc_paused():
                while piece is not None:
                    a, b = starts[piece], starts[piece + 1]
                    results[piece] = self._replica.compute(piece, xs[a:b], ys[a:b])
                    piece = self._claim(piece, len(sizes))
        except BaseException:
            self.close(gentle=False)
            raise
        replies = self._collect("done", helpers, "during a batch")
        for w in helpers:
            for piece, *result in replies[w][1]:
                results[piece] = result
        self._pending = ([k / n for k in sizes], [r[2] for r in results])
        return sum(k * r[0] for k, r in zip(sizes, results)) / n, sum(r[1] for r in results)

    def _claim(self, last, total):
        """The next piece of the batch nobody has taken, or None (one process: the one after ``last``)."""
        if self._next is None:
            return last + 1 if last + 1 < total else None
        return claim(self._next, total, self._check_workers)

    def _check_workers(self):
        for w, p in enumerate(self._procs, 1):
            if not p.is_alive():
                self._died(w, "during a batch")

    def _hand_out(self, xs):
        """Cut ``xs`` into one shard per worker, at most one example each, and send each worker
        but this one its shard to compute the outputs of; returns the shards' sizes."""
        sizes = split(len(xs), min(self.workers, len(xs)))
        specs = self._share_inputs(xs, sizes[0])
        start = sizes[0]
        for w, size in enumerate(sizes[1:], 1):
            self._send(("logits", specs(start, start + size)), [w])
            start += size
        return sizes

    def _share_inputs(self, xs, first):
        """Rows xs[first:] into shared memory when they are equal-length rows of numbers (else
        they travel pickled); returns specs(a, b), what worker reading rows a..b-1 is told."""
        rest = xs[first:]
        if not rest:
            return None
        try:
            d = len(rest[0])
            fmt = struct.Struct(f"{d}d")
            need = len(rest) * d * 8
            if self._inputs is None or self._inputs.size < need:
                old, self._inputs = self._inputs, segment(need)
                self._segments.append(self._inputs)
                if old is not None:
                    self._segments.remove(old)
                    old.close(), old.unlink()
            buf = self._inputs.buf
            for i, row in enumerate(rest):
                fmt.pack_into(buf, i * d * 8, *row)
        except (TypeError, struct.error):
            return lambda a, b: ("list", list(xs[a:b]))
        name = self._inputs.name
        return lambda a, b: ("shm", name, d, a - first, b - a)

    def _step(self):
        self._check_open()
        if self._pending is None:
            raise RuntimeError("DataParallel: optimizer.step() needs a train_batch() first")
        weights, missing = self._pending
        self._pending = None
        opt = self._optimizer
        hyper = {h: getattr(opt, h) for h in opt.hyperparameters}
        others = range(1, self.workers)
        self._send(("step", weights, missing, hyper), others)
        with gc_paused():
            self._replica.step(weights, missing, hyper)
        self._collect("stepped", others, "during the optimizer step")
        with gc_paused():
            self._replica.load()

    def _gather_state(self):
        others = range(1, self.workers)
        self._send(("state",), others)
        replies = self._collect("state", others, "while sending its optimizer state")
        parts = [self._replica.optimizer.state] + [replies[w][1] for w in others]
        self._optimizer.state = join_state(parts, self.layout)

    def _scatter_state(self):
        parts = split_state(self._optimizer.state, self.layout)
        self._replica.optimizer.state = parts[0]
        for w in range(1, self.workers):
            self._send(("load_state", parts[w]), [w])
        self._collect("loaded", range(1, self.workers), "while loading optimizer state")

    def refresh(self):
        """Share this process's parameters with the workers again: call it after changing them
        by hand (``model.load_state_dict``, say); training keeps them in step by itself."""
        self._check_open()
        self._replica.publish()
        self._send(("reload",), range(1, self.workers))
        self._collect("reloaded", range(1, self.workers), "while reloading the parameters")


class ParallelOptimizer:
    """``DataParallel.optimizer``: the wrapped optimizer, its ``step`` shared among the workers.

    ``state_dict()`` / ``state`` gather the workers' state into the wrapped optimizer (the same
    format as one process's), ``load_state_dict`` hands it out again; other attributes
    (``lr`` and the other hyperparameters) are the wrapped optimizer's, read at every step.
    ``zero_grad()`` does nothing: each ``train_batch`` starts from zero gradients.
    """

    def __init__(self, parallel, optimizer):
        object.__setattr__(self, "_parallel", parallel)
        object.__setattr__(self, "_inner", optimizer)

    def zero_grad(self):
        pass

    def step(self):
        self._parallel._step()

    @property
    def state(self):
        self._parallel._check_open()
        self._parallel._gather_state()
        return self._inner.state

    def state_dict(self):
        if not self._parallel._closed:
            self._parallel._gather_state()
        return self._inner.state_dict()

    def load_state_dict(self, state):
        self._parallel._check_open()
        self._inner.load_state_dict(state)
        self._parallel._scatter_state()

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __setattr__(self, name, value):
        setattr(self._inner, name, value)


def _check_optimizer(optimizer, params):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"DataParallel: expected an nn.optim optimizer, got {type(optimizer).__name__}")
    layout = Layout(params, 1)
    mine, theirs = layout.values + layout.arrays, optimizer.values + optimizer.arrays
    if len(mine) != len(theirs) or any(a is not b for a, b in zip(mine, theirs)):
        raise ValueError("DataParallel: the optimizer must be built over engine.model.parameters() "
                         "(the same parameters, in the same order)")


def _shard(optimizer, state):
    """A copy of ``optimizer`` (same class and settings) holding ``state``, over no parameters."""
    shard = copy.copy(optimizer)
    shard.values, shard.arrays, shard.state = [], [], state
    return shard
