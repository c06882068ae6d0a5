"""StepLR and CosineAnnealingLR: their formulas, PyTorch's values, resuming, and bad arguments."""

import importlib.util
import json
import math

import pytest
from hypothesis import given, strategies as st

import nn
from autograd import Value

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="torch is not installed (optional peer the schedules are checked against)")

base_lrs = st.floats(1e-3, 1.0)  # above every eta_min below
eta_mins = st.sampled_from([0.0, 1e-6, 1e-4])


def adam(lr):
    return nn.Adam([Value(0.5)], lr=lr)


def run(scheduler, steps):
    """The rate after construction, then after each of ``steps`` steps."""
    lrs = scheduler.get_last_lr()
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        assert scheduler.get_last_lr() == [scheduler.optimizer.lr]
        lrs += scheduler.get_last_lr()
    return lrs


def closed_cosine(base, eta_min, T, t):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T)) / 2


def test_construction_takes_the_initial_step_and_keeps_the_rate():
    opt = adam(3e-3)
    for s in (nn.StepLR(opt, 2), nn.CosineAnnealingLR(opt, 5)):
        assert (s.last_epoch, s.get_last_lr(), opt.lr, s.base_lr, opt.initial_lr) == (0, [3e-3], 3e-3, 3e-3, 3e-3)


@given(base_lrs, st.integers(1, 7), st.floats(0.05, 2.0), st.integers(0, 40))
def test_step_lr_is_its_closed_form_at_every_step(base, step_size, gamma, steps):
    lrs = run(nn.StepLR(adam(base), step_size, gamma), steps)
    assert lrs == [base * gamma ** (t // step_size) for t in range(steps + 1)]


@given(base_lrs, eta_mins, st.integers(1, 60))
def test_cosine_falls_from_base_to_eta_min_within_t_max(base, eta_min, T):
    lrs = run(nn.CosineAnnealingLR(adam(base), T, eta_min), T)
    assert lrs[0] == base and lrs[-1] == eta_min
    assert all(eta_min <= b <= a for a, b in zip(lrs, lrs[1:]))


@given(base_lrs, eta_mins, st.integers(1, 60))
def test_cosine_past_t_max_rises_again_with_period_two_t_max(base, eta_min, T):
    # PyTorch's recursive form keeps going: up to base_lr at 2 T_max, down to eta_min at 3 T_max
    lrs = run(nn.CosineAnnealingLR(adam(base), T, eta_min), 3 * T)
    tol = 1e-14 * (base - eta_min) * T * T  # rounding in (1 + cos) near a trough is carried into the next rise
    for t, lr in enumerate(lrs):
        assert abs(lr - closed_cosine(base, eta_min, T, t)) <= tol + 1e-15 * base, t
        if t <= T:
            assert abs(lr - lrs[2 * T - t]) <= tol + 1e-15 * base and abs(lrs[t + 2 * T] - lr) <= tol + 1e-15 * base


def test_cosine_follows_the_optimizers_rate_when_something_else_changes_it():
    # the recursive form scales the current rate, so a change by hand is carried along (as in PyTorch)
    opt = adam(1.0)
    s = nn.CosineAnnealingLR(opt, 4)
    s.step()
    opt.lr *= 0.5
    s.step()
    assert math.isclose(opt.lr, 0.5 * closed_cosine(1.0, 0.0, 4, 2), rel_tol=1e-15)


def make(kind, lr):
    return nn.StepLR(adam(lr), 3, 0.5) if kind == "step" else nn.CosineAnnealingLR(adam(lr), 7, 1e-4)


@given(st.sampled_from(["step", "cosine"]), base_lrs, st.integers(0, 20), st.integers(1, 30))
def test_state_dict_round_trip_mid_schedule_gives_the_same_future_rates(kind, base, done, more):
    s = make(kind, base)
    run(s, done)
    saved = json.loads(json.dumps({"optimizer": s.optimizer.state_dict(), "scheduler": s.state_dict()}))
    expected = run(s, more)
    resumed = make(kind, 0.123)  # any starting rate: the loaded state replaces it
    resumed.optimizer.load_state_dict(saved["optimizer"])
    resumed.load_state_dict(saved["scheduler"])
    assert (resumed.last_epoch, resumed.base_lr) == (s.last_epoch - more, s.base_lr)
    assert run(resumed, more) == expected


def test_last_epoch_resumes_from_the_optimizers_initial_lr():
    opt = adam(2.0)
    nn.StepLR(opt, 2, 0.5)
    opt.lr = 99.0  # initial_lr, not the current rate, is the base (PyTorch's setdefault)
    s = nn.StepLR(opt, 2, 0.5, last_epoch=2)
    assert (s.last_epoch, s.base_lr, opt.lr) == (3, 2.0, 1.0)
    with pytest.raises(ValueError, match=r"^StepLR: last_epoch=2 resumes a schedule but the optimizer has no "
                                         r"'initial_lr'; resume with load_state_dict instead$"):
        nn.StepLR(adam(1.0), 2, last_epoch=2)


@pytest.mark.parametrize("make_bad, message", [
    (lambda o: nn.StepLR(o, 0), "StepLR: step_size must be an int >= 1, got 0"),
    (lambda o: nn.StepLR(o, 2.0), "StepLR: step_size must be an int >= 1, got 2.0"),
    (lambda o: nn.StepLR(o, 2, gamma=-0.1), "StepLR: gamma must be a finite number > 0, got -0.1"),
    (lambda o: nn.StepLR(o, 2, gamma=float("nan")), "StepLR: gamma must be a finite number > 0, got nan"),
    (lambda o: nn.CosineAnnealingLR(o, 0), "CosineAnnealingLR: T_max must be an int >= 1, got 0"),
    (lambda o: nn.CosineAnnealingLR(o, True), "CosineAnnealingLR: T_max must be an int >= 1, got True"),
    (lambda o: nn.CosineAnnealingLR(o, 5, eta_min=-1e-3),
     "CosineAnnealingLR: eta_min must be a finite number >= 0, got -0.001"),
    (lambda o: nn.CosineAnnealingLR(o, 5, eta_min="0"),
     "CosineAnnealingLR: eta_min must be a finite number >= 0, got '0'"),
    (lambda o: nn.CosineAnnealingLR(o, 5, last_epoch=-2), "CosineAnnealingLR: last_epoch must be an int >= -1, got -2"),
])
def test_bad_arguments_are_named_and_leave_the_optimizer_alone(make_bad, message):
    opt = adam(0.1)
    with pytest.raises(ValueError) as info:
        make_bad(opt)
    assert str(info.value) == message
    assert opt.lr == 0.1 and not hasattr(opt, "initial_lr")


def test_an_optimizer_without_a_number_lr_is_refused():
    with pytest.raises(TypeError, match=r"^StepLR: optimizer must have a finite number 'lr' \(an nn.optim "
                                        r"optimizer\), got a list whose lr is None$"):
        nn.StepLR([Value(1.0)], 2)
    opt = adam(0.1)
    opt.lr = "0.1"
    with pytest.raises(TypeError, match="got a Adam whose lr is '0.1'"):
        nn.CosineAnnealingLR(opt, 3)


def _broken(state, path, value):
    state = json.loads(json.dumps(state))
    target = state
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return state


@pytest.mark.parametrize("path, value, message", [
    (("scheduler",), "StepLR", "this is a state dict for 'StepLR'"),
    (("last_epoch",), -1, "'last_epoch' must be an int >= 0, got -1"),
    (("last_epoch",), 3.0, "'last_epoch' must be an int >= 0, got 3.0"),
    (("base_lr",), "0.1", "'base_lr' must be a finite number >= 0, got '0.1'"),
    (("last_lr",), float("inf"), "'last_lr' must be a finite number >= 0, got inf"),
    (("last_lr",), KeyError, "keys must be exactly ['base_lr', 'hyperparameters', 'last_epoch', 'last_lr', "
                             "'scheduler'], got ['base_lr', 'hyperparameters', 'last_epoch', 'scheduler']"),
    (("hyperparameters", "T_max"), 0, "'hyperparameters': T_max must be an int >= 1, got 0"),
    (("hyperparameters", "eta_min"), None, "'hyperparameters': eta_min must be a finite number >= 0, got None"),
    (("hyperparameters", "gamma"), 0.5, "'hyperparameters' must have exactly ['T_max', 'eta_min']"),
])
def test_load_state_dict_names_the_bad_key_and_changes_nothing(path, value, message):
    donor = nn.CosineAnnealingLR(adam(1.0), 10, 1e-3)
    run(donor, 4)
    s = nn.CosineAnnealingLR(adam(0.5), 6)
    run(s, 2)
    before = s.state_dict()
    with pytest.raises(ValueError) as info:
        s.load_state_dict(_broken(donor.state_dict(), path, value))
    assert str(info.value) == "CosineAnnealingLR.load_state_dict: " + message
    assert s.state_dict() == before
    with pytest.raises(ValueError, match=r"^StepLR.load_state_dict: this is a state dict for 'list'$"):
        nn.StepLR(adam(1.0), 2).load_state_dict([])


def torch_rates(kind, base, steps, **kwargs):
    import torch
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=base)
    s = getattr(torch.optim.lr_scheduler, kind)(opt, **kwargs)
    lrs = s.get_last_lr()
    for _ in range(steps):
        p.grad = torch.ones(1)
        opt.step()
        s.step()
        lrs += s.get_last_lr()
    return lrs


@needs_torch
@pytest.mark.parametrize("T, eta_min", [(1, 0.0), (3, 0.0), (10, 1e-5), (600, 0.0), (600, 1e-5), (6000, 1e-5)])
def test_cosine_gives_torchs_floats_over_three_t_max(T, eta_min):
    ours = run(nn.CosineAnnealingLR(adam(3e-3), T, eta_min), 3 * T)
    assert ours == torch_rates("CosineAnnealingLR", 3e-3, 3 * T, T_max=T, eta_min=eta_min)


@needs_torch
@given(base_lrs, st.integers(1, 7), st.floats(0.05, 2.0), st.integers(0, 40))
def test_step_lr_agrees_with_torch_to_its_rounding(base, step_size, gamma, steps):
    # torch multiplies the current rate by gamma at each boundary: k roundings instead of one power
    ours = run(nn.StepLR(adam(base), step_size, gamma), steps)
    theirs = torch_rates("StepLR", base, steps, step_size=step_size, gamma=gamma)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        assert abs(a - b) <= 2.3e-16 * (t // step_size + 1) * abs(b), t
