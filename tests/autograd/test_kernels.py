"""Kernels against naive loops: dot products within 1e-12 |a| |b|, matmul on sparse and dense blocks."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from autograd import kernels as K

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@pytest.fixture(autouse=True, params=["identity", "sumprod"])
def dot_path(request, monkeypatch):
    """Run every test through both dot-product paths: the math.dist identity and math.sumprod (3.12+)."""
    if request.param == "identity":
        monkeypatch.setattr(K, "_sumprod", None)
    elif not hasattr(math, "sumprod"):
        pytest.skip("math.sumprod needs Python >= 3.12")
    return request.param


def exact_dot(a, b):
    """The exact dot product, rounded once (Fractions hold every float exactly)."""
    return float(sum(Fraction(x) * Fraction(y) for x, y in zip(a, b)))


def naive_matmul(A, B):
    return [[math.fsum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]


@st.composite
def vector_pairs(draw, min_size=1, max_size=60):
    """Two equal-length vectors, often sparse, each scaled by its own power of ten (badly scaled pairs)."""
    n = draw(st.integers(min_size, max_size))
    entry = st.one_of(st.just(0.0), finite)
    a = draw(st.lists(entry, min_size=n, max_size=n))
    b = draw(st.lists(entry, min_size=n, max_size=n))
    sa, sb = (10.0 ** draw(st.integers(-30, 30)) for _ in range(2))
    return [x * sa for x in a], [y * sb for y in b]


def close_dot(got, a, b):
    """|got - exact| <= 1e-12 |a| |b|, in exact arithmetic (a true result beyond float range may be
    inf, one below it may underflow: the smallest subnormal is added to the bound)."""
    exact = sum(Fraction(x) * Fraction(y) for x, y in zip(a, b))
    if not math.isfinite(got):
        return abs(exact) > Fraction(1.7e308)
    return abs(Fraction(got) - exact) <= Fraction(1e-12) * Fraction(math.hypot(*a)) * Fraction(math.hypot(*b)) + Fraction(5e-324)


@given(vector_pairs())
def test_dot_is_within_1e_12_of_norms(pair):
    a, b = pair
    assert close_dot(K.dot(a, b), a, b)


@given(vector_pairs(min_size=8), st.integers(1, 6), st.integers(-40, 40))
def test_dots_many_columns_of_mixed_scales(pair, ncols, spread):
    a, b = pair
    columns = [tuple(x * 10.0 ** (spread * k / ncols) for x in b) for k in range(ncols)]
    for got, c in zip(K.dots(tuple(a), columns), columns):
        assert close_dot(got, a, c)


def test_dots_identity_is_used_and_accurate_on_long_vectors():
    a = tuple(math.sin(i) for i in range(500))
    c = tuple(math.cos(3 * i) for i in range(500))
    assert close_dot(K.dots(a, [c])[0], a, c)
    assert K.dots(a, [(0.0,) * 500]) == [0.0]


@given(st.integers(8, 40), st.sampled_from([1e-300, 1e-200, 1e-160, 1e150, 1e200, 1e300]))
def test_dots_with_extreme_magnitudes(n, big):
    a = tuple((-1.0) ** i * (i + 1) * big for i in range(n))
    columns = [tuple(1.0 / (i + 1) for i in range(n)), tuple(big * (i % 3) for i in range(n)), (0.0,) * n]
    for got, c in zip(K.dots(a, columns), columns):
        assert close_dot(got, a, c)


@st.composite
def matrices(draw, rows=None, cols=None, zeros=0.6):
    rows = rows or draw(st.integers(1, 6))
    cols = cols or draw(st.integers(1, 12))
    entry = st.one_of(st.just(0.0), finite) if zeros else finite
    return [draw(st.lists(entry, min_size=cols, max_size=cols)) for _ in range(rows)]


@st.composite
def matmul_pairs(draw):
    n, k, m = draw(st.integers(1, 6)), draw(st.integers(1, 20)), draw(st.integers(1, 12))
    return draw(matrices(n, k)), draw(matrices(k, m))


@given(matmul_pairs())
def test_matmul_matches_naive(pair):
    A, B = pair
    got = K.matmul(A, B)
    want = naive_matmul(A, B)
    for i, (grow, wrow) in enumerate(zip(got, want)):
        for j, (g, w) in enumerate(zip(grow, wrow)):
            bound = 1e-12 * math.hypot(*A[i]) * math.hypot(*(r[j] for r in B))
            assert abs(g - w) <= bound, (i, j, g, w)


def test_matmul_zero_and_single_nonzero_rows():
    A = [[0.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    B = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert K.matmul(A, B) == [[0.0, 0.0], [6.0, 8.0]]
    assert K.matmul(B, [[1.0, 0.0], [0.0, 1.0]]) == B  # the (B^T A^T)^T orientation


def within_dot_bound(got, want, a, b):
    """|got - want| <= 1e-12 |a| |b| (``want`` an fsum of the products, so nearly exact)."""
    return abs(got - want) <= 1e-12 * math.hypot(*a) * math.hypot(*b) + 5e-324


@st.composite
def stroke_blocks(draw, max_rows=12, max_cols=40):
    """[n][k] blocks shaped like batches of images: neighbouring columns are nonzero in mostly the
    same rows (a stroke), with values of one scale per block, and some all-zero columns."""
    n, k = draw(st.integers(1, max_rows)), draw(st.integers(1, max_cols))
    scale = 10.0 ** draw(st.integers(-8, 8))
    active = set(draw(st.lists(st.integers(0, n - 1), max_size=n)))
    rows = [[0.0] * k for _ in range(n)]
    for j in range(k):
        if draw(st.integers(0, 4)) == 0:  # the stroke moves: some rows leave, others join
            active ^= set(draw(st.lists(st.integers(0, n - 1), max_size=3)))
        for i in sorted(active):
            rows[i][j] = draw(finite) * scale
    return rows


@given(stroke_blocks(), st.data())
def test_weight_grad_is_g_transpose_times_x(X, data):
    n, k = len(X), len(X[0])
    m = data.draw(st.integers(1, 10))
    G = data.draw(matrices(n, m, zeros=0.5))
    got = K.weight_grad(G, X)
    assert len(got) == m and all(len(r) == k for r in got)
    for j in range(m):
        g = [r[j] for r in G]
        for i in range(k):
            x = [r[i] for r in X]
            want = math.fsum(a * b for a, b in zip(g, x))
            assert within_dot_bound(got[j][i], want, g, x), (j, i, got[j][i], want)


def test_weight_grad_of_an_all_zero_input_is_zero():
    assert K.weight_grad([[1.0, 2.0], [3.0, 4.0]], [[0.0] * 3, [0.0] * 3]) == [[0.0] * 3, [0.0] * 3]


@given(stroke_blocks(max_rows=6), st.data())
def test_linear_is_x_times_w_transpose_plus_bias(X, data):
    k = len(X[0])
    W = data.draw(matrices(data.draw(st.integers(1, 10)), k, zeros=data.draw(st.sampled_from([0, 0.3]))))
    b = data.draw(st.lists(finite, min_size=len(W), max_size=len(W)))
    got = K.linear(X, W)
    for x, row in zip(X, got):
        for w, y in zip(W, row):
            assert within_dot_bound(y, math.fsum(a * c for a, c in zip(x, w)), x, w)
    assert K.linear(X, W, b) == K.add_row(got, b)


@given(matrices(rows=4, cols=24, zeros=0), st.data())
def test_dense_rows_meet_whole_columns(A, data):
    """Rows at least DENSE full take the path with precomputed column norms; same bound."""
    B = data.draw(matrices(len(A[0]), data.draw(st.integers(1, 8)), zeros=0.3))
    for a, row in zip(A, K.matmul(A, B)):
        for j, y in enumerate(row):
            col = [r[j] for r in B]
            assert within_dot_bound(y, math.fsum(p * q for p, q in zip(a, col)), a, col)


@given(vector_pairs(min_size=2), st.integers(1, 5))
def test_dots_with_given_norms_match_dots_without(pair, ncols):
    a, b = pair
    columns = [tuple(x * (k + 1) for x in b) for k in range(ncols)]
    given_norms = K.dots(tuple(a), columns, K.norms_of(columns))
    for got, c in zip(given_norms, columns):
        assert close_dot(got, a, c)


@given(matrices(), st.data())
@settings(max_examples=30)
def test_elementwise_and_reductions(A, data):
    B = data.draw(matrices(len(A), len(A[0]), zeros=0))
    assert K.add(A, B) == [[a + b for a, b in zip(r, s)] for r, s in zip(A, B)]
    assert K.sub(A, B) == [[a - b for a, b in zip(r, s)] for r, s in zip(A, B)]
    assert K.mul(A, B) == [[a * b for a, b in zip(r, s)] for r, s in zip(A, B)]
    assert K.scale(A, 2.5) == [[2.5 * a for a in r] for r in A]
    assert K.add_row(A, B[0]) == [[a + b for a, b in zip(r, B[0])] for r in A]
    assert K.transpose(K.transpose(A)) == A
    assert K.column_sums(A) == [math.fsum(c) for c in zip(*A)]
    assert K.row_sums(A) == [math.fsum(r) for r in A]
    assert K.relu(A) == [[max(a, 0.0) for a in r] for r in A]
    assert K.relu_backward(A, B) == [[b if a > 0 else 0.0 for a, b in zip(r, s)] for r, s in zip(A, B)]
    assert K.count_nonzero(A) == sum(x != 0 for r in A for x in r)


@given(matrices(zeros=0))
def test_log_softmax_and_cross_entropy_match_definitions(Z):
    for row, got in zip(Z, K.log_softmax(Z)):
        lse = math.log(math.fsum(math.exp(x - max(row)) for x in row)) + max(row)
        assert all(abs(g - (x - lse)) <= 1e-12 * (1 + abs(lse)) for g, x in zip(got, row))
    labels = [len(r) - 1 for r in Z]
    loss, probs = K.softmax_cross_entropy(Z, labels)
    want = -math.fsum(K.log_softmax(Z)[i][y] for i, y in enumerate(labels)) / len(Z)
    assert abs(loss - want) <= 1e-12 * (1 + abs(want))
    assert all(abs(math.fsum(p) - 1.0) < 1e-12 for p in probs)


def test_cross_entropy_is_stable_for_huge_logits():
    loss, probs = K.softmax_cross_entropy([[1000.0, -1000.0, 0.0]], [1])
    assert loss == 2000.0 and probs[0][0] == 1.0
