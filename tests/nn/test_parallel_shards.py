"""nn.shards, in one process: the layout cuts, the state split, and a step shared among
replicas giving the one-optimizer step bit for bit, for any worker count and any assignment
of the batch's pieces to replicas."""

import copy
import random

from hypothesis import given, strategies as st

import nn
from autograd import Tensor, Value
from nn.parallel import _shard, split
from nn.shards import PIECE, Layout, Replica, join_state, split_state, weighted_sum


class Mixed(nn.Module):
    """Array parameters and Values interleaved, so the layout must sort them into slots."""

    def __init__(self, shapes, n_values, seed):
        rng = random.Random(seed)
        half = len(shapes) // 2
        self.first = [Tensor([[rng.uniform(-1, 1) for _ in range(c)] for _ in range(r)], requires_grad=True)
                      for r, c in shapes[:half]]
        self.scalars = [Value(rng.uniform(-1, 1)) for _ in range(n_values)]
        self.second = [Tensor([[rng.uniform(-1, 1) for _ in range(c)] for _ in range(r)], requires_grad=True)
                       for r, c in shapes[half:]]


class GivenGrads:
    """An engine whose train_batch sets each parameter's gradient to the rows it is given."""

    def __init__(self, model):
        self.model = model

    def train_batch(self, grads, _):
        for p, g in zip(self.model.parameters(), grads):
            if isinstance(p, Value):
                p.grad = g
            else:
                p.grad = None if g is None else [list(r) for r in g]
        return 0.0, 0


shapes = st.lists(st.tuples(st.integers(1, 5), st.integers(1, 9)), max_size=4)
counts = st.integers(0, 2 * PIECE + 20)


@given(st.integers(1, 500), st.integers(1, 12))
def test_split_sizes_cover_n_and_differ_by_at_most_one(n, parts):
    sizes = split(n, parts)
    assert sum(sizes) == n and len(sizes) == parts and max(sizes) - min(sizes) <= 1
    assert sizes == sorted(sizes, reverse=True)


@given(shapes, counts, st.integers(1, 7))
def test_layout_cuts_only_at_rows_and_covers_every_float_once(shape_list, n_values, workers):
    if not shape_list and not n_values:
        n_values = 1
    layout = Layout(Mixed(shape_list, n_values, 0).parameters(), workers)
    assert layout.size == n_values + sum(r * c for r, c in shape_list)
    bounds = [lo for lo, _ in layout.ranges] + [layout.size]
    assert bounds[0] == 0 and bounds == sorted(bounds) and len(layout.ranges) == workers
    assert all(hi == lo2 for (_, hi), (lo2, _) in zip(layout.ranges, layout.ranges[1:]))
    seen = []
    for lo, hi in layout.ranges:
        for slot, r0, r1, c0, c1 in layout.pieces(lo, hi):
            rows, cols = layout.shapes[slot]
            if slot:
                assert (c0, c1) == (0, cols) and 0 <= r0 < r1 <= rows  # whole rows only
            else:
                assert c0 % PIECE == 0 and (c1 % PIECE == 0 or c1 == cols)
            seen += [(slot, r, c) for r in range(r0, r1) for c in range(c0, c1)]
    assert len(seen) == len(set(seen)) == layout.size
    unit = max([PIECE if n_values else 0] + [c for _, c in shape_list])
    for w, b in enumerate(bounds[1:-1], 1):
        assert abs(b - w * layout.size / workers) <= unit  # as even as the cuts allow
    assert layout.owners == sum(hi > lo for lo, hi in layout.ranges)


normal = st.floats(-1e3, 1e3).filter(lambda x: x == 0 or abs(x) > 1e-300)  # scaling subnormals rounds


@given(st.lists(st.lists(normal, min_size=3, max_size=3), min_size=1, max_size=5), st.integers(0, 3))
def test_equal_power_of_two_weights_sum_exactly_as_scaled_terms(terms, k):
    """Equal shards of a power-of-two count: (a + b) * c is a * c + b * c exactly (c = 2**-k),
    so the sum of shard gradients is what one process computes, up to the order of the sum."""
    c = 0.5 ** k

    def scaled_in_order(ts, cs):
        total = [0.0] * 3
        for t, ci in zip(ts, cs):
            total = [s + x * ci for s, x in zip(total, t)]
        return total

    assert weighted_sum(terms, [c] * len(terms)) == scaled_in_order(terms, [c] * len(terms))
    uneven = [0.25 + i / 8 for i in range(len(terms))]
    assert weighted_sum(terms, uneven) == scaled_in_order(terms, uneven)


OPTIMIZERS = [
    lambda ps: nn.SGD(ps, lr=0.1),
    lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda ps: nn.Adam(ps, lr=0.01, weight_decay=0.1),
    lambda ps: nn.AdamW(ps, lr=0.01),
]


@given(shapes, counts, st.integers(1, 5), st.integers(1, 6), st.sampled_from(range(len(OPTIMIZERS))),
       st.integers(1, 3), st.integers(0, 10 ** 6), st.integers(0, 3))
def test_a_step_shared_by_replicas_is_the_one_optimizer_step(shape_list, n_values, workers, pieces, which,
                                                             steps, seed, extra):
    """Each piece's gradient (some None), computed by whichever replica, summed with weights
    n_p / n, the rule applied by each range's owner, the rows read back: every replica ends
    equal to one optimizer's result, bit for bit, and the joined state is that optimizer's."""
    if not shape_list and not n_values:
        n_values = 1
    rng = random.Random(seed)
    model = Mixed(shape_list, n_values, seed)
    serial_model = copy.deepcopy(model)
    serial = OPTIMIZERS[which](serial_model.parameters())
    layout = Layout(model.parameters(), workers)
    buf = memoryview(bytearray(8 * layout.size * (1 + pieces)))
    views, replicas = [], []
    parts = split_state(serial.state, layout)
    for w in range(workers):
        replica_model = copy.deepcopy(model)
        replicas.append(Replica(GivenGrads(replica_model), workers, w, buf,
                                _shard(OPTIMIZERS[which](replica_model.parameters()), parts[w]), views))
    replicas[0].publish()
    for r in replicas[1:]:
        r.load(everything=True)
    hyper = {h: getattr(serial, h) for h in serial.hyperparameters}
    n = pieces + extra
    weights = [k / n for k in split(n, pieces)]
    for _ in range(steps):
        grads = []
        for _ in range(pieces):
            grads.append([rng.uniform(-1, 1) if isinstance(p, Value) else
                          None if rng.random() < 0.2 else
                          [[rng.uniform(-1, 1) for _ in row] for row in p.data] for p in model.parameters()])
        for r in replicas:
            r.begin()
        # any replica may compute any piece, in any order
        order = rng.sample(range(pieces), pieces)
        missing = [None] * pieces
        for p in order:
            missing[p] = rng.choice(replicas).compute(p, grads[p], None)[2]
        for r in replicas:
            r.step(weights, missing, hyper)
        for r in replicas:
            r.load()
        for i, p in enumerate(serial_model.parameters()):
            have = [k for k in range(pieces) if grads[k][i] is not None]
            if isinstance(p, Value):
                p.grad = weighted_sum([[grads[k][i]] for k in have], [weights[k] for k in have])[0]
            else:
                p.grad = [weighted_sum([grads[k][i][row] for k in have], [weights[k] for k in have])
                          for row in range(len(p.data))] if have else None
        serial.step()
        want = serial_model.state_dict()
        assert all(r.engine.model.state_dict() == want for r in replicas)
    joined = _shard(serial, join_state([r.optimizer.state for r in replicas], layout))
    assert joined.state_dict() == serial.state_dict()
    for view in views:
        view.release()


@given(shapes, counts, st.integers(1, 6))
def test_split_then_join_state_is_the_state(shape_list, n_values, workers):
    if not shape_list and not n_values:
        n_values = 1
    model = Mixed(shape_list, n_values, 1)
    for make in OPTIMIZERS:
        opt = make(model.parameters())
        for p in model.parameters():
            if isinstance(p, Value):
                p.grad = 0.5
            else:
                p.grad = [[0.25] * len(row) for row in p.data]
        opt.step()
        layout = Layout(model.parameters(), workers)
        again = _shard(opt, join_state(split_state(opt.state, layout), layout))
        assert again.state_dict() == opt.state_dict()
