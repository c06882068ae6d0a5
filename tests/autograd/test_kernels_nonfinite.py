"""Kernels on blocks holding NaN and infinities answer as a plain loop does (NaN == NaN).

The array node rejects non-finite user data, but an op's output (exp of a large number, a
division by a tiny one) can carry an infinity into the next kernel. There NaN must never turn
into a finite number, and a product 0 * inf is NaN as IEEE says: the zero-skipping products
(matmul, linear, weight_grad) may not drop it, relu must not swallow NaN, and the exactly
rounded sums (``math.fsum``, which raises on inf + -inf) must answer as ``sum`` does.
"""

import math

from hypothesis import given, strategies as st

from autograd import kernels as K

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
special = st.sampled_from([math.nan, math.inf, -math.inf])
nan, inf = math.nan, math.inf


@st.composite
def blocks(draw, rows=None, cols=None):
    """[rows][cols], about half zeros, with up to three NaN or infinite entries sprinkled in."""
    rows, cols = rows or draw(st.integers(1, 6)), cols or draw(st.integers(1, 20))
    entry = st.one_of(st.just(0.0), finite)
    block = [draw(st.lists(entry, min_size=cols, max_size=cols)) for _ in range(rows)]
    for _ in range(draw(st.integers(0, 3))):
        block[draw(st.integers(0, rows - 1))][draw(st.integers(0, cols - 1))] = draw(special)
    return block


def plain_dot(a, b):
    s = 0.0
    for x, y in zip(a, b):
        s += x * y
    return s


def plain_sum(xs):
    s = 0.0
    for x in xs:
        s += x
    return s


def same(got, want, tol=0.0):
    """NaN matches NaN, an infinity itself; a finite ``want`` a finite ``got`` within ``tol`` (the
    kernels sum more accurately, or in another order, than the plain loop)."""
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want):
        return got == want
    return math.isfinite(got) and abs(got - want) <= tol


def assert_same_products(got, rows, columns):
    """Each entry as the plain loop gives it; a finite one within the kernels' dot-product bound
    max(1e-10 |a.c|, n eps sum |a_i c_i|) of the exact value, which the plain loop is within
    n eps sum |a_i c_i| of (plus a smallest subnormal per term for products that underflow)."""
    assert len(got) == len(rows) and all(len(r) == len(columns) for r in got)
    for i, a in enumerate(rows):
        for j, c in enumerate(columns):
            want, n = plain_dot(a, c), len(a)
            spread = n * 2.0 ** -52 * sum(abs(x * y) for x, y in zip(a, c) if math.isfinite(x * y))
            tol = 1e-10 * (abs(want) + spread) + 2 * spread + n * 5e-324
            assert same(got[i][j], want, tol), (i, j, got[i][j], want)


def test_zero_times_infinity_is_nan_in_the_products():
    assert math.isnan(K.matmul([[0.0, 1.0]], [[inf], [1.0]])[0][0])
    assert math.isnan(K.matmul([[inf, 0.0]], [[0.0], [1.0]])[0][0])
    assert math.isnan(K.linear([[0.0, 2.0]], [[nan, 1.0]])[0][0])
    assert math.isnan(K.weight_grad([[inf], [1.0]], [[0.0], [1.0]])[0][0])


@given(st.data())
def test_matmul_is_the_plain_loop(data):
    A = data.draw(blocks())
    B = data.draw(blocks(rows=len(A[0])))
    assert_same_products(K.matmul(A, B), A, list(zip(*B)))


@given(st.data())
def test_linear_is_the_plain_loop(data):
    X = data.draw(blocks())
    W = data.draw(blocks(cols=len(X[0])))
    assert_same_products(K.linear(X, W), X, W)


@given(st.data())
def test_weight_grad_is_the_plain_loop(data):
    X = data.draw(blocks(cols=data.draw(st.integers(1, 30))))
    G = data.draw(blocks(rows=len(X)))
    assert_same_products(K.weight_grad(G, X), list(zip(*G)), list(zip(*X)))


@given(st.data())
def test_dots_are_the_plain_loop(data):
    a = data.draw(blocks(rows=1))[0]
    columns = [tuple(c) for c in data.draw(blocks(cols=len(a)))]
    for norms in (None, K.norms_of(columns)):
        assert_same_products([K.dots(tuple(a), columns, norms)], [a], columns)
    assert_same_products([[K.dot(a, columns[0])]], [a], columns[:1])


def test_relu_keeps_nan_and_relu_backward_gives_nan_for_it():
    assert [str(x) for x in K.relu([[nan, inf, -inf, -0.0, -2.0, 3.0]])[0]] == \
        ["nan", "inf", "0.0", "0.0", "0.0", "3.0"]
    got = K.relu_backward([[nan, 1.0, -1.0, -1.0, 0.0, 2.0]], [[1.0, nan, 5.0, inf, nan, -inf]])[0]
    assert [str(x) for x in got] == ["nan", "nan", "0.0", "nan", "nan", "-inf"]


@given(blocks(), st.data())
def test_relu_and_its_backward_are_the_plain_loop(A, data):
    """relu_backward = G * relu'(A) with relu' = 1 above 0, 0 at or below, NaN at NaN (0 * inf = NaN)."""
    G = data.draw(blocks(rows=len(A), cols=len(A[0])))
    for got, row in zip(K.relu(A), A):
        assert all(same(y, x if not x <= 0.0 else 0.0) for y, x in zip(got, row))
    for got, row, grow in zip(K.relu_backward(A, G), A, G):
        slopes = [1.0 if x > 0.0 else 0.0 if x <= 0.0 else nan for x in row]
        assert all(same(y, g * s) for y, g, s in zip(got, grow, slopes))


@given(blocks())
def test_sums_answer_as_a_plain_sum_and_never_raise(A):
    """math.fsum raises on inf + -inf; the kernels answer NaN there, as a plain sum does."""
    for got, col in zip(K.column_sums(A), zip(*A)):
        assert same(got, plain_sum(col), 1e-12 * sum(map(abs, col)))
    for got, row in zip(K.row_sums(A), A):
        assert same(got, plain_sum(row), 1e-12 * sum(map(abs, row)))
    flat = [x for row in A for x in row]
    assert same(K.total(A), plain_sum(flat), 1e-12 * sum(map(abs, flat)))
    assert math.isnan(K.total([[inf, 1.0], [-inf, 2.0]]))


@given(blocks(), st.data())
def test_softmax_family_is_the_plain_formula(Z, data):
    """log_softmax = z - max - log(sum exp(z - max)), softmax its exp, the loss its mean at the labels:
    a NaN or +inf logit makes its row NaN (inf - inf), as the formula does; -inf is just very small."""
    labels = [data.draw(st.integers(0, len(Z[0]) - 1)) for _ in Z]
    losses = []
    for row, lrow, prow, y in zip(Z, K.log_softmax(Z), K.softmax(Z), labels):
        top = max(row)
        lse = math.log(plain_sum(math.exp(x - top) for x in row))
        assert all(same(got, x - top - lse, 1e-12 * (1 + abs(x - top - lse))) for got, x in zip(lrow, row))
        assert all(same(got, math.exp(x - top - lse), 1e-12) for got, x in zip(prow, row))
        losses.append(lse + top - row[y])
    loss, _ = K.softmax_cross_entropy(Z, labels)
    want = plain_sum(losses) / len(Z)
    assert same(loss, want, 1e-12 * (1 + abs(want)))
