"""Model files, and writing any file atomically with the permissions ``open()`` would give.

A model file holds a state dict (``Module.state_dict()``: names -> floats or nested lists) and
an optional ``config`` (a JSON object: whatever the writer wants to record, say the activation).
The file's suffix picks one of two layouts:

- ``*.safetensors``: the safetensors format (``nn.safetensors_format``): float64 tensors under
  PyTorch's names and shapes, the config as JSON text in ``__metadata__["puregrad.config"]``;
- anything else: JSON, ``{"format": "puregrad-model", "config": {...}, "state_dict": {...}}``.
  A bare state dict ``{"layers.0.weight": ..., ...}`` (as puregrad wrote before) and the older
  ``"format": "puregrad-mnist-model"`` are read too, the bare one with an empty config.

``write_model`` / ``read_model`` are what ``Module.save`` / ``Module.load`` and
``python -m mnist`` use; docs/saving.md shows both layouts.
"""

import contextlib
import json
import os
import stat
import tempfile
import threading

from . import safetensors_format

__all__ = ["FORMAT", "read_model", "write_model", "atomic_file", "write_atomic", "write_json_atomic",
           "new_file_mode", "json_object"]

FORMAT = "puregrad-model"
OLD_FORMATS = ("puregrad-mnist-model",)  # what mnist train --save wrote before: same fields
CONFIG_KEY = "puregrad.config"  # the safetensors __metadata__ key holding the config as JSON text


def _is_safetensors(path):
    return os.fspath(path).lower().endswith(".safetensors")


def write_model(path, state_dict, config=None):
    """Write ``state_dict`` and ``config`` (a JSON-ready dict, or None for ``{}``) to ``path``."""
    config = {} if config is None else config
    if not isinstance(config, dict):
        raise TypeError(f"{path}: config must be a dict, got {type(config).__name__}")
    if _is_safetensors(path):
        metadata = {CONFIG_KEY: json.dumps(config)} if config else None
        write_atomic(path, safetensors_format.encode(state_dict, metadata, name=path))
    else:
        write_json_atomic(path, {"format": FORMAT, "config": config, "state_dict": state_dict})


def read_model(path):
    """``(state_dict, config)`` from a model file; ValueError naming the file if it is not one.

    OSError (a missing or unreadable file) passes through unchanged.
    """
    with open(path, "rb") as f:
        data = f.read()
    if _is_safetensors(path):
        state, metadata = safetensors_format.decode(data, name=path)
        return state, _config_from_metadata(path, metadata)
    obj = json_object(data, path, "model file")
    kind = obj.get("format")
    if not isinstance(kind, str):
        return obj, {}  # a bare state dict
    if kind != FORMAT and kind not in OLD_FORMATS:
        raise ValueError(f"{path}: not a puregrad model file (its format is {kind!r})")
    config, state = obj.get("config", {}), obj.get("state_dict")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f"{path}: the model file lacks its config or state_dict object")
    return state, config


def json_object(data, path, what):
    """The JSON object in the bytes ``data`` read from ``path``; ValueError naming the file and
    saying it is not a ``what`` (a model file, a checkpoint) when it is not one."""
    try:
        obj = json.loads(data)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ValueError(f"{path}: not a {what} (bad or truncated JSON: {e or 'nested too deeply'})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: not a {what} (expected a JSON object, got {type(obj).__name__})")
    return obj


def _config_from_metadata(path, metadata):
    text = (metadata or {}).get(CONFIG_KEY)
    if text is None:
        return {}
    try:
        config = json.loads(text)
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise ValueError(f"{path}: __metadata__[{CONFIG_KEY!r}] is not a JSON object")
    return config


# writing files

_umask_lock = threading.Lock()


_PROC_STATUS = "/proc/self/status"  # Linux shows the umask here (4.7 and later)


def _umask():
    """The process's umask, read without changing it where the system shows it (Linux)."""
    try:
        with open(_PROC_STATUS, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _umask_lock:  # os.umask has no getter: set and restore, with a strict mask in between
        old = os.umask(0o077)
        os.umask(old)
    return old


def new_file_mode(path):
    """The permission bits ``open(path, "w")`` would leave: the old file's, else 0o666 minus the umask."""
    try:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_file(path):
    """A binary file to write that replaces ``path`` only when the block ends without an error.

    The bytes go to a temporary file in the same folder (given the mode ``new_file_mode``
    names, rather than mkstemp's 0o600), which is flushed, fsync'ed and renamed over ``path``
    (``os.replace``, atomic on POSIX and Windows); then the folder is fsync'ed so the rename
    survives a crash. On any error the temporary file is removed and ``path`` is left as it was.
    """
    folder = os.path.dirname(os.path.abspath(path))
    mode = new_file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def write_atomic(path, data):
    """Write the bytes ``data`` to ``path`` so that ``path`` is always either the old file or the new."""
    with atomic_file(path) as f:
        f.write(data)


def write_json_atomic(path, obj):
    """``write_atomic`` of ``obj`` as JSON; a value JSON cannot hold fails before the disk is touched."""
    write_atomic(path, json.dumps(obj).encode("utf-8"))


def _sync_folder(folder):
    """Best effort: make the rename itself durable (POSIX); the new file is already complete."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
