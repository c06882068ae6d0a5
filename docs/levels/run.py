"""Run a level of the learning path: the page's own code, printed with the output it gives now.

    python docs/levels/run.py 1            # level 1, everything the page shows
    python docs/levels/run.py 1 --quick    # the same with the smaller sizes the test suite uses
    python docs/levels/run.py --list       # the levels, with the time each page states
    python docs/levels/run.py 1 --update   # write the outputs it gets into the page (for authors)

A level is one page, ``docs/levels/NN-title.md``, and its code is only in two kinds of block:

- ```` ```pycon ```` doctest sessions: ``>>> `` and ``... `` lines and the output they print
  (an exception as ``Traceback (most recent call last):``, ``  ...`` and its last line).
  Outputs are compared as ``tests/test_docs.py`` compares them: ``...`` matches anything
  (ELLIPSIS) and runs of spaces and newlines are equal (NORMALIZE_WHITESPACE).
- ```` ```console ```` a ``$ python ...`` command run from the repository's root, and what it
  prints; in its output, ``(Pdb) x`` lines are the input ``x`` typed at pdb's prompt.

This script runs the blocks in page order in one namespace (as one interactive session would)
and prints each under the page's headings, with its output as it is now. When an output differs
from the page it says where and exits with status 1. ``tests/test_levels.py`` runs every level
this way with ``--quick``, so the page and this command can't drift apart.

Quick sizes: a line ``>>> steps = 200  # quick: 20`` runs as ``steps = 20`` with ``--quick``.
A block fenced ```` ```pycon size-dependent ```` shows output that depends on those sizes;
with ``--quick`` it still runs, but its output is compared only if no quick size came before it.
A block fenced ```` ```pycon real-data ```` shows output that depends on the real MNIST files;
when the test suite has none it runs the level on generated files (``run_page(...,
generated=True)``), where such a block still runs but its output is not compared.
"""

import contextlib
import doctest
import io
import os
import pathlib
import re
import shlex
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field

LEVELS = pathlib.Path(__file__).resolve().parent
ROOT = LEVELS.parent.parent
sys.path.insert(0, str(ROOT))  # the pages import this checkout's autograd and nn

from autograd.commands import ArgumentParser, run  # noqa: E402  (after the line above)

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
HEADING = re.compile(r"^(#{1,3}) .+$", re.M)
QUICK = re.compile(r"^(?P<lhs>[A-Za-z_][\w, ]*=\s*)(?P<full>.+?)\s+# quick: (?P<quick>.+)$")
PROMPTS = ("(Pdb) ",)  # console output lines that carry typed input


@dataclass
class Block:
    """A fenced block: ``kind`` (pycon, console), its fence ``options`` and ``body``; ``line`` 1-based."""

    kind: str
    options: tuple
    body: str
    line: int


@dataclass
class Result:
    """What running a page gave: the transcript, and each difference from the page."""

    lines: list = field(default_factory=list)
    differences: list = field(default_factory=list)
    patches: list = field(default_factory=list)  # (first line index, line count, new output) per difference
    examples: int = 0
    seconds: float = 0.0


def pages():
    """{level number: page path} for every ``NN-title.md`` in docs/levels."""
    found = {}
    for path in sorted(LEVELS.glob("[0-9][0-9]-*.md")):
        found[int(path.name[:2])] = path
    return found


def parse(text):
    """The page's headings (as strings) and code blocks (as ``Block``), in page order."""
    items = [(m.start(), m.group(0)) for m in HEADING.finditer(text)]
    fenced = [(m.start(), Block(m.group(1), tuple(m.group(2).split()), m.group(3),
                                text.count("\n", 0, m.start(3)) + 1)) for m in FENCE.finditer(text)]
    inside = [(m.start(), m.end()) for m in FENCE.finditer(text)]  # "# comment" lines in code are not headings
    items = [(at, h) for at, h in items if not any(a <= at < b for a, b in inside)]
    return [item for _, item in sorted(items + fenced, key=lambda pair: pair[0])]


def _rank(heading):
    """1 for "# Title", 2 for "## Section", ..."""
    return len(heading) - len(heading.lstrip("#"))


def _quick_source(source):
    """(source as --quick runs it, True) for a ``# quick:`` line, else (source, False)."""
    first, _, rest = source.partition("\n")
    m = QUICK.match(first)
    if not m:
        return source, False
    return f"{m['lhs']}{m['quick']}  # --quick (the page: {m['full']})\n{rest}", True


def _execute(source, globs, name):
    """Run one example as the interactive prompt would; (printed output, exception or None)."""
    buffer, error = io.StringIO(), None
    hook, sys.displayhook = sys.displayhook, sys.__displayhook__  # echo expression values, as a REPL does
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile(source, name, "single", dont_inherit=True), globs)
    except Exception as e:  # noqa: BLE001 - the page may expect it; compared below
        error = e
    finally:
        sys.displayhook = hook
    return buffer.getvalue(), error


def _prompted(source):
    lines = source.rstrip("\n").split("\n")
    return [">>> " + lines[0]] + ["... " + line for line in lines[1:]]


def _run_pycon(block, globs, path, quick, result, state):
    checker = doctest.OutputChecker()
    for ex in doctest.DocTestParser().get_examples(block.body):
        line = block.line + ex.lineno
        if ex.options.get(doctest.SKIP):
            continue
        if "# quick:" in ex.source and not QUICK.match(ex.source.partition("\n")[0]):
            result.differences.append(f"{path.name}, line {line}: a '# quick:' size is used only at the end of "
                                      "an example's first line, `name = value  # quick: smaller`")
        source, shrunk = _quick_source(ex.source) if quick else (ex.source, False)
        state["shrunk"] |= shrunk
        got, error = _execute(source, globs, f"{path.name}:{line}")
        result.examples += 1
        flags = FLAGS
        for flag, on in ex.options.items():
            flags = flags | flag if on else flags & ~flag
        if error is not None and ex.exc_msg is not None:
            exc_only = "".join(traceback.format_exception_only(error))
            ok = checker.check_output(ex.exc_msg, exc_only, flags)
            shown = "Traceback (most recent call last):\n  ...\n" + exc_only
        elif error is not None:
            ok, shown = False, got + "".join(traceback.format_exception(error))
        else:
            ok, shown = checker.check_output(ex.want, got, flags), got
        # a size-dependent output (quick sizes) or real-data output (generated files) may differ,
        # but an unexpected exception may not
        crashed = error is not None and ex.exc_msg is None
        unchecked = not crashed and ((quick and state["shrunk"] and "size-dependent" in block.options)
                                     or (state["generated"] and "real-data" in block.options))
        result.lines += _prompted(source) + shown.rstrip("\n").split("\n") * bool(shown)
        if not ok and not unchecked:
            result.differences.append(f"{path.name}, line {line}:\n{source}expected:\n"
                                      f"{ex.want or '(nothing)'}\ngot:\n{shown or '(nothing)'}")
            if not crashed:
                result.patches.append((line - 1 + ex.source.count("\n"), ex.want.count("\n"), shown))


def _console_commands(body):
    """[(command, typed input lines, expected output)] for each ``$`` line of a console block."""
    commands = []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            commands.append([line[2:], [], []])
        elif commands:
            commands[-1][2].append(line)
            for prompt in PROMPTS:
                if line.startswith(prompt):
                    commands[-1][1].append(line[len(prompt):])
    return commands


def _transcript(output, typed):
    """The output of a session fed ``typed`` on stdin, with each input shown after its prompt."""
    for prompt in PROMPTS:
        parts = output.split(prompt)
        if len(parts) > 1:
            answers = typed + [""] * len(parts)
            return parts[0] + "".join(f"{prompt}{a}\n{p}" for a, p in zip(answers, parts[1:]))
    return output


def _run_console(block, path, result):
    checker = doctest.OutputChecker()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               PYTHONUNBUFFERED="1")
    for command, typed, want in _console_commands(block.body):
        argv = shlex.split(command)
        if argv[0] in ("python", "python3"):
            argv[0] = sys.executable
        done = subprocess.run(argv, input="".join(t + "\n" for t in typed), cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        got = _transcript(done.stdout, typed).rstrip("\n") + "\n"
        result.examples += 1
        result.lines += [f"$ {command}"] + got.rstrip("\n").split("\n")
        expected = "\n".join(want) + "\n"
        if not checker.check_output(expected, got, FLAGS):
            result.differences.append(f"{path.name}, line {block.line}:\n$ {command}\nexpected:\n"
                                      f"{expected}got:\n{got}")


def run_page(path, quick=False, generated=False):
    """Run every block of the page at ``path``; a ``Result`` with its transcript and differences.

    ``generated``: the MNIST files are generated stand-ins, so ``real-data`` outputs are not compared."""
    path = pathlib.Path(path)
    result, state = Result(), {"shrunk": False, "generated": generated}
    globs = {"__name__": "__main__"}
    start = time.perf_counter()
    items = parse(path.read_text(encoding="utf-8"))
    for k, item in enumerate(items):
        if isinstance(item, str):
            following = next((i for i in items[k + 1:] if not isinstance(i, str) or _rank(i) <= _rank(item)), None)
            if isinstance(following, Block) or _rank(item) == 1:  # a section with no code is not shown
                result.lines += [item, ""]
        elif item.kind == "pycon":
            _run_pycon(item, globs, path, quick, result, state)
            result.lines.append("")
        elif item.kind == "console":
            _run_console(item, path, result)
            result.lines.append("")
        else:
            result.differences.append(f"{path.name}, line {item.line}: a ```{item.kind} block; a level's "
                                      "code goes in ```pycon or ```console blocks, which are run and checked")
    result.seconds = time.perf_counter() - start
    return result


def update_page(path, result):
    """Write each differing pycon output of ``result`` into the page at ``path``, in place."""
    lines = pathlib.Path(path).read_text(encoding="utf-8").split("\n")
    for first, count, new in sorted(result.patches, reverse=True):
        shown = [line if line.strip() else "<BLANKLINE>" for line in new.rstrip("\n").split("\n")] if new else []
        lines[first:first + count] = shown
    pathlib.Path(path).write_text("\n".join(lines), encoding="utf-8")


def stated_time(path):
    """The run time a page states ("runs in about 4 s"), or None."""
    m = re.search(r"runs? in about ([\d.]+ (?:s|seconds|minutes?))", path.read_text(encoding="utf-8"))
    return m.group(1) if m else None


def main(argv=None):
    parser = ArgumentParser(prog="python docs/levels/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("level", nargs="?", type=int, help="the level's number (1, 2, ...)")
    parser.add_argument("--quick", action="store_true", help="use the smaller sizes the test suite uses")
    parser.add_argument("--list", action="store_true", help="list the levels")
    parser.add_argument("--update", action="store_true",
                        help="write the outputs it gets into the page where they differ (read the diff after!)")
    args = parser.parse_args(argv)
    levels = pages()
    if args.list or args.level is None:
        for n, path in levels.items():
            title = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
            print(f"{n:2d}  {title}  ({path.relative_to(ROOT)}, about {stated_time(path) or '?'})")
        return 0
    if args.level not in levels:
        parser.error(f"no level {args.level}; the levels are {', '.join(map(str, levels))}")
    result = run_page(levels[args.level], quick=args.quick)
    print("\n".join(result.lines).strip("\n"))
    print()
    size = " with --quick sizes" if args.quick else ""
    if result.differences and args.update and not args.quick:
        update_page(levels[args.level], result)
        print(f"level {args.level}: wrote {len(result.patches)} new outputs into {levels[args.level].name}; "
              f"check them with git diff")
        return 0 if len(result.patches) == len(result.differences) else 1
    if result.differences:
        print("\n\n".join(result.differences))
        print(f"\nlevel {args.level}: {len(result.differences)} of {result.examples} outputs differ from "
              f"the page{size} ({result.seconds:.1f} s)")
        return 1
    print(f"level {args.level}: {result.examples} examples, every output as on the page{size} "
          f"({result.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
