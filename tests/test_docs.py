"""Every Python example in README.md and docs/ (any depth) runs here, with its shown output checked.

Python examples are doctest sessions in ```pycon blocks; a plain ```python block would go
unchecked, so it is rejected. A block that needs optional packages not installed for the
tests (PyTorch, say) is fenced ```python needs=torch (or needs=torch,safetensors) and runs,
after the page's pycon examples and in the same folder, wherever those packages are
importable. Shell blocks (install and run commands) are what .ci/run does. The learning path's
levels (docs/levels/NN-*.md) run in tests/test_levels.py instead, through the same runner as
``python docs/levels/run.py N`` (with its quick sizes); the rule on Python blocks holds for them too.
"""

import doctest
import importlib.util
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
LEVELS = ROOT / "docs" / "levels"
ALL_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
PAGES = [p for p in ALL_PAGES if p.parent != LEVELS]  # the levels and their index: tests/test_levels.py
PYCON = re.compile(r"^```pycon\n(.*?)^```", re.S | re.M)
NEEDS = re.compile(r"^```python needs=([\w,]+)\n(.*?)^```", re.S | re.M)


def _doctest_for(path):
    text = path.read_text(encoding="utf-8")
    # keep each block at its line in the page, so a failure points at the right line
    padded = []
    for match in PYCON.finditer(text):
        line = text.count("\n", 0, match.start(1))
        padded.append("\n" * (line - sum(p.count("\n") for p in padded)) + match.group(1))
    return doctest.DocTestParser().get_doctest("".join(padded), {}, path.name, str(path), 0)


def _run_examples(path):
    test = _doctest_for(path)
    assert test.examples, f"{path.name} has no ```pycon examples"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def _name(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", PAGES, ids=_name)
def test_examples_run_and_match_their_output(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    _run_examples(path)


OPTIONAL = [(path, m.group(1), m.group(2)) for path in PAGES
            for m in NEEDS.finditer(path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path, package, code", OPTIONAL, ids=[f"{p.name}-{pkg}" for p, pkg, _ in OPTIONAL])
def test_blocks_needing_optional_packages_run_where_installed(path, package, code, tmp_path, monkeypatch):
    missing = [name for name in package.split(",") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (optional; the block documents using it)")
    monkeypatch.chdir(tmp_path)
    _run_examples(path)  # the block reads what the page's examples wrote
    exec(compile(code, f"{path.name} (```python needs={package})", "exec"), {})


@pytest.mark.parametrize("path", ALL_PAGES, ids=_name)
def test_python_blocks_are_checked_sessions(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^```(python|py)\b(?![ \t]+needs=\w)", text, re.M), (
        f"{path.name}: write Python examples as ```pycon doctest sessions so the suite checks them")
    if path in PAGES:  # fence options (```pycon size-dependent) mean something only on a level's page
        assert not re.search(r"^```pycon[ \t]+\S", text, re.M), (
            f"{path.name}: a ```pycon block with options would not be run here; write ```pycon")


FENCED = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(path):
    """The #anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as -."""
    text = FENCED.sub("", path.read_text(encoding="utf-8"))
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(path):
    text = FENCED.sub("", path.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto: ...
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists() or (anchor and dest.suffix == ".md" and anchor not in _anchors(dest)):
            broken.append(target)
    assert not broken, f"{path.name}: links that lead nowhere: {broken}"
