"""Checkers for lesson 01: reproduce the failure.

Exercise 1.1 asks for ``missed(predictions, Y, tol)``, the examples a
network gets wrong; exercise 1.2 for ``make_twin(n_out, seed)``, a
:class:`~backprop_lessons.Network` that trains exactly like the
learner's network, step for step.
"""

import numpy as np

from .. import question
from ..data import gate
from ..errors import ShapeError, shape_str
from ..network import Network
from ..training import train
from . import ExerciseError, not_attempted, success

#: Epochs the twin checker trains both networks for.
TWIN_EPOCHS = 50

#: Largest weight difference the twin checker accepts.
TWIN_TOLERANCE = 1e-9


def missed_reference(predictions, Y, tol=0.1):
    """The examples with any output ``tol`` or more from its target.

    ``predictions`` and ``Y`` are ``(N, K)``; returns a bool ``(N,)``.
    """
    err = np.abs(np.asarray(predictions) - np.asarray(Y))
    return np.any(err >= tol, axis=1)


def _missed_cases():
    # Each case catches one mistake: outputs not combined, no abs, the
    # tolerance ignored, an error of exactly tol let through (> for >=),
    # one output only.
    Y = gate("and+or").Y
    yield "the learner's AND+OR predictions", np.array(
        [[0.001, 0.001], [0.584, 0.416], [0.618, 0.382], [1.0, 0.995]]), \
        Y, 0.1
    yield "predictions above their targets", np.array(
        [[0.05, 0.2], [0.0, 1.0], [0.02, 0.95], [1.0, 0.7]]), Y, 0.1
    yield "a looser tolerance of 0.25", np.array(
        [[0.2, 0.0], [0.0, 0.7], [0.3, 1.0], [0.8, 0.8]]), Y, 0.25
    yield "errors of exactly tol", np.array(
        [[0.25, 0.0], [0.0, 1.0], [0.0, 0.75], [1.0, 1.0]]), Y, 0.25
    yield "one output (AND)", np.array(
        [[0.0], [0.2], [0.05], [0.97]]), gate("and").Y, 0.1


def check_missed(missed):
    """Check exercise 1.1, ``missed(predictions, Y, tol=0.1)``.

    It must return a bool array ``(N,)``: True where any output of the
    example is ``tol`` or more from its target.
    """
    Y = gate("and+or").Y
    if missed(Y, Y, 0.1) is None:
        not_attempted("missed")
        return
    for label, predictions, targets, tol in _missed_cases():
        got = missed(predictions, targets, tol)
        want = missed_reference(predictions, targets, tol)
        got = np.asarray(got)
        if got.shape != want.shape:
            hint = ""
            if got.shape == targets.shape:
                hint = ("; that is one verdict per output: an example is "
                        "missed if any of its outputs is off (np.any "
                        "along axis 1)")
            raise ExerciseError(
                f"missed: for {label} the result has shape "
                f"{shape_str(got.shape)}, expected {shape_str(want.shape)}"
                f", one verdict per example{hint}")
        if got.dtype.kind not in "biu":
            raise ExerciseError(
                f"missed: the shape is right but the values are "
                f"{got.dtype}, expected True/False")
        wrong = np.flatnonzero(got.astype(bool) != want)
        if wrong.size:
            i = int(wrong[0])
            raise ExerciseError(
                f"missed: the shape {shape_str(got.shape)} is right but "
                f"for {label} (tol={tol}) example {i} with prediction "
                f"{predictions[i]} and target {targets[i]} should give "
                f"{bool(want[i])}, got {bool(got[i])}")
    success("missed() finds the examples the network gets wrong")


def _learner_run(n_out, seed, epochs):
    X, Y = gate("and+or" if n_out == 2 else "and")
    nn = question.NN([question.Layer(2, n_out, rng=seed)])
    question.train(nn, epochs, X, Y, seed=seed)
    return nn.layers[0].weights


def check_twin(make_twin):
    """Check exercise 1.2, ``make_twin(n_out, seed)``.

    The network it returns must start from the same weights as
    ``question.NN([question.Layer(2, n_out, rng=seed)])`` and, trained
    with :func:`~backprop_lessons.train` for :data:`TWIN_EPOCHS` epochs
    on AND (one output) or AND+OR (two), end within
    :data:`TWIN_TOLERANCE` of the learner's weights.
    """
    net = make_twin(2, 0)
    if net is None:
        not_attempted("make_twin")
        return
    if not isinstance(net, Network):
        raise ExerciseError(f"make_twin: expected a Network, got "
                            f"{type(net).__name__}")
    if len(net.layers) != 1:
        raise ExerciseError(f"make_twin: the learner's network has one "
                            f"layer, yours has {len(net.layers)}")
    for n_out, seed in ((2, 0), (1, 3), (2, 7)):
        net = make_twin(n_out, seed)
        W = net.layers[0].params["W"]
        learner = question.Layer(2, n_out, rng=seed).weights
        if W.shape != learner.shape:
            raise ExerciseError(
                f"make_twin({n_out}, {seed}): the layer's W has shape "
                f"{shape_str(W.shape)}, expected "
                f"{shape_str(learner.shape)} ({n_out} output rows; 2 "
                "inputs plus the bias column)")
        if not np.array_equal(W, learner):
            raise ExerciseError(
                f"make_twin({n_out}, {seed}): the shape is right but the "
                "initial weights differ from the learner's layer built "
                "with the same seed; give the layer rng=seed")
        X, Y = gate("and+or" if n_out == 2 else "and")
        x1 = np.array([1.0, *X[1]])
        want = question.forward_pure(learner, x1)
        got = net.predict(X[1])
        if not np.allclose(got, want, rtol=0, atol=1e-12):
            raise ExerciseError(
                f"make_twin({n_out}, {seed}): same weights, but the "
                f"output for input {X[1]} is {np.round(got, 4)} where "
                f"the learner's is {np.round(want, 4)}: check the "
                "activation (the learner's is 0.5 * (1 + erf(z)))")
        try:
            train(net, X, Y, epochs=TWIN_EPOCHS, seed=seed)
        except ShapeError as err:
            raise ExerciseError(
                f"make_twin({n_out}, {seed}): training stopped with "
                f"'{err}'. The learner's code had no shape guard: build "
                "the network with strict=False") from None
        gap = float(np.abs(net.layers[0].params["W"] -
                           _learner_run(n_out, seed, TWIN_EPOCHS)).max())
        if not gap < TWIN_TOLERANCE:
            raise ExerciseError(
                f"make_twin({n_out}, {seed}): after {TWIN_EPOCHS} epochs "
                f"the weights differ from the learner's by up to "
                f"{gap:.2g}; the two networks compute different "
                "gradients: use the learner's derivative rule, "
                "ColumnDifference()")
    success(f"make_twin() trains exactly like the learner's network "
            f"(weights within {TWIN_TOLERANCE:g} after {TWIN_EPOCHS} "
            "epochs)")


def print_predictions(X, Y, predictions, tol=0.1):
    """Print inputs, targets and predictions, one aligned row each.

    ``X`` is ``(N, D)``, ``Y`` and ``predictions`` ``(N, K)``. The last
    column says ``ok`` when every output is within ``tol`` of its
    target, ``MISSED`` otherwise. Returns the number of missed examples.
    """
    X, Y, P = (np.atleast_2d(a) for a in (X, Y, predictions))
    missed = missed_reference(P, Y, tol)
    x_w, y_w = 4 * X.shape[1], 4 * Y.shape[1]
    p_w = max(7 * P.shape[1], len("prediction"))
    print(f"{'input':>{x_w}}  {'target':>{max(y_w, 6)}}  "
          f"{'prediction':>{p_w}}  verdict")
    for x, y, p, miss in zip(X, Y, P, missed):
        xs = "".join(f"{v:4.0f}" for v in x)
        ys = "".join(f"{v:4.0f}" for v in y)
        ps = "".join(f"{v:7.3f}" for v in p)
        print(f"{xs:>{x_w}}  {ys:>{max(y_w, 6)}}  {ps:>{p_w}}  "
              f"{'MISSED' if miss else 'ok'}")
    return int(missed.sum())
