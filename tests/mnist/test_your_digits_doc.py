"""docs/your-digits.md's transcripts of ``python -m mnist predict`` are what the command prints.

The example images in docs/digits/ are run through the command with a freshly seeded model:
every drawing must match the page exactly (it depends on the image, not the model), every
caption and message line with its numbers free (they depend on the trained model shown).
"""

import shlex
from pathlib import Path

from image_files import grey_png
from test_readme_transcripts import line_pattern

from mnist.cli import main
from mnist.engines import initial_state
from mnist.model_file import save_model

DOCS = Path(__file__).resolve().parents[2] / "docs"
PROMPT = "$ python -m mnist predict "


def transcripts():
    """(argv, shown lines, whether all are shown) for each ```console block running ``predict``;
    a line '...' ends what the page shows."""
    text = (DOCS / "your-digits.md").read_text(encoding="utf-8")
    for block in text.split("```console\n")[1:]:
        lines = block.split("```")[0].splitlines()
        if lines[0].startswith(PROMPT):
            shown = lines[1:]
            whole = "..." not in shown
            yield ["predict", *shlex.split(lines[0][len(PROMPT):])], shown[:None if whole else
                                                                           shown.index("...")], whole


def test_the_pages_transcripts_match_what_predict_prints(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").symlink_to(DOCS)
    save_model("model.json", {"engine": "fast", "activation": "relu", "image_size": 28},
               initial_state([784, 128, 10], seed=0))
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\0\x10JFIF\0")
    (tmp_path / "blank.png").write_bytes(grey_png([[255] * 40] * 40))
    shown = list(transcripts())
    assert len(shown) == 3
    for argv, want, whole in shown:
        code = main(argv)
        out, err = capsys.readouterr()
        got = (err + out).splitlines()  # the page shows a message before the pictures
        assert code == (1 if any(line.startswith("error: ") for line in want) else 0)
        assert len(got) == len(want) if whole else len(got) > len(want), (
            f"{argv}: {len(got)} lines printed, the page shows {len(want)}")
        for printed, page in zip(got, want):
            if page.startswith("|"):  # the drawing: exactly as on the page
                assert printed.split("|")[1] == page.split("|")[1], f"{argv}: {printed!r}"
            assert line_pattern(page).match(printed), f"{argv}: printed {printed!r}, page {page!r}"
