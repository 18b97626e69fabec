"""Checkers of lesson 03: each accepts the right answer, names the
mistake in a wrong one, and says when nothing was attempted."""

import numpy as np
import pytest

from backprop_lessons import Dense, Network
from backprop_lessons.data import gate
from backprop_lessons.exercises import ExerciseError, lesson03


def central(f, W, step=1e-5):
    grad = np.zeros_like(W, dtype=float)
    for i in np.ndindex(W.shape):
        P = W.copy()
        P[i] = W[i] + step
        up = f(P)
        P[i] = W[i] - step
        grad[i] = (up - f(P)) / (2 * step)
    return grad


def in_place(f, W, step=1e-5):
    grad = np.zeros_like(W, dtype=float)
    for i in np.ndindex(W.shape):
        W[i] += step
        up = f(W)
        W[i] -= 2 * step
        grad[i] = (up - f(W)) / (2 * step)
    return grad


def columns(f, W, step=1e-5):
    return np.array([(f(W + d) - f(W - d)) / (2 * step)
                     for d in step * np.eye(len(W.T))]).T


def columns_broadcast(f, W, step=1e-5):
    return np.broadcast_to(columns(f, W, step), W.shape).copy()


def one_sided(f, W, step=1e-5):
    grad = np.zeros_like(W, dtype=float)
    for i in np.ndindex(W.shape):
        P = W.copy()
        P[i] += step
        grad[i] = (f(P) - f(W)) / step
    return grad


def test_central_difference_accepts_the_right_answer(capsys):
    lesson03.check_central_difference(central)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_central_difference_not_attempted(capsys):
    lesson03.check_central_difference(lambda f, W, step=1e-5: None)
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (in_place, "changed W"),
    (columns, r"shape \(3,\), expected \(2, 3\).*whole columns"),
    (columns_broadcast, "column sums of the true gradient"),
    (one_sided, "one-sided difference"),
    (lambda f, W, step=1e-5: 2 * central(f, W, step), "twice"),
    (lambda f, W, step=1e-5: -central(f, W, step),
     "the shape \\(2, 3\\) is right but the values are not"),
])
def test_central_difference_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson03.check_central_difference(wrong)


def test_loss_of_restores_the_parameter_and_matches_the_loss():
    X, Y = gate("and+or")
    net = Network([Dense(2, 2, "erf_sigmoid", rng=0)])
    W = net.layers[0].params["W"]
    before = W.copy()
    f = lesson03.loss_of(net, X, Y)
    assert f(W) == net.loss_value(X, Y)
    assert f(np.zeros_like(W)) == pytest.approx(0.5)
    assert np.array_equal(W, before)


def relative(a, b, floor=1e-2):
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)


def test_relative_error_accepts_the_right_answer(capsys):
    lesson03.check_relative_error(relative)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_relative_error_not_attempted(capsys):
    lesson03.check_relative_error(lambda a, b, floor=1e-2: None)
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda a, b, floor=1e-2: relative(a, b, floor).max(),
     r"shape \(\), expected \(2, 3\)"),
    (lambda a, b, floor=1e-2: np.abs(a - b) / np.maximum(
        np.abs(a + b), floor), "opposite sign"),
    (lambda a, b, floor=1e-2: np.abs(a - b) / np.maximum(np.abs(b), floor),
     "opposite sign"),
    (lambda a, b, floor=1e-2: np.abs(a - b) / np.maximum(
        np.abs(a) + np.abs(b), 1e-300), "tiny entries"),
    (lambda a, b, floor=1e-2: np.abs(a - b) / np.maximum(
        2 * np.abs(b), floor), "differs from relative_error"),
])
def test_relative_error_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson03.check_relative_error(wrong)


def test_relative_error_without_floor_is_caught():
    def no_floor(a, b, floor=1e-2):
        with np.errstate(invalid="ignore"):
            return np.abs(a - b) / (np.abs(a) + np.abs(b))
    with pytest.raises(ExerciseError, match="both 0"):
        lesson03.check_relative_error(no_floor)


def test_relative_error_reference_matches_gradcheck_rows():
    from backprop_lessons import ColumnDifference, gradcheck
    X, Y = gate("and+or")
    net = Network([Dense(2, 2, "erf_sigmoid", ColumnDifference(), rng=0)],
                  strict=False)
    row = gradcheck(net, X, Y).rows[0]
    b = np.broadcast_to(row.backprop, row.shape)
    assert np.allclose(lesson03.relative_error_reference(b, row.numeric),
                       row.errors)
