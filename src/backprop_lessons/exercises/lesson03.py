"""Checkers for lesson 03: gradient checks.

Exercise 3.1 asks for ``central_difference(f, W, step)``, the gradient
of a scalar function by centred differences, one entry at a time;
exercise 3.2 for ``relative_error(a, b, floor)``, the entrywise error
measure that :func:`~backprop_lessons.gradcheck` reports.
"""

import numpy as np

from ..errors import shape_str
from ..layers import Dense
from ..network import Network
from . import ExerciseError, check_array, not_attempted, success

#: Step the checker passes to ``central_difference``.
STEP = 1e-5

#: Floor of the relative error, as in ``checks.DEFAULT_FLOOR``.
FLOOR = 1e-2


def loss_of(net, X, Y, layer=0, param="W"):
    """The loss of ``net`` as a function of one parameter.

    Returns ``f(P)``: the loss on ``X`` (N, D) and ``Y`` (N, K) with
    ``net.layers[layer].params[param]`` replaced by ``P`` (same shape).
    The parameter is restored before ``f`` returns, so ``f`` can be
    called at any point without changing the network.
    """
    p = net.layers[layer].params[param]

    def f(P):
        saved = p.copy()
        p[...] = P
        try:
            return net.loss_value(X, Y)
        finally:
            p[...] = saved

    return f


def relative_error_reference(a, b, floor=FLOOR):
    """``|a - b| / max(|a| + |b|, floor)``, entrywise, shape of ``a``."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)


def _quadratic_case():
    rng = np.random.default_rng(3)
    C = rng.standard_normal((2, 3))
    W = rng.standard_normal((2, 3))

    def f(P):
        return float(np.sum(C * np.sin(P)) + 0.3 * np.sum(P ** 2))

    return "f(W) = sum(C * sin(W)) + 0.3 * sum(W**2)", f, W, \
        C * np.cos(W) + 0.6 * W


def _vector_case():
    W = np.array([0.5, -1.0, 2.0, 0.25])

    def f(P):
        return float(np.log1p(np.sum(P ** 2)))

    return "f(w) = log(1 + sum(w**2)) on a vector", f, W, \
        2 * W / (1 + np.sum(W ** 2))


def _network_case():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0, 0], [0, 1], [0, 1], [1, 1]], dtype=float)
    net = Network([Dense(2, 2, "erf_sigmoid", rng=1)])
    net.forward(X)
    net.backward(Y)
    W = net.layers[0].params["W"]
    return "the AND+OR loss of a Dense(2, 2) layer", loss_of(net, X, Y), \
        W.copy(), net.layers[0].grads["W"].copy()


def _one_sided(f, W, step):
    out = np.empty_like(W)
    base = f(W)
    for i in np.ndindex(W.shape):
        P = W.copy()
        P[i] += step
        out[i] = (f(P) - base) / step
    return out


def check_central_difference(central_difference):
    """Check exercise 3.1, ``central_difference(f, W, step)``.

    It must return an array shaped like ``W`` whose entry ``i`` is
    ``(f(W + h e_i) - f(W - h e_i)) / (2 h)``, moving one entry at a
    time, and leave ``W`` unchanged. Tried on a smooth function of a
    matrix, of a vector, and on a network's loss.
    """
    cases = [_quadratic_case(), _vector_case(), _network_case()]
    label, f, W, _ = cases[0]
    if central_difference(f, W.copy(), STEP) is None:
        not_attempted("central_difference")
        return
    for label, f, W, want in cases:
        given = W.copy()
        got = central_difference(f, given, STEP)
        if got is None:
            raise ExerciseError(f"central_difference: for {label} it "
                                "returned None")
        got = np.asarray(got, dtype=float)
        if not np.array_equal(given, W):
            raise ExerciseError(
                f"central_difference: for {label} it changed W; restore "
                "each entry after perturbing it, or perturb a copy")
        if got.shape != W.shape:
            hint = ""
            if W.ndim == 2 and got.shape == (W.shape[1],):
                hint = ("; one number per column means whole columns "
                        "were moved at once, as the learner's helper "
                        "does: move one entry at a time")
            raise ExerciseError(
                f"central_difference: for {label} the result has shape "
                f"{shape_str(got.shape)}, expected "
                f"{shape_str(W.shape)}, one slope per entry of W{hint}")
        if W.ndim == 2 and np.allclose(
                got, np.broadcast_to(want.sum(axis=0), W.shape),
                rtol=1e-5, atol=1e-8):
            raise ExerciseError(
                f"central_difference: for {label} the shape is right but "
                "every row holds the column sums of the true gradient "
                "(summed over outputs): a whole column of W moved at "
                "once; move one entry at a time")
        if np.allclose(got, _one_sided(f, W, STEP), rtol=1e-9, atol=0) \
                and not np.allclose(got, want, rtol=1e-8, atol=1e-11):
            raise ExerciseError(
                f"central_difference: for {label} the result is the "
                "one-sided difference (f(W + h) - f(W)) / h, whose error "
                "shrinks only like h; use (f(W + h) - f(W - h)) / (2 h)")
        if np.allclose(got, 2 * want, rtol=1e-5, atol=1e-8):
            raise ExerciseError(
                f"central_difference: for {label} the shape is right but "
                "every value is twice the true slope: the two evaluations "
                "are 2 h apart, so divide by 2 * step")
        check_array(f"central_difference ({label})", got, want,
                    rtol=1e-5, atol=1e-8)
    success("central_difference() matches the true gradient on a matrix, "
            "a vector and a network's loss")


def check_relative_error(relative_error):
    """Check exercise 3.2, ``relative_error(a, b, floor=1e-2)``.

    It must return ``|a - b| / max(|a| + |b|, floor)`` entry by entry,
    shaped like ``a``: symmetric, 1 for opposite signs, finite where
    both are zero.
    """
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 3))
    b = a * (1 + 1e-3 * rng.standard_normal((2, 3)))
    b[0, 1] = -a[0, 1]
    a[1, 2] = b[1, 2] = 0.0
    a[1, 0], b[1, 0] = 1e-6, 3e-6
    if relative_error(a, b, FLOOR) is None:
        not_attempted("relative_error")
        return
    got = np.asarray(relative_error(a, b, FLOOR), dtype=float)
    want = relative_error_reference(a, b, FLOOR)
    if got.shape != want.shape:
        raise ExerciseError(
            f"relative_error: the result has shape {shape_str(got.shape)}"
            f", expected {shape_str(want.shape)}, one error per entry; "
            "take the largest afterwards, with .max()")
    if not np.isfinite(got[1, 2]):
        raise ExerciseError(
            "relative_error: where a and b are both 0 the result is "
            f"{got[1, 2]}, expected 0: the floor keeps the denominator "
            "away from zero (np.maximum(|a| + |b|, floor))")
    if not np.allclose(got[0, 1], 1.0):
        raise ExerciseError(
            "relative_error: the shape is right, but for two numbers of "
            f"opposite sign, {a[0, 1]:.4f} and {b[0, 1]:.4f}, it gives "
            f"{got[0, 1]:.4g}; the symmetric error is exactly 1 there")
    swapped = np.asarray(relative_error(b, a, FLOOR), dtype=float)
    if not np.allclose(got, swapped, rtol=1e-12, atol=0):
        raise ExerciseError(
            "relative_error: the shape is right but relative_error(a, b) "
            "differs from relative_error(b, a); divide by |a| + |b|, "
            "not by one of them")
    if np.allclose(got[1, 0], 0.5) and not np.allclose(want[1, 0], 0.5):
        raise ExerciseError(
            "relative_error: for the tiny entries 1e-06 and 3e-06 it "
            f"gives {got[1, 0]:.4g}; below the floor the error must be "
            f"judged on the absolute difference: |a - b| / floor = "
            f"{want[1, 0]:.1e}")
    check_array("relative_error", got, want, rtol=1e-9, atol=1e-12)
    success("relative_error() is symmetric, floored, and 1 for opposite "
            "signs")
