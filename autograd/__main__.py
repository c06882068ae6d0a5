"""``python -m autograd``: one neuron's forward and backward pass, shown step by step."""

import autograd
from autograd import Value
from autograd.commands import ArgumentParser, run
from autograd.trace import trace


def main(argv=None):
    """Show the neuron; returns the exit status (0, 2 for a bad option, 130 after Ctrl-C)."""
    return run(_neuron, argv)


def _neuron(argv):
    parser = ArgumentParser(
        prog="python -m autograd",
        description="One neuron, o = tanh(x1*w1 + x2*w2 + b): its forward pass, then its backward "
                    "pass one chain-rule step per row, then the gradients. The learning path "
                    "(docs/levels/README.md) explains every number.")
    parser.add_argument("--x1", type=float, default=2.0, help="first input (default 2)")
    parser.add_argument("--x2", type=float, default=0.0, help="second input (default 0)")
    args = parser.parse_args(argv)
    x1, x2 = Value(args.x1, "x1"), Value(args.x2, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = autograd.sum([x1 * w1, x2 * w2, b])
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    print("o = tanh(x1*w1 + x2*w2 + b)")
    print(f"forward: n = {n.data:.6f}, o = {o.data:.6f}\n")
    print("backward, one chain-rule step per row:")
    print(trace(o, keep_grads=True))  # keep_grads: the gradients printed below
    print("\ngradients: " + ", ".join(f"d{v.label} = {v.grad:.4g}" for v in (x1, w1, x2, w2, b)))


if __name__ == "__main__":
    status = main()
    if status:  # exit quietly on success, so `python -m pdb -m autograd` reports the program finished
        raise SystemExit(status)
