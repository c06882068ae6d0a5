"""The safetensors file format, written and read with the standard library only.

A file is three parts, one after the other:

1. 8 bytes: ``N``, the header's length in bytes, an unsigned little-endian 64-bit integer;
2. ``N`` bytes: the header, a UTF-8 JSON object ``{name: {"dtype": "F64", "shape": [out, in],
   "data_offsets": [begin, end]}, ...}`` with an optional ``"__metadata__": {str: str}``;
   padded with spaces so the data starts at a multiple of 8 bytes;
3. the data: each tensor's numbers, little-endian, row-major (C order), at ``data_offsets``
   counted from the start of the data; the tensors tile it with no gap or overlap, to its end.

``encode`` writes what the reference implementation (Hugging Face's ``safetensors``) writes for
the same float64 tensors, byte for byte: "F64", tensors in name order, compact JSON (the
metadata's keys sorted, where the reference leaves several in any order). ``decode`` reads F64, F32 and F16 (as Python floats) and refuses anything
else, and every way the header or data can disagree, in one line naming the file.
"""

import json
import math
import numbers
import struct

__all__ = ["encode", "decode", "nested_shape", "is_number", "DTYPES"]

DTYPES = {"F64": "d", "F32": "f", "F16": "e"}  # the dtypes read, as struct format codes
MAX_HEADER = 100_000_000  # the reference implementation's limit, against a hostile length


def is_number(x):
    """A real number that is not a bool (floats first: the ABC check is slow)."""
    return type(x) is float or (isinstance(x, numbers.Real) and not isinstance(x, bool))


def nested_shape(value):
    """The shape of a number (``[]``) or of equal-length nested lists of numbers; None otherwise."""
    if is_number(value):
        return []
    if not isinstance(value, (list, tuple)):
        return None
    if all(type(x) is float for x in value):  # the usual innermost row, quickly
        return [len(value)]
    inner = [nested_shape(item) for item in value]
    if any(i is None or i != inner[0] for i in inner):
        return None
    return [len(value), *(inner[0] if inner else [])]


def _flatten(value, depth):
    if depth == 0:
        return [value]
    if depth == 1:
        return list(value)
    return [x for item in value for x in _flatten(item, depth - 1)]


def _nest(flat, shape):
    """The flat list ``flat`` as nested lists of ``shape`` (a float for shape [])."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = math.prod(shape[1:])
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def encode(tensors, metadata=None, name="safetensors"):
    """The bytes of a safetensors file holding ``tensors`` ({name: float or nested lists}) as F64.

    ``metadata`` is None or a dict of str -> str, stored as ``__metadata__``. ``name`` (the file,
    say) only labels errors.
    """
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str)
                                        for k, v in metadata.items()):
        raise ValueError(f"{name}: __metadata__ must map strings to strings")
    header = {} if metadata is None else {"__metadata__": dict(sorted(metadata.items()))}
    chunks, offset = [], 0
    for key in sorted(tensors):
        if key == "__metadata__":
            raise ValueError(f"{name}: '__metadata__' cannot name a tensor")
        shape = nested_shape(tensors[key])
        if shape is None:
            raise ValueError(f"{name}: tensor {key!r} is not a number or a rectangular array of them")
        flat = _flatten(tensors[key], len(shape))
        chunks.append(struct.pack(f"<{len(flat)}d", *flat))
        header[key] = {"dtype": "F64", "shape": shape,
                       "data_offsets": [offset, offset + len(chunks[-1])]}
        offset += len(chunks[-1])
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return b"".join([struct.pack("<Q", len(text)), text, *chunks])


def _unique_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice")
        seen[key] = value
    return seen


def _header(data, name):
    """The parsed header and the data part of the file ``data``."""
    if len(data) < 8:
        raise ValueError(f"{name}: not a safetensors file ({len(data)} bytes, shorter than the "
                         f"8-byte header length)")
    (n,) = struct.unpack_from("<Q", data)
    if n > MAX_HEADER:
        raise ValueError(f"{name}: not a safetensors file (header length {n} is over the "
                         f"{MAX_HEADER}-byte limit)")
    if 8 + n > len(data):
        raise ValueError(f"{name}: truncated or not a safetensors file (the header should be {n} "
                         f"bytes, the file has {len(data) - 8} after the length)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise ValueError(f"{name}: not a safetensors file (the header is not UTF-8 text)") from None
    except (ValueError, RecursionError) as e:  # RecursionError: arrays nested thousands deep
        raise ValueError(f"{name}: not a safetensors file (the header is not valid JSON: "
                         f"{e or 'nested too deeply'})") from None
    if not isinstance(header, dict):
        raise ValueError(f"{name}: not a safetensors file (the header is not a JSON object)")
    return header, memoryview(data)[8 + n:]


def _is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _entry(name, key, info):
    """(dtype, shape, begin, end) of one header entry, each checked for type."""
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
        raise ValueError(f"{name}: tensor {key!r} needs 'dtype', 'shape' and 'data_offsets'")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in DTYPES:
        raise ValueError(f"{name}: tensor {key!r} has dtype {dtype!r}; puregrad reads "
                         f"{', '.join(DTYPES)}")
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        raise ValueError(f"{name}: tensor {key!r} has shape {shape!r}, not a list of sizes")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_is_count, offsets))
            or offsets[0] > offsets[1]):
        raise ValueError(f"{name}: tensor {key!r} has data_offsets {offsets!r}, not "
                         f"[begin, end] with begin <= end")
    size = math.prod(shape) * struct.calcsize(DTYPES[dtype])
    if offsets[1] - offsets[0] != size:
        raise ValueError(f"{name}: tensor {key!r} spans {offsets[1] - offsets[0]} bytes, but "
                         f"{dtype} {shape} needs {size}")
    return dtype, shape, offsets[0], offsets[1]


def decode(data, name="safetensors"):
    """``(tensors, metadata)`` from the bytes of a safetensors file: tensors as ``{name: nested
    lists of floats}`` (a float for shape []), metadata as a dict (empty if there is none).

    ValueError, starting with ``name``, for a header that is not a JSON object of well-formed
    entries, an unread dtype, tensors that overlap, leave a gap or stop short of the end, or
    a file cut short.
    """
    header, body = _header(data, name)
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError(f"{name}: __metadata__ must map strings to strings")
    entries = sorted(((_entry(name, key, info), key) for key, info in header.items()),
                     key=lambda e: (e[0][2], e[0][3]))
    end = 0
    for (_, _, begin, stop), key in entries:
        if begin != end:
            problem = "overlaps the one before" if begin < end else f"leaves a gap at byte {end}"
            raise ValueError(f"{name}: tensor {key!r} at bytes {begin}-{stop} {problem} "
                             f"(the data must be tiled without gaps or overlaps)")
        end = stop
    if end != len(body):
        if end > len(body):
            raise ValueError(f"{name}: truncated: the header describes {end} bytes of data, the "
                             f"file holds {len(body)}")
        raise ValueError(f"{name}: {len(body) - end} bytes after the last tensor (the data must "
                         f"end where the last tensor does)")
    tensors = {}
    for (dtype, shape, begin, stop), key in sorted(entries, key=lambda e: e[1]):
        code = DTYPES[dtype]
        flat = struct.unpack_from(f"<{(stop - begin) // struct.calcsize(code)}{code}", body, begin)
        tensors[key] = _nest(flat, shape)
    return tensors, metadata
