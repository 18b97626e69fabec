"""The checkers of lesson 05 accept right answers and explain wrong ones."""

import re

import numpy as np
import pytest

from backprop_lessons.exercises import ExerciseError, lesson05


def slopes_right(net, X):
    net.forward(X)
    last = net.layers[-1]
    return last.activation.derivative(last.z)


def plateaued_right(loss, window=500):
    loss = np.asarray(loss)
    if len(loss) <= window:
        return False
    before, now = loss[-window - 1], loss[-1]
    return bool(now > 0.01 and before - now < 1e-3 * before)


@pytest.mark.parametrize("answer", [None, lambda net, X: None])
def test_unit_slopes_not_attempted(answer, capsys):
    lesson05.check_unit_slopes(answer)
    assert "not attempted" in capsys.readouterr().out


def test_unit_slopes_right(capsys):
    lesson05.check_unit_slopes(slopes_right)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


@pytest.mark.parametrize("wrong, message", [
    (lambda net, X: slopes_right(net, X).T, "transposed"),
    (lambda net, X: net.forward(X), "outputs f(z)"),
    (lambda net, X: (net.forward(X), net.layers[-1].z)[1],
     "pre-activations"),
    (lambda net, X: slopes_right(net, X)[:, :1], "expected (4, 2)"),
    (lambda net, X: np.exp(-net.layers[-1].z ** 2)
     if net.forward(X) is not None else None, "values are not"),
])
def test_unit_slopes_wrong(wrong, message):
    with pytest.raises(ExerciseError, match=re.escape(message)):
        lesson05.check_unit_slopes(wrong)


def test_unit_slopes_must_run_forward():
    def stale(net, X):
        last = net.layers[-1]
        return last.activation.derivative(last.z)
    # A fresh network has no pre-activations until it runs forward.
    with pytest.raises(TypeError):
        lesson05.check_unit_slopes(stale)


@pytest.mark.parametrize("answer", [None, lambda loss, window=500: None])
def test_plateaued_not_attempted(answer, capsys):
    lesson05.check_plateaued(answer)
    assert "not attempted" in capsys.readouterr().out


def test_plateaued_right(capsys):
    lesson05.check_plateaued(plateaued_right)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_plateaued_absolute_threshold_is_caught():
    def absolute(loss, window=500):
        if len(loss) <= window:
            return False
        return bool(loss[-1] > 0.01
                    and loss[-window - 1] - loss[-1] < 1e-3)
    with pytest.raises(ExerciseError, match="0.2 % per 500 epochs"):
        lesson05.check_plateaued(absolute)


@pytest.mark.parametrize("threshold", [1e-2, 1e-3, 3e-4, 1e-4, 1e-5])
def test_plateaued_any_absolute_threshold_is_caught(threshold):
    def absolute(loss, window=500):
        if len(loss) <= window:
            return False
        return bool(loss[-1] > 0.01
                    and loss[-window - 1] - loss[-1] < threshold)
    with pytest.raises(ExerciseError, match="says"):
        lesson05.check_plateaued(absolute)


def test_plateaued_ignoring_the_floor_is_caught():
    def no_floor(loss, window=500):
        if len(loss) <= window:
            return False
        before, now = loss[-window - 1], loss[-1]
        return bool(before - now < 1e-3 * before)
    with pytest.raises(ExerciseError, match="close to zero"):
        lesson05.check_plateaued(no_floor)


def test_plateaued_must_return_a_bool():
    with pytest.raises(ExerciseError, match="True or False"):
        lesson05.check_plateaued(lambda loss, window=500: "yes")


def test_the_stuck_seeds_are_stuck_and_the_good_ones_learn():
    outcome = lesson05.rescue_outcome({}, lesson05.STUCK_SEEDS
                                      + lesson05.GOOD_SEEDS)
    assert not any(outcome[s] for s in lesson05.STUCK_SEEDS)
    assert all(outcome[s] for s in lesson05.GOOD_SEEDS)


def test_rescue_not_attempted(capsys):
    lesson05.check_rescue(None)
    assert "not attempted" in capsys.readouterr().out


def test_rescue_right(capsys):
    lesson05.check_rescue({"init_scale": 0.5})
    out = capsys.readouterr().out
    assert out.startswith("\N{CHECK MARK}") and "another" not in out


def test_rescue_seen_in_the_lesson_asks_for_another(capsys):
    lesson05.check_rescue({"activation": "sigmoid"})
    assert "another" in capsys.readouterr().out


@pytest.mark.parametrize("settings, message", [
    ({}, r"seed\(s\) \[5, 8, 9, 10, 14\] still do not learn"),
    ({"lr": 0.1}, "still do not learn"),
    ({"momentum": 0.9}, "unknown setting"),
    ("init_scale=0.5", "give a dict"),
])
def test_rescue_wrong(settings, message):
    with pytest.raises(ExerciseError, match=message):
        lesson05.check_rescue(settings)
