"""The processes behind ``nn.parallel``: shared memory segments, a worker's loop, and stopping
everything cleanly (asked, then SIGTERM, then SIGKILL; segments unlinked on every way out).

Workers are started with multiprocessing's "spawn": a fresh interpreter that imports only what
it needs and receives its replica pickled. It behaves the same on Linux, macOS and Windows,
inherits no threads or locks (``fork`` would copy tqdm's monitor thread's locks, say), and
holds only its replica and shard, not a copy of the parent's data; its start-up (a few tenths
of a second) is paid once per run.
"""

import os
import pickle
import secrets
import signal
import traceback
from contextlib import contextmanager
from multiprocessing.shared_memory import SharedMemory

from autograd import gc_paused

from .shards import Replica

__all__ = ["PREFIX", "segment", "sigint_ignored", "how_it_ended", "shutdown", "claim", "serve"]

PREFIX = "puregrad"  # shared memory segments are /dev/shm/puregrad-<pid>-<random>


def segment(nbytes):
    """A new shared memory segment of at least ``nbytes``, named after this process."""
    return SharedMemory(name=f"{PREFIX}-{os.getpid()}-{secrets.token_hex(4)}", create=True,
                        size=max(nbytes, 8))


@contextmanager
def sigint_ignored():
    """SIGINT ignored inside: children started here inherit that (and Python keeps it), and
    a second Ctrl-C cannot cut a clean-up short."""
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # signals can only be set from the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def how_it_ended(process):
    code = process.exitcode
    if code is None:
        return "closed its pipe"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def shutdown(procs, conns, segments, views, gentle):
    """Stop every worker (asked, then SIGTERM, then SIGKILL), release and unlink shared memory."""
    with sigint_ignored():
        if gentle:
            for conn in conns:
                try:
                    conn.send(("stop",))
                except OSError:
                    pass
            for p in procs:
                p.join(timeout=5)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
        for conn in conns:
            conn.close()
        for view in reversed(views):
            view.release()
        for segment in segments:
            try:
                segment.close()
            except BufferError:  # a view still exported: unlinking below is what matters
                pass
            try:
                segment.unlink()
            except FileNotFoundError:
                pass
        procs.clear(), conns.clear(), segments.clear(), views.clear()


def claim(counter, total, check):
    """Take the next piece of the batch from the shared ``counter`` (a multiprocessing Value):
    its number, or None once all ``total`` are taken. The lock is waited for in short turns,
    calling ``check()`` between them: a process killed while holding it never lets it go, and
    ``check`` raises instead of waiting forever."""
    lock = counter.get_lock()
    while not lock.acquire(timeout=0.25):
        check()
    try:
        piece = counter.value
        counter.value = piece + 1
    finally:
        lock.release()
    return piece if piece < total else None


def _error(error):
    """The reply that carries ``error`` (and its traceback) to the main process."""
    trace = traceback.format_exc()
    try:
        pickle.dumps(error)
    except Exception:  # the exception itself does not pickle: send its text
        error = RuntimeError(f"{type(error).__name__}: {error}")
    return ("error", error, trace)


def _orphaned(parent):
    """A check for ``claim``: raise EOFError (the end of ``serve``) once the main process is gone."""
    def check():
        if os.getppid() != parent:
            raise EOFError("the main process is gone")
    return check


def serve(conn, me, counter):
    """A worker process: build the replica, then answer messages until "stop" or a closed pipe
    (the main process gone: then it just ends). ``counter`` numbers the pieces of each batch."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the main process to handle
    views, inputs, segments = [], {}, []
    check = _orphaned(os.getppid())
    try:
        try:
            blob, name, workers, optimizer, shapes = pickle.loads(conn.recv_bytes())
            segments.append(SharedMemory(name=name))
            replica = Replica(pickle.loads(blob), workers, me, segments[0].buf, optimizer, views)
            if replica.layout.shapes != shapes:
                raise ValueError(f"the replica's parameter shapes {replica.layout.shapes} are not "
                                 f"the model's {shapes}")
            replica.load(everything=True)
        except Exception as e:
            conn.send(_error(e))
            return
        reply = ("ready",)
        while True:
            conn.send(reply)
            message = conn.recv()
            if message[0] == "stop":
                return
            try:
                with gc_paused():
                    reply = _answer(replica, message, inputs, counter, check)
            except Exception as e:
                reply = _error(e)
    except (EOFError, OSError):  # the main process is gone
        return
    finally:
        for view in views:
            view.release()
        for segment in [*segments, *inputs.values()]:
            segment.close()


def _answer(replica, message, inputs, counter, check):
    """The reply to one message from the main process (see ``DataParallel``)."""
    kind = message[0]
    if kind == "logits" and replica.stale:
        replica.load()  # the rows the other workers updated in the last step
    if kind == "batch":  # (replica.begin() reads those rows)
        # pieces 1, 2, ... of the batch, their rows (from piece 1's first on) and labels; take
        # pieces until none is left: (piece, loss, count, missing) for each taken here
        _, spec, labels, starts = message
        replica.begin()
        done, first = [], starts[1]
        while (piece := claim(counter, len(starts) - 1, check)) is not None:
            a, b = starts[piece] - first, starts[piece + 1] - first
            done.append((piece, *replica.compute(piece, _rows(spec, inputs, a, b), labels[a:b])))
        return ("done", done)
    if kind == "logits":
        return ("logits", replica.engine.logits(_rows(message[1], inputs)))
    if kind == "step":
        replica.step(*message[1:])
        return ("stepped",)
    if kind == "state":
        return ("state", replica.optimizer.state)
    if kind == "load_state":
        replica.optimizer.state = message[1]
        return ("loaded",)
    if kind == "reload":
        replica.load(everything=True)
        return ("reloaded",)
    raise ValueError(f"unknown message {kind!r}")


def _rows(spec, attached, a=0, b=None):
    """Rows a..b-1 (all by default) of those the message names: pickled in it, or read from the
    shared input segment (``attached`` keeps the one segment in use, by name)."""
    if spec[0] == "list":
        return spec[1][a:b]
    _, name, d, first, k = spec
    first, k = first + a, (k if b is None else b) - a
    if name not in attached:
        for segment in attached.values():
            segment.close()
        attached.clear()
        attached[name] = SharedMemory(name=name)
    view = attached[name].buf.cast("d")
    try:
        return [view[(first + i) * d:(first + i + 1) * d].tolist() for i in range(k)]
    finally:
        view.release()
