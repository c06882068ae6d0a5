"""The README's set-up commands are the ones CI runs."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _shell_lines(text):
    blocks = re.findall(r"^```(?:bash|sh|console)\n(.*?)^```", text, re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tests = [line for line in _shell_lines(readme) if "pytest" in line and "pip install" in line]
    assert len(tests) == 1, f"the README should show one install-and-test command, found {tests}"
    assert tests[0] in ci.splitlines(), f".ci/run does not run the README's test command: {tests[0]}"


def test_readme_main_command_installs_and_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    mains = [line for line in _shell_lines(readme) if "pip install" in line and "pytest" not in line]
    assert mains and "python -m " in mains[0], "the README's first command should install and run the main job"
