"""Download path against a server this test starts on 127.0.0.1: good, corrupt, cut-short files."""

import hashlib
import http.server
import os
import stat
import threading
from functools import partial

import pytest
from mnist_files import idx_images, idx_labels, random_digits, write

from mnist import fetch
from mnist.errors import DataError

NAMES = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; paths under /cut/ promise the full length but stop halfway."""

    def do_GET(self):  # noqa: N802 - the http.server name
        self.server.requests.append(self.path)
        if self.path.startswith("/cut/"):
            body = (self.server.root / "good" / self.path[5:]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """A local mirror folder tree: good/, corrupt/ (a byte flipped), short/ (cut, honest length)."""
    root = tmp_path / "www"
    images, labels = random_digits(6, seed=3)
    files = {NAMES[0]: idx_images(images, 28, 28), NAMES[1]: idx_labels(labels)}
    for kind in ("good", "corrupt", "short"):
        (root / kind).mkdir(parents=True)
    checksums = {}
    for name, data in files.items():
        good = write(root / "good" / name, data, gz=True).read_bytes()
        checksums[name] = hashlib.md5(good).hexdigest()
        bad = bytearray(good)
        bad[-5] ^= 0x55
        (root / "corrupt" / name).write_bytes(bytes(bad))
        (root / "short" / name).write_bytes(good[:-10])
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    httpd.root, httpd.requests, httpd.checksums = root, [], checksums
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name not in NAMES)


def test_good_mirror(server, tmp_path):
    cache = tmp_path / "cache"
    fetch.download(NAMES, cache, [server.url + "good/"], server.checksums, show_progress=False)
    assert sorted(p.name for p in cache.iterdir()) == sorted(NAMES)
    for name in NAMES:
        assert (cache / name).read_bytes() == (server.root / "good" / name).read_bytes()


def test_downloads_get_the_mode_the_umask_gives(server, tmp_path):
    cache = tmp_path / "cache"
    old = os.umask(0o027)
    try:
        fetch.download(NAMES, cache, [server.url + "good/"], server.checksums, show_progress=False)
    finally:
        os.umask(old)
    assert [stat.S_IMODE(p.stat().st_mode) for p in cache.iterdir()] == [0o640, 0o640]


@pytest.mark.parametrize("bad", ["missing/", "corrupt/", "short/", "cut/", "closed"])
def test_failing_mirror_falls_over_to_the_next(server, tmp_path, bad):
    cache = tmp_path / "cache"
    first = "http://127.0.0.1:9/" if bad == "closed" else server.url + bad
    fetch.download(NAMES, cache, [first, server.url + "good/"], server.checksums, show_progress=False)
    assert leftovers(cache) == []
    for name in NAMES:
        assert (cache / name).read_bytes() == (server.root / "good" / name).read_bytes()


def test_all_mirrors_failing_leave_the_cache_clean(server, tmp_path):
    cache = tmp_path / "cache"
    mirrors = [server.url + "corrupt/", server.url + "short/", server.url + "cut/"]
    with pytest.raises(DataError) as info:
        fetch.download(NAMES, cache, mirrors, server.checksums, show_progress=False)
    message = str(info.value)
    assert "\n" not in message and NAMES[0] in message
    assert "MD5" in message and "--data-dir" in message and "MNIST_DATA" in message
    assert list(cache.iterdir()) == []


def test_load_downloads_into_the_user_cache_once(server, tmp_path, monkeypatch):
    monkeypatch.setattr(fetch, "CHECKSUMS", server.checksums)
    monkeypatch.setenv("PUREGRAD_MNIST_MIRRORS", f"{server.url}corrupt/ {server.url}good/")
    digits = fetch.load("test", show_progress=False)
    assert len(digits) == 6
    cache = fetch.cache_dir()
    assert cache == tmp_path / "cache-home" / "puregrad" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(NAMES)
    served = len(server.requests)
    assert len(fetch.load("test")) == 6 and len(server.requests) == served  # from the cache


def test_offline_message_says_where_to_put_the_files(tmp_path):
    with pytest.raises(DataError) as info:
        fetch.load("train", show_progress=False)  # the autouse fixture points mirrors at a closed port
    message = str(info.value)
    assert "MNIST_DATA" in message and "--data-dir" in message
    assert str(tmp_path / "cache-home" / "puregrad" / "mnist") in message
    assert leftovers(fetch.cache_dir()) == []


def test_mirror_list_from_environment():
    assert fetch.mirrors_from_env({"PUREGRAD_MNIST_MIRRORS": "http://a/, http://b/"}) == (
        "http://a/", "http://b/")
    assert fetch.mirrors_from_env({}) == fetch.MIRRORS
    assert all(m.startswith(("https://", "http://")) for m in fetch.MIRRORS)


def test_published_checksums():
    assert fetch.CHECKSUMS == {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }


def test_a_broken_cached_file_says_to_delete_it():
    cache = fetch.cache_dir()
    cache.mkdir(parents=True)
    write(cache / NAMES[0], idx_images([b"\0" * 784], 28, 28), gz=True)
    write(cache / NAMES[1], idx_labels([1, 2]), gz=True)
    with pytest.raises(DataError, match="1 images but .* 2 labels .*delete it to download it again"):
        fetch.load("test")
