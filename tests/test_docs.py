"""Every Python example in README.md and docs/ runs here, with its shown output checked.

Python examples are doctest sessions in ```pycon blocks; a plain ```python block would go
unchecked, so it is rejected. Shell blocks (install and run commands) are what .ci/run does.
"""

import doctest
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PYCON = re.compile(r"^```pycon\n(.*?)^```", re.S | re.M)


def _doctest_for(path):
    text = path.read_text(encoding="utf-8")
    # keep each block at its line in the page, so a failure points at the right line
    padded = []
    for match in PYCON.finditer(text):
        line = text.count("\n", 0, match.start(1))
        padded.append("\n" * (line - sum(p.count("\n") for p in padded)) + match.group(1))
    return doctest.DocTestParser().get_doctest("".join(padded), {}, path.name, str(path), 0)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_examples_run_and_match_their_output(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    test = _doctest_for(path)
    assert test.examples, f"{path.name} has no ```pycon examples"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_python_blocks_are_checked_sessions(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^```(python|py)\s*$", text, re.M), (
        f"{path.name}: write Python examples as ```pycon doctest sessions so the suite checks them")
