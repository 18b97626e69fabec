"""The checkers of lesson 08 accept right answers and explain wrong ones."""

import numpy as np
import pytest

from backprop_lessons import data, step_size_sweep
from backprop_lessons.exercises import ExerciseError, lesson08


def complex_step_right(f, x, h=1e-20):
    return np.imag(f(x + 1j * h)) / h


def passes_right(widths):
    return 2 * sum((a + 1) * b for a, b in zip(widths, widths[1:]))


@pytest.mark.parametrize("answer", [None, lambda f, x, h=1e-20: None])
def test_complex_step_not_attempted(answer, capsys):
    lesson08.check_complex_step(answer)
    assert "not attempted" in capsys.readouterr().out


def test_complex_step_right(capsys):
    lesson08.check_complex_step(complex_step_right)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


@pytest.mark.parametrize("wrong, message", [
    (lambda f, x, h=1e-20: (f(x + h) - f(x - h)) / (2 * h), "exactly 0"),
    (lambda f, x, h=1e-20: f(x + 1j * h), "complex number"),
    (lambda f, x, h=1e-20: np.imag(f(x + 1j * h)), "before dividing"),
    (lambda f, x, h=1e-20: np.real(f(x + 1j * h)), "f\\(x\\) itself"),
    (lambda f, x, h=1e-20: (f(x + 1e-6) - f(x - 1e-6)) / 2e-6,
     "relative error"),
    (lambda f, x, h=1e-20: np.full(2, complex_step_right(f, x, h)),
     "one number"),
])
def test_complex_step_wrong(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson08.check_complex_step(wrong)


@pytest.mark.parametrize("answer", [None, lambda widths: None])
def test_forward_passes_not_attempted(answer, capsys):
    lesson08.check_forward_passes(answer)
    assert "not attempted" in capsys.readouterr().out


def test_forward_passes_right(capsys):
    lesson08.check_forward_passes(passes_right)
    out = capsys.readouterr().out
    assert out.startswith("\N{CHECK MARK}") and "159,020" in out


@pytest.mark.parametrize("wrong, message", [
    (lambda w: passes_right(w) // 2, "twice per weight"),
    (lambda w: 2 * sum(a * b for a, b in zip(w, w[1:])), "bias column"),
    (lambda w: 2 * sum((a + 1) * b for a, b in zip(w, w[1:2])),
     r"widths \[2, 3, 2\]"),
])
def test_forward_passes_wrong(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson08.check_forward_passes(wrong)


def test_forward_passes_matches_the_parameter_count():
    net = lesson08.network(width=5)
    P = sum(p.size for layer in net.layers for p in layer.params.values())
    assert passes_right([2, 5, 2]) == 2 * P


def test_best_step_32(capsys):
    X, Y = data.gate("and+or")
    sweep = step_size_sweep(lesson08.network(), X, Y, dtype=np.float32)
    best = sweep.best_step
    lesson08.check_best_step_32(best)
    lesson08.check_best_step_32(best / 10)
    assert capsys.readouterr().out.count("\N{CHECK MARK}") == 2
    with pytest.raises(ExerciseError, match="try a larger step"):
        lesson08.check_best_step_32(best / 1000)
    with pytest.raises(ExerciseError, match="try a smaller step"):
        lesson08.check_best_step_32(0.9)


@pytest.mark.parametrize("answer", ["1e-2", -0.1, 3.0, True])
def test_best_step_32_bad_input(answer):
    with pytest.raises(ExerciseError, match="between 0 and 1"):
        lesson08.check_best_step_32(answer)


def test_best_step_32_not_attempted(capsys):
    lesson08.check_best_step_32(None)
    assert "not attempted" in capsys.readouterr().out
