"""Dataset tools: balanced sampling, pooling that keeps the mean and the zeros, batches that partition."""

from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st
from mnist_files import random_digits

from mnist import dataset
from mnist.digits import Digits
from mnist.errors import DataError

SETTINGS = settings(max_examples=40, deadline=None)


def digits_of(n, rows=28, cols=28, seed=0):
    images, labels = random_digits(n, rows, cols, seed)
    return Digits(images, bytes(labels), rows, cols)


@SETTINGS
@given(labels=st.lists(st.integers(0, 9), max_size=300), data=st.data(), seed=st.integers(0, 9))
def test_balanced_indices(labels, data, seed):
    n = data.draw(st.integers(0, len(labels)))
    chosen = dataset.balanced_indices(labels, n, seed)
    assert chosen == sorted(set(chosen)) and len(chosen) == n
    assert all(0 <= i < len(labels) for i in chosen)
    assert chosen == dataset.balanced_indices(labels, n, seed)  # seeded
    counts = Counter(labels[i] for i in chosen)
    available = Counter(labels)
    # a class is below the fairest share only when it has run out of images
    top = max(counts.values(), default=0)
    for digit, have in available.items():
        assert counts[digit] >= min(have, top - 1)


def test_balanced_subset_of_a_skewed_set():
    labels = bytes([0] * 500 + [1] * 5 + list(range(2, 10)) * 50)
    chosen = dataset.balanced_indices(labels, 100, seed=1)
    counts = Counter(labels[i] for i in chosen)
    assert counts[1] == 5 and max(counts.values()) - min(c for d, c in counts.items() if d != 1) <= 1


@SETTINGS
@given(n=st.integers(1, 6), size=st.sampled_from([14, 7]), seed=st.integers(0, 50))
def test_downsampling_keeps_mean_and_zeros(n, size, seed):
    digits = digits_of(n, seed=seed)
    small = dataset.downsample(digits, size)
    assert (small.rows, small.cols, len(small)) == (size, size, n)
    assert small.labels == digits.labels
    k = 28 // size
    for big_row, small_row, raw in zip(dataset.floats(digits), dataset.floats(small), small.pixels):
        assert len(small_row) == size * size
        assert sum(small_row) / len(small_row) == pytest.approx(sum(big_row) / 784, rel=1e-12, abs=1e-15)
        for r in range(size):
            for c in range(size):
                block = [big_row[(r * k + i) * 28 + c * k + j] for i in range(k) for j in range(k)]
                assert small_row[r * size + c] == pytest.approx(sum(block) / (k * k), abs=1e-12)
                assert (small_row[r * size + c] == 0.0) == (max(block) == 0.0)
                assert raw[r * size + c] == round(sum(block) * 255)


def test_downsample_rejects_uneven_sizes():
    with pytest.raises(DataError, match="28x28 images to 9x9"):
        dataset.downsample(digits_of(1), 9)
    assert dataset.downsample(digits_of(1), 28).size == 784


@SETTINGS
@given(seed=st.integers(0, 100))
def test_floats_scale_to_unit_interval_and_keep_exact_zeros(seed):
    digits = digits_of(3, seed=seed)
    for image, row in zip(digits.pixels, dataset.floats(digits)):
        assert all(0.0 <= x <= 1.0 for x in row)
        assert [x == 0.0 for x in row] == [p == 0 for p in image]
        assert all(x == p / 255 for x, p in zip(row, image))
    assert dataset.floats(Digits([bytes([0, 255])], b"\x01", 1, 2)) == [[0.0, 1.0]]


@SETTINGS
@given(n=st.integers(0, 500), batch_size=st.integers(1, 64), seed=st.integers(0, 1000))
def test_batches_partition_the_set(n, batch_size, seed):
    parts = dataset.batches(n, batch_size, seed)
    assert sorted(i for b in parts for i in b) == list(range(n))
    assert all(len(b) == batch_size for b in parts[:-1])
    assert all(1 <= len(b) <= batch_size for b in parts)
    assert parts == dataset.batches(n, batch_size, seed)


def test_batches_are_shuffled_by_seed():
    assert dataset.batches(100, 10, 1) != dataset.batches(100, 10, 2)
    with pytest.raises(DataError, match="batch size 0"):
        dataset.batches(10, 0)


def test_first_and_balanced_subsets():
    digits = digits_of(50)
    head = dataset.first(digits, 7)
    assert head.pixels == digits.pixels[:7] and head.labels == digits.labels[:7]
    sample = dataset.balanced(digits, 20, seed=4)
    assert sorted(Counter(sample.labels).values()) == [2] * 10
    for bad in (0, -1, 51):
        with pytest.raises(DataError, match=f"asked for {bad} images, the set has 50"):
            dataset.first(digits, bad)
