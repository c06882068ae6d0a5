"""``python -m mnist train | eval | show | predict | report``: train on real digits, score a model, draw digits.

Every option is checked before any data is read or any file written; a bad one gives a
one-line message and exit status 2, a data or model problem exit status 1, Ctrl-C one line
and exit status 130.
"""

import argparse
import contextlib
import math
import os
import shlex
import shutil
import sys

from autograd.commands import ArgumentParser

from . import dataset, report
from .checkpoint import default_path, describe, interrupts_held, read_checkpoint, write_checkpoint
from .errors import DataError
from .fetch import load
from .model_file import read_model, save_model, write_json
from .train import EvalEvery

__all__ = ["main", "build_parser"]

IMAGE_SIZES = (28, 14, 7)
TRAIN_IMAGES, TEST_IMAGES = 60000, 10000
ENGINES = ("fast", "scalar")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
OPTIMIZERS = ("sgd", "adam", "adamw")
DEFAULT_LR = {"sgd": 0.1, "adam": 3e-3, "adamw": 3e-3}  # measured: adam 3e-3 gives 96.4% in one epoch
ACTIVATION_HELP = "for a model file that does not record its activation (default relu)"
TIMING_NOTE = ("'config', 'epochs' and 'evaluations' are the same for the same command and seed, "
               "resumed or not; wall-clock figures are kept apart under 'timings'")
SCALAR_TEST_SIZE = 1000  # scoring 10,000 images on the scalar engine takes longer than an epoch
TRAIN_DEFAULTS = {"engine": "fast", "subset": "balanced", "epochs": 1, "batch_size": 100,
                  "hidden": [128], "activation": "relu", "optimizer": "adam", "seed": 0,
                  "eval_every": EvalEvery(), "lr_schedule": "none"}
# options that shape the weights: a resumed run takes them from its checkpoint and refuses others
FIXED_BY_CHECKPOINT = ("engine", "hidden", "image_size", "activation", "optimizer", "lr",
                       "lr_schedule", "batch_size", "train_size", "subset", "seed")
# options a checkpoint keeps for its resumed run, which may give others
RUN_OPTIONS = ("data_dir", "save", "metrics", "checkpoint_every")


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


def _eval_every(text):
    try:
        return EvalEvery.parse(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _lr_schedule(text):
    from .engines import schedule_name

    try:
        return schedule_name(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


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


def _data_options(p, test_size_help="use the first N test images (default all 10000)"):
    p.add_argument("--data-dir", help="folder with the MNIST files (else MNIST_DATA, the cache, "
                   "or a download)")
    p.add_argument("--test-size", type=_count(TEST_IMAGES), help=test_size_help)
    p.add_argument("--image-size", type=int, choices=IMAGE_SIZES,
                   help="downsample images to this many pixels a side")


def build_parser():
    parser = ArgumentParser(
        prog="python -m mnist", description="Train on real handwritten digits, score a model, "
        "draw digits.", epilog="example: python -m mnist train --epochs 2 --save model.json; "
        "python -m mnist show model.json")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,eval,show,predict,report}")

    # defaults are None here and filled in by _settle, so --resume can tell what was given
    t = sub.add_parser("train", help="train a model and report its test accuracy",
                       epilog="checkpoints: with --save model.json, model.ckpt.json is written after "
                       "each epoch; --resume model.ckpt.json continues from it (see docs/training.md)")
    t.add_argument("--engine", choices=ENGINES,
                   help="fast: one graph node per layer (default); scalar: one per multiply")
    t.add_argument("--train-size", type=_count(TRAIN_IMAGES),
                   help="number of training images (default all 60000)")
    t.add_argument("--subset", choices=("balanced", "first"),
                   help="with --train-size below 60000: a seeded class-balanced sample, or the "
                   "first N (default balanced)")
    t.add_argument("--epochs", type=_count(10_000), help="passes over the training images "
                   "(default 1); with --resume, the total to reach")
    t.add_argument("--batch-size", type=_count(TRAIN_IMAGES), help="default 100")
    t.add_argument("--hidden", type=_hidden, help="hidden sizes, e.g. 128 or 64,32 (default 128)")
    t.add_argument("--activation", choices=ACTIVATIONS, help="default relu")
    t.add_argument("--optimizer", choices=OPTIMIZERS, help="default adam")
    t.add_argument("--lr", type=_rate, help="learning rate (default 0.1 for sgd, 0.003 for adam "
                   "and adamw)")
    t.add_argument("--lr-schedule", type=_lr_schedule, metavar="cosine|step:N:GAMMA",
                   help="cosine: anneal the rate to 0 over the run, stepped every batch; "
                   "step:N:GAMMA: multiply it by GAMMA every N epochs (default none)")
    t.add_argument("--seed", type=_seed, help="weights, sample and batch order "
                   "(default 0); the same seed gives the same metrics")
    t.add_argument("--workers", type=_count(1024), help="processes to train with, each batch split "
                   "among them (default: the cores this process may use); 1: a single process")
    t.add_argument("--eval-every", type=_eval_every, metavar="N|N epochs|end",
                   help="score the test set every N batches, every N epochs, or only at the end "
                   "(default 1 epoch)")
    t.add_argument("--save", metavar="MODEL.json", help="write the trained model here")
    t.add_argument("--metrics", metavar="METRICS.json", help="write the metrics (every batch's "
                   "loss, every test score) here")
    t.add_argument("--checkpoint", metavar="CKPT.json", help="write checkpoints here (default: "
                   "beside --save, MODEL.ckpt.json; none without --save)")
    t.add_argument("--checkpoint-every", type=_count(10**9), metavar="N", help="also write a "
                   "checkpoint every N batches (default: after each epoch only)")
    t.add_argument("--resume", metavar="CKPT.json", help="continue the run saved in this "
                   "checkpoint, with its settings")
    t.add_argument("--ascii", action="store_true", help="draw the loss curve with ASCII only")
    _data_options(t, "use the first N test images (default all 10000; 1000 on the scalar engine)")

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


def _test_set(args, side, default=None):
    """The first ``--test-size`` (else ``default``, else all) test images at ``side`` pixels a
    side, and the full set's size."""
    test = load("test", args.data_dir)
    n = args.test_size or min(default or len(test), len(test))
    return dataset.downsample(dataset.first(test, n), side), len(test)


def _progress():
    return sys.stdout.isatty() and sys.stderr.isatty()


def _print_scores(probabilities, labels, total):
    predicted = list(map(report.argmax, probabilities))
    true = list(labels)
    hits = sum(p == t for p, t in zip(predicted, true))
    which = f"{len(true)}" if len(true) == total else f"the first {len(true)} of {total}"
    print(f"test accuracy {100 * hits / len(true):.2f}% ({hits} of {which} test images)")
    print(report.format_confusion(report.confusion_matrix(true, predicted)))


def _flag(name, value):
    shown = ",".join(map(str, value)) if isinstance(value, list) else f"{value:g}" \
        if isinstance(value, float) else value
    return f"--{name.replace('_', '-')} {shown}"


def _near(path):
    """A path kept absolute in a checkpoint, relative again if it lies below this folder."""
    if not isinstance(path, str):
        return path
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def _resume(parser, args):
    """Read ``--resume``'s checkpoint and settle the options from it; refuse a conflicting one."""
    checkpoint = read_checkpoint(args.resume)
    config, done = checkpoint.config, checkpoint.state.epoch - 1
    saved = {name: config[name] for name in FIXED_BY_CHECKPOINT if name in config}
    saved["hidden"] = config["sizes"][1:-1]
    for name, value in saved.items():
        given = getattr(args, name)
        if given is not None and given != value:
            parser.error(f"{_flag(name, given)} does not match {args.resume}, which was trained "
                         f"with {_flag(name, value)}")
        setattr(args, name, value)
    if args.lr_schedule == "cosine" and args.epochs not in (None, config["epochs"]):
        parser.error(f"--epochs {args.epochs} does not match {args.resume}, whose cosine schedule "
                     f"spans --epochs {config['epochs']}")
    args.epochs = args.epochs or config["epochs"]
    if args.epochs < done:
        parser.error(f"--epochs {args.epochs}: {args.resume} has already trained {done} epochs")
    args.test_size = args.test_size or config["test_size"]
    args.eval_every = args.eval_every or EvalEvery.parse(config["eval_every"])
    for name in RUN_OPTIONS:
        if getattr(args, name) is None:
            setattr(args, name, _near(checkpoint.options.get(name)))
    return checkpoint


def _settle(parser, args):
    """Fill in the defaults (or a checkpoint's settings); returns the checkpoint or None."""
    checkpoint = _resume(parser, args) if args.resume else None
    for name, value in TRAIN_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.image_size = args.image_size or 28
    args.lr = args.lr or DEFAULT_LR[args.optimizer]
    args.checkpoint = args.checkpoint or args.resume or (default_path(args.save) if args.save else None)
    outputs = {"--save": args.save, "--metrics": args.metrics, "--checkpoint": args.checkpoint}
    for option, path in outputs.items():
        _check_output(parser, path, option)
    named = [(o, os.path.abspath(p)) for o, p in outputs.items() if p]
    for i, (a, path) in enumerate(named):
        for b, other in named[i + 1:]:
            if path == other:
                parser.error(f"{a} and {b} name the same file")
    if args.checkpoint_every and not args.checkpoint:
        parser.error("--checkpoint-every needs --save or --checkpoint to say where checkpoints go")
    if not checkpoint and args.train_size and args.batch_size > args.train_size:
        parser.error(f"--batch-size {args.batch_size} is larger than --train-size {args.train_size}")
    return checkpoint


def _schedule_words(args, per_epoch):
    """How the rate changes, for the first line: " (cosine to 0 over 600 batches)" or ""."""
    if args.lr_schedule == "cosine":
        return f" (cosine to 0 over {args.epochs * per_epoch} batches)"
    if args.lr_schedule.startswith("step:"):
        _, size, gamma = args.lr_schedule.split(":")
        return f" (x{gamma} every {size} epoch{'s' if size != '1' else ''})"
    return ""


def _interrupted(args, last):
    """The one line printed on Ctrl-C: where the last checkpoint is and the command to resume."""
    if last is not None:
        return (f"interrupted; the checkpoint {describe(*last)} is kept in {args.checkpoint}; "
                f"continue with: python -m mnist train --resume {shlex.quote(args.checkpoint)}")
    if args.checkpoint:
        return "interrupted before the first checkpoint; nothing was saved"
    return ("interrupted; nothing was saved (with --save or --checkpoint, train keeps a "
            "checkpoint after each epoch)")


def _train(parser, args):
    from nn.init import for_activation
    from nn.parallel import DataParallel, WorkerError, default_workers

    from .engines import make_engine, make_optimizer, make_scheduler
    from .train import train

    checkpoint = _settle(parser, args)
    args.workers = args.workers or default_workers()
    side = args.image_size
    full = load("train", args.data_dir)
    size = args.train_size or len(full)
    if size == len(full) or args.subset == "first":
        train_set = dataset.first(full, size)
    else:
        train_set = dataset.balanced(full, size, args.seed)
    train_set = dataset.downsample(train_set, side)
    scalar_default = args.engine == "scalar" and args.test_size is None
    test_set, test_total = _test_set(args, side, SCALAR_TEST_SIZE if scalar_default else None)
    sizes = [side * side] + args.hidden + [10]
    init = for_activation(args.activation)
    config = {"engine": args.engine, "sizes": sizes, "activation": args.activation, "init": init,
              "optimizer": args.optimizer, "lr": args.lr, "epochs": args.epochs,
              "batch_size": args.batch_size, "train_size": len(train_set), "subset": args.subset,
              "test_size": len(test_set), "image_size": side, "seed": args.seed,
              "eval_every": str(args.eval_every), "lr_schedule": args.lr_schedule,
              "workers": args.workers}
    options = {name: getattr(args, name) for name in RUN_OPTIONS}
    options.update({name: path and os.path.abspath(path) for name, path in options.items()
                    if name != "checkpoint_every"})
    engine = make_engine(args.engine, sizes, args.activation, seed=args.seed, init=init)
    optimizer = make_optimizer(args.optimizer, engine.model.parameters(), args.lr)
    per_epoch = math.ceil(len(train_set) / args.batch_size)
    scheduler, step_per = make_scheduler(args.lr_schedule, optimizer, args.epochs, per_epoch)
    if checkpoint:
        try:  # each checks the whole state before changing anything; the optimizer holds the rate
            engine.model.load_state_dict(checkpoint.model)
            optimizer.load_state_dict(checkpoint.optimizer)
            if scheduler is not None:
                scheduler.load_state_dict(checkpoint.lr_scheduler)
        except ValueError as e:
            raise DataError(f"{args.resume}: {e}") from None
    print(f"training on the {args.engine} engine: {' -> '.join(map(str, sizes))} "
          f"({args.activation}), {args.optimizer} lr {args.lr:g}{_schedule_words(args, per_epoch)}, "
          f"{len(train_set)} training images {side}x{side}, batch {args.batch_size}, "
          f"{args.epochs} epoch(s), seed {args.seed}, {args.workers} worker(s)")
    if args.engine == "scalar" and len(train_set) * side * side > 5000 * 784:
        print("note: the scalar engine builds one node per multiply and trains tens of images per "
              "second; for a quick run try --train-size 1000 --hidden 32 (or --image-size 14)")
    if scalar_default and len(test_set) < test_total:
        print(f"scoring the first {len(test_set)} of {test_total} test images, the scalar engine's "
              f"default (--test-size {test_total} scores them all)")
    if checkpoint:
        print(f"resuming from {args.resume}, {describe(checkpoint.state.epoch, checkpoint.state.batch)}")
    last = (checkpoint.state.epoch, checkpoint.state.batch) if checkpoint else None

    def keep(state):
        nonlocal last
        with interrupts_held():  # so `last` names the file on disk whenever Ctrl-C comes
            write_checkpoint(args.checkpoint, config, options, engine.model, optimizer, state,
                             scheduler)
            last = (state.epoch, state.batch)

    parallel = args.workers > 1
    try:
        if parallel:  # each batch split among the workers; --workers 1 is the plain loop
            engine = DataParallel(engine, optimizer, args.workers, log=print)
            optimizer = engine.optimizer
        with engine if parallel else contextlib.nullcontext():
            state, probabilities = train(
                engine, optimizer, train_set, test_set, args.epochs, args.batch_size, args.seed,
                progress=_progress(), eval_every=args.eval_every, state=checkpoint and checkpoint.state,
                checkpoint_every=args.checkpoint_every, on_checkpoint=keep if args.checkpoint else None,
                scheduler=scheduler, step_per=step_per)
        _report_run(args, config, state, probabilities, test_set, test_total, engine)
    except KeyboardInterrupt:
        print(_interrupted(args, last), file=sys.stderr)
        return 130
    except WorkerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def _report_run(args, config, state, probabilities, test_set, test_total, engine):
    """After training: the loss curve, the scores, and the files written."""
    unicode = not args.ascii and report.can_draw_unicode(sys.stdout, report.CURVE_CHARACTERS)
    width = max(16, min(64, shutil.get_terminal_size().columns - 12))
    losses = [loss for record in state.epochs for loss in record["batch_losses"]]
    print(report.format_loss_curve(losses, len(state.epochs), width, unicode=unicode))
    _print_scores(probabilities, test_set.labels, test_total)
    if args.save:
        save_model(args.save, config, engine.model.state_dict())
        print(f"model saved to {args.save}")
    if args.metrics:
        write_json(args.metrics, {"config": config, "epochs": state.epochs,
                                  "evaluations": state.evaluations, "timings": state.timings,
                                  "note": TIMING_NOTE})
        print(f"metrics saved to {args.metrics}")
    if args.checkpoint and args.lr_schedule == "cosine":  # its length is the run's: no more epochs
        print(f"checkpoint in {args.checkpoint}")
    elif args.checkpoint:
        print(f"checkpoint in {args.checkpoint}; to train on: python -m mnist train --resume "
              f"{shlex.quote(args.checkpoint)} --epochs {args.epochs + 1}")


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
    test_set, total = _test_set(args, side)
    _print_scores(predict(engine, test_set, progress=_progress()), test_set.labels, total)
    return 0


def _show(parser, args):
    unicode = not args.ascii and report.can_draw_unicode(sys.stdout)
    if args.model is None:
        test_set, _ = _test_set(args, args.image_size or 28)
        chosen = [(i, None) for i in range(min(args.count, len(test_set)))]
    else:
        from .train import predict

        engine, side = _load_model(parser, args)
        test_set, _ = _test_set(args, side)
        probabilities = predict(engine, test_set, progress=_progress())
        wrong = [report.argmax(p) != y for p, y in zip(probabilities, test_set.labels)]
        chosen = [(i, p) for i, p in enumerate(probabilities) if args.all or wrong[i]][:args.count]
        print(f"{sum(wrong)} of {len(test_set)} test images predicted wrong; " + (
            f"showing the first {len(chosen)} test images, right or wrong" if args.all else
            f"showing the first {len(chosen)} of them" if chosen else
            "nothing to show (--all shows right answers too)"))
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
        test_set, _ = _test_set(args, side)
        scored = (args.model, test_set, predict(engine, test_set, progress=_progress()))
    report_html.write_report(args.output, args.metrics, metrics, scored)
    print(f"report written to {args.output}")
    return 0


def main(argv=None):
    """Run the command line; returns the exit status (0 ok, 1 data/model problem, 2 bad usage)."""
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(argv)
        if extras:  # name the subcommand in the message, as for any other bad option
            parser.commands[args.command].reject(extras)
        command = {"train": _train, "eval": _eval, "show": _show,
                   "predict": _predict, "report": _report}[args.command]
        return command(parser.commands[args.command], args)
    except SystemExit as e:  # argparse reports bad usage this way
        return e.code if isinstance(e.code, int) else 2
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # train says more itself; eval and show write nothing
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
