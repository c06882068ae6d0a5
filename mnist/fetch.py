"""Where MNIST comes from: a folder you name, ``MNIST_DATA``, the user cache, or a download.

Order: ``data_dir`` (``--data-dir``), the ``MNIST_DATA`` environment variable, the cache
folder (``$XDG_CACHE_HOME`` or ``~/.cache``, then ``puregrad/mnist``), else a download of
the gzipped IDX files from the mirrors in turn into the cache. Each download is written
under a temporary name, its MD5 checked, and only then renamed into place, so a failed,
corrupted or interrupted download never leaves a file the next run would trust.
"""

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from .csv_format import read_csv
from .errors import DataError
from .idx import read_pair

__all__ = ["MIRRORS", "CHECKSUMS", "SPLITS", "cache_dir", "mirrors_from_env", "find_split",
           "download", "load"]

# base URLs only; the file name is appended. PUREGRAD_MNIST_MIRRORS (space/comma separated) overrides
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# the published MD5 of each gzipped file (the ones torchvision checks)
CHECKSUMS = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

# split -> (images stem, labels stem, csv name)
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "mnist_train.csv"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "mnist_test.csv"),
}

_CHUNK = 1 << 16


def cache_dir(env=None):
    """The cache folder: ``$XDG_CACHE_HOME/puregrad/mnist`` or ``~/.cache/puregrad/mnist``."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "puregrad" / "mnist"


def mirrors_from_env(env=None):
    """The mirror base URLs: ``PUREGRAD_MNIST_MIRRORS`` when set, else ``MIRRORS``."""
    env = os.environ if env is None else env
    text = env.get("PUREGRAD_MNIST_MIRRORS", "").replace(",", " ").split()
    return tuple(text) or MIRRORS


def _first_existing(folder, names):
    for name in names:
        if (folder / name).is_file():
            return folder / name
    return None


def _variants(stem):
    # some copies use "train-images.idx3-ubyte" (a dot before idx) instead of a dash
    dotted = stem.replace("-idx", ".idx")
    return [stem + ".gz", stem, dotted + ".gz", dotted]


def find_split(folder, split):
    """``("idx", images, labels)`` or ``("csv", path)`` for the split's files in ``folder``, or None."""
    folder = Path(folder)
    images_stem, labels_stem, csv_name = SPLITS[split]
    images = _first_existing(folder, _variants(images_stem))
    labels = _first_existing(folder, _variants(labels_stem))
    if images and labels:
        return ("idx", images, labels)
    csv = _first_existing(folder, [csv_name, csv_name + ".gz"])
    return ("csv", csv) if csv else None


def _read(found):
    return read_pair(found[1], found[2]) if found[0] == "idx" else read_csv(found[1])


def _where_to_put(cache):
    names = ", ".join(CHECKSUMS)
    return (f"put the files ({names}, or mnist_train.csv and mnist_test.csv) in a folder and pass "
            f"--data-dir FOLDER or set MNIST_DATA=FOLDER, or put them in {cache}")


def _fetch_one(url, dest, md5, show_progress):
    """Download ``url`` to ``dest`` via a temporary file; raise OSError/ValueError on any failure."""
    from nn.saving import atomic_file  # one way to write a file: atomic, with the umask's mode

    digest, received = hashlib.md5(), 0
    with atomic_file(dest) as handle, urllib.request.urlopen(url, timeout=30) as response:
        total = response.length
        with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, leave=False,
                  disable=not show_progress, file=sys.stderr) as bar:
            while chunk := response.read(_CHUNK):
                handle.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
        if total is not None and received < total:
            raise ValueError(f"cut short at {received} of {total} bytes")
        if digest.hexdigest() != md5:
            raise ValueError(f"MD5 {digest.hexdigest()} does not match the published {md5}")


def download(names, folder, mirrors=None, checksums=None, show_progress=None):
    """Fetch each file in ``names`` into ``folder``, trying the mirrors in order; MD5-checked.

    A mirror that errors, serves a file with the wrong MD5, or stops early is skipped for
    the next. Raises DataError (listing each mirror's failure) when none works.
    """
    folder = Path(folder)
    mirrors = mirrors_from_env() if mirrors is None else mirrors
    checksums = CHECKSUMS if checksums is None else checksums
    show_progress = sys.stderr.isatty() if show_progress is None else show_progress
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"{folder}: cannot create the cache folder ({e.strerror or e})") from None
    for name in names:
        failures = []
        for base in mirrors:
            url = base.rstrip("/") + "/" + name
            print(f"mnist: downloading {url}", file=sys.stderr)
            try:
                _fetch_one(url, folder / name, checksums[name], show_progress)
                break
            except (OSError, ValueError, http.client.HTTPException) as e:
                failures.append(f"{url}: {getattr(e, 'reason', None) or e}")
        else:
            tried = "; ".join(failures) or "no mirrors configured"
            raise DataError(f"could not download {name} ({tried}); {_where_to_put(folder)}")


def load(split, data_dir=None, env=None, mirrors=None, show_progress=None):
    """The ``"train"`` or ``"test"`` split as ``Digits``, from the first source that has it."""
    env = os.environ if env is None else env
    for folder, origin in ((data_dir, "--data-dir"), (env.get("MNIST_DATA"), "MNIST_DATA")):
        if folder:
            if not Path(folder).is_dir():
                raise DataError(f"{folder} (from {origin}): no such folder")
            found = find_split(folder, split)
            if found is None:
                images_stem, labels_stem, csv_name = SPLITS[split]
                raise DataError(f"{folder} (from {origin}): no MNIST {split} files; expected "
                                f"{images_stem}[.gz] and {labels_stem}[.gz], or {csv_name}")
            return _read(found)
    cache = cache_dir(env)
    found = find_split(cache, split) if cache.is_dir() else None
    if found is None:
        images_stem, labels_stem, _ = SPLITS[split]
        wanted = [s + ".gz" for s in (images_stem, labels_stem)]
        missing = [n for n in wanted if not (cache / n).is_file()]
        download(missing, cache, mirrors, show_progress=show_progress)
        found = find_split(cache, split)
    try:
        return _read(found)
    except DataError as e:
        raise DataError(f"{e} (a file in the cache: delete it to download it again)") from None
