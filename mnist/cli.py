"""``python -m mnist train | eval | show | predict | report``: train on real digits, score a model, draw digits.

Every option is checked before any data is read or any file written; a bad one gives a
one-line message and exit status 2, a data or model problem exit status 1.
"""

import argparse
import math
import os
import sys

from . import dataset, report
from .errors import DataError
from .fetch import load
from .model_file import read_model, save_model, write_json

__all__ = ["main", "build_parser"]

IMAGE_SIZES = (28, 14, 7)
TRAIN_IMAGES, TEST_IMAGES = 60000, 10000
ENGINES = ("fast", "scalar")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
OPTIMIZERS = ("sgd", "adam", "adamw")
DEFAULT_LR = {"sgd": 0.1, "adam": 3e-3, "adamw": 3e-3}  # measured: adam 3e-3 gives 96.4% in one epoch
ACTIVATION_HELP = "for a model file that does not record its activation (default relu)"
TIMING_NOTE = ("'epochs' and 'config' are the same for the same command and seed; "
               "wall-clock figures are kept apart under 'timings'")


def _checked(convert, kind, ok, problem):
    """An argparse type: ``convert(text)``, then ``ok(value)`` or the message ``problem(value)``."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(problem(value))
        return value
    return parse


def _count(limit):
    return _checked(int, "a whole number", lambda v: 1 <= v <= limit,
                    lambda v: f"{v} is out of range (choose 1 to {limit})")


_rate = _checked(float, "a number", lambda v: math.isfinite(v) and v > 0,
                 lambda v: f"{v} must be a positive finite number")
_seed = _checked(int, "a whole number", lambda v: v >= 0, lambda v: f"{v} is negative")


def _hidden(text):
    """'128' or '64,32' -> [128] or [64, 32]; every size at least 1."""
    sizes = []
    for part in text.split(","):
        try:
            size = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: expected sizes like 128 or 64,32") from None
        if size < 1:
            raise argparse.ArgumentTypeError(f"{text!r}: a hidden layer needs at least 1 unit, "
                                             f"got {size}")
        sizes.append(size)
    return sizes


def _data_options(p):
    p.add_argument("--data-dir", help="folder with the MNIST files (else MNIST_DATA, the cache, "
                   "or a download)")
    p.add_argument("--test-size", type=_count(TEST_IMAGES),
                   help="use the first N test images (default all 10000)")
    p.add_argument("--image-size", type=int, choices=IMAGE_SIZES,
                   help="downsample images to this many pixels a side")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m mnist", description="Train on real handwritten digits, score a model, "
        "draw digits.", epilog="example: python -m mnist train --epochs 2 --save model.json; "
        "python -m mnist show model.json")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,eval,show,predict,report}")

    t = sub.add_parser("train", help="train a model and report its test accuracy")
    t.add_argument("--engine", choices=ENGINES, default="fast",
                   help="fast: one graph node per layer (default); scalar: one per multiply")
    t.add_argument("--train-size", type=_count(TRAIN_IMAGES),
                   help="number of training images (default all 60000)")
    t.add_argument("--subset", choices=("balanced", "first"), default="balanced",
                   help="with --train-size below 60000: a seeded class-balanced sample, or the "
                   "first N (default balanced)")
    t.add_argument("--epochs", type=_count(10_000), default=1, help="passes over the training "
                   "images (default 1)")
    t.add_argument("--batch-size", type=_count(TRAIN_IMAGES), default=100, help="default 100")
    t.add_argument("--hidden", type=_hidden, default=[128], help="hidden sizes, e.g. 128 or 64,32")
    t.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="default relu")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="default adam")
    t.add_argument("--lr", type=_rate, help="learning rate (default 0.1 for sgd, 0.003 for adam "
                   "and adamw)")
    t.add_argument("--seed", type=_seed, default=0, help="weights, sample and batch order "
                   "(default 0); the same seed gives the same metrics")
    t.add_argument("--save", metavar="MODEL.json", help="write the trained model here")
    t.add_argument("--metrics", metavar="METRICS.json", help="write per-epoch metrics here")
    _data_options(t)

    e = sub.add_parser("eval", help="accuracy and confusion matrix of a saved model")
    e.add_argument("model", help="a model file written by train --save or nn's Module.save "
                   "(.json or .safetensors)")
    e.add_argument("--engine", choices=ENGINES, help="default: the engine the model was trained on")
    e.add_argument("--activation", choices=ACTIVATIONS, help=ACTIVATION_HELP)
    _data_options(e)

    s = sub.add_parser("show", help="draw test digits (with a model: the ones it gets wrong)")
    s.add_argument("model", nargs="?", help="a model file; show its mistakes with top-3 guesses")
    s.add_argument("--count", type=_count(1000), default=6, help="how many digits (default 6)")
    s.add_argument("--all", action="store_true", help="with a model: show right answers too")
    s.add_argument("--ascii", action="store_true", help="draw with ASCII only")
    s.add_argument("--engine", choices=ENGINES, help="default: the engine the model was trained on")
    s.add_argument("--activation", choices=ACTIVATIONS, help=ACTIVATION_HELP)
    _data_options(s)
    parser.commands = {"train": t, "eval": e, "show": s}  # so errors show the command's own usage
    parser.commands["predict"] = _predict_parser(sub)

    r = sub.add_parser("report", help="a training report as one offline HTML page: loss and accuracy "
                       "curves; with a model, the confusion matrix and the worst mistakes")
    r.add_argument("metrics", help="a metrics file written by train --metrics")
    r.add_argument("--model", help="a model file (train --save): adds the confusion matrix and mistakes")
    r.add_argument("-o", "--output", metavar="REPORT.html", default="report.html",
                   help="where to write the page (default report.html)")
    r.add_argument("--engine", choices=ENGINES, help="default: the engine the model was trained on")
    r.add_argument("--activation", choices=ACTIVATIONS, help=ACTIVATION_HELP)
    _data_options(r)
    parser.commands["report"] = r
    return parser


def _predict_parser(sub):
    p = sub.add_parser("predict", help="classify your own images of digits (PNG or PGM)")
    p.add_argument("model", help="a model file written by train --save or nn's Module.save "
                   "(.json or .safetensors)")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="PNG or PGM files, one digit each")
    p.add_argument("--ascii", action="store_true", help="draw with ASCII only")
    p.add_argument("--engine", choices=ENGINES, help="default: the engine the model was trained on")
    p.add_argument("--activation", choices=ACTIVATIONS, help=ACTIVATION_HELP)
    p.set_defaults(image_size=None)  # the model says which size it takes
    return p


def _check_output(parser, path, option):
    """Refuse before training starts if ``path`` could not be written later."""
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        parser.error(f"{option} {path}: is a folder")
    if not os.path.isdir(folder):
        parser.error(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        parser.error(f"{option} {path}: not writable")


def _image_size(parser, args, sizes):
    """The model's image side, checked against --image-size."""
    side = math.isqrt(sizes[0])
    if side * side != sizes[0] or side not in IMAGE_SIZES:
        raise DataError(f"{args.model}: the model takes {sizes[0]} inputs, not a "
                        f"{'/'.join(f'{s}x{s}' for s in IMAGE_SIZES)} image")
    if args.image_size is not None and args.image_size != side:
        parser.error(f"--image-size {args.image_size} does not match {args.model}, which takes "
                     f"{sizes[0]} inputs ({side}x{side} images)")
    return side


def _test_set(args, side):
    test = load("test", args.data_dir)
    return dataset.downsample(dataset.first(test, args.test_size or len(test)), side)


def _progress():
    return sys.stdout.isatty() and sys.stderr.isatty()


def _print_scores(probabilities, labels):
    predicted = list(map(report.argmax, probabilities))
    true = list(labels)
    hits = sum(p == t for p, t in zip(predicted, true))
    print(f"test accuracy {100 * hits / len(true):.2f}% ({hits} of {len(true)})")
    print(report.format_confusion(report.confusion_matrix(true, predicted)))


def _train(parser, args):
    from nn.init import for_activation

    from .engines import make_engine, make_optimizer
    from .train import train

    _check_output(parser, args.save, "--save")
    _check_output(parser, args.metrics, "--metrics")
    if args.save and args.metrics and os.path.abspath(args.save) == os.path.abspath(args.metrics):
        parser.error("--save and --metrics name the same file")
    if args.train_size and args.batch_size > args.train_size:
        parser.error(f"--batch-size {args.batch_size} is larger than --train-size {args.train_size}")
    side = args.image_size or 28
    full = load("train", args.data_dir)
    size = args.train_size or len(full)
    if size == len(full) or args.subset == "first":
        train_set = dataset.first(full, size)
    else:
        train_set = dataset.balanced(full, size, args.seed)
    train_set = dataset.downsample(train_set, side)
    test_set = _test_set(args, side)
    sizes = [side * side] + args.hidden + [10]
    init = for_activation(args.activation)
    lr = args.lr or DEFAULT_LR[args.optimizer]
    config = {"engine": args.engine, "sizes": sizes, "activation": args.activation, "init": init,
              "optimizer": args.optimizer, "lr": lr, "epochs": args.epochs,
              "batch_size": args.batch_size, "train_size": len(train_set), "subset": args.subset,
              "test_size": len(test_set), "image_size": side, "seed": args.seed}
    engine = make_engine(args.engine, sizes, args.activation, seed=args.seed, init=init)
    optimizer = make_optimizer(args.optimizer, engine.model.parameters(), lr)
    print(f"training on the {args.engine} engine: {' -> '.join(map(str, sizes))} "
          f"({args.activation}), {args.optimizer} lr {lr:g}, {len(train_set)} training "
          f"images {side}x{side}, batch {args.batch_size}, {args.epochs} epoch(s), seed {args.seed}")
    if args.engine == "scalar" and len(train_set) * side * side > 5000 * 784:
        print("note: the scalar engine builds one node per multiply and trains tens of images per "
              "second; for a quick run try --train-size 1000 --hidden 32 (or --image-size 14)")
    records, timings, probabilities = train(engine, optimizer, train_set, test_set, args.epochs,
                                            args.batch_size, args.seed, progress=_progress())
    _print_scores(probabilities, test_set.labels)
    if args.save:
        save_model(args.save, config, engine.model.state_dict())
        print(f"model saved to {args.save}")
    if args.metrics:
        write_json(args.metrics, {"config": config, "epochs": records, "timings": timings,
                                  "note": TIMING_NOTE})
        print(f"metrics saved to {args.metrics}")
    return 0


def _load_model(parser, args):
    from .engines import make_engine

    config, state, sizes = read_model(args.model)
    side = _image_size(parser, args, sizes)
    if config.get("image_size", side) != side:
        raise DataError(f"{args.model}: the config says {config['image_size']}x"
                        f"{config['image_size']} images but the model takes {side * side} inputs")
    name = args.engine or config.get("engine", "fast")
    if name not in ENGINES:
        raise DataError(f"{args.model}: unknown engine {name!r} in the config")
    engine = make_engine(name, sizes, _activation(parser, args, config, side), state=state)
    return engine, side


def _activation(parser, args, config, side):
    """The model's activation: the one its file records, else --activation, else relu with a warning."""
    recorded, chosen = config.get("activation"), getattr(args, "activation", None)
    if recorded is not None and recorded not in ACTIVATIONS:
        raise DataError(f"{args.model}: unknown activation {recorded!r} in the config")
    if recorded and chosen and chosen != recorded:
        parser.error(f"--activation {chosen} does not match {args.model}, which was "
                     f"trained with {recorded}")
    if not recorded and not chosen:
        size = "" if "image_size" in config else f" and {side}x{side} images (its {side * side} inputs)"
        print(f"warning: {args.model} does not record its configuration; assuming relu "
              f"(choose with --activation){size}", file=sys.stderr)
    return recorded or chosen or "relu"


def _eval(parser, args):
    from .train import predict

    engine, side = _load_model(parser, args)
    test_set = _test_set(args, side)
    _print_scores(predict(engine, test_set, progress=_progress()), test_set.labels)
    return 0


def _show(parser, args):
    unicode = not args.ascii and report.can_draw_unicode(sys.stdout)
    if args.model is None:
        test_set = _test_set(args, args.image_size or 28)
        chosen = [(i, None) for i in range(min(args.count, len(test_set)))]
    else:
        from .train import predict

        engine, side = _load_model(parser, args)
        test_set = _test_set(args, side)
        probabilities = predict(engine, test_set, progress=_progress())
        wrong = [report.argmax(p) != y for p, y in zip(probabilities, test_set.labels)]
        chosen = [(i, p) for i, p in enumerate(probabilities) if args.all or wrong[i]][:args.count]
        print(f"{sum(wrong)} of {len(test_set)} test images predicted wrong; showing {len(chosen)}")
    pictures = dataset.floats(test_set, [i for i, _ in chosen])
    for (i, p), pixels in zip(chosen, pictures):
        print(report.format_prediction(pixels, test_set.rows, test_set.cols, test_set.labels[i],
                                       p, title=f"test image {i}", unicode=unicode))
    return 0


def _predict(parser, args):
    from .predict import predict_files

    engine, side = _load_model(parser, args)
    unicode = not args.ascii and report.can_draw_unicode(sys.stdout)
    return predict_files(engine, side, args.images, unicode)


def _report(parser, args):
    from . import report_html

    _check_output(parser, args.output, "-o")
    if os.path.abspath(args.output) in {os.path.abspath(p) for p in (args.metrics, args.model) if p}:
        parser.error(f"-o {args.output} would overwrite an input file")
    metrics = report_html.read_metrics(args.metrics)
    scored = None
    if args.model:
        from .train import predict

        engine, side = _load_model(parser, args)
        test_set = _test_set(args, side)
        scored = (args.model, test_set, predict(engine, test_set, progress=_progress()))
    report_html.write_report(args.output, args.metrics, metrics, scored)
    print(f"report written to {args.output}")
    return 0


def main(argv=None):
    """Run the command line; returns the exit status (0 ok, 1 data/model problem, 2 bad usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        command = {"train": _train, "eval": _eval, "show": _show,
                   "predict": _predict, "report": _report}[args.command]
        return command(parser.commands[args.command], args)
    except SystemExit as e:  # argparse reports bad usage this way
        return e.code if isinstance(e.code, int) else 2
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was saved", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
