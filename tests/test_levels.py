"""The learning path (docs/levels): every level's code runs with its shown output, through the
same runner as ``python docs/levels/run.py N``, and every page keeps the shape of a level."""

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _module("levels_run", ROOT / "docs" / "levels" / "run.py")
mnist_files = _module("levels_mnist_files", ROOT / "tests" / "mnist" / "mnist_files.py")

LEVELS = run.pages()


def test_the_levels_are_numbered_from_one_without_gaps():
    assert list(LEVELS) == list(range(1, len(LEVELS) + 1)) and len(LEVELS) >= 5


def _mnist_for(path, tmp_path, monkeypatch):
    """True when the level reads MNIST and gets generated files (random pixels): MNIST_DATA is unset."""
    if "mnist.load(" not in path.read_text(encoding="utf-8") or os.environ.get("MNIST_DATA"):
        return False  # no MNIST, or the real files (checked in full)
    folder = mnist_files.write_dataset(tmp_path / "generated-mnist", n_train=300, n_test=200)
    monkeypatch.setenv("MNIST_DATA", str(folder))  # never the cache or a download
    return True


@pytest.mark.parametrize("number", LEVELS)
def test_level_runs_with_the_output_on_its_page(number, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a level that writes files writes them here
    generated = _mnist_for(LEVELS[number], tmp_path, monkeypatch)
    result = run.run_page(LEVELS[number], quick=True, generated=generated)
    assert result.examples > 0
    assert not result.differences, "\n\n".join(result.differences)


@pytest.mark.parametrize("number", LEVELS)
def test_level_page_has_the_shape_of_a_level(number):
    path = LEVELS[number]
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# Level {number}: "), f"{path.name}: the title is '# Level {number}: ...'"
    assert f"`python docs/levels/run.py {number}`" in text, f"{path.name}: name the command that runs it"
    assert run.stated_time(path), f"{path.name}: state the measured time ('runs in about 4 s')"
    try_this = text.split("\n## Try this\n", 1)
    assert len(try_this) == 2, f"{path.name}: end with a '## Try this' section"
    bullets = re.findall(r"^- ", try_this[1].split("\n## ", 1)[0], re.M)
    assert 2 <= len(bullets) <= 3, f"{path.name}: two or three things to try, found {len(bullets)}"
    assert "\n## What you measured\n" in text, f"{path.name}: say what the learner measured"
    if number + 1 in LEVELS:
        assert f"({LEVELS[number + 1].name})" in text, f"{path.name}: link to the next level"


def test_the_index_lists_every_level():
    index = (ROOT / "docs" / "levels" / "README.md").read_text(encoding="utf-8")
    for path in LEVELS.values():
        assert f"({path.name})" in index, f"docs/levels/README.md does not link {path.name}"


def _page(tmp_path, text):
    path = tmp_path / "99-test.md"
    path.write_text(text, encoding="utf-8")
    return path


SIZED = """# Level 99: sizes

```pycon
>>> steps = 100  # quick: 10
>>> steps
100

```

```pycon size-dependent
>>> steps * 2
200

```
"""


def test_quick_sizes_replace_the_value_and_skip_only_size_dependent_outputs(tmp_path):
    path = _page(tmp_path, SIZED)
    assert not run.run_page(path).differences
    quick = run.run_page(path, quick=True)
    assert len(quick.differences) == 1 and "line 5" in quick.differences[0]  # `>>> steps` shows 10
    assert ">>> steps = 10  # --quick (the page: 100)" in quick.lines and "20" in quick.lines


def test_a_quick_size_the_runner_cannot_use_is_reported(tmp_path):
    path = _page(tmp_path, "# Level 99: x\n\n```pycon\n>>> for k in range(3):  # quick: range(1)\n...     k\n0\n1\n2\n\n```\n")
    (difference,) = run.run_page(path).differences
    assert "line 4: a '# quick:' size is used only at the end of an example's first line" in difference


def test_size_dependent_blocks_are_checked_before_any_quick_size_and_never_hide_a_crash(tmp_path):
    path = _page(tmp_path, "# Level 99: x\n\n```pycon size-dependent\n>>> 1 + 1\n3\n>>> 1 / 0\n5\n\n```\n")
    differences = run.run_page(path, quick=True).differences
    assert len(differences) == 2 and "ZeroDivisionError" in differences[1]


def test_real_data_blocks_are_compared_unless_the_data_is_generated(tmp_path):
    path = _page(tmp_path, "# Level 99: x\n\n```pycon real-data\n>>> 1 + 1\n3\n>>> 1 / 0\n5\n\n```\n"
                           "\n```pycon\n>>> 2 + 2\n5\n\n```\n")
    assert len(run.run_page(path).differences) == 3
    differences = run.run_page(path, generated=True).differences  # a crash and a plain block still count
    assert len(differences) == 2 and "ZeroDivisionError" in differences[0] and "2 + 2" in differences[1]


def test_a_difference_names_the_line_and_shows_both_outputs(tmp_path):
    path = _page(tmp_path, "# Level 99: x\n\ntext\n\n```pycon\n>>> print('a')\nb\n\n```\n")
    (difference,) = run.run_page(path).differences
    assert difference == "99-test.md, line 6:\nprint('a')\nexpected:\nb\n\ngot:\na\n"


def test_expected_exceptions_match_on_their_last_line(tmp_path):
    page = "# Level 99: x\n\n```pycon\n>>> int('x')\nTraceback (most recent call last):\n  ...\n" \
           "ValueError: invalid literal for int() with base 10: 'x'\n\n```\n"
    result = run.run_page(_page(tmp_path, page))
    assert not result.differences and result.lines[-2] == "ValueError: invalid literal for int() with base 10: 'x'"


def test_only_checked_blocks_may_hold_code(tmp_path):
    (difference,) = run.run_page(_page(tmp_path, "# Level 99: x\n\n```python\nprint(1)\n```\n")).differences
    assert "a ```python block" in difference


def test_console_sessions_show_typed_input_after_each_prompt():
    assert run._console_commands("$ python -m pdb x\n> here\n(Pdb) p 1\n1\n(Pdb) quit\n") == [
        ["python -m pdb x", ["p 1", "quit"], ["> here", "(Pdb) p 1", "1", "(Pdb) quit"]]]
    assert run._transcript("> here\n(Pdb) 1\n(Pdb) ", ["p 1", "quit"]) == "> here\n(Pdb) p 1\n1\n(Pdb) quit\n"


def test_console_blocks_run_from_the_root_and_compare_output(tmp_path):
    page = "# Level 99: x\n\n```console\n$ python -c \"import nn.plot; print('ok')\"\nok\n```\n"
    result = run.run_page(_page(tmp_path, page))
    assert not result.differences and result.lines[:3] == ["# Level 99: x", "", "$ python -c \"import nn.plot; print('ok')\""]


def test_the_command_prints_the_page_and_says_it_matches():
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "levels" / "run.py"), "1"], cwd=ROOT.parent,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    sources = re.findall(r"^>>> .*$", LEVELS[1].read_text(encoding="utf-8"), re.M)
    shown = [line for line in done.stdout.splitlines() if line.startswith(">>> ")]
    assert shown == sources
    assert re.search(r"level 1: \d+ examples, every output as on the page \([\d.]+ s\)\n$", done.stdout)


def test_the_command_lists_levels_and_refuses_an_unknown_one():
    script = str(ROOT / "docs" / "levels" / "run.py")
    listing = subprocess.run([sys.executable, script, "--list"], capture_output=True, text=True, timeout=60)
    assert listing.stdout.startswith(" 1  Level 1: One number learns  (docs/levels/01-")
    wrong = subprocess.run([sys.executable, script, "99"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and f"no level 99; the levels are 1, 2" in wrong.stderr
