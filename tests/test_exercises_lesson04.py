"""Lesson 04: the FullJacobian strategy, and the checkers, each of which
accepts the right answer, names the mistake in a wrong one, and says
when nothing was attempted."""

import numpy as np
import pytest

from backprop_lessons import (Analytic, ColumnDifference, Dense, Network,
                              check_layer, erf_sigmoid, gradcheck, train)
from backprop_lessons.data import gate
from backprop_lessons.errors import InputError
from backprop_lessons.exercises import ExerciseError, lesson04


@pytest.mark.parametrize("n_in, n_out", [(2, 2), (3, 4), (2, 1)])
def test_full_jacobian_strategy_passes_gradcheck(n_in, n_out):
    rng = np.random.default_rng(n_in * 10 + n_out)
    X = rng.standard_normal((5, n_in))
    Y = rng.random((5, n_out))
    net = Network([Dense(n_in, n_out, "erf_sigmoid",
                         lesson04.FullJacobian(), rng=1)])
    assert gradcheck(net, X, Y).ok
    assert check_layer(net.layers[0], X[0]).ok


def test_full_jacobian_has_zero_off_diagonal_blocks():
    layer = Dense(2, 3, "erf_sigmoid", lesson04.FullJacobian(), rng=0)
    layer.forward(np.array([0.3, -0.8]))
    J = lesson04.FullJacobian().jacobian(layer)
    assert J.shape == (3, 3, 3)
    slope = erf_sigmoid.derivative(layer.z)
    for k in range(3):
        for i in range(3):
            want = slope[k] * layer.x1 if i == k else np.zeros(3)
            assert np.allclose(J[k, i], want, atol=1e-9)


def test_full_jacobian_batch_shape_and_sum():
    X, Y = gate("and+or")
    layer = Dense(2, 2, "erf_sigmoid", lesson04.FullJacobian(), rng=0)
    layer.forward(X)
    assert lesson04.FullJacobian().jacobian(layer).shape == (4, 2, 2, 3)
    assert lesson04.FullJacobian().input_jacobian(layer).shape == (4, 2, 2)


def test_full_jacobian_trains_like_the_delta_rule():
    X, Y = gate("and+or")
    nets = [Network([Dense(2, 2, "erf_sigmoid", s, rng=3)])
            for s in (lesson04.FullJacobian(), Analytic())]
    for net in nets:
        train(net, X, Y, epochs=100, seed=3)
    a, b = (net.layers[0].params["W"] for net in nets)
    assert np.abs(a - b).max() < 1e-6


def test_full_jacobian_refuses_a_bad_step():
    with pytest.raises(InputError, match="step must be a positive"):
        lesson04.FullJacobian(step=0)


def jacobian(f, W, step=1e-6):
    K = len(f(W))
    J = np.zeros((K,) + W.shape)
    for i in np.ndindex(W.shape):
        P = W.copy()
        P[i] = W[i] + step
        up = f(P)
        P[i] = W[i] - step
        J[(slice(None),) + i] = (up - f(P)) / (2 * step)
    return J


def columns(f, W, step=1e-6):
    return np.array([(f(W + d) - f(W - d)) / (2 * step)
                     for d in step * np.eye(len(W.T))]).T


def columns_full(f, W, step=1e-6):
    c = columns(f, W, step)
    return np.broadcast_to(c[:, None, :], (len(c),) + W.shape).copy()


def in_place(f, W, step=1e-6):
    J = jacobian(f, W, step)
    W += 1.0
    return J


def test_full_jacobian_checker_accepts_the_right_answer(capsys):
    lesson04.check_full_jacobian(jacobian)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_full_jacobian_checker_not_attempted(capsys):
    lesson04.check_full_jacobian(lambda f, W, step=1e-6: None)
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (columns, r"shape \(2, 3\), expected \(2, 2, 3\).*learner's helper"),
    (columns_full, "not zero for i != k"),
    (lambda f, W, step=1e-6: np.moveaxis(jacobian(f, W, step), 0, -1),
     "output index must come first"),
    (in_place, "W was changed"),
    (lambda f, W, step=1e-6: 0.5 * jacobian(f, W, step),
     "the values are not"),
])
def test_full_jacobian_checker_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson04.check_full_jacobian(wrong)


def tensordot(error_grad, J):
    return np.tensordot(error_grad, J, axes=1)


def test_contract_accepts_the_right_answer(capsys):
    lesson04.check_contract(tensordot)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_contract_not_attempted(capsys):
    lesson04.check_contract(lambda error_grad, J: None)
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda g, J: g @ J, "sums over axis 1 of J instead of axis 0"),
    (lambda g, J: np.einsum("k,kij->j", g, J),
     r"shape \(3,\), expected \(2, 3\).*sums the outputs away"),
    (lambda g, J: -tensordot(g, J), r"diagnose finds \[sign-flipped\]"),
    (lambda g, J: 2 * tensordot(g, J), r"diagnose finds \[scaled\]"),
    (lambda g, J: np.broadcast_to(tensordot(g, J).sum(0), J.shape[1:]),
     r"diagnose finds \[summed-over-outputs\]"),
])
def test_contract_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson04.check_contract(wrong)


def delta_rule(W, x, grad_out):
    x1 = np.concatenate(([1.0], x))
    delta = grad_out * erf_sigmoid.derivative(W @ x1)
    return np.outer(delta, x1)


def no_slope(W, x, grad_out):
    return np.outer(grad_out, np.concatenate(([1.0], x)))


def logistic_slope(W, x, grad_out):
    x1 = np.concatenate(([1.0], x))
    s = 1 / (1 + np.exp(-(W @ x1)))
    return np.outer(grad_out * s * (1 - s), x1)


def no_bias(W, x, grad_out):
    dW = delta_rule(W, x, grad_out).copy()
    dW[:, 0] = 0.0
    return dW


def test_delta_rule_accepts_the_right_answer(capsys):
    lesson04.check_delta_rule(delta_rule)
    assert capsys.readouterr().out.startswith("\N{CHECK MARK}")


def test_delta_rule_not_attempted(capsys):
    lesson04.check_delta_rule(lambda W, x, grad_out: None)
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, message", [
    (lambda W, x, g: delta_rule(W, x, g).T, "transposed"),
    (lambda W, x, g: delta_rule(W, x, g)[:, 1:], "bias column is missing"),
    (lambda W, x, g: delta_rule(W, x, g).sum(0), "summed away"),
    (no_slope, "slope of the activation is missing"),
    (logistic_slope, "true logistic"),
    (lambda W, x, g: -delta_rule(W, x, g), r"\[sign-flipped\]"),
    (no_bias, r"\[zero\].*column 0"),
    (lambda W, x, g: 0.5 * delta_rule(W, x, g), r"\[scaled\].*0.5 times"),
    (lambda W, x, g: np.broadcast_to(delta_rule(W, x, g).sum(0), W.shape),
     r"\[summed-over-outputs\]"),
])
def test_delta_rule_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        lesson04.check_delta_rule(wrong)


def test_the_learner_rule_is_what_the_contract_checker_rejects():
    X, Y = gate("and+or")
    net = Network([Dense(2, 2, "erf_sigmoid", ColumnDifference(), rng=0)],
                  strict=False)
    assert not gradcheck(net, X, Y).ok
