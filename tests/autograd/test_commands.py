"""The commands' shared parts: one-line option errors (with a typo's nearest option) and one-line Ctrl-C."""

import pytest

from autograd.__main__ import main as autograd_main
from autograd.commands import ArgumentParser, run


def _parser():
    parser = ArgumentParser(prog="python -m tool")
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    return parser


@pytest.mark.parametrize("argv,message", [
    (["--steps", "x"], "argument --steps: invalid int value: 'x'"),
    (["--stpes", "3"], "unrecognized option --stpes (did you mean --steps?)"),
    (["--stpes=3"], "unrecognized option --stpes (did you mean --steps?)"),
    (["--colour"], "unrecognized option --colour"),
    (["extra"], "unexpected argument 'extra'"),
])
def test_a_bad_option_is_one_line_pointing_to_help(capsys, argv, message):
    assert run(lambda a: _parser().parse_args(a) and None, argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"python -m tool: error: {message}; see python -m tool --help\n"


def test_run_gives_the_exit_status(capsys):
    def interrupted(argv):
        raise KeyboardInterrupt

    assert run(lambda argv: None) == 0 and run(lambda argv: 3) == 3
    assert run(interrupted) == 130
    assert capsys.readouterr().err == "interrupted\n"
    assert run(lambda argv: _parser().parse_args(["--help"])) == 0
    assert "--steps" in capsys.readouterr().out


def test_python_m_autograd(capsys):
    assert autograd_main(["--x1", "1.5"]) == 0
    assert capsys.readouterr().out.startswith("o = tanh(x1*w1 + x2*w2 + b)\n")
    assert autograd_main(["--x11", "1"]) == 2
    assert capsys.readouterr().err == ("python -m autograd: error: unrecognized option --x11 (did you "
                                       "mean --x1?); see python -m autograd --help\n")
