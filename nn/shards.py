"""A model's parameters as one flat row of float64s in shared memory, and each process's part
of a data-parallel step. ``nn.parallel`` builds on this; docs/parallel.md draws the picture.

**Layout.** The flat row follows the optimizer's slots (``nn.optim``): slot 0 holds every
``Value`` parameter (the optimizer's one virtual row), slot k the k-th array parameter, row
by row. The shared block holds this row once for the parameters, then once more per *piece*
of the batch for that piece's gradient (a batch is cut into pieces; any process may compute
any piece, so the pieces are numbered by the batch, not by who computed them).

**Ownership.** The row is cut only where a parameter row starts (or every ``PIECE`` Values)
into one contiguous range per worker, as equal as the cuts allow. A worker sums the pieces'
gradients over its range, in piece order, applies the optimizer's rule there alone, keeps
that range's optimizer state, and writes the new parameters back for the others to read.
Every rule in ``nn.optim`` treats each row (each element, in fact) on its own, so the step
gives the same numbers as one optimizer over everything, whichever process computed which
piece and however many workers there are.
"""

import struct
from array import array
from bisect import bisect_left
from itertools import repeat
from operator import add, mul

from autograd import Value

from .optim import zero_grads

__all__ = ["PIECE", "Layout", "Replica", "split_state", "join_state"]

PIECE = 256  # Values per ownership unit of the virtual row (a scalar model's step can be shared)


class Layout:
    """Where each parameter lives in the flat row, and each of ``workers`` ranges.

    ``shapes[slot]`` is (rows, cols) (slot 0: (1, number of Values), or (0, 0) without Values),
    ``offsets[slot]`` its first index, ``size`` the row's length, ``ranges[w]`` = (lo, hi) the
    part worker ``w`` updates, ``owners`` how many ranges are not empty.
    """

    def __init__(self, parameters, workers):
        self.values = [p for p in parameters if isinstance(p, Value)]
        self.arrays = [p for p in parameters if not isinstance(p, Value)]
        self.shapes = [(1, len(self.values)) if self.values else (0, 0)]
        self.shapes += [(len(a.data), len(a.data[0])) for a in self.arrays]
        self.offsets, cuts, total = [], [0], 0
        for slot, (rows, cols) in enumerate(self.shapes):
            self.offsets.append(total)
            unit = PIECE if slot == 0 else cols
            end = total + rows * cols
            cuts.extend(range(total + unit, end, unit))
            cuts.append(end)
            total = end
        self.size = total
        cuts = sorted(set(cuts))
        bounds = [0]
        for w in range(1, workers):
            target = w * total / workers
            i = bisect_left(cuts, target)
            nearest = min(cuts[max(i - 1, 0):i + 1], key=lambda c: (abs(c - target), c))
            bounds.append(max(nearest, bounds[-1]))
        bounds.append(total)
        self.ranges = list(zip(bounds, bounds[1:]))
        self.owners = sum(hi > lo for lo, hi in self.ranges)

    def pieces(self, lo, hi):
        """(slot, r0, r1, c0, c1) for each parameter block inside the flat range [lo, hi)."""
        out = []
        for slot, ((rows, cols), start) in enumerate(zip(self.shapes, self.offsets)):
            a, b = max(lo, start), min(hi, start + rows * cols)
            if a >= b:
                continue
            if slot == 0:
                out.append((0, 0, 1, a - start, b - start))
            else:
                out.append((slot, (a - start) // cols, (b - start) // cols, 0, cols))
        return out

    def others(self, w):
        """The pieces outside worker ``w``'s range."""
        lo, hi = self.ranges[w]
        return self.pieces(0, lo) + self.pieces(hi, self.size)


def weighted_sum(terms, weights):
    """sum_w weights[w] * terms[w] elementwise, left to right (a fixed order: bit-repeatable).

    Equal weights c are applied once to the sum: (a + b) * c. With c a power of two (two
    equal shards) that is exactly a * c + b * c, the gradient one process would compute.
    """
    if len(set(weights)) == 1:
        acc = terms[0]
        for t in terms[1:]:
            acc = map(add, acc, t)
        return list(acc) if weights[0] == 1.0 else list(map(mul, acc, repeat(weights[0])))
    acc = map(mul, terms[0], repeat(weights[0]))
    for t, c in zip(terms[1:], weights[1:]):
        acc = map(add, acc, map(mul, t, repeat(c)))
    return list(acc)


class Replica:
    """One process's model, tied to the shared block: it computes pieces and steps its range.

    ``buf`` is the shared block (bytes): the parameters, then one gradient row per piece.
    ``optimizer`` is this process's copy of the optimizer, holding state for its range only.
    ``views`` collects the memoryviews made here, so the owner can release them before closing.
    """

    def __init__(self, engine, workers, me, buf, optimizer, views):
        self.engine = engine
        self.layout = Layout(engine.model.parameters(), workers)
        self.me, self.workers, self.optimizer = me, workers, optimizer
        self.buf = buf
        self.view = buf.cast("d")
        views.append(self.view)
        self.own = self.layout.pieces(*self.layout.ranges[me])
        self.others = self.layout.others(me)
        self.kept = {}  # piece -> its gradient over our range, for the pieces computed here
        self.stale = False  # True from our step until we read the rows the others updated
        self._structs = {}

    def _pack(self, block, start, floats):
        """Write ``floats`` at ``start`` of block 0 (parameters) or 1 + p (piece p's gradient)."""
        fmt = self._structs.get(len(floats))
        if fmt is None:
            fmt = self._structs[len(floats)] = struct.Struct(f"{len(floats)}d")
        fmt.pack_into(self.buf, 8 * (block * self.layout.size + start), *floats)

    def _floats(self, block, start, n):
        at = block * self.layout.size + start
        return self.view[at:at + n]

    def _write(self, block, pieces, part):
        """Write ``part`` ("data" or "grad") of the model over ``pieces`` into ``block``
        (an array parameter whose grad is None is skipped)."""
        lay = self.layout
        for slot, r0, r1, c0, c1 in pieces:
            start = lay.offsets[slot]
            if slot == 0:
                self._pack(block, start + c0, [getattr(v, part) for v in lay.values[c0:c1]])
                continue
            rows = getattr(lay.arrays[slot - 1], part)
            if rows is not None:
                for r in range(r0, r1):
                    self._pack(block, start + r * c1, rows[r])

    def _read(self, pieces):
        """Parameters over ``pieces`` from the shared block into the model (new row lists)."""
        lay = self.layout
        for slot, r0, r1, c0, c1 in pieces:
            start = lay.offsets[slot]
            if slot == 0:
                for v, x in zip(lay.values[c0:c1], self._floats(0, start + c0, c1 - c0).tolist()):
                    v.data = x
                continue
            data = lay.arrays[slot - 1].data
            for r in range(r0, r1):
                data[r] = self._floats(0, start + r * c1, c1).tolist()

    def publish(self):
        """Every parameter of this model into the shared block."""
        self._write(0, self.layout.pieces(0, self.layout.size), "data")

    def load(self, everything=False):
        """The parameters other processes updated (or all of them) into this model."""
        self._read(self.layout.pieces(0, self.layout.size) if everything else self.others)
        self.stale = False

    def begin(self):
        """Ready for a new batch: the rows the others updated read in, no piece kept from before."""
        if self.stale:
            self.load()
        self.kept = {}

    def compute(self, piece, xs, ys):
        """Zero the gradients, run the engine on piece number ``piece`` of the batch, share its
        gradient outside our range (the part inside is kept here for our step).

        Returns (loss, count, missing): ``missing`` lists the array slots with no gradient.
        Call ``begin()`` before a batch's first piece.
        """
        lay = self.layout
        # model.zero_grad() would walk the modules to find the parameters again: 65 ms on a
        # scalar 784-32-10 model, a tenth of a piece
        zero_grads(lay.values, lay.arrays)
        loss, count = self.engine.train_batch(xs, ys)
        self._write(1 + piece, self.others, "grad")
        # references, not copies: the next zero_grad puts new objects in place of these
        self.kept[piece] = [[v.grad for v in lay.values[c0:c1]] if slot == 0 else lay.arrays[slot - 1].grad
                            for slot, r0, r1, c0, c1 in self.own]
        return loss, count, [k for k, a in enumerate(lay.arrays, 1) if a.grad is None]

    def step(self, weights, missing, hyper):
        """The optimizer's rule over our range, from sum_p weights[p] * gradient of piece p, in
        piece order (computed here, or read from the shared block).

        ``missing[p]`` lists piece p's array slots without a gradient (skipped in the sum; a
        parameter no piece has a gradient for is left alone, as ``Optimizer.step`` does).
        ``hyper`` holds the optimizer's hyperparameters (a schedule may change them).
        """
        for name, value in hyper.items():
            setattr(self.optimizer, name, value)
        lay, kept = self.layout, self.kept
        active = [p for p in range(len(weights)) if weights[p]]
        for i, (slot, r0, r1, c0, c1) in enumerate(self.own):
            start = lay.offsets[slot]
            if slot == 0:
                terms = [kept[p][i] if p in kept else self._floats(1 + p, start + c0, c1 - c0)
                         for p in active]
                values = lay.values[c0:c1]
                rows = [[v.data for v in values]]
                self.optimizer._update(0, rows, [weighted_sum(terms, [weights[p] for p in active])])
                for v, x in zip(values, rows[0]):
                    v.data = x
                self._pack(0, start + c0, rows[0])
                continue
            have = [p for p in active if slot not in missing[p]]
            if not have:
                continue
            scale = [weights[p] for p in have]
            grads = [weighted_sum([kept[p][i][r] if p in kept else
                                   self._floats(1 + p, start + r * c1, c1) for p in have], scale)
                     for r in range(r0, r1)]
            param = lay.arrays[slot - 1]
            rows = param.data[r0:r1]
            self.optimizer._update(slot, rows, grads)
            param.data[r0:r1] = rows
            for r, row in enumerate(rows, r0):
                self._pack(0, start + r * c1, row)
        self.kept = {}
        self.stale = True


def _cut(x, slot, r0, r1, c0, c1):
    if not isinstance(x, list):
        return x  # a step count, a flag, None
    if slot == 0:
        return [None if r is None else r[c0:c1] for r in x]
    return x[r0:r1]


def split_state(state, layout):
    """Each worker's part of an optimizer's per-slot state (``nn.optim``'s: None, or a dict of
    numbers and lists of rows), cut along the workers' ranges."""
    parts = []
    for lo, hi in layout.ranges:
        part = [None] * len(state)
        for slot, r0, r1, c0, c1 in layout.pieces(lo, hi):
            if state[slot] is not None:
                part[slot] = {k: _cut(x, slot, r0, r1, c0, c1) for k, x in state[slot].items()}
        parts.append(part)
    return parts


def join_state(parts, layout):
    """The inverse of ``split_state``: one optimizer's per-slot state from the workers' parts."""
    state = [None] * len(layout.shapes)
    for w, (lo, hi) in enumerate(layout.ranges):
        for slot, *_ in layout.pieces(lo, hi):
            piece = parts[w][slot]
            if piece is None:
                continue
            if state[slot] is None:
                state[slot] = {k: list(x) if isinstance(x, list) else x for k, x in piece.items()}
                continue
            for k, x in piece.items():
                if not isinstance(x, list):
                    continue
                if slot == 0:
                    state[slot][k] = [array("d", a) + b for a, b in zip(state[slot][k], x)]
                else:
                    state[slot][k].extend(x)
    return state
