"""The checkers of lesson 06 accept right answers and explain wrong ones."""

import numpy as np
import pytest

from backprop_lessons import zoo
from backprop_lessons.exercises import ExerciseError, lesson06
from backprop_lessons.widgets import compute


class Starter(zoo.Planted):
    def backward(self, grad_out):
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        self.grads["W"] = zoo.outer_sum(delta, self.x1)
        return None


class BiasColumnKept(zoo.Planted):
    def backward(self, grad_out):
        grad_out = self._received(grad_out)
        delta = grad_out * self.activation.derivative(self.z)
        self.grads["W"] = zoo.outer_sum(delta, self.x1)
        return delta @ self.params["W"][:, :-1]


@pytest.mark.parametrize("answer", [None, Starter])
def test_chained_layer_not_attempted(answer, capsys):
    lesson06.check_chained_layer(answer)
    assert "not attempted" in capsys.readouterr().out


def test_chained_layer_right(capsys):
    lesson06.check_chained_layer(zoo.Planted)
    out = capsys.readouterr().out
    assert out.startswith("\N{CHECK MARK} Planted passes")
    assert out.count("\N{CHECK MARK}") == 1


def test_local_jacobian_is_named():
    with pytest.raises(ExerciseError, match="local Jacobian"):
        lesson06.check_chained_layer(zoo.LocalJacobianReturned)


def test_wrong_columns_are_caught():
    with pytest.raises(ExerciseError, match="BiasColumnKept fails"):
        lesson06.check_chained_layer(BiasColumnKept)


def rate_right(width, seeds):
    learned = []
    for seed in seeds:
        r = compute(task="xor", width=width, seed=seed)
        learned.append(r.history.accuracy(r.dataset.Y) == 1.0)
    return float(np.mean(learned))


@pytest.mark.parametrize("answer", [None, lambda width, seeds: None])
def test_success_rate_not_attempted(answer, capsys):
    lesson06.check_xor_success_rate(answer)
    assert "not attempted" in capsys.readouterr().out


def test_success_rate_right(capsys):
    lesson06.check_xor_success_rate(rate_right)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


@pytest.mark.parametrize("wrong, message", [
    (lambda width, seeds: 100 * rate_right(width, seeds),
     "between 0 and 1"),
    (lambda width, seeds: 1.0, "width 1"),
    (lambda width, seeds: [rate_right(width, seeds)], "one number"),
])
def test_success_rate_wrong(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson06.check_xor_success_rate(wrong)


def test_width_one_never_learns_xor_and_width_two_sometimes():
    # The facts the exercise leads to, measured on the explorer.
    assert rate_right(1, range(4)) == 0
    assert rate_right(2, range(10)) > 0


def test_lr_answers_not_attempted(capsys):
    lesson06.check_breaking_lr(None)
    lesson06.check_diverging_lr(None)
    assert capsys.readouterr().out.count("not attempted") == 2


def first_notch(fails, start=-30, **settings):
    # The slider's first notch from 10**(start/10) up at which it fails.
    for k in range(start, 21):
        if fails(compute(lr=10.0 ** (k / 10), **settings)):
            return 10.0 ** (k / 10)
    raise AssertionError("no failing learning rate on the slider")


def test_breaking_lr_right_and_rounded(capsys):
    lr = first_notch(lambda r: r.history.accuracy(r.dataset.Y) < 1,
                     start=1)
    lesson06.check_breaking_lr(float(f"{lr:.3g}"))
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_diverging_lr_right(capsys):
    lr = first_notch(lambda r: r.history.diverged, activation="identity")
    lesson06.check_diverging_lr(float(f"{lr:.3g}"))
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


@pytest.mark.parametrize("answer, message", [
    (0.5, "look above the default learning rate 1"),
    (50.0, "already fails to learn XOR; look lower"),
    (-1.0, "positive learning rate"),
    ("1.26", "positive learning rate"),
])
def test_breaking_lr_wrong(answer, message):
    with pytest.raises(ExerciseError, match=message):
        lesson06.check_breaking_lr(answer)


@pytest.mark.parametrize("answer, message", [
    (0.01, "still stays finite; look higher"),
    (1.0, "already diverges; look lower"),
])
def test_diverging_lr_wrong(answer, message):
    with pytest.raises(ExerciseError, match=message):
        lesson06.check_diverging_lr(answer)
