"""Checkers of lesson 01: each accepts the right answer, names the
mistake in a wrong one, and says when nothing was attempted."""

import numpy as np
import pytest

from backprop_lessons import (Analytic, ColumnDifference, Dense, History,
                              Network, question)
from backprop_lessons.data import gate
from backprop_lessons.exercises import ExerciseError, lesson01


def right_missed(predictions, Y, tol=0.1):
    return np.any(np.abs(predictions - Y) >= tol, axis=1)


def test_missed_accepts_the_right_answer(capsys):
    lesson01.check_missed(right_missed)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_missed_not_attempted(capsys):
    lesson01.check_missed(lambda predictions, Y, tol=0.1: None)
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda p, Y, tol=0.1: np.abs(p - Y) >= tol,
     r"shape \(4, 2\), expected \(4,\).*np.any"),
    (lambda p, Y, tol=0.1: np.any(p - Y >= tol, axis=1),
     r"shape \(4,\) is right but .* should give True, got False"),
    (lambda p, Y, tol=0.1: np.any(np.abs(p - Y) >= 0.1, axis=1),
     r"tol=0.25"),
    (lambda p, Y, tol=0.1: np.abs(p - Y).max(axis=1),
     r"values are float64"),
    (lambda p, Y, tol=0.1: np.any(np.abs(p - Y) > tol, axis=1),
     r"errors of exactly tol \(tol=0.25\) example 0 .* should give True"),
])
def test_missed_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson01.check_missed(wrong)


def test_missed_reference_agrees_with_history_succeeded():
    X, Y = gate("and+or")
    for P, want in (
            (np.array([[0.0, 0.05], [0.0, 0.95], [0.2, 1.0], [1.0, 0.85]]),
             [False, False, True, True]),
            (np.array([[0.0, 0.05], [0.0, 0.95], [0.02, 1.0], [1.0, 1.0]]),
             [False, False, False, False])):
        assert lesson01.missed_reference(P, Y).tolist() == want
        history = History(loss=np.zeros(1), predictions=P, epochs=0,
                          lr=1.0, seed=0, batch_size=1)
        assert history.succeeded(Y) == (not any(want))


def twin(n_out, seed):
    layer = Dense(2, n_out, "erf_sigmoid", ColumnDifference(), rng=seed)
    return Network([layer], strict=False)


def test_twin_accepts_the_right_answer(capsys):
    lesson01.check_twin(twin)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_twin_not_attempted(capsys):
    lesson01.check_twin(lambda n_out, seed: None)
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda n, s: question.NN([question.Layer(2, n, rng=s)]),
     "expected a Network, got NN"),
    (lambda n, s: Network([Dense(2, 2, "erf_sigmoid", ColumnDifference(),
                                 rng=s)], strict=False),
     r"make_twin\(1, 3\): the layer's W has shape \(2, 3\), expected "
     r"\(1, 3\)"),
    (lambda n, s: Network([Dense(2, n, "erf_sigmoid", ColumnDifference())],
                          strict=False),
     "initial weights differ.*rng=seed"),
    (lambda n, s: Network([Dense(2, n, "sigmoid", ColumnDifference(),
                                 rng=s)], strict=False),
     "check the activation"),
    (lambda n, s: Network([Dense(2, n, "erf_sigmoid", ColumnDifference(),
                                 rng=s)]),
     "strict=False"),
    (lambda n, s: Network([Dense(2, n, "erf_sigmoid", Analytic(), rng=s)],
                          strict=False),
     "ColumnDifference"),
])
def test_twin_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson01.check_twin(wrong)


def test_print_predictions_counts_and_marks_misses(capsys):
    X, Y = gate("and+or")
    P = np.array([[0.0, 0.0], [0.6, 0.4], [0.0, 1.0], [1.0, 1.0]])
    assert lesson01.print_predictions(X, Y, P) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert lines[2].endswith("MISSED")
    assert [line.endswith("ok") for line in lines[1:]] == [True, False,
                                                           True, True]
