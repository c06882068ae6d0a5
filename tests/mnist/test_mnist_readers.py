"""IDX and CSV readers: good files round-trip; each broken way gives one DataError line naming the file."""

import gzip
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from mnist_files import csv_text, idx_images, idx_labels, random_digits, write, write_split

from mnist.csv_format import read_csv
from mnist.errors import DataError
from mnist.fetch import find_split, load
from mnist.idx import read_images, read_labels, read_pair


def expect_error(fn, path, *words):
    with pytest.raises(DataError) as info:
        fn()
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message, message
    return message


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 12), rows=st.integers(1, 6), cols=st.integers(1, 6), gz=st.booleans(),
       seed=st.integers(0, 100))
def test_idx_round_trip(n, rows, cols, gz, seed):
    images, labels = random_digits(n, rows, cols, seed)
    with tempfile.TemporaryDirectory() as folder:
        ip = write(Path(folder) / "im", idx_images(images, rows, cols), gz)
        lp = write(Path(folder) / "lb", idx_labels(labels), gz)
        digits = read_pair(ip, lp)
    assert digits.pixels == images and list(digits.labels) == labels
    assert (digits.rows, digits.cols, digits.max_value) == (rows, cols, 255)


def test_idx_images_are_compact_bytes(tmp_path):
    images, _ = random_digits(3)
    pixels, rows, cols = read_images(write(tmp_path / "im.gz", idx_images(images, 28, 28), gz=True))
    assert all(type(p) is bytes and len(p) == 784 for p in pixels)


BROKEN_IMAGES = [
    ("labels magic", idx_images([b"\0" * 4], 2, 2, magic=2049), ["magic number 2049", "label file"]),
    ("odd magic", idx_images([b"\0" * 4], 2, 2, magic=1234), ["magic number 1234", "expected 2051"]),
    ("short header", b"\0\0\x08\x03\0\0", ["header cut short"]),
    ("tiny", b"\0\0", ["too short"]),
    ("truncated", idx_images([b"\1" * 4, b"\2" * 4], 2, 2)[:-3], ["cut short", "2 images x 2x2 = 8"]),
    ("extra", idx_images([b"\1" * 4], 2, 2) + b"\0", ["extra bytes"]),
    ("count lies", idx_images([b"\1" * 4], 2, 2, count=5), ["cut short", "5 images"]),
    ("no pixels", idx_images([], 0, 28), ["0x28"]),
]


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("case,data,words", BROKEN_IMAGES, ids=[c[0] for c in BROKEN_IMAGES])
def test_broken_image_files(tmp_path, case, data, words, gz):
    path = write(tmp_path / "images.idx", data, gz)
    expect_error(lambda: read_images(path), path, *words)


BROKEN_LABELS = [
    ("images magic", idx_labels([1], magic=2051), ["magic number 2051", "image file"]),
    ("truncated", idx_labels([1, 2, 3])[:-1], ["cut short", "3 labels"]),
    ("extra", idx_labels([1]) + b"\x01", ["extra bytes"]),
    ("label 10", idx_labels([1, 10, 2]), ["label 10 at index 1", "0-9"]),
    ("label 255", idx_labels([255]), ["label 255 at index 0"]),
]


@pytest.mark.parametrize("case,data,words", BROKEN_LABELS, ids=[c[0] for c in BROKEN_LABELS])
def test_broken_label_files(tmp_path, case, data, words):
    path = write(tmp_path / "labels.idx", data)
    expect_error(lambda: read_labels(path), path, *words)


def test_corrupt_and_cut_gzip(tmp_path):
    good = gzip.compress(idx_labels(list(range(10)) * 50))
    cut = write(tmp_path / "cut.gz", good[: len(good) // 2])
    expect_error(lambda: read_labels(cut), cut, "gzip")
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0xFF
    bad = write(tmp_path / "bad.gz", bytes(flipped))
    expect_error(lambda: read_labels(bad), bad, "gzip")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.gz"
    expect_error(lambda: read_labels(path), path, "cannot read")


def test_counts_must_agree(tmp_path):
    images, labels = random_digits(4, 2, 2)
    ip = write(tmp_path / "im", idx_images(images, 2, 2))
    lp = write(tmp_path / "lb", idx_labels(labels[:3]))
    expect_error(lambda: read_pair(ip, lp), ip, "4 images", "3 labels", str(lp))


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("gz", [False, True])
def test_csv_round_trip(tmp_path, header, gz):
    images, labels = random_digits(5)
    path = write(tmp_path / "mnist_train.csv", csv_text(images, labels, header).encode(), gz)
    digits = read_csv(path)
    assert digits.pixels == images and list(digits.labels) == labels and digits.size == 784


def _csv_with(row):
    images, labels = random_digits(2)
    return csv_text(images, labels) + row + "\n"


BROKEN_CSV = [
    ("short row", _csv_with("3," + ",".join(["0"] * 700)), ["line 4", "701 fields", "785"]),
    ("pixel 256", _csv_with("3," + ",".join(["0"] * 783 + ["256"])), ["line 4", "pixel 256", "0-255"]),
    ("label 12", _csv_with("12," + ",".join(["0"] * 784)), ["line 4", "label 12", "0-9"]),
    ("not a number", _csv_with("3," + ",".join(["0"] * 783 + ["x"])), ["line 4", "'x'"]),
    ("negative", _csv_with("3,-1," + ",".join(["0"] * 783)), ["line 4", "pixel -1"]),
    ("empty", "", ["no images"]),
    ("header only", "label,pixel0\n", ["no images"]),
]


@pytest.mark.parametrize("case,text,words", BROKEN_CSV, ids=[c[0] for c in BROKEN_CSV])
def test_broken_csv(tmp_path, case, text, words):
    path = write(tmp_path / "mnist_test.csv", text.encode())
    expect_error(lambda: read_csv(path), path, *words)


def test_csv_not_text(tmp_path):
    path = write(tmp_path / "mnist_test.csv", b"label\n\xff\xfe")
    expect_error(lambda: read_csv(path), path, "not a text CSV")


def test_find_split_accepts_dotted_names_and_csv(tmp_path):
    images, labels = random_digits(3)
    write(tmp_path / "train-images.idx3-ubyte", idx_images(images, 28, 28))
    write(tmp_path / "train-labels.idx1-ubyte", idx_labels(labels))
    write(tmp_path / "mnist_test.csv", csv_text(images, labels).encode())
    assert find_split(tmp_path, "train")[0] == "idx"
    assert find_split(tmp_path, "test")[0] == "csv"
    assert len(load("train", tmp_path)) == 3 and len(load("test", tmp_path)) == 3


def test_sources_in_order(tmp_path, monkeypatch):
    for name, n in (("given", 3), ("env", 4)):
        (tmp_path / name).mkdir()
        write_split(tmp_path / name, "t10k", *random_digits(n))
    monkeypatch.setenv("MNIST_DATA", str(tmp_path / "env"))
    assert len(load("test", tmp_path / "given")) == 3  # --data-dir first
    assert len(load("test")) == 4  # then MNIST_DATA


@pytest.mark.parametrize("origin", ["--data-dir", "MNIST_DATA"])
def test_named_folder_without_data(tmp_path, monkeypatch, origin):
    empty, missing = tmp_path / "empty", tmp_path / "missing"
    empty.mkdir()

    def run(folder):
        if origin == "MNIST_DATA":
            monkeypatch.setenv("MNIST_DATA", str(folder))
            return load("train")
        return load("train", folder)

    expect_error(lambda: run(empty), empty, origin, "train-images-idx3-ubyte")
    expect_error(lambda: run(missing), missing, origin, "no such folder")
