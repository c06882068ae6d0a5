"""Small helpers the benchmark scripts share: timing, peers in alternation, markdown tables."""

import argparse
import gc
import platform
import statistics
import sys
import time
import tracemalloc
from contextlib import contextmanager


def timed(fn, *args):
    """(seconds, result) of one call, after an untimed gc.collect() so no earlier garbage is charged."""
    gc.collect()
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def freeing(fn):
    """fn followed by gc.collect(): timing it charges fn for freeing the reference cycles it left."""
    def run():
        result = fn()
        gc.collect()
        return result
    return run


def alternate(peers, runs):
    """Run each peer's step ``runs`` times, alternating peers (order reversed every run).

    ``peers`` maps a name to a zero-argument callable; returns name -> list of (seconds, result).
    Alternating spreads the shared machine's noise over every peer alike.
    """
    names = list(peers)
    results = {name: [] for name in names}
    for run in range(runs):
        for name in names if run % 2 == 0 else names[::-1]:
            results[name].append(timed(peers[name]))
    return results


def at_least(low):
    """An argparse type: a whole number >= ``low``, or argparse's one-line error saying which."""
    def count(text):
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if n < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {n}")
        return n
    return count


def worker_list(text):
    """An argparse type: worker counts "1,2,4" as [1, 2, 4] (0 alone, or none: an empty list)."""
    try:
        counts = [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected worker counts like 1,2, got {text!r}") from None
    if any(n < 0 for n in counts):
        raise argparse.ArgumentTypeError(f"worker counts cannot be negative, got {text!r}")
    return [n for n in counts if n > 0]


def median(xs):
    return statistics.median(xs)


def traced_bytes(fn, *args):
    """(result, bytes still allocated after fn, peak bytes during fn), measured by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = fn(*args)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, current - base, peak - base


def seconds(s):
    """A duration in the unit that reads best: '1.23 s', '45.6 ms', '789 us'."""
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} us"


def markdown_table(headers, rows):
    """A markdown table; every cell is turned into text with str()."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine():
    """One line naming the interpreter and the machine, printed above every table."""
    return (f"Python {platform.python_version()} ({platform.python_implementation()}) on "
            f"{platform.machine()} {sys.platform}, {time.strftime('%Y-%m-%d %H:%M %Z')}")


def peak_bytes(pids):
    """Sum over ``pids`` of each process's peak resident set (VmHWM in /proc/<pid>/status), read
    while they run; None where /proc is missing. (getrusage gives the largest child, not a sum.)"""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            return None
    return total


def serve_rounds(engine, optimizer, workers, batches, per_round, warmup=0):
    """The child's side of ``interleave``: train on ``workers`` processes (``nn.parallel.DataParallel``
    when more than one: the same engine interface) from ``batches`` ((xs, ys) pairs, cycled),
    ``warmup`` batches first; print "ready", then for each "run" line on stdin train
    ``per_round`` batches and print a JSON line with their seconds and images; at "end" (or end
    of input) print a JSON line with the peak memory of all its processes and the start-up time."""
    import itertools
    import json
    import os

    from autograd import gc_paused
    from nn.parallel import DataParallel

    start = time.perf_counter()
    run = DataParallel(engine, optimizer, workers) if workers > 1 else None
    started = time.perf_counter() - start
    engine, optimizer = (run, run.optimizer) if run else (engine, optimizer)
    cycle = itertools.cycle(batches)

    def train(count):
        images = 0
        for _ in range(count):
            xs, ys = next(cycle)
            optimizer.zero_grad()
            engine.train_batch(xs, ys)
            optimizer.step()
            images += len(xs)
        return images

    try:
        with gc_paused():  # as mnist's training loop runs its batches
            train(warmup)
            print("ready", flush=True)
            for line in sys.stdin:
                if line.strip() != "run":
                    break
                start = time.perf_counter()
                images = train(per_round)
                print(json.dumps({"seconds": time.perf_counter() - start, "images": images}), flush=True)
        peak = peak_bytes([os.getpid(), *(run.pids if run else [])])
    finally:
        if run:
            run.close()
    print(json.dumps({"peak_bytes": peak, "start_seconds": started}), flush=True)


class _Child:
    """``script --child n *args`` started and ready (see ``serve_rounds``); stderr to a file, so a
    chatty child cannot block on a full pipe."""

    def __init__(self, script, n, args):
        import subprocess
        import tempfile

        self.script, self.n, self.err = script, n, tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([sys.executable, script, "--child", str(n), *map(str, args)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, bufsize=1)

    def ready(self):
        self._line()  # "ready"

    def _line(self):
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self.err.seek(0)
            raise SystemExit(f"{self.script} --child {self.n} failed:\n{self.err.read()[-2000:]}")
        return line

    def start_round(self):
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()

    def end_round(self):
        """(seconds, images) of the round just run."""
        import json

        r = json.loads(self._line())
        return r["seconds"], r["images"]

    def finish(self):
        """The child's closing JSON object (peak memory, start-up); it exits."""
        import json

        self.proc.stdin.write("end\n")
        self.proc.stdin.close()
        summary = json.loads(self._line())
        self.proc.wait()
        self.err.close()
        return summary


@contextmanager
def _started(script, counts, args):
    """One ready ``_Child`` per count, all set up side by side before any is used; any still
    running on the way out (an error, Ctrl-C) is killed."""
    children = [_Child(script, n, args) for n in counts]
    try:
        for child in children:
            child.ready()
        yield children
    finally:
        for child in children:
            if child.proc.poll() is None:
                child.proc.kill()


def interleave(script, counts, rounds, args):
    """Run ``script --child N *args`` (see ``serve_rounds``) for each worker count N, all started
    and set up at once, then ``rounds`` rounds: in each, every count trains one round while the
    others wait (the order reversed every round). This machine's speed drifts by up to 2x within
    an hour, and by 20% from one minute to the next; rounds a few seconds long, side by side, see
    the same machine, so the ratio of two counts' times in one round measures the counts, not the
    drift. (Not much shorter: here a process that starts after another count's round runs slower
    for a while, and one-second rounds flattered the fast path's 2 workers: 1.53x against 1.25x
    with rounds of several seconds, at the same hour.)

    Returns N -> {"seconds": [per round], "images": [per round], "peak_bytes", "start_seconds"}."""
    results = {n: {"seconds": [], "images": []} for n in counts}
    with _started(script, counts, args) as children:
        for r in range(rounds):
            for child in children if r % 2 == 0 else children[::-1]:
                child.start_round()
                seconds, images = child.end_round()
                results[child.n]["seconds"].append(seconds)
                results[child.n]["images"].append(images)
        for child in children:
            results[child.n].update(child.finish())
    return results


def ceiling(script, n, rounds, args):
    """What n cores give n separate one-process runs here: n copies of ``script --child 1`` started
    at once; in each round one copy trains a round alone and then all n train one together (the
    order reversed every round). Returns the median over rounds of the n copies' images/s added
    up over the one copy's alone. A run split over n workers can hardly beat this ratio (it is
    less than n where the cores share a physical core, a memory bus or a host's time)."""
    ratios = []
    with _started(script, [1] * n, args) as children:
        for r in range(rounds):
            speeds = {}
            for together in ((False, True) if r % 2 == 0 else (True, False)):
                group = children if together else children[:1]
                for child in group:
                    child.start_round()
                speeds[together] = sum(images / seconds for seconds, images in (c.end_round() for c in group))
            ratios.append(speeds[True] / speeds[False])
        for child in children:
            child.finish()
    return median(ratios)


def print_ceiling(script, n, rounds, child_args):
    """The line saying what n cores give n separate one-process runs: about the most n workers reach."""
    if n > 1:
        ratio = ceiling(script, n, rounds, child_args)
        print(f"- ceiling: {n} separate one-process runs side by side train {ratio:.2f}x the images/s of one "
              f"alone (median of {rounds} rounds): about the most a run split over {n} workers can reach on "
              f"this machine")


def speedups(results):
    """n -> the per-round ratios of n workers' images/s over the first count's in the same round."""
    first = next(iter(results.values()))
    return {n: [(i / s) / (fi / fs) for s, i, fs, fi in
                zip(r["seconds"], r["images"], first["seconds"], first["images"])]
            for n, r in results.items()}


def workers_table(title, results):
    """A markdown table of images/s (all rounds' images over their seconds), per core, the speed-up
    (median of per-round ratios, ``speedups``, with their range) and the peak memory of all
    processes together, each worker count against the first (normally 1)."""
    import os

    base = None
    rows = []
    ratios = speedups(results)
    first = next(iter(results))
    for n, r in results.items():
        speed = sum(r["images"]) / sum(r["seconds"])
        memory = r["peak_bytes"]
        base = base or (speed, memory)
        spread = f" ({min(ratios[n]):.2f}-{max(ratios[n]):.2f})" if len(ratios[n]) > 1 and n != first else ""
        rows.append([n, f"{speed:,.0f}", f"{speed / n:,.0f}", f"{median(ratios[n]):.2f}x{spread}",
                     f"{memory / 2 ** 20:,.0f} MiB" if memory else "n/a",
                     f"{memory / base[1]:.2f}x" if memory and base[1] else "n/a",
                     f"{r['start_seconds']:.2f} s"])
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    headers = [title, "train images/s", "per core", "speed vs first row (range)", "peak memory, all processes",
               "memory vs first row", "start-up"]
    rounds = len(next(iter(results.values()))["seconds"])
    return (markdown_table(headers, rows) + f"\n\n- {rounds} rounds, each count training in turn within "
            f"the round (one process per count, set up once); the speed-up is the median of each round's "
            f"ratio to the first row's; load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores")
