"""nn.parallel.DataParallel with real worker processes: the same losses as one process, bit-for-bit
repeatable runs, state that moves between worker counts, and faults that end cleanly (no
process and no shared memory segment left behind)."""

import os
import random
import signal
import time

import pytest

import nn
from nn.parallel import PREFIX, DataParallel, Engine, WorkerError

NIN, CLASSES = 40, 3  # the scalar model: 355 Values, two pieces of the step


def segments():
    """This process's shared memory segments still in /dev/shm."""
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm on this system to look for leaked segments")
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith(f"{PREFIX}-{os.getpid()}-"))


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(autouse=True)
def nothing_left_behind():
    before = segments()
    yield
    assert segments() == before, "a shared memory segment was left in /dev/shm"


def data(batches, size, seed=0):
    rng = random.Random(seed)
    out = []
    for _ in range(batches):
        xs = [[0.0 if rng.random() < 0.6 else rng.random() for _ in range(NIN)] for _ in range(size)]
        out.append((xs, [rng.randrange(CLASSES) for _ in range(size)]))
    return out


def engine(kind, seed=0):
    if kind == "scalar":
        return Engine(nn.MLP(NIN, [8, CLASSES], init="he", rng=seed), nn.cross_entropy)
    return Engine(nn.fast_mlp(NIN, [8, CLASSES], init="he", rng=seed), nn.cross_entropy)


OPTIMIZERS = {"sgd": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), "adam": lambda ps: nn.Adam(ps, lr=0.01),
              "adamw": lambda ps: nn.AdamW(ps, lr=0.01)}


def train(eng, opt, batches):
    losses = []
    for xs, ys in batches:
        opt.zero_grad()
        losses.append(eng.train_batch(xs, ys)[0])
        opt.step()
    return losses


def run(kind, optimizer, workers, batches, log=None):
    """Losses, final model state and optimizer state of a run (workers=None: the plain loop)."""
    eng = engine(kind)
    opt = OPTIMIZERS[optimizer](eng.model.parameters())
    if workers is None:
        return train(eng, opt, batches), eng.model.state_dict(), opt.state_dict()
    with DataParallel(eng, opt, workers, log=log) as par:
        losses = train(par, par.optimizer, batches)
    return losses, eng.model.state_dict(), opt.state_dict()


def assert_close(a, b, rel=1e-9):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == pytest.approx(y, rel=rel, abs=1e-12), f"batch {i}: {x} against {y}"


@pytest.mark.parametrize("kind, optimizer", [("scalar", "sgd"), ("fast", "adamw")])
def test_two_workers_give_one_process_losses(kind, optimizer):
    batches = data(20, 10)
    one, _, _ = run(kind, optimizer, None, batches)
    two, _, _ = run(kind, optimizer, 2, batches)
    assert_close(two, one)


def test_a_run_is_bit_for_bit_repeatable_for_a_worker_count():
    batches = data(6, 10)  # shards of 4, 3, 3: uneven weights
    first = run("fast", "adam", 3, batches)
    assert run("fast", "adam", 3, batches) == first
    assert_close(first[0], run("fast", "adam", None, batches)[0])


def run_pieces(kind, optimizer, workers, pieces, batches):
    eng = engine(kind)
    opt = OPTIMIZERS[optimizer](eng.model.parameters())
    with DataParallel(eng, opt, workers, pieces=pieces) as par:
        losses = train(par, par.optimizer, batches)
    return losses, eng.model.state_dict(), opt.state_dict()


@pytest.mark.parametrize("kind, optimizer, pieces", [("scalar", "adam", 5), ("fast", "sgd", 3)])
def test_the_same_pieces_give_the_same_bits_on_any_worker_count(kind, optimizer, pieces):
    """Which process computes which piece is up to timing; the sums run in piece order, so the
    numbers depend on how many pieces there are, not on how many workers share them."""
    batches = data(4, 11)  # pieces of 3, 2, 2, 2, 2 or 4, 4, 3: uneven weights
    alone = run_pieces(kind, optimizer, 1, pieces, batches)
    assert run_pieces(kind, optimizer, 2, pieces, batches) == alone
    assert run_pieces(kind, optimizer, 3, pieces, batches) == alone
    assert_close(alone[0], run(kind, optimizer, None, batches)[0])


def test_a_model_of_values_is_cut_into_more_pieces_than_workers():
    from nn.parallel import SCALAR_PIECES, default_pieces

    assert default_pieces(engine("scalar").model.parameters(), 3) == 3 * SCALAR_PIECES > 3
    assert default_pieces(engine("scalar").model.parameters(), 1) == 1
    assert default_pieces(engine("fast").model.parameters(), 3) == 3


def test_a_batch_too_small_to_split_uses_fewer_workers_and_says_so_once():
    lines = []
    batches = data(3, 2)
    small, _, _ = run("fast", "adam", 3, batches, log=lines.append)
    assert lines == ["nn.parallel: a batch of 2 is split over 2 of 3 workers"]
    assert_close(small, run("fast", "adam", None, batches)[0])


def test_a_model_too_small_to_share_says_so_once():
    lines = []
    eng = Engine(nn.MLP(2, [3, 1], rng=0), nn.svm_hinge)  # 13 Values: one piece of the step
    with DataParallel(eng, nn.SGD(eng.model.parameters(), lr=0.1), 3, log=lines.append) as par:
        for _ in range(2):
            par.train_batch([[1.0, 2.0], [0.5, -1.0], [0.0, 1.0]], [1.0, -1.0, 1.0])
            par.optimizer.step()
    assert lines == ["nn.parallel: the model has 13 parameters in too few rows to share: "
                     "1 of 3 workers update them"]


def test_one_worker_runs_in_this_process_and_keeps_the_optimizer_state():
    batches = data(3, 4)
    one = run("scalar", "adam", 1, batches)
    assert one[0] == run("scalar", "adam", None, batches)[0]  # no sums to reorder: the same bits
    assert one[2]["state"][0]["step"] == 3


def test_outputs_are_shared_out_and_equal_one_process():
    eng = engine("fast")
    xs = data(1, 9)[0][0]
    want = eng.logits(xs)
    with DataParallel(eng, nn.Adam(eng.model.parameters()), 2) as par:
        assert par.logits(xs) == want


def test_a_killed_worker_gives_a_one_line_error_and_stops_the_rest():
    eng = engine("fast")
    par = DataParallel(eng, nn.Adam(eng.model.parameters()), 3)
    (xs, ys), = data(1, 6)
    par.train_batch(xs, ys)
    par.optimizer.step()
    victim, pids = par.pids[0], par.pids
    os.kill(victim, signal.SIGKILL)
    with pytest.raises(WorkerError) as e:
        par.train_batch(xs, ys)
    message = str(e.value)
    assert "\n" not in message and f"worker 1 of 3 (pid {victim}) was killed by SIGKILL" in message
    assert all(gone(pid) for pid in pids)
    with pytest.raises(WorkerError, match="closed"):
        par.train_batch(xs, ys)


class SlowHere(Engine):
    """An engine that takes a second over its first piece in the process that made it, so the
    workers take the batch's other pieces (which process takes which is otherwise up to timing)."""

    def __init__(self, model, loss):
        super().__init__(model, loss)
        self.home = os.getpid()

    def train_batch(self, xs, ys):
        if os.getpid() == self.home:
            time.sleep(1.0)
            self.home = None
        return super().train_batch(xs, ys)


def test_an_error_in_a_worker_is_raised_here_with_the_worker_named():
    eng = SlowHere(nn.MLP(NIN, [8, CLASSES], init="he", rng=0), nn.cross_entropy)
    par = DataParallel(eng, nn.SGD(eng.model.parameters(), lr=0.1), 2)
    xs, pids = data(1, 4)[0][0], par.pids
    with pytest.raises(ValueError, match="out of range") as e:
        par.train_batch(xs, [0, 1, 2, 7])  # the bad label is in the last piece: worker 1 takes it
    assert any("nn.parallel worker 1" in note for note in e.value.__notes__)
    assert pids and all(gone(pid) for pid in pids)


def test_an_error_here_stops_the_workers_too():
    eng = engine("scalar")
    par = DataParallel(eng, nn.SGD(eng.model.parameters(), lr=0.1), 2)
    xs, pids = data(1, 4)[0][0], par.pids
    with pytest.raises(ValueError, match="out of range"):
        par.train_batch(xs, [7, 1, 2, 0])  # piece 0 is always this process's
    assert pids and all(gone(pid) for pid in pids)
    with pytest.raises(WorkerError, match="closed"):
        par.train_batch(xs, [0, 1, 2, 0])


def test_state_moves_between_worker_counts():
    """A state saved from 2 workers resumes on 1 process and on 3, continuing the same run."""
    batches = data(8, 6)
    straight, _, _ = run("fast", "adam", None, batches)
    eng = engine("fast")
    with DataParallel(eng, nn.Adam(eng.model.parameters(), lr=0.01), 2) as par:
        first = train(par, par.optimizer, batches[:4])
        saved = eng.model.state_dict(), par.optimizer.state_dict()
    for workers in (None, 3):
        again = engine("fast", seed=99).model.load_state_dict(saved[0])
        resumed = Engine(again, nn.cross_entropy)
        opt = nn.Adam(again.parameters(), lr=0.01)
        opt.load_state_dict(saved[1])
        if workers is None:
            rest = train(resumed, opt, batches[4:])
        else:
            with DataParallel(resumed, opt, workers) as par:
                rest = train(par, par.optimizer, batches[4:])
        assert_close(first + rest, straight)


def test_hyperparameters_and_reloaded_weights_reach_the_workers():
    batches = data(6, 6)
    other = engine("fast", seed=5).model.state_dict()
    serial = engine("fast")
    opt = nn.SGD(serial.model.parameters(), lr=0.1)
    eng = engine("fast")
    results = []
    with DataParallel(eng, nn.SGD(eng.model.parameters(), lr=0.1), 2) as par:
        for e, o, refresh in ((serial, opt, lambda: None), (par, par.optimizer, par.refresh)):
            losses = train(e, o, batches[:2])
            o.lr = 0.01
            e.model.load_state_dict(other)
            refresh()
            results.append(losses + train(e, o, batches[2:]))
    assert_close(results[1], results[0])


def test_inputs_that_are_not_rows_of_floats_travel_pickled():
    from autograd import Value

    batches = [([[Value(x) for x in row] for row in xs], ys) for xs, ys in data(3, 4)]
    assert_close(run("scalar", "sgd", 2, batches)[0], run("scalar", "sgd", None, batches)[0])


def test_bad_arguments_are_refused_before_any_process_starts():
    eng = engine("fast")
    with pytest.raises(ValueError, match="workers must be a whole number >= 1"):
        DataParallel(eng, nn.SGD(eng.model.parameters(), lr=0.1), 0)
    with pytest.raises(ValueError, match="pieces must be a whole number >= 1, got 0"):
        DataParallel(eng, nn.SGD(eng.model.parameters(), lr=0.1), 2, pieces=0)
    with pytest.raises(ValueError, match="built over engine.model.parameters"):
        DataParallel(eng, nn.SGD(engine("fast").model.parameters(), lr=0.1), 2)
    unpicklable = Engine(eng.model, lambda out, ys: nn.cross_entropy(out, ys))
    with pytest.raises(TypeError, match="cannot be sent to the worker processes"):
        DataParallel(unpicklable, nn.SGD(eng.model.parameters(), lr=0.1), 2)


class Unpickles:
    """Unpickled in a worker as ``call(*args)``: a way to fail while the worker starts."""

    def __init__(self, call, *args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


@pytest.mark.parametrize("trap, words", [
    (Unpickles(os._exit, 3), r"worker 1 of 2 \(pid \d+\) exited with status 3 while starting"),
    (Unpickles(int, "x"), r"worker 1 could not start: ValueError: invalid literal"),
])
def test_a_worker_that_cannot_start_is_named(trap, words):
    eng = engine("fast")
    eng.trap = trap
    with pytest.raises(WorkerError, match=words) as e:
        DataParallel(eng, nn.SGD(eng.model.parameters(), lr=0.1), 2)
    assert "\n" not in str(e.value)


def test_a_piece_counter_held_by_a_dead_process_does_not_hang_the_claim():
    """A worker killed while it holds the counter's lock never lets it go: ``claim`` waits in
    short turns and asks ``check`` in between, which raises (DataParallel: "worker N died")."""
    import multiprocessing
    import threading

    from nn.workers import claim

    counter = multiprocessing.get_context("spawn").Value("q", 0)
    assert [claim(counter, 2, None), claim(counter, 2, None), claim(counter, 2, None)] == [0, 1, None]
    held, release = threading.Event(), threading.Event()

    def holder():
        with counter.get_lock():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    checks = []

    def check():
        checks.append(1)
        if len(checks) == 2:
            raise WorkerError("the holder died")

    try:
        with pytest.raises(WorkerError, match="the holder died"):
            claim(counter, 5, check)
    finally:
        release.set()
        thread.join()
    assert len(checks) == 2
