"""Where one batch's time goes at W workers: what ``nn.parallel`` divides, and what it does not.

The fast path's MNIST step (MLP 784-128-10, Adam, batch 100, as bench_fast.py) is taken apart
into what worker 0 of W does for one batch, all in this one process and timed in CPU time
(``time.process_time``), so other load on the machine inflates it less than wall-clock time:

- the loop's rows: ``mnist.dataset.floats`` for the batch (real MNIST only; the main process's
  training loop does this, whatever W is);
- inputs out: the other shards' rows written to shared memory (main process only);
- forward + backward of its shard, n/W images (``train_batch``);
- gradient out: its gradient rows outside its own range written to shared memory;
- step: the W gradients summed over its 1/W of the rows, then Adam on them;
- rows in: the rows the other workers updated, read back into its model.

The other workers' gradients are zeros here (they cost the same to read). What this leaves out
is waiting: for the slowest worker, for messages (a pipe round trip, tens of microseconds),
and for the cores' shared caches. So the last column, the one-process step's time over this
total, is an upper bound on the speed-up W cores can give, not a measured speed-up; the
workers table of bench_fast.py measures that on the cores this machine has.

    python benchmarks/bench_parallel_split.py [--workers 1,2,4,8] [--batches 8] [--warmup 100]
"""

import sys
import os
import statistics
import struct
import time

from _common import at_least, markdown_table, worker_list
from bench_fast import BATCH, batched, load

import nn
from autograd import gc_paused
from autograd.commands import ArgumentParser, run
from nn.parallel import Engine, _shard, split
from nn.shards import Layout, Replica, split_state

PHASES = ("inputs out", "forward + backward", "gradient out", "step", "rows in")


class Share:
    """Worker 0 of ``workers``: its model, its part of the shared block, its phases' CPU ms."""

    def __init__(self, workers):
        model = nn.fast_mlp(784, [128, 10], init="he", rng=0)
        self.engine, opt = Engine(model, nn.cross_entropy), nn.Adam(model.parameters(), lr=1e-3)
        layout = Layout(model.parameters(), workers)
        self.views = []
        self.replica = Replica(self.engine, workers, 0, memoryview(bytearray(8 * layout.size * (1 + workers))),
                               _shard(opt, split_state(opt.state, layout)[0]), self.views)
        self.replica.publish()
        self.inputs, self.row = bytearray(8 * 784 * BATCH), struct.Struct("784d")
        self.sizes = split(BATCH, workers)
        self.weights, self.missing = [k / BATCH for k in self.sizes], [[]] * workers
        self.hyper = {h: getattr(opt, h) for h in opt.hyperparameters}
        self.times = {p: [] for p in PHASES}

    def step(self, x, y, keep):
        k, replica = self.sizes[0], self.replica
        marks = [time.process_time()]
        for j, r in enumerate(x[k:]):
            self.row.pack_into(self.inputs, 8 * 784 * j, *r)
        marks.append(time.process_time())
        self.engine.model.zero_grad()
        self.engine.train_batch(x[:k], y[:k])
        marks.append(time.process_time())
        replica._write(1, replica.others, "grad")
        marks.append(time.process_time())
        replica.step(self.weights, self.missing, self.hyper)
        marks.append(time.process_time())
        replica.load()
        marks.append(time.process_time())
        if keep:
            for p, a, b in zip(PHASES, marks, marks[1:]):
                self.times[p].append((b - a) * 1e3)

    def medians(self):
        return {p: statistics.median(t) for p, t in self.times.items()}


class OneProcess:
    """The plain loop's step (train_batch on the whole batch, then Adam), its CPU ms."""

    def __init__(self):
        model = nn.fast_mlp(784, [128, 10], init="he", rng=0)
        self.engine, self.opt = Engine(model, nn.cross_entropy), nn.Adam(model.parameters(), lr=1e-3)
        self.times = []

    def step(self, x, y, keep):
        start = time.process_time()
        self.opt.zero_grad()
        self.engine.train_batch(x, y)
        self.opt.step()
        if keep:
            self.times.append((time.process_time() - start) * 1e3)


def loop_rows(count):
    """Median CPU ms of mnist's ``floats`` for a batch of real MNIST, or None without it."""
    folder = os.environ.get("MNIST_DATA")
    if not folder:
        return None
    from mnist import load as load_mnist
    from mnist.dataset import batches as order, floats

    digits = load_mnist("train", folder)
    times = []
    for indices in order(len(digits), BATCH, seed=1)[:count]:
        start = time.process_time()
        floats(digits, indices)
        times.append((time.process_time() - start) * 1e3)
    return statistics.median(times)


def main(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=worker_list, default="1,2,4,8", help="worker counts, e.g. 1,2,4,8")
    parser.add_argument("--batches", type=at_least(1), default=8, help="timed batches (median)")
    parser.add_argument("--warmup", type=at_least(0), default=100, help="training batches before timing")
    args = parser.parse_args(argv)
    images, labels, source = load(BATCH * (args.warmup + args.batches))
    batches = batched(images, labels)
    print(f"data: {source}; MLP 784 -> 128 -> 10, Adam, batch {BATCH}; CPU ms, median of "
          f"{args.batches} batches after {args.warmup} warm-up batches, the set-ups taking turns\n")
    rows_ms = loop_rows(args.batches)
    plain = OneProcess()
    shares = {n: Share(n) for n in args.workers}
    with gc_paused():  # batch by batch, every set-up in turn: the machine's noise falls on all alike
        for i, (x, y) in enumerate(batches):
            for runner in [plain, *shares.values()][::1 if i % 2 else -1]:
                runner.step(x, y, keep=i >= args.warmup)
    whole = statistics.median(plain.times)
    table = [["1, the plain loop", "-", f"{whole:.1f}", "-", "-", "-", f"{whole:.1f}", "1.00x"]]
    for w, share in shares.items():
        ms = share.medians()
        total = sum(ms.values())
        table.append([w, *(f"{ms[p]:.1f}" for p in PHASES), f"{total:.1f}", f"{whole / total:.2f}x"])
    print(markdown_table(["workers", *PHASES, "worker 0's total", "one process / total (bound)"], table))
    if rows_ms is None:
        print("\n- the loop's rows (mnist's floats for a batch): set MNIST_DATA to measure them")
    else:
        print(f"\n- the loop's rows (mnist's floats for a batch), in the main process whatever W is: "
              f"{rows_ms:.1f} ms")
    load_avg = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"- load average (1, 5, 15 min) at the end: {load_avg} on {os.cpu_count()} cores")


if __name__ == "__main__":
    sys.exit(run(main))
