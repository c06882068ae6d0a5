"""Kernels against exact arithmetic and naive loops.

Every dot product a kernel returns must be within max(1e-10 |a.b|, n eps sum |a_i b_i|) of the
exact a.b (eps = 2**-52; the second term is what a plain left-to-right loop guarantees), checked
with ``fractions.Fraction`` on inputs built to cancel, through every kernel and path that
computes one. Non-finite entries: tests/autograd/test_kernels_nonfinite.py.
"""

import math
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings, strategies as st

from autograd import kernels as K

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
EPS = 2.0 ** -52


@pytest.fixture(autouse=True, params=["identity", "sumprod"])
def dot_path(request, monkeypatch):
    """Run every test through both dot-product paths: the math.dist identity and math.sumprod (3.12+)."""
    if request.param == "identity":
        monkeypatch.setattr(K, "_sumprod", None)
    elif not hasattr(math, "sumprod"):
        pytest.skip("math.sumprod needs Python >= 3.12")
    return request.param


def exact(a, b):
    """a . b exactly (a Fraction holds every float exactly)."""
    return sum((Fraction(x) * Fraction(y) for x, y in zip(a, b)), Fraction(0))


def meets_dot_bound(got, a, b):
    """|got - a.b| <= max(1e-10 |a.b|, n eps sum |a_i b_i|), exactly; plus one smallest subnormal
    per term for products that underflow. A true result beyond the float range may be inf."""
    want = exact(a, b)
    if not math.isfinite(got):
        return abs(want) > Fraction(1.7976931348623157e308)
    spread = sum((abs(Fraction(x) * Fraction(y)) for x, y in zip(a, b)), Fraction(0))
    bound = max(abs(want) / 10 ** 10, len(a) * Fraction(EPS) * spread) + len(a) * Fraction(5e-324)
    return abs(Fraction(got) - want) <= bound


def column(v, zeros=0):
    """v as a column [len(v)][1 + zeros], the extra columns zero."""
    return [[x] + [0.0] * zeros for x in v]


def every_kernel(a, c):
    """{path: a . c as that kernel path computes it}, for every public kernel that takes dot products.

    Padding changes the path, not the dot product: ``a`` padded with ones where ``c`` has zeros is a
    dense row (it meets whole columns, whose norms are computed once), ``a`` padded with zeros where
    ``c`` has ones a sparse one (its nonzero entries are gathered)."""
    a, c, k = list(a), list(c), len(a)
    dense_a, dense_c = a + [1.0] * k, c + [0.0] * k
    sparse_a, sparse_c = a + [0.0] * 2 * k, c + [1.0] * 2 * k
    cols = [tuple(c)]

    def rows_of_a(a, c):  # zero rows make A the sparser factor: rows of A meet B's columns
        return K.matmul([a] + [[0.0] * len(a)] * len(a), column(c))[0][0]

    def columns_of_b(a, c):  # zero columns make B the sparser one: rows of B^T meet A^T's columns
        return K.matmul([a], column(c, zeros=len(a)))[0][0]

    return {
        "dot": K.dot(a, c),
        "dots": K.dots(tuple(a), cols)[0],
        "dots, norms given": K.dots(tuple(a), cols, K.norms_of(cols))[0],
        "matmul, rows of A": rows_of_a(a, c),
        "matmul, dense row of A": rows_of_a(dense_a, dense_c),
        "matmul, sparse row of A": rows_of_a(sparse_a, sparse_c),
        "matmul, columns of B": columns_of_b(a, c),
        "matmul, dense column of B": columns_of_b(dense_c, dense_a),
        "matmul, sparse column of B": columns_of_b(sparse_c, sparse_a),
        "linear": K.linear([a], [c])[0][0],
        "linear, dense row": K.linear([dense_a], [dense_c])[0][0],
        "linear, sparse row": K.linear([sparse_a], [sparse_c])[0][0],
        "weight_grad": K.weight_grad(column(a), column(c))[0][0],
        # three columns of X nonzero in the same rows share one gather of G: (-a) . (2 c) / -2
        "weight_grad, grouped columns":
            K.weight_grad([[x, -x] for x in a], [[y, y, 2 * y] for y in c])[1][2] / -2,
    }


def assert_every_kernel_meets_bound(a, c):
    for path, got in every_kernel(a, c).items():
        assert meets_dot_bound(got, a, c), (path, got, float(exact(a, c)))


@st.composite
def vector_pairs(draw, min_size=1, max_size=60):
    """Two equal-length vectors, often sparse, each scaled by its own power of ten (badly scaled pairs)."""
    n = draw(st.integers(min_size, max_size))
    entry = st.one_of(st.just(0.0), finite)
    a = draw(st.lists(entry, min_size=n, max_size=n))
    b = draw(st.lists(entry, min_size=n, max_size=n))
    sa, sb = (10.0 ** draw(st.integers(-30, 30)) for _ in range(2))
    return [x * sa for x in a], [y * sb for y in b]


@st.composite
def cancelling_pairs(draw):
    """A vector pair plus one term x y = -(its dot product rounded), at a random place: the exact
    dot product is then the rounding error of a float, tiny next to the norms."""
    a, c = draw(vector_pairs(max_size=40))
    x = 2.0 ** draw(st.integers(-20, 20))
    y = -float(exact(a, c)) / x  # exact: a division by a power of two
    at = draw(st.integers(0, len(a)))
    return a[:at] + [x] + a[at:], c[:at] + [y] + c[at:]


@st.composite
def integer_pairs(draw):
    """Integers around 1e6 whose exact dot product is 1: p r + q s = 1 (p, q coprime), plus pairs
    of terms that cancel exactly (x y and x (-y)), shuffled alike."""
    p, q = draw(st.integers(10 ** 5, 4 * 10 ** 6)), draw(st.integers(10 ** 5, 4 * 10 ** 6))
    assume(math.gcd(p, q) == 1)
    r = pow(p, -1, q)
    a, c = [p, q], [r, (1 - p * r) // q]
    for _ in range(draw(st.integers(0, 3))):
        x, y = draw(st.integers(-4 * 10 ** 6, 4 * 10 ** 6)), draw(st.integers(-4 * 10 ** 6, 4 * 10 ** 6))
        a, c = a + [x, x], c + [y, -y]
    zeros = draw(st.integers(0, 6))
    order = draw(st.permutations(range(len(a) + zeros)))
    a, c = [float(v) for v in a] + [0.0] * zeros, [float(v) for v in c] + [0.0] * zeros
    return [a[i] for i in order], [c[i] for i in order]


@st.composite
def sparse_overlap_pairs(draw):
    """Two sparse vectors that are nonzero together in at most two places, there with small values."""
    n = draw(st.integers(2, 50))
    a, c = [0.0] * n, [0.0] * n
    for i in draw(st.lists(st.integers(0, n - 1), max_size=n)):
        a[i] = draw(finite) * 1e3
    for i in draw(st.lists(st.integers(0, n - 1), max_size=n)):
        if a[i] == 0.0:
            c[i] = draw(finite) * 1e-3
    for i in draw(st.lists(st.integers(0, n - 1), max_size=2)):
        a[i], c[i] = draw(finite) * 1e-6, draw(finite)
    return a, c


def test_the_examples_from_the_issue_are_exact():
    """Both cancel badly: the identity alone gave 583.7500610351562 and 1.00048828125.
    A plain loop is exact on both."""
    got = every_kernel([0, 0, 0, 0, 1, 1, 844362, 0.125], [0] * 7 + [4670])
    assert {path: v for path, v in got.items() if v != 583.75} == {}
    a = [1234567.0, 1000003.0, 999999.0, 999999.0, 0.0, 0.0, 0.0, 0.0]
    c = [678286.0, -837387.0, 777777.0, -777777.0, 0.0, 0.0, 0.0, 0.0]
    assert exact(a, c) == 1
    assert {path: v for path, v in every_kernel(a, c).items() if v != 1.0} == {}


@given(cancelling_pairs())
def test_cancelling_dot_products_meet_the_bound_in_every_kernel(pair):
    assert_every_kernel_meets_bound(*pair)


@given(integer_pairs())
def test_integers_around_a_million_with_dot_product_one(pair):
    assert exact(*pair) == 1
    assert_every_kernel_meets_bound(*pair)


@given(sparse_overlap_pairs())
def test_sparse_overlap_meets_the_bound_in_every_kernel(pair):
    assert_every_kernel_meets_bound(*pair)


@given(vector_pairs())
def test_badly_scaled_pairs_meet_the_bound_in_every_kernel(pair):
    assert_every_kernel_meets_bound(*pair)


@given(vector_pairs(min_size=8), st.integers(1, 6), st.integers(-40, 40))
def test_dots_many_columns_of_mixed_scales(pair, ncols, spread):
    a, b = pair
    columns = [tuple(x * 10.0 ** (spread * k / ncols) for x in b) for k in range(ncols)]
    for norms in (None, K.norms_of(columns)):
        for got, c in zip(K.dots(tuple(a), columns, norms), columns):
            assert meets_dot_bound(got, a, c)


@given(st.one_of(cancelling_pairs(), vector_pairs(min_size=8)), st.integers(-7, 7))
def test_identity_rounding_error_is_within_its_stated_bound(pair, octaves):
    """With the accuracy check switched off, the identity's error is below ROUNDING (|a|^2 + |c|^2) / 2:
    the bound the check relies on. Norms within 2**7 of each other, so ``a`` is used unscaled."""
    a, c = pair
    na, nc = math.hypot(*a), math.hypot(*c)
    assume(1e-100 < na < 1e100 and 1e-100 < nc < 1e100 and len(a) >= K.SHORT)
    c = [y * (2.0 ** octaves * na / nc) for y in c]
    nc = math.hypot(*c)
    bound = Fraction(K.ROUNDING) * (Fraction(na) ** 2 + Fraction(nc) ** 2) / 2
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(K, "TRUST", 0.0)
        for norms in (None, K.norms_of([tuple(c)])):
            got = K.dots(tuple(a), [tuple(c)], norms)[0]
            assert abs(Fraction(got) - exact(a, c)) <= bound


def test_dots_identity_is_used_and_accurate_on_long_vectors():
    a = tuple(math.sin(i) for i in range(500))
    c = tuple(math.cos(3 * i) for i in range(500))
    assert meets_dot_bound(K.dots(a, [c])[0], a, c)
    assert K.dots(a, [(0.0,) * 500]) == [0.0]


@given(st.integers(8, 40), st.sampled_from([1e-300, 1e-200, 1e-160, 1e150, 1e200, 1e300]))
def test_dots_with_extreme_magnitudes(n, big):
    a = tuple((-1.0) ** i * (i + 1) * big for i in range(n))
    columns = [tuple(1.0 / (i + 1) for i in range(n)), tuple(big * (i % 3) for i in range(n)), (0.0,) * n]
    for got, c in zip(K.dots(a, columns), columns):
        assert meets_dot_bound(got, a, c)


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


def assert_products(got, rows, columns):
    """got[i][j] meets the dot-product bound for rows[i] . columns[j]."""
    assert len(got) == len(rows) and all(len(r) == len(columns) for r in got)
    for i, (grow, a) in enumerate(zip(got, rows)):
        for j, (g, c) in enumerate(zip(grow, columns)):
            assert meets_dot_bound(g, a, c), (i, j, g, float(exact(a, c)))


@given(matmul_pairs())
def test_matmul_meets_the_bound(pair):
    A, B = pair
    assert_products(K.matmul(A, B), A, list(zip(*B)))


def test_matmul_zero_and_single_nonzero_rows():
    A = [[0.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    B = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert K.matmul(A, B) == [[0.0, 0.0], [6.0, 8.0]]
    assert K.matmul(B, [[1.0, 0.0], [0.0, 1.0]]) == B  # the (B^T A^T)^T orientation


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
    G = data.draw(matrices(len(X), data.draw(st.integers(1, 10)), zeros=0.5))
    assert_products(K.weight_grad(G, X), list(zip(*G)), list(zip(*X)))


def test_weight_grad_of_an_all_zero_input_is_zero():
    assert K.weight_grad([[1.0, 2.0], [3.0, 4.0]], [[0.0] * 3, [0.0] * 3]) == [[0.0] * 3, [0.0] * 3]


@given(stroke_blocks(max_rows=6), st.data())
def test_linear_is_x_times_w_transpose_plus_bias(X, data):
    k = len(X[0])
    W = data.draw(matrices(data.draw(st.integers(1, 10)), k, zeros=data.draw(st.sampled_from([0, 0.3]))))
    b = data.draw(st.lists(finite, min_size=len(W), max_size=len(W)))
    got = K.linear(X, W)
    assert_products(got, X, W)
    assert K.linear(X, W, b) == K.add_row(got, b)


@given(matrices(rows=4, cols=24, zeros=0), st.data())
def test_dense_rows_meet_whole_columns(A, data):
    """Rows at least DENSE full take the path with precomputed column norms; same bound."""
    B = data.draw(matrices(len(A[0]), data.draw(st.integers(1, 8)), zeros=0.3))
    assert_products(K.matmul(A, B), A, list(zip(*B)))


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
