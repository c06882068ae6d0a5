"""Kernels: plain functions over 2-D blocks of floats (lists or tuples of rows). No graph here.

The array op rules (``autograd.array_ops``) call these; each is usable on its own and each is
tested against a naive loop. Speed comes from keeping the per-element work inside C calls:
``map``/``zip``/``itemgetter``/``compress`` and, for dot products, ``math.dist`` / ``math.hypot``
(see ``dots``). On this kind of machine a Python-level multiply-add costs about 30 ns,
``sum(map(mul, a, b))`` about 25 ns per term, and a dot product through ``math.dist`` about 10.

Zeros are skipped, not multiplied: ``matmul`` gathers only the nonzero entries of each row,
so about 80% of the work on an MNIST image (mostly exact zeros) never happens. Skipping would
turn 0 * inf into 0, so the products first check the factor whose entries would meet the
skipped zeros for NaN and infinity (one ``sum`` per row) and compute the block as a plain loop
if it holds one. Whenever an operand is not finite, every kernel answers as a plain loop does
(0 * inf is NaN; a NaN never turns into a number).

Every dot product (``dot``, ``dots``, ``matmul``, ``linear``, ``weight_grad``) is within
max(1e-10 |a . c|, n eps sum_i |a_i c_i|) of the exact value, eps = 2**-52 (see ``dots``).
"""

import math
from itertools import chain, compress, repeat, starmap
from operator import add as _add, itemgetter, mul as _mul, sub as _sub

__all__ = [
    "dot", "dots", "norms_of", "matmul", "linear", "weight_grad", "transpose", "count_nonzero",
    "add", "sub", "mul", "scale", "add_scalar", "add_row", "column_sums", "row_sums", "total",
    "relu", "relu_backward", "apply", "log_softmax", "softmax", "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
]

_dist, _hypot, _frexp, _ldexp, _nan = math.dist, math.hypot, math.frexp, math.ldexp, math.nan
_sumprod = getattr(math, "sumprod", None)  # Python >= 3.12: one C call per dot product
SHORT = 8  # below this many terms a dot product is cheaper as sum(map(mul)) than by identity
DENSE = 0.4  # a row at least this full meets whole columns (one dist call each) instead of gathering
GROUP, SPREAD = 4, 1.5  # weight_grad: columns per shared gather, and how much wider the gather may be
RATIO = 256.0  # the identity is used only when |c| / |a| is within [1/RATIO, RATIO]
_SAFE_LOW, _SAFE_HIGH = 1e-140, 1e140  # norms whose squares neither underflow nor overflow
ROUNDING = 24 * 2.0 ** -53  # the identity's t is within ROUNDING (|a|^2 + |c|^2) of 2 a.c (see dots)
TRUST = ROUNDING * (1.0 + 1e10)  # |t| >= TRUST (|a|^2 + |c|^2): t / 2 is within 1e-10 of a.c


def dot(a, b):
    """sum_i a_i b_i for two equal-length sequences (see ``dots`` for how and how accurately)."""
    a = tuple(a)
    return dots(a, (tuple(b),))[0]


def _plain_dots(a, columns):
    """[sum(map(mul, a, c)) for c in columns]: the fallback, error at most len(a) u sum_i |a_i c_i| each."""
    return [sum(map(_mul, a, c)) for c in columns]


def _plain_products(rows, columns):
    """[[r . c for c in columns] for r in rows], each a plain left-to-right sum (no zero skipped)."""
    return [_plain_dots(r, columns) for r in rows]


def _finite(A):
    """Whether every entry of A is finite: one C-level sum per row, and a closer look only when the
    total is not (a NaN or infinity makes it NaN or infinite; large finite entries may overflow it)."""
    return math.isfinite(sum(map(sum, A))) or all(map(math.isfinite, chain.from_iterable(A)))


def norms_of(columns):
    """(|c|^2 for each of ``columns``, a summary of the norms |c| for ``dots``): compute once, reuse
    for many ``a``. The summary is (mean, largest, smallest nonzero)."""
    norms = list(starmap(_hypot, columns))
    if not norms:
        return norms, (0.0, 0.0, 0.0)
    summary = sum(norms) / len(norms), max(norms), min(filter(None, norms), default=0.0)
    return list(map(_mul, norms, norms)), summary


def dots(a, columns, norms=None):
    """[a . c for c in columns]: one dot product per column, each one or two C calls, each within
    max(1e-10 |a . c|, n eps sum_i |a_i c_i|) of the exact value (eps = 2**-52; the second term is
    what a plain left-to-right loop guarantees).

    For tuples of at least ``SHORT`` terms it uses the polarisation identity

        a . c = t / 2,   t = |a|^2 + |c|^2 - |a - c|^2

    with ``|c| = math.hypot(*c)`` and ``|a - c| = math.dist(a, c)``, each within one ulp (extended
    precision inside). Counting that ulp, the one rounding of each difference a_i - c_i, the three
    squares and the add and subtract, the computed t is within 21 u (|a|^2 + |c|^2) of 2 a.c
    (u = 2**-53): ROUNDING = 24 u bounds it. So t / 2 is within 1e-10 of a . c whenever
    |t| >= TRUST (|a|^2 + |c|^2), TRUST = ROUNDING (1 + 1e10) ~ 2.7e-5, checked with one or two
    comparisons per column. A column that fails (cancellation: a.c tiny next to |a| |c|, such as
    vectors nonzero in different places) is recomputed as ``sum(map(mul, a, c))``, whose error is
    at most n u sum_i |a_i c_i|, or is exactly 0 if c is zero wherever a is not (one C-level
    ``any(compress(c, a))``). In MNIST training that is about 1 column in 25 of weight_grad's
    (nearly all of them exact zeros: a pixel inked only in images where a hidden unit is off) and
    1 in 700 of the forward pass's.

    |a|^2 + |c|^2 is smallest next to |a| |c| when the norms are alike, so when |c| / |a| is outside
    [1/RATIO, RATIO] ``a`` is first multiplied by the power of two that brings |a| closest to the
    mean |c| (exact: only the exponent changes) and the results divided by it again (exact). Any
    column still too far off (or a vector zero, huge, tiny or not finite) falls back to
    ``sum(map(mul, a, c))``. Columns must be tuples of the same length as ``a``.

    ``norms`` (from ``norms_of(columns)``) saves the column norms when the same columns meet
    many vectors ``a``: then each dot product is a single ``math.dist`` call.

    Measured on this machine (benchmarks/bench_fast.py --kernels, per multiply-add): Python loop
    ~22 ns, sum(map(mul)) ~16 ns, this identity ~9.5 ns, or ~5 ns (one ``math.dist``) with the
    norms given. On Python >= 3.12 ``math.sumprod`` (one C call, extended precision, ~7.5 ns
    there) is used instead when no norms are given.
    """
    if _sumprod is not None and norms is None:
        return list(map(_sumprod, repeat(a), columns))
    columns = columns if isinstance(columns, list) else list(columns)
    if len(a) < (2 if norms else SHORT):  # with norms given, one dist call beats sum(map(mul)) from 2 terms
        return _plain_dots(a, columns)
    squares, (mean, top, least) = norms or norms_of(columns)
    na = _hypot(*a)
    if not (0.0 < na < math.inf and 0.0 < mean < math.inf):
        return _plain_dots(a, columns)
    scaled, shift = a, 0
    if not (top <= na * RATIO and least >= na / RATIO and _SAFE_LOW < na < _SAFE_HIGH):
        shift = _frexp(mean)[1] - _frexp(na)[1]
        if abs(shift) > 900:
            return _plain_dots(a, columns)
        # times an exact power of two: exact, as ldexp would be, except where an entry falls
        # below the normal range; those entries are < 1e-168 |a| once na passes the check below
        scaled = tuple(map(_mul, a, repeat(_ldexp(1.0, shift))))
        na = _hypot(*scaled)
        if not (_SAFE_LOW < na < _SAFE_HIGH):
            return _plain_dots(a, columns)
    na2, low, high, half = na * na, na / RATIO, na * RATIO, _ldexp(0.5, -shift)
    low2, high2 = low * low, high * high
    dists = map(_dist, repeat(scaled), columns)

    def checked(t, nc2, c):
        """t / 2 if that is within 1e-10 of a . c, else the plain sum."""
        if low2 <= nc2 <= high2 and abs(t) >= TRUST * (na2 + nc2):
            return t * half
        return sum(map(_mul, a, c))

    if low <= least and top <= high:  # then no nonzero |c|^2 under- or overflows
        trust = TRUST * (na2 + top * top)  # TRUST (|a|^2 + |c|^2) at its largest: |t| above it passes
        neg = -trust
        # a column with no nonzero entry where a has one (all zero, or a disjoint overlap) gives 0;
        # `for t in [...]` binds t as a plain local (a := would make it a slower closure cell)
        return [t * half if t >= trust or t <= neg
                else checked(t, nc2, c) if nc2 and any(compress(c, a)) else 0.0
                for nc2, d, c in zip(squares, dists, columns) for t in [na2 + nc2 - d * d]]
    return [checked(na2 + nc2 - d * d, nc2, c) for nc2, d, c in zip(squares, dists, columns)]


def count_nonzero(A):
    """How many entries of A are not zero."""
    return sum(map(len, A)) - sum([a.count(0.0) for a in A])


def transpose(A):
    """A^T as a list of row lists: out[j][i] = A[i][j]."""
    return [list(col) for col in zip(*A)]


def _rows_times(A, B, m, columns=None):
    """A @ B row by row (see ``matmul``); ``columns()`` gives B's columns as tuples, if cheaper than zip."""
    k = len(B)
    positions = range(k)
    dense = k * DENSE
    full = None
    out = []
    for a in A:
        idx = list(compress(positions, a))
        if not idx:
            out.append([0.0] * m)
        elif len(idx) == 1:
            v = a[idx[0]]
            out.append([v * x for x in B[idx[0]]])
        elif len(idx) >= dense:
            if full is None:
                cols = columns() if columns else list(zip(*B))
                full = cols, (norms_of(cols) if k >= SHORT else None)
            out.append(dots(tuple(a), *full))
        else:
            take = itemgetter(*idx)
            out.append(dots(take(a), list(zip(*take(B)))))
    return out


def matmul(A, B):
    """C = A B for A [n][k] and B [k][m]:  C[i][j] = sum_t A[i][t] B[t][j].

    Each row of A is reduced to its nonzero entries (``compress``), the matching rows of B are
    gathered (``itemgetter``) and turned into columns (``zip``), and each column is one dot
    product (``dots``). The cost is proportional to nonzeros(A) * m; when nonzeros(B) * n is
    smaller it computes (B^T A^T)^T instead, so either factor's sparsity is used. A row of A
    with at least DENSE of its entries nonzero skips the gathering: it meets B's whole columns,
    whose norms are computed once, so each of its dot products is one ``math.dist`` call.

    If the factor whose entries would meet skipped zeros holds a NaN or an infinity, every entry
    is a plain left-to-right sum instead, so 0 * inf is NaN as IEEE says (the check is one
    ``sum`` per row).
    """
    n, m = len(A), len(B[0]) if B else 0
    if not A or not m:
        return [[0.0] * m for _ in range(n)]
    # the gathered factor's zeros are skipped, so the other factor must be finite (0 * inf is NaN);
    # a NaN or infinity in the gathered factor itself reaches a plain sum in dots
    if count_nonzero(B) * n < count_nonzero(A) * m:
        if _finite(A):
            return transpose(_rows_times(list(zip(*B)), list(zip(*A)), n))
    elif _finite(B):
        return _rows_times(A, B, m)
    return _plain_products(A, list(zip(*B)))


def linear(X, W, b=None):
    """X W^T (+ b on every row) for X [n][k], W [m][k], b [m]: PyTorch's F.linear.

    ``matmul``'s row kernel with B = W^T, so the sparsity of X's rows is used (an MNIST image
    is about 80% zeros); W's rows are B's columns, so a dense row of X meets them directly.
    A NaN or infinity in W makes it a plain loop, as in ``matmul``.
    """
    if _finite(W):
        out = _rows_times(X, list(zip(*W)), len(W), lambda: [tuple(w) for w in W])
    else:
        out = _plain_products(X, W)
    return add_row(out, b) if b is not None else out


def weight_grad(G, X):
    """G^T X for G [n][m] and X [n][k], as [m][k]: a linear layer's weight gradient.

    Worked out one column of X at a time, over only the rows where that column is nonzero,
    so the sparsity of X is used as in ``matmul``. Neighbouring columns of an image (adjacent
    pixels) are nonzero in mostly the same rows, so up to GROUP consecutive columns share
    one gather of G's rows: over the union of their nonzero rows, provided it is at most
    SPREAD times the largest single column's. The shared columns of G then have their norms
    computed once, and each dot product is one ``math.dist`` call (see ``dots``); the zeros a
    column has inside the union cost a little, and are exact. A NaN or infinity in G makes it a
    plain loop, as in ``matmul``.
    """
    n, m = len(G), len(G[0]) if G else 0
    XT = list(zip(*X))
    if not _finite(G):
        return _plain_products(list(zip(*G)), XT)
    positions = range(n)
    active = [list(compress(positions, col)) for col in XT]
    out, zero = [], [0.0] * m
    i, k = 0, len(XT)
    while i < k:
        rows = active[i]
        if not rows:
            out.append(zero)
            i += 1
            continue
        j, union, largest = i + 1, set(rows), len(rows)
        while j < k and j - i < GROUP and active[j]:
            wider = union.union(active[j])
            largest = max(largest, len(active[j]))
            if len(wider) > SPREAD * largest:
                break
            union = wider
            j += 1
        rows = sorted(union)
        if len(rows) == 1:
            g = G[rows[0]]
            out.extend([[x[rows[0]] * y for y in g] for x in XT[i:j]])
        else:
            take = itemgetter(*rows)
            cols = list(zip(*take(G)))
            norms = norms_of(cols)
            out.extend([dots(take(x), cols, norms) for x in XT[i:j]])
        i = j
    return transpose(out) if out else [[] for _ in range(m)]


# elementwise: one C-level map per row

def add(A, B):
    """A + B, same shape."""
    return [list(map(_add, a, b)) for a, b in zip(A, B)]


def sub(A, B):
    """A - B, same shape."""
    return [list(map(_sub, a, b)) for a, b in zip(A, B)]


def mul(A, B):
    """A * B elementwise, same shape."""
    return [list(map(_mul, a, b)) for a, b in zip(A, B)]


def scale(A, c):
    """c * A."""
    return [list(map(_mul, a, repeat(c))) for a in A]


def add_scalar(A, c):
    """A + c."""
    return [list(map(_add, a, repeat(c))) for a in A]


def add_row(A, r):
    """A + r broadcast to every row: out[i][j] = A[i][j] + r[j] (a bias)."""
    return [list(map(_add, a, r)) for a in A]


def _fsum(xs):
    """math.fsum(xs) (exactly rounded), or the plain sum where fsum raises: NaN for inf + -inf, and
    whatever ``sum`` gives when partial sums pass the float range. ``xs`` must be re-iterable."""
    try:
        return math.fsum(xs)
    except (ValueError, OverflowError):
        return sum(xs)


def column_sums(A):
    """[sum_i A[i][j] for each j] (one row), each exactly rounded (see ``_fsum``)."""
    return [_fsum(col) for col in zip(*A)]


def row_sums(A):
    """[sum_j A[i][j] for each i] (one column's values), each exactly rounded (see ``_fsum``)."""
    return [_fsum(a) for a in A]


def total(A):
    """sum of every entry, exactly rounded (see ``_fsum``)."""
    return _fsum([_fsum(a) for a in A])


def relu(A):
    """max(A, 0) elementwise (0.0, not -0.0, for non-positive entries); NaN stays NaN."""
    return [[0.0 if x <= 0.0 else x for x in a] for a in A]


def relu_backward(A, G):
    """G * relu'(A) with relu' = 1 above 0, 0 at or below (relu'(0) = 0, PyTorch's choice), NaN at NaN;
    0 * inf and 0 * NaN are NaN, so no NaN or infinity of G turns into 0."""
    if _finite(G):
        return [[g if x > 0.0 else 0.0 if x <= 0.0 else _nan for x, g in zip(a, gr)] for a, gr in zip(A, G)]
    # g - g == 0.0 only for finite g
    return [[g if x > 0.0 else 0.0 if x <= 0.0 and g - g == 0.0 else _nan for x, g in zip(a, gr)]
            for a, gr in zip(A, G)]


def apply(f, A):
    """f(x) for every entry (f a float function such as math.tanh)."""
    return [list(map(f, a)) for a in A]


def log_softmax(A):
    """Row-wise log softmax: out[i][j] = A[i][j] - max_i - log(sum_k exp(A[i][k] - max_i)).

    Subtracting the row maximum keeps every exp in (0, 1], so no logit overflows.
    """
    out = []
    exp, log = math.exp, math.log
    for a in A:
        top = max(a)
        shifted = [x - top for x in a]
        lse = log(math.fsum(map(exp, shifted)))
        out.append([x - lse for x in shifted])
    return out


def _softmax_row(z):
    """(softmax(z), max z, sum_k exp(z_k - max z)): exp only sees z_k - max z <= 0, so never overflows."""
    top = max(z)
    e = [math.exp(x - top) for x in z]
    s = math.fsum(e)
    inv = 1.0 / s
    return [x * inv for x in e], top, s


def softmax(A):
    """Row-wise softmax: out[i][j] = exp(A[i][j] - max_i) / sum_k exp(A[i][k] - max_i)."""
    return [_softmax_row(a)[0] for a in A]


def softmax_cross_entropy(logits, labels):
    """(mean over rows of -log softmax(row)[label], softmax rows): the loss and what its backward needs.

    loss = (1/n) sum_i (log sum_k exp z_ik - z_i,label_i), computed stably as in ``log_softmax``.
    """
    losses, probs = [], []
    for z, y in zip(logits, labels):
        p, top, s = _softmax_row(z)
        losses.append(math.log(s) + top - z[y])
        probs.append(p)
    return _fsum(losses) / len(losses), probs


def softmax_cross_entropy_backward(probs, labels, grad):
    """d loss / d logits = grad * (softmax - onehot(label)) / n for the mean loss above."""
    c = grad / len(probs)
    out = []
    for p, y in zip(probs, labels):
        row = [x * c for x in p]
        row[y] = (p[y] - 1.0) * c
        out.append(row)
    return out
