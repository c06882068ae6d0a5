"""What the project's commands (``python -m autograd``, ``nn.demo``, ``mnist``) share.

A bad option gives one line naming it and pointing to ``--help`` (exit status 2), and Ctrl-C
ends with one line (exit status 130), never a usage block or a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

__all__ = ["ArgumentParser", "run"]


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, but a bad option gives one line naming it and pointing to --help.

    ``prog: error: argument --epochs: 0 is out of range (choose 1 to 10000); see prog --help``,
    exit status 2, instead of the whole usage block. Subcommand parsers made with
    ``add_subparsers().add_parser`` are of this class too.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")

    def reject(self, extras: Sequence[str]) -> NoReturn:
        """Report arguments that no option took, suggesting the nearest option for a typo."""
        word = extras[0]
        if not word.startswith("-"):
            self.error(f"unexpected argument {word!r}")
        name = word.split("=", 1)[0]
        options = [o for action in self._actions for o in action.option_strings if o.startswith("--")]
        close = difflib.get_close_matches(name, options, n=1)
        self.error(f"unrecognized option {name}" + (f" (did you mean {close[0]}?)" if close else ""))

    def parse_args(self, args=None, namespace=None):
        """``argparse``'s ``parse_args``, with arguments no option took reported by ``reject``."""
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            self.reject(extras)
        return namespace


def run(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> int:
    """``main(argv)``'s exit status: 0 if it returns None, argparse's 2 for a bad option, and
    130 after Ctrl-C, which prints the one line "interrupted"."""
    try:
        return main(argv) or 0
    except SystemExit as e:  # argparse reports bad usage (and --help) this way
        return e.code if isinstance(e.code, int) else 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
