"""nn.safetensors_format against its spec and against the real `safetensors` package (and PyTorch),
each peer test skipping when its package is absent."""

import json
import math
import struct

import pytest
from hypothesis import assume, given, strategies as st

import nn
from nn import safetensors_format as sf

try:
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load as np_load, save as np_save
except ImportError:
    np = None
try:
    import torch
except ImportError:
    torch = None

needs_safetensors = pytest.mark.skipif(np is None, reason="the safetensors and numpy packages "
                                       "are not installed (pip install -e '.[test]')")
needs_torch = pytest.mark.skipif(torch is None or np is None, reason="torch and safetensors are "
                                 "not installed (optional; the README's PyTorch block needs them)")

anything = st.floats(width=64)  # NaN, infinities and -0.0 included
names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1,
                max_size=12).filter(lambda n: n != "__metadata__")


@st.composite
def tensors(draw):
    """A state dict: numbers, vectors and matrices (some empty) under unique names."""
    out = {}
    for name in draw(st.lists(names, max_size=5, unique=True)):
        shape = draw(st.lists(st.integers(0, 4), max_size=2))
        flat = draw(st.lists(anything, min_size=math.prod(shape), max_size=math.prod(shape)))
        out[name] = sf._nest(flat, shape)
    return out


metadata = st.none() | st.dictionaries(names, st.text(max_size=20), max_size=3)


def bits(tree):
    """Every float as its 8 bytes (so NaN == NaN and 0.0 != -0.0), keeping the nesting."""
    if isinstance(tree, list):
        return [bits(x) for x in tree]
    return struct.pack("<d", tree)


@given(tensors(), metadata)
def test_round_trip_is_bit_exact(state, meta):
    data = sf.encode(state, meta)
    header_length = struct.unpack_from("<Q", data)[0]
    assert header_length % 8 == 0 and data[8:9] == b"{"
    back, meta_back = sf.decode(data)
    assert {k: bits(v) for k, v in back.items()} == {k: bits(v) for k, v in state.items()}
    assert meta_back == (meta or {})


@given(tensors())
def test_tensors_tile_the_data_in_name_order(state):
    data = sf.encode(state)
    n = struct.unpack_from("<Q", data)[0]
    header = json.loads(data[8:8 + n])
    offsets = [header[k]["data_offsets"] for k in sorted(state)]
    ends = [0] + [end for _, end in offsets]
    assert [begin for begin, _ in offsets] == ends[:-1] and ends[-1] == len(data) - 8 - n
    assert all(header[k]["dtype"] == "F64" for k in state)


@given(tensors(), st.data())
def test_a_cut_or_damaged_file_raises_only_value_error(state, data):
    raw = sf.encode(state, {"k": "v"})
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(ValueError):
        sf.decode(raw[:cut], "cut.safetensors")
    where = data.draw(st.integers(0, len(raw) - 1))
    damaged = bytearray(raw)
    damaged[where] ^= data.draw(st.integers(1, 255))
    try:
        sf.decode(bytes(damaged))
    except ValueError:
        pass  # anything else (IndexError, struct.error, KeyError...) fails the test


# against the reference implementation

@needs_safetensors
@given(tensors(), metadata)
def test_we_write_what_the_safetensors_package_writes_byte_for_byte(state, meta):
    assume(state or meta != {})  # safetensors 0.8.0 writes the header '{},"__metadata__":{}}' for it
    arrays = {k: np.array(v, dtype=np.float64) for k, v in state.items()}
    ours, theirs = sf.encode(state, meta), np_save(arrays, metadata=meta)
    if meta and len(meta) > 1:  # they keep the metadata in a hash map: its keys come in any order
        ours, theirs = _parts(ours), _parts(theirs)
    assert ours == theirs


def _parts(data):
    n = struct.unpack_from("<Q", data)[0]
    return n, json.loads(data[8:8 + n]), data[8 + n:]


@needs_safetensors
@given(tensors())
def test_the_safetensors_package_reads_our_files(state):
    loaded = np_load(sf.encode(state))
    assert set(loaded) == set(state)
    for k, v in state.items():
        assert loaded[k].dtype == np.float64 and list(loaded[k].shape) == sf.nested_shape(v)
        assert bits(loaded[k].tolist()) == bits(v)


@needs_safetensors
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_we_read_files_the_safetensors_package_wrote(dtype):
    rng = np.random.default_rng(0)
    arrays = {"layers.0.weight": rng.normal(size=(3, 4)).astype(dtype),
              "layers.0.bias": rng.normal(size=3).astype(dtype), "scale": np.array(2.5, dtype=dtype),
              "empty": np.zeros((0, 2), dtype=dtype)}
    state, meta = sf.decode(np_save(arrays, metadata={"format": "np"}))
    assert meta == {"format": "np"}
    assert {k: bits(v) for k, v in state.items()} == {
        k: bits(a.astype(np.float64).tolist()) for k, a in arrays.items()}


@needs_safetensors
def test_safe_open_sees_the_model_and_its_config(tmp_path):
    model = nn.fast_mlp(4, [3, 2], rng=0)
    path = tmp_path / "model.safetensors"
    model.save(path, config={"activation": "relu", "sizes": [4, 3, 2]})
    with safe_open(str(path), framework="np") as f:
        assert sorted(f.keys()) == sorted(model.state_dict())
        assert json.loads(f.metadata()["puregrad.config"]) == {"activation": "relu", "sizes": [4, 3, 2]}
        assert f.get_tensor("layers.0.weight").shape == (3, 4)
        assert f.get_tensor("layers.1.bias").tolist() == model.state_dict()["layers.1.bias"]


@needs_torch
def test_pytorch_linear_layers_load_our_file_and_we_load_theirs(tmp_path):
    from safetensors.torch import load_file, save_file

    ours = nn.fast_mlp(5, [4, 3], activation="tanh", rng=0)
    ours.save(tmp_path / "ours.safetensors")
    net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).double()
    state = {k.replace("layers.1.", "2.").replace("layers.0.", "0."): v
             for k, v in load_file(tmp_path / "ours.safetensors").items()}
    net.load_state_dict(state)
    x = [[0.5, -1.0, 0.25, 2.0, 0.0]]
    assert net(torch.tensor(x, dtype=torch.float64)).tolist()[0] == pytest.approx(ours(x).data[0], abs=1e-12)

    theirs = torch.nn.Linear(5, 4)  # float32, as PyTorch users usually save
    save_file({f"layers.0.{k}": v for k, v in theirs.state_dict().items()}, tmp_path / "t.safetensors")
    mine = nn.Sequential(nn.Linear(5, 4)).load(tmp_path / "t.safetensors")
    assert mine.layers[0].weight.data == theirs.weight.double().tolist()


# bad files: one line naming the file and the problem; the model unchanged

def _file(header, data=b"", pad=True):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    text += b" " * (-len(text) % 8) if pad else b""
    return struct.pack("<Q", len(text)) + text + data


def _t(offsets, shape=(1,), dtype="F64"):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


W = {"layers.0.weight": _t((0, 16), (1, 2)), "layers.0.bias": _t((16, 24))}
ZEROS = bytes(24)

BAD = [
    ("short", b"\x01\x00", "shorter than the 8-byte header length"),
    ("huge-header", struct.pack("<Q", 2**40) + b"{}", "over the 100000000-byte limit"),
    ("header-past-end", struct.pack("<Q", 64) + b"{}", "the header should be 64 bytes"),
    ("not-utf8", _file(b'{"\xff": 1}'), "the header is not UTF-8"),
    ("garbled", _file(b'{"layers.0.weight": {"dtype": "F6'), "the header is not valid JSON"),
    ("a-list", _file(b"[1, 2, 3]"), "the header is not a JSON object"),
    ("too-deep", _file(b"[" * 100_000 + b"]" * 100_000), "the header is not valid JSON"),
    ("duplicate", _file(b'{"a": ' + json.dumps(_t((0, 8))).encode() + b', "a": '
                        + json.dumps(_t((0, 8))).encode() + b"}", bytes(8)), "'a' appears twice"),
    ("no-dtype", _file({"a": {"shape": [1], "data_offsets": [0, 8]}}, bytes(8)),
     "tensor 'a' needs 'dtype', 'shape' and 'data_offsets'"),
    ("int-dtype", _file({"a": _t((0, 4), dtype="I32")}, bytes(4)),
     "tensor 'a' has dtype 'I32'; puregrad reads F64, F32, F16"),
    ("bad-shape", _file({"a": _t((0, 8), (-1,))}, bytes(8)), "has shape [-1], not a list of sizes"),
    ("bad-offsets", _file({"a": _t((8, 0))}, bytes(8)), "not [begin, end] with begin <= end"),
    ("size-mismatch", _file({"a": _t((0, 8), (2,))}, bytes(8)), "spans 8 bytes, but F64 [2] needs 16"),
    ("overlap", _file({"a": _t((0, 8)), "b": _t((0, 8))}, bytes(8)), "overlaps the one before"),
    ("gap", _file({"a": _t((8, 16))}, bytes(16)), "leaves a gap at byte 0"),
    ("truncated", _file(W, ZEROS[:20]), "truncated: the header describes 24 bytes of data, the file holds 20"),
    ("trailing", _file(W, ZEROS + b"junk"), "4 bytes after the last tensor"),
    ("metadata", _file({"__metadata__": {"k": 1}, **W}, ZEROS), "__metadata__ must map strings to strings"),
    ("config", _file({"__metadata__": {"puregrad.config": "[1]"}, **W}, ZEROS),
     "__metadata__['puregrad.config'] is not a JSON object"),
    ("other-shape", _file({**W, "layers.0.weight": _t((0, 16), (2, 1))}, ZEROS),
     "key 'layers.0.weight': expected shape [1, 2], got [2, 1]"),
    ("other-names", _file({"weight": _t((0, 16), (1, 2)), "bias": _t((16, 24))}, ZEROS),
     "missing key 'layers.0.weight'"),
]


@pytest.mark.parametrize("name, data, message", BAD, ids=[b[0] for b in BAD])
def test_bad_files_name_the_file_and_the_problem_and_change_nothing(tmp_path, name, data, message):
    path = tmp_path / f"{name}.safetensors"
    path.write_bytes(data)
    model = nn.fast_mlp(2, [1], rng=0)
    before = bits(list(model.state_dict().values()))
    with pytest.raises(ValueError) as info:
        model.load(path)
    text = str(info.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text
    assert bits(list(model.state_dict().values())) == before


def test_the_good_twin_of_the_bad_files_loads(tmp_path):
    (tmp_path / "good.safetensors").write_bytes(_file(W, struct.pack("<3d", 1.0, 2.0, 3.0)))
    model = nn.fast_mlp(2, [1], rng=0).load(tmp_path / "good.safetensors")
    assert model.state_dict() == {"layers.0.weight": [[1.0, 2.0]], "layers.0.bias": [3.0]}


def test_writing_refuses_what_the_format_cannot_hold(tmp_path):
    path = tmp_path / "m.safetensors"
    for state, message in [({"a": [[1.0], [1.0, 2.0]]}, "not a number or a rectangular array"),
                           ({"a": "text"}, "not a number or a rectangular array"),
                           ({"__metadata__": [1.0]}, "'__metadata__' cannot name a tensor")]:
        with pytest.raises(ValueError, match=message):
            nn.saving.write_model(path, state)
    with pytest.raises(ValueError, match="must map strings to strings"):
        sf.encode({}, {"k": 1})
    assert not path.exists()
