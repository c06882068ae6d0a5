"""The training loop's schedule of test scores (--eval-every) and what it records per batch."""

import pytest
from hypothesis import given, strategies as st
from mnist_files import random_digits

from mnist import dataset, engines
from mnist.digits import Digits
from mnist.train import EvalEvery, train


@given(count=st.integers(1, 10**6), unit=st.sampled_from(["batch", "epoch"]))
def test_eval_every_reads_back_what_it_writes(count, unit):
    every = EvalEvery(count, unit)
    assert EvalEvery.parse(str(every)) == every
    assert EvalEvery.parse(f"  {str(every).upper().replace(' ', '')} ") == every


@pytest.mark.parametrize("text,expected", [
    ("200", EvalEvery(200, "batch")), ("1 batch", EvalEvery(1, "batch")), ("epoch", EvalEvery(1, "epoch")),
    ("2epochs", EvalEvery(2, "epoch")), ("3 epoch", EvalEvery(3, "epoch")), ("end", EvalEvery(1, "end")),
])
def test_eval_every_forms(text, expected):
    assert EvalEvery.parse(text) == expected


@pytest.mark.parametrize("text", ["", "0", "0 epochs", "-1", "1.5", "every epoch", "2 weeks", "epochs 2"])
def test_eval_every_refuses(text):
    with pytest.raises(ValueError):
        EvalEvery.parse(text)


@given(every=st.builds(EvalEvery, st.integers(1, 12), st.sampled_from(["batch", "epoch", "end"])),
       per_epoch=st.integers(1, 7), epochs=st.integers(1, 4))
def test_eval_every_due_points(every, per_epoch, epochs):
    due = [(e, b) for e in range(1, epochs + 1) for b in range(1, per_epoch + 1) if every.due(e, b, per_epoch)]
    steps = [(e - 1) * per_epoch + b for e, b in due]
    if every.unit == "batch":
        assert steps == list(range(every.count, epochs * per_epoch + 1, every.count))
    elif every.unit == "epoch":
        assert due == [(e, per_epoch) for e in range(every.count, epochs + 1, every.count)]
    else:
        assert due == []


@pytest.mark.parametrize("every,points", [
    ("1 epoch", [(1, 3), (2, 3), (3, 3)]), ("2 epochs", [(2, 3), (3, 3)]), ("end", [(3, 3)]),
    ("2", [(1, 2), (2, 1), (2, 3), (3, 2), (3, 3)]),
])
def test_train_scores_where_asked_and_always_at_the_end(every, points):
    images, labels = random_digits(30, seed=2)
    data = dataset.downsample(Digits(images, bytes(labels)), 7)
    engine = engines.make_engine("fast", [49, 4, 10], "relu", seed=0)
    optimizer = engines.make_optimizer("adam", engine.model.parameters(), 0.01)
    lines = []
    state, probabilities = train(engine, optimizer, data, dataset.first(data, 8), 3, 10, seed=0,
                                 log=lines.append, eval_every=EvalEvery.parse(every))
    assert [(v["epoch"], v["batch"]) for v in state.evaluations] == points
    assert all(v["test_size"] == 8 for v in state.evaluations) and len(probabilities) == 8
    ends = {e: v["test_accuracy"] for v in state.evaluations for e in [v["epoch"]] if v["batch"] == 3}
    assert [r["test_accuracy"] for r in state.epochs] == [ends.get(e) for e in (1, 2, 3)]
    assert [len(r["batch_losses"]) for r in state.epochs] == [3, 3, 3]
    assert all(r["loss"] == pytest.approx(sum(r["batch_losses"]) / 3) for r in state.epochs)
    epoch_lines = [line for line in lines if "loss" in line]
    assert len(epoch_lines) == 3 and len(lines) == 3 + sum(b != 3 for _, b in points)
    assert ("test " in epoch_lines[0]) == (1 in ends)
