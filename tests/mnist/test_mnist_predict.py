"""``python -m mnist predict``: the user's own images through a saved model, end to end."""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from image_files import png, pnm
from mnist_files import REAL_MNIST

from mnist.cli import main
from mnist.model_file import save_model
from mnist.predict import prepare_file

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def canvas(width, height, strokes, ink=0, paper=255):
    """Grey pixels: ``paper`` everywhere but the rectangles ``(x0, y0, x1, y1)`` (inclusive)."""
    return [ink if any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in strokes) else paper
            for y in range(height) for x in range(width)]


# three 'digits' drawn with thick rectangular strokes on 60x80 paper
ONE = [(27, 8, 34, 70)]
ZERO = [(15, 8, 44, 15), (15, 63, 44, 70), (15, 8, 22, 70), (37, 8, 44, 70)]
SEVEN = [(12, 8, 48, 15), (41, 8, 48, 30), (33, 28, 41, 50), (26, 48, 34, 70)]
DIGITS = {1: ONE, 0: ZERO, 7: SEVEN}


def write_digits(folder):
    """Each digit in a different file format: grey PNG, RGBA PNG (transparent paper), PGM."""
    paths = {}
    one = folder / "one.png"
    one.write_bytes(png(canvas(60, 80, ONE), 60, 80, filters=(0, 1, 2, 3, 4), idat_parts=3))
    zero = folder / "zero.png"
    alpha = canvas(60, 80, ZERO, ink=255, paper=0)
    zero.write_bytes(png([v for a in alpha for v in (0, 0, 0, a)], 60, 80, colour=6,
                         interlace=True))
    seven = folder / "seven.pgm"
    seven.write_bytes(pnm(canvas(60, 80, SEVEN), 60, 80, comment="drawn by a test"))
    paths.update({1: one, 0: zero, 7: seven})
    return paths


def pooled(pixels, side):
    """The 28x28 bytes as floats in [0, 1], averaged over (28 // side)-square blocks."""
    k = 28 // side
    return [sum(pixels[(r * k + i) * 28 + c * k + j] for i in range(k) for j in range(k)) / (255 * k * k)
            for r in range(side) for c in range(side)]


def template_model(path, paths, side):
    """A one-layer model whose row for digit d is d's prepared image, unit length: each
    drawing scores highest on its own row (Cauchy-Schwarz), and the logits are known."""
    weights = [[0.0] * (side * side) for _ in range(10)]
    for digit, image in paths.items():
        x = pooled(prepare_file(image), side)
        norm = math.sqrt(sum(v * v for v in x))
        weights[digit] = [v / norm for v in x]
    state = {"layers.0.weight": weights, "layers.0.bias": [0.0] * 10}
    save_model(path, {"engine": "fast", "activation": "relu", "image_size": side}, state)
    return weights


def expected_top3(weights, image, side):
    x = pooled(prepare_file(image), side)
    logits = [sum(a * b for a, b in zip(row, x)) for row in weights]
    exps = [math.exp(v - max(logits)) for v in logits]
    probs = [e / sum(exps) for e in exps]
    best = sorted(range(10), key=lambda c: (-probs[c], c))[:3]
    return "top-3       " + "  ".join(f"{c}: {probs[c]:.3f}" for c in best)


@pytest.mark.parametrize("side", [28, 14, 7])
@pytest.mark.parametrize("engine", ["fast", "scalar"])
def test_predicts_each_drawing_as_the_model_says_and_draws_what_it_saw(capsys, tmp_path, side,
                                                                       engine):
    paths = write_digits(tmp_path)
    weights = template_model(tmp_path / "model.json", paths, side)
    code, out, err = run(capsys, "predict", tmp_path / "model.json", *paths.values(),
                         "--engine", engine)
    assert code == 0 and err == ""
    blocks = out.split("+\n+")  # each block is framed: +---+ ... +---+
    assert len(blocks) == 3
    lines = out.splitlines()
    assert len(lines) == 3 * (side // 2 + side % 2 + 2)
    for block, (digit, image) in zip(blocks, paths.items()):
        assert f"+  {image}\n" in block
        assert re.search(rf"\|  predicted   {digit}\n", block)
        assert expected_top3(weights, image, side) in block
        assert "true label" not in block and "right" not in block
    framed = [line[1:1 + side] for line in lines if line.startswith("|")]
    assert all(len(row) == side for row in framed) and any(set(row) - {" "} for row in framed)


def test_ascii_drawing(capsys, tmp_path):
    paths = write_digits(tmp_path)
    template_model(tmp_path / "model.json", paths, 28)
    code, out, _ = run(capsys, "predict", tmp_path / "model.json", paths[7], "--ascii")
    assert code == 0 and out.isascii() and "predicted   7" in out and "#" in out


def test_dark_paper_and_light_paper_give_the_same_prediction(capsys, tmp_path):
    paths = write_digits(tmp_path)
    template_model(tmp_path / "model.json", paths, 28)
    inverted = tmp_path / "seven-inverted.png"
    inverted.write_bytes(png(canvas(60, 80, SEVEN, ink=255, paper=0), 60, 80, colour=0))
    outs = [run(capsys, "predict", tmp_path / "model.json", p)[1] for p in (paths[7], inverted)]
    assert outs[0].replace(str(paths[7]), "X") == outs[1].replace(str(inverted), "X")


def test_a_blank_image_is_reported_and_the_others_still_classified(capsys, tmp_path):
    paths = write_digits(tmp_path)
    template_model(tmp_path / "model.json", paths, 28)
    blank = tmp_path / "blank.png"
    blank.write_bytes(png([230] * 100, 10, 10))
    code, out, err = run(capsys, "predict", tmp_path / "model.json", paths[1], blank, paths[0])
    assert code == 1
    assert err == f"error: {blank}: no ink found (every pixel is within 10% of the paper's " \
                  "shade); nothing to classify\n"
    assert out.count("predicted") == 2 and str(blank) not in out


BAD_IMAGES = {
    "photo.jpg": (b"\xff\xd8\xff\xe0" + bytes(20), "looks like a JPEG image"),
    "empty.png": (b"", "empty file, not an image"),
    "notes.txt": (b"seven\n", "not a PNG or PGM image"),
    "cut.png": (png([0] * 100, 10, 10)[:40], "truncated PNG"),
    "crc.png": (png([0] * 4, 2, 2)[:-1] + b"\0", "bad CRC in the IEND chunk"),
    "deep.pgm": (b"P5 2 2 255\n\0", "truncated P5 image"),
}


@pytest.mark.parametrize("name", BAD_IMAGES)
def test_an_unreadable_image_stops_everything_in_one_line(capsys, tmp_path, name):
    paths = write_digits(tmp_path)
    template_model(tmp_path / "model.json", paths, 28)
    data, words = BAD_IMAGES[name]
    bad = tmp_path / name
    bad.write_bytes(data)
    before = sorted(tmp_path.iterdir())
    code, out, err = run(capsys, "predict", tmp_path / "model.json", paths[1], bad)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith(f"error: {bad}: ") and words in err
    assert sorted(tmp_path.iterdir()) == before


def test_model_problems_and_usage(capsys, tmp_path):
    paths = write_digits(tmp_path)
    code, _, err = run(capsys, "predict", tmp_path / "none.json", paths[1])
    assert code == 1 and "cannot read the model file" in err and err.count("\n") == 1
    code, _, err = run(capsys, "predict", tmp_path / "model.json")
    assert code == 2 and "IMAGE" in err
    code, _, err = run(capsys, "predict", tmp_path / "model.json", paths[1], "--image-size", "14")
    assert code == 2 and "--image-size" in err


def test_module_entry_point(tmp_path):
    paths = write_digits(tmp_path)
    template_model(tmp_path / "model.json", paths, 7)
    done = subprocess.run([sys.executable, "-m", "mnist", "predict", str(tmp_path / "model.json"),
                           str(paths[0])], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "predicted   0" in done.stdout and done.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "mnist", "predict", str(tmp_path / "model.json"),
                          str(tmp_path / "missing.png")], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


@pytest.mark.skipif(REAL_MNIST is None, reason="real MNIST not available (set MNIST_DATA to a "
                    "folder with the four IDX files)")
def test_real_test_digits_drawn_as_pngs_get_the_models_answer_on_the_originals(capsys, tmp_path):
    from mnist import dataset
    from mnist.engines import make_engine
    from mnist.fetch import load
    from mnist.model_file import read_model
    from mnist.report import argmax
    from mnist.train import predict

    model = tmp_path / "model.json"
    code, _, err = run(capsys, "train", "--data-dir", REAL_MNIST, "--train-size", "1000",
                       "--hidden", "32", "--test-size", "10", "--save", model)
    assert code == 0, err
    test = dataset.first(load("test", REAL_MNIST), 40)
    _, state, sizes = read_model(model)
    on_originals = [argmax(p) for p in predict(make_engine("fast", sizes, "relu", state=state), test)]
    images = []
    for i, pixels in enumerate(test.pixels):  # drawn as a learner would: dark ink on white
        images.append(tmp_path / f"digit-{i}.png")
        images[-1].write_bytes(png([255 - v for v in pixels], 28, 28, filters=(4,)))
    code, out, err = run(capsys, "predict", model, *images)
    assert code == 0, err
    on_pngs = [int(d) for d in re.findall(r"predicted   (\d)", out)]
    agree = sum(a == b for a, b in zip(on_originals, on_pngs))
    assert len(on_pngs) == 40 and agree >= 38, f"{agree} of 40 agree"


def test_safetensors_and_bare_model_files(capsys, tmp_path):
    paths = write_digits(tmp_path)
    template_model(tmp_path / "model.json", paths, 28)
    want = run(capsys, "predict", tmp_path / "model.json", paths[7])[1]
    weights = json.loads((tmp_path / "model.json").read_text())["state_dict"]
    save_model(tmp_path / "model.safetensors", {"engine": "fast", "activation": "relu",
                                                "image_size": 28}, weights)
    assert run(capsys, "predict", tmp_path / "model.safetensors", paths[7]) == (0, want, "")
    (tmp_path / "bare.json").write_text(json.dumps(weights))
    code, out, err = run(capsys, "predict", tmp_path / "bare.json", paths[7], "--activation", "relu")
    assert (code, out, err) == (0, want, "")
    code, out, err = run(capsys, "predict", tmp_path / "bare.json", paths[7])
    assert code == 0 and out == want and err.startswith("warning: ") and err.count("\n") == 1
