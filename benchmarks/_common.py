"""Small helpers the benchmark scripts share: timing, peers in alternation, markdown tables."""

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
