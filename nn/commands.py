"""What the project's commands (``python -m nn.demo``, ``python -m mnist``) share: one-line errors."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["ArgumentParser"]


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
