"""Small helpers the benchmark scripts share: timing, peers in alternation, markdown tables."""

import argparse
import gc
import platform
import statistics
import sys
import time
import tracemalloc


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


def report_run(engine, optimizer, workers, timed):
    """The child's side of ``run_children``: ``timed(engine, optimizer)`` returns images/s, run on
    ``workers`` processes (``nn.parallel.DataParallel`` when more than one: the same engine
    interface); prints the JSON line with that speed, the peak memory and the start-up time."""
    import json
    import os

    from nn.parallel import DataParallel

    start = time.perf_counter()
    run = DataParallel(engine, optimizer, workers) if workers > 1 else None
    started = time.perf_counter() - start
    try:
        speed = timed(run or engine, run.optimizer if run else optimizer)
        peak = peak_bytes([os.getpid(), *(run.pids if run else [])])
    finally:
        if run:
            run.close()
    print(json.dumps({"images_per_second": speed, "peak_bytes": peak, "start_seconds": started}))


def _start_child(script, n, args):
    """``script --child n *args`` started, its output piped."""
    import subprocess

    return subprocess.Popen([sys.executable, script, "--child", str(n), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _child_result(script, n, proc):
    """The JSON object a child started by ``_start_child`` prints as its last line."""
    import json

    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{script} --child {n} failed:\n{err[-2000:]}")
    return json.loads(out.strip().splitlines()[-1])


def run_children(script, counts, runs, args):
    """Run ``script --child N *args`` for each worker count N, ``runs`` times, alternating the
    order every run (so the shared machine's noise falls on every count alike); each child
    prints a JSON object as its last line. Returns N -> list of those objects."""
    results = {n: [] for n in counts}
    for run in range(runs):
        for n in counts if run % 2 == 0 else counts[::-1]:
            results[n].append(_child_result(script, n, _start_child(script, n, args)))
    return results


def side_by_side(script, n, runs, args):
    """The machine's ceiling for n workers: ``n`` copies of ``script --child 1`` (the one-process
    loop) started together, ``runs`` times; returns the median over runs of their images/s added
    up, over one copy's alone just before or after (so the machine's drift cancels). A run split over n workers can hardly beat
    this ratio: it is what n cores give n independent Python processes here (less than n where the cores
    share a physical core, a memory bus or a host's time)."""
    def once(copies):
        procs = [_start_child(script, 1, args) for _ in range(copies)]  # all running before any is read
        return sum(_child_result(script, 1, proc)["images_per_second"] for proc in procs)

    ratios = []
    for run in range(runs):
        speeds = {copies: once(copies) for copies in ((1, n) if run % 2 == 0 else (n, 1))}
        ratios.append(speeds[n] / speeds[1])
    return median(ratios)


def print_ceiling(script, n, runs, child_args):
    """The line saying what n cores give n separate one-process runs here: about the most n workers reach."""
    if n > 1:
        ratio = side_by_side(script, n, runs, child_args)
        print(f"- ceiling: {n} separate one-process runs side by side train {ratio:.2f}x the images/s of one "
              f"alone (median of {runs}): about the most a run split over {n} workers can reach on this machine")


def speedups(results):
    """n -> the per-run ratios of n workers' images/s over the first count's in the same run.

    ``run_children`` runs every count once per run, side by side in time, so each ratio compares
    measurements minutes apart at most: this machine's speed drifts by up to 2x over an hour,
    which a ratio of two separate medians would take for a difference between the counts."""
    first = next(iter(results.values()))
    return {n: [r["images_per_second"] / f["images_per_second"] for r, f in zip(runs, first)]
            for n, runs in results.items()}


def workers_table(title, results):
    """A markdown table of images/s (median), per core, the speed-up (median of per-run ratios,
    ``speedups``) and the peak memory of all processes together, each worker count against the
    first (normally 1)."""
    import os

    base = None
    rows = []
    ratios = speedups(results)
    first = next(iter(results))
    for n, runs in results.items():
        speed = median([r["images_per_second"] for r in runs])
        memory = median([r["peak_bytes"] for r in runs]) if all(r["peak_bytes"] for r in runs) else None
        base = base or (speed, memory)
        spread = f" ({min(ratios[n]):.2f}-{max(ratios[n]):.2f})" if len(runs) > 1 and n != first else ""
        rows.append([n, f"{speed:,.0f}", f"{speed / n:,.0f}", f"{median(ratios[n]):.2f}x{spread}",
                     f"{memory / 2 ** 20:,.0f} MiB" if memory else "n/a",
                     f"{memory / base[1]:.2f}x" if memory and base[1] else "n/a",
                     f"{median([r['start_seconds'] for r in runs]):.2f} s"])
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    headers = [title, "train images/s", "per core", "speed vs first row (range)", "peak memory, all processes",
               "memory vs first row", "start-up"]
    runs = len(next(iter(results.values())))
    return (markdown_table(headers, rows) + f"\n\n- median of {runs} runs each, alternating; each run a "
            f"fresh process; the speed-up is the median of each run's ratio to the first row's run beside "
            f"it; load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores")
