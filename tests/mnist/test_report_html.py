"""``python -m mnist report``: charts from the metrics file, heat map and mistakes from the model, one line for
a bad file. What a browser makes of the page is checked in test_report_browser.py."""

import base64
import json
import re
import struct
import zlib

import pytest
from hypothesis import given, strategies as st
from mnist_files import write_dataset

from mnist import report_html
from mnist.charts import nice_ticks, png_data_uri
from mnist.cli import main

TINY = ["--engine", "fast", "--image-size", "7", "--hidden", "8", "--train-size", "40",
        "--test-size", "20", "--epochs", "2", "--batch-size", "10", "--lr", "0.01"]


@pytest.fixture
def data(tmp_path):
    return write_dataset(tmp_path / "data", n_train=60, n_test=20)


@pytest.fixture
def trained(capsys, tmp_path, data):
    """A tiny model and its metrics file, written by the real train command."""
    model, metrics = tmp_path / "model.json", tmp_path / "metrics.json"
    assert main(["train", "--data-dir", str(data), *TINY, "--save", str(model), "--metrics", str(metrics)]) == 0
    capsys.readouterr()
    return model, metrics


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def charts(page):
    return re.findall(r'data-chart="(\w+)"', page)


def test_without_a_model_the_page_has_the_curves_and_says_what_a_model_adds(capsys, tmp_path, trained):
    _, metrics = trained
    out = tmp_path / "report.html"
    code, printed, err = run(capsys, "report", metrics, "-o", out)
    assert code == 0 and printed == f"report written to {out}\n" and err == ""
    page = out.read_text(encoding="utf-8")
    assert charts(page) == ["loss", "accuracy"] and "Run with --model" in page
    kept = all("batch_losses" in e for e in json.loads(metrics.read_text())["epochs"])
    assert ("mean loss only" in page) is not kept
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page


def test_with_a_model_the_page_adds_the_heat_map_and_the_worst_mistakes(capsys, tmp_path, trained, data):
    model, metrics = trained
    out = tmp_path / "report.html"
    code, _, err = run(capsys, "report", metrics, "--model", model, "--data-dir", data, "--test-size", "20", "-o", out)
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert charts(page) == ["loss", "accuracy", "confusion"] and "Run with --model" not in page
    assert page.count('class="cell"') == 100
    accuracy = float(re.search(r"test accuracy ([\d.]+)% \((\d+) of 20\)", page).group(1))
    wrong = round(20 * (1 - accuracy / 100))
    figures = re.findall(r'data-index="(\d+)"><img src="([^"]+)"', page)
    assert len(figures) == min(wrong, report_html.MISTAKES)
    for _, uri in figures:
        assert decode_png(uri)[:2] == (7, 7)


def decode_png(uri):
    """(width, height, grey rows) of a PNG our writer made: signature, CRCs, filter 0 rows."""
    png = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(png):
        (size,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        body, (crc,) = png[at + 8:at + 8 + size], struct.unpack(">I", png[at + 8 + size:at + 12 + size])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind}"
        chunks[kind] = body
        at += 12 + size
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 0) and b"IEND" in chunks
    raw = zlib.decompress(chunks[b"IDAT"])
    rows = [raw[r * (width + 1):(r + 1) * (width + 1)] for r in range(height)]
    assert all(row[0] == 0 for row in rows) and len(raw) == height * (width + 1)
    return width, height, [list(row[1:]) for row in rows]


@given(st.integers(1, 30), st.integers(1, 30), st.sampled_from([255, 1020, 16320]), st.data())
def test_png_holds_the_digit_inverted(rows, cols, top, data):
    pixels = data.draw(st.lists(st.integers(0, top), min_size=rows * cols, max_size=rows * cols))
    width, height, grey = decode_png(png_data_uri(pixels, rows, cols, top))
    assert (width, height) == (cols, rows)
    assert [v for row in grey for v in row] == [255 - round(p * 255 / top) for p in pixels]


@given(st.floats(-1e6, 1e6), st.floats(1e-6, 1e6), st.booleans())
def test_nice_ticks_cover_the_range_evenly(low, span, whole):
    ticks = nice_ticks(low, low + span, whole=whole)
    assert ticks[0] <= low + 1e-9 * span and ticks[-1] >= low + span - 1e-9 * span
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(ticks) <= 12 and (len(steps) <= 1 or max(steps) - min(steps) <= 1e-6 * max(steps))
    if whole and len(ticks) > 1:
        assert min(steps) >= 1


def metrics_file(tmp_path, epochs=3, per_epoch=30, evaluations=True):
    m = {"config": {"train_size": per_epoch * 10, "batch_size": 10}, "epochs": [], "timings": []}
    for e in range(1, epochs + 1):
        losses = [2.3 / (e + b / per_epoch) for b in range(per_epoch)]
        m["epochs"].append({"epoch": e, "loss": sum(losses) / per_epoch, "train_accuracy": 0.5 + e / 10,
                            "test_accuracy": None if e < epochs else 0.9, "batch_losses": losses})
    if evaluations:
        m["evaluations"] = [{"epoch": e, "batch": b, "test_accuracy": 0.5 + e / 10 + b / 1000, "test_size": 20}
                            for e in range(1, epochs + 1) for b in (per_epoch // 2, per_epoch)]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m))
    return path


def _polyline(page, chart, colour):
    svg = re.search(rf'data-chart="{chart}".*?</svg>', page, re.S).group(0)
    return re.search(rf'stroke="{colour}"[^>]*points="([^"]+)"', svg).group(1).split()


def test_every_batch_loss_is_drawn_and_evaluations_sit_inside_their_epochs(tmp_path):
    path = metrics_file(tmp_path)
    page = report_html.build_report(path, report_html.read_metrics(path))
    assert "mean loss only" not in page and "of each of 90 batches" in page
    assert len(_polyline(page, "loss", "#9db8e0")) == 90 and page.count('class="mark"') == 2
    test = [float(p.split(",")[0]) for p in _polyline(page, "accuracy", "#2a9d5b")]
    assert len(test) == 6 and test == sorted(test) and len(set(test)) == 6  # halves and ends of 3 epochs
    assert "test accuracy 83.00%" in page  # the last evaluation (epoch 3, batch 30)


def test_a_long_run_draws_the_raw_loss_as_an_envelope(tmp_path, monkeypatch):
    monkeypatch.setattr(report_html, "_MAX_POINTS", 40)
    path = metrics_file(tmp_path, evaluations=False)
    page = report_html.build_report(path, report_html.read_metrics(path))
    assert len(_polyline(page, "loss", "#9db8e0")) <= 40 and len(_polyline(page, "loss", "#1f4fa0")) == 90


BAD_METRICS = [
    ("cut short", lambda good: good[:len(good) // 2], "not a metrics file (cut short or not JSON"),
    ("a list", lambda good: "[1, 2]", "not a metrics file from 'python -m mnist train --metrics'"),
    ("no epochs", lambda good: '{"epochs": []}', "(no 'epochs' list)"),
    ("no loss", lambda good: good.replace('"loss"', '"lost"'), "epoch record 0 has no number for 'loss'"),
    ("bad batch", lambda good: good.replace('"batch_losses": [', '"batch_losses": ["x", '),
     "epoch 1: 'batch_losses' is not a list of finite numbers"),
    ("NaN loss", lambda good: good.replace('"loss": ', '"loss": NaN, "x": ', 1), "has no number for 'loss'"),
]


@pytest.mark.parametrize("name, spoil, words", BAD_METRICS, ids=[b[0] for b in BAD_METRICS])
def test_a_bad_metrics_file_is_one_line_and_writes_nothing(capsys, tmp_path, name, spoil, words):
    path = metrics_file(tmp_path)
    path.write_text(spoil(path.read_text()))
    code, out, err = run(capsys, "report", path, "-o", tmp_path / "r.html")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith(f"error: {path}: ") and words in err
    assert not (tmp_path / "r.html").exists()


def test_a_missing_file_or_a_bad_output_path_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "report", tmp_path / "none.json", "-o", tmp_path / "r.html")
    assert code == 1 and "cannot read the metrics file" in err and err.count("\n") == 1
    path = metrics_file(tmp_path)
    code, _, err = run(capsys, "report", path, "-o", tmp_path / "no" / "r.html")
    assert code == 2 and "-o" in err and "does not exist" in err
    code, _, err = run(capsys, "report", path, "-o", path)
    assert code == 2 and "would overwrite an input file" in err
    assert json.loads(path.read_text())["epochs"]


def test_in_chromium_every_chart_and_digit_renders(browser, capsys, tmp_path, trained, data):
    model, metrics = trained
    out = tmp_path / "report.html"
    assert run(capsys, "report", metrics, "--model", model, "--data-dir", data, "-o", out)[0] == 0
    browser.set_window_size(1100, 900)
    browser.get(out.as_uri())
    sizes = browser.execute_script("""return Array.from(document.querySelectorAll('svg.chart, figure.mistake img'))
      .map(e => [e.tagName, e.getAttribute('data-chart'), e.getBoundingClientRect().width,
                 e.getBoundingClientRect().height, e.naturalWidth === undefined ? -1 : e.naturalWidth]);""")
    assert [s[1] for s in sizes if s[0] == "svg"] == ["loss", "accuracy", "confusion"]
    assert all(width > 50 and height > 50 for _, _, width, height, _ in sizes)
    images = [natural for tag, _, _, _, natural in sizes if tag == "IMG"]
    assert images and all(n == 7 for n in images)  # each PNG decoded, 7x7 as the model saw it
    shot = tmp_path / "report.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10000
