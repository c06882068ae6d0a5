"""mnist test fixtures: never the real network, never the real user cache."""

import pytest
from mnist_files import write_dataset


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Cache under tmp_path, no MNIST_DATA, and mirrors pointing at a closed local port."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    monkeypatch.delenv("MNIST_DATA", raising=False)
    monkeypatch.setenv("PUREGRAD_MNIST_MIRRORS", "http://127.0.0.1:9/")
    return tmp_path


@pytest.fixture
def data(tmp_path):
    """A small MNIST-format data folder: 60 training and 20 test images."""
    return write_dataset(tmp_path / "data", n_train=60, n_test=20)
