"""Grad mode and watchers: per-thread switches that every node constructor consults.

Grad mode is per thread, as in PyTorch: ``no_grad()`` in one thread does not stop another
thread's graph from being recorded. A *watcher* sees every node as it is made and every step
of every backward pass in its thread; ``detect_anomaly()`` is one watcher (see
``autograd.anomaly``), and a user may write their own with the two methods below.

While no thread has changed its mode, node constructors skip the per-thread lookup
entirely (one module-global test), so the switches cost nothing when unused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

import contextlib
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "watch", "watchers", "Watcher"]


class Watcher(Protocol):
    """What ``watch`` expects: see its docstring."""

    def forward(self, node: Any) -> None: ...

    def backward(self, steps: Iterator[tuple]) -> Iterator[tuple]: ...


class _ThreadMode(threading.local):
    grad_enabled = True
    watchers = ()


_thread = _ThreadMode()
_lock = threading.Lock()
changed = 0  # how many mode blocks are open in any thread; 0 means every thread is at the default


@contextlib.contextmanager
def _changed_mode(**attributes):
    global changed
    with _lock:
        changed += 1
    previous = {name: getattr(_thread, name) for name in attributes}
    for name, value in attributes.items():
        setattr(_thread, name, value)
    try:
        yield
    finally:
        for name, value in previous.items():
            setattr(_thread, name, value)
        with _lock:
            changed -= 1


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad()`` (and not inside a nested ``enable_grad()``)."""
    return _thread.grad_enabled


def set_grad_enabled(enabled: bool) -> AbstractContextManager[None]:
    """Context manager: record graphs in this thread if ``enabled``, else not."""
    return _changed_mode(grad_enabled=bool(enabled))


def no_grad() -> AbstractContextManager[None]:
    """Context manager: ops in this thread compute values but record no graph (results are leaves)."""
    return _changed_mode(grad_enabled=False)


def enable_grad() -> AbstractContextManager[None]:
    """Context manager: turn recording back on inside a ``no_grad()`` block."""
    return _changed_mode(grad_enabled=True)


def watchers() -> tuple[Watcher, ...]:
    """The watchers active in this thread, outermost first."""
    return _thread.watchers


def watch(watcher: Watcher) -> AbstractContextManager[None]:
    """Context manager: ``watcher`` sees this thread's graph being built and walked.

    A watcher has two methods:

    - ``forward(node)``: called with every node an op makes (after its data is computed, before
      the op returns it); raising here stops the op.
    - ``backward(steps)``: given the iterator of ``(node, grad, contributions)`` triples of a
      backward pass, returns an iterator of the same triples (it may check each before passing
      it on, as ``detect_anomaly()`` does).
    """
    return _changed_mode(watchers=_thread.watchers + (watcher,))


def current():
    """(grad enabled, watchers) for this thread: read only when ``changed`` is non-zero."""
    return _thread.grad_enabled, _thread.watchers
