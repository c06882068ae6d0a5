"""micrograd's demo on puregrad: ``python -m nn.demo``.

Trains ``MLP(2, [16, 16, 1])`` on 100 two-moons points with the SVM hinge loss plus a 1e-4 L2
penalty, full batch, SGD with the learning rate decaying from 1.0 to 0.1, printing the loss
and training accuracy as it goes, then an ASCII picture of the decision boundary.
"""

import sys

from autograd import gc_paused, no_grad
from autograd.commands import ArgumentParser, run

from . import data
from .losses import check_finite, l2, svm_hinge
from .optim import SGD
from .plot import decision_map
from .scalar_models import MLP


def train(steps=100, n=100, noise=0.1, seed=1337, log=print, every=10):
    """Train the demo model; returns (model, X, y in {-1, +1}, [(step, loss, accuracy), ...])."""
    X, labels = data.make_moons(n, noise, rng=seed)
    y = [2 * label - 1 for label in labels]
    model = MLP(2, [16, 16, 1], rng=seed)
    optimizer = SGD(model.parameters(), lr=1.0)
    history = []
    for k in range(steps):
        with gc_paused():  # the graph has no reference cycles; the collector would only rescan it
            scores = [model(x) for x in X]
            loss = svm_hinge(scores, y) + l2(model.parameters(), 1e-4)
            check_finite(loss, k)
            accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores)) / len(y)
            history.append((k, loss.data, accuracy))
            optimizer.zero_grad()
            loss.backward()
            optimizer.lr = 1.0 - 0.9 * k / steps
            optimizer.step()
        if log and (k % every == 0 or k == steps - 1):
            log(f"step {k:3d}  loss {loss.data:.6f}  accuracy {accuracy:.0%}")
    return model, X, y, history


def accuracy(model, X, y):
    """Fraction of points whose score has the label's sign."""
    with no_grad():
        return sum((yi > 0) == (model(x).data > 0) for x, yi in zip(X, y)) / len(y)


def boundary_picture(model, X, y, width=64, height=24):
    """The plane as text: '.' where the model says -1, '#' where it says +1; points 'o' (-1) and 'x' (+1)."""
    return decision_map(lambda p: int(model(p).data > 0), X, [int(yi > 0) for yi in y], width, height)


def main(argv=None):
    """Run the demo; returns the exit status (0, 2 for a bad option, 130 after Ctrl-C)."""
    return run(_demo, argv)


def _demo(argv):
    parser = ArgumentParser(prog="python -m nn.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--seed", type=int, default=1337, help="seed for data and weights")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"argument --steps: must be at least 1, got {args.steps}")
    print(f"MLP(2, [16, 16, 1]) on 100 two-moons points: SVM hinge loss + 1e-4 L2, SGD, {args.steps} steps")
    model, X, y, _ = train(args.steps, seed=args.seed)
    print(f"final training accuracy {accuracy(model, X, y):.0%}")
    print("decision boundary ('.' predicted -1, '#' predicted +1; points: 'o' class -1, 'x' class +1):")
    print(boundary_picture(model, X, y))


if __name__ == "__main__":
    sys.exit(main())
