"""The README's transcripts of ``python -m mnist`` keep the form the code prints.

They are real output of full runs, too long to repeat in the suite. Each command shown is run
here, in order, on a small generated dataset, and every printed line must match the README's
line with its numbers, spacing and digit-drawing characters generalised: a changed message,
column or line fails this test, while different accuracies do not.
"""

import re
import shlex
from pathlib import Path

from mnist_files import write_dataset

from mnist.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
PROMPT = "$ python -m mnist "
FILL = " ░▒▓▄▀█▁▂▃▅▆▇"  # digits' and the loss curve's drawing characters
TOKEN = re.compile(rf"(\d+(?:\.\d+)?)|([{FILL}]+)|(.)")


def transcripts():
    """(argv, shown output lines) for each ```console block that runs ``python -m mnist``."""
    text = README.read_text(encoding="utf-8")
    for block in re.findall(r"^```console\n(.*?)^```", text, re.S | re.M):
        lines = block.splitlines()
        if lines and lines[0].startswith(PROMPT):
            yield shlex.split(lines[0][len(PROMPT):]), lines[1:]


def line_pattern(line):
    """A regex for ``line`` with any number, and any run of spaces or drawing characters, free
    (a run at the end may be empty: a chart's row can end early)."""
    parts = []
    tokens = TOKEN.findall(line)
    for i, (number, fill, other) in enumerate(tokens):
        end = "*" if i == len(tokens) - 1 else "+"
        parts.append(r"\d+(?:\.\d+)?" if number else f"[{FILL}]{end}" if fill else re.escape(other))
    return re.compile("".join(parts) + r"\Z")


def test_line_pattern_frees_numbers_but_not_words():
    pattern = line_pattern("epoch 1/1  loss 0.2369  test 96.41%")
    assert pattern.match("epoch 3/10 loss 12.5  test 7%")
    assert not pattern.match("epoch 1/1  cost 0.2369  test 96.41%")
    assert line_pattern("        │██▄▁").match("        │") and not line_pattern("  │█").match("  ┤█")


def test_readme_transcripts_match_what_the_commands_print(tmp_path, monkeypatch, capsys):
    shown = list(transcripts())
    assert [argv[:2] for argv, _ in shown] == [["train", "--save"], ["show", "model.json"], ["train", "--resume"]], \
        "the README should show train, then show, then train --resume"
    monkeypatch.setenv("MNIST_DATA", str(write_dataset(tmp_path / "data", n_train=60, n_test=20)))
    monkeypatch.setenv("COLUMNS", "100")  # the loss curve is as wide as the README's
    monkeypatch.chdir(tmp_path)
    for argv, want in shown:
        assert main(argv) == 0, f"python -m mnist {' '.join(argv)} failed"
        got = capsys.readouterr().out.splitlines()
        assert len(got) == len(want), f"{argv[0]}: {len(got)} lines printed, README shows {len(want)}"
        for printed, readme_line in zip(got, want):
            assert line_pattern(readme_line).match(printed), (
                f"{argv[0]}: printed {printed!r}, README shows {readme_line!r}")
