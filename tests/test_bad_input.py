"""Bad input gets an error that says where, what was expected and found.

Each case is one kind of mistake a learner makes. The error must be a
:class:`ShapeError` or :class:`InputError` (never a bare numpy or Python
error), its message must start by naming where it happened (a layer
index, a ``Dense(...)``, ``train:``, ``loss:`` ...) and it must hold
both what was expected and what was found.
"""

import numpy as np
import pytest

from backprop_lessons import (CentralDifference, ColumnDifference,
                              ComplexStep, Dense, InputError, Network,
                              ShapeError, data, question, train)
from backprop_lessons.losses import squared_error

X, Y = data.gate("and+or")
DENSE = "Dense(2 -> 2, sigmoid, Analytic())"


def net(*layers, **kw):
    return Network(list(layers) or [Dense(2, 2, rng=0)], **kw)


def after_forward(network, x=X[0]):
    network.forward(x)
    return network


def train_with(**kw):
    args = {"net": net(), "X": X, "Y": Y, "epochs": 1}
    args.update(kw)
    return train(**args)


def learner_step():
    network = after_forward(net(Dense(2, 2, derivative=ColumnDifference(),
                                      rng=0)))
    network.backward(Y[0])
    network.step(1.0)


CASES = {
    "wrong input width": (
        lambda: net().forward(np.zeros(3)), ShapeError,
        f"layer 0: {DENSE}: ", ["(2,) or (N, 2)", "got (3,)"]),
    "input with three axes": (
        lambda: net().forward(np.zeros((1, 1, 2))), ShapeError,
        f"layer 0: {DENSE}: ", ["(2,) or (N, 2)", "(1, 1, 2)"]),
    "wrong width in the second layer": (
        lambda: Network([Dense(2, 3), Dense(2, 2)]), ShapeError,
        "layers do not chain: ", ["layer 0 outputs 3", "layer 1 expects 2"]),
    "wrong target width": (
        lambda: after_forward(net()).backward(np.zeros(3)), ShapeError,
        "network: ", ["targets have shape (3,)", "expected targets of "
                      "shape (2,)"]),
    "wrong target width in train": (
        lambda: train_with(Y=Y[:, :1]), ShapeError,
        "train: ", ["network has 2 outputs", "Y has 1"]),
    "wrong input width in train": (
        lambda: train_with(X=X[:, :1]), ShapeError,
        "train: ", ["expects 2 inputs", "X has 1"]),
    "X and Y of different lengths": (
        lambda: train_with(X=X[:3]), ShapeError,
        "train: ", ["X has 3 examples", "Y has 4"]),
    "one example given to train": (
        lambda: train_with(X=X[0], Y=Y[0]), ShapeError,
        "train: ", ["X must be (N, D)", "(2,) and (2,)"]),
    "NaN input": (
        lambda: net().forward(np.array([[0.0, 1.0], [np.nan, 0.0]])),
        InputError, "network input ", ["must be finite", "nan at index "
                                       "(1, 0)"]),
    "infinite input in train": (
        lambda: train_with(X=np.where(X == 1, np.inf, X)), InputError,
        "train: X ", ["must be finite", "found inf at index (1, 1)"]),
    "NaN target": (
        lambda: after_forward(net()).backward(np.array([0.0, np.nan])),
        InputError, "network: targets ", ["must be finite",
                                          "nan at index (1,)"]),
    "text input": (
        lambda: net().forward(np.array(["0", "1"])), InputError,
        "network input ", ["must hold real numbers", "dtype <U1"]),
    "complex input": (
        lambda: net().forward(np.array([1j, 0.0])), InputError,
        "network input ", ["must hold real numbers", "complex128"]),
    "text targets in train": (
        lambda: train_with(Y=Y.astype(str)), InputError,
        "train: Y ", ["must hold real numbers", "dtype <U"]),
    "ragged input": (
        lambda: net().forward([[0.0, 1.0], [1.0]]), InputError,
        "network input ", ["rectangular array of real numbers",
                           "different lengths"]),
    "unknown activation": (
        lambda: Dense(2, 2, activation="softmax"), InputError,
        "Dense: ", ["unknown activation 'softmax'", "expected one of",
                    "erf_sigmoid"]),
    "unknown loss": (
        lambda: net(loss="hinge"), InputError,
        "Network: ", ["unknown loss 'hinge'", "squared_error"]),
    "unknown derivative strategy": (
        lambda: Dense(2, 2, derivative="forward"), InputError,
        "Dense: ", ["unknown derivative strategy 'forward'", "analytic"]),
    "derivative strategy given as a class": (
        lambda: Dense(2, 2, derivative=CentralDifference), InputError,
        "Dense: ", ["a class", "an instance such as CentralDifference()"]),
    "zero learning rate": (
        lambda: train_with(lr=0), InputError,
        "train: ", ["learning rate must be a positive", "got 0"]),
    "negative learning rate in step": (
        lambda: net().step(-0.5), InputError,
        "Network.step: ", ["learning rate must be a positive",
                           "got -0.5"]),
    "NaN learning rate": (
        lambda: train_with(lr=float("nan")), InputError,
        "train: ", ["learning rate must be a positive finite", "got nan"]),
    "integer weights": (
        lambda: Dense(2, 2, dtype=int), InputError,
        "Dense: ", ["float32 or float64", "got int64"]),
    "unknown dtype": (
        lambda: Dense(2, 2, dtype="float99"), InputError,
        "Dense: ", ["float32 or float64", "'float99'"]),
    "zero inputs": (
        lambda: Dense(0, 2), InputError,
        "Dense: ", ["n_in must be a positive integer", "got 0"]),
    "fractional outputs": (
        lambda: Dense(2, 1.5), InputError,
        "Dense: ", ["n_out must be a positive integer", "got 1.5"]),
    "negative init scale": (
        lambda: Dense(2, 2, init_scale=-0.1), InputError,
        "Dense: ", ["init_scale must be a positive", "got -0.1"]),
    "bad seed for weights": (
        lambda: Dense(2, 2, rng="abc"), InputError,
        "Dense: ", ["rng must be None, an integer", "'abc'"]),
    "negative epochs": (
        lambda: train_with(epochs=-1), InputError,
        "train: ", ["epochs must be an integer >= 0", "got -1"]),
    "zero batch size": (
        lambda: train_with(batch_size=0), InputError,
        "train: ", ["batch_size must be an integer >= 1", "got 0"]),
    "bad shuffling seed": (
        lambda: train_with(seed=-3), InputError,
        "train: ", ["seed must be None, an integer >= 0", "got -3"]),
    "callback that cannot be called": (
        lambda: train_with(callback="print"), InputError,
        "train: ", ["callback must be callable", "'print'"]),
    "zero step": (
        lambda: CentralDifference(step=0), InputError,
        "CentralDifference: ", ["step must be a positive finite", "got 0"]),
    "negative complex step": (
        lambda: ComplexStep(step=-1e-20), InputError,
        "ComplexStep: ", ["step must be a positive finite", "-1e-20"]),
    "complex step through relu": (
        lambda: after_forward(net(Dense(2, 2, "relu", ComplexStep(),
                                        rng=0))).backward(Y[0]),
        InputError, "layer 0: activation 'relu' ",
        ["not complex-differentiable", "CentralDifference() or Analytic()"]),
    "the learner's gradient under strict": (
        learner_step, ShapeError,
        "layer 0 (Dense(2 -> 2, sigmoid, ColumnDifference(step=0.0001))): ",
        ["gradient of 'W' has shape (3,)", "parameter has shape (2, 3)"]),
    "wrong grad_out for a layer": (
        lambda: after_forward(net()).layers[0].backward(np.zeros(3)),
        ShapeError, f"{DENSE}: ", ["output's shape (2,)", "got (3,)"]),
    "backward before forward": (
        lambda: net().backward(Y[0]), InputError,
        "network: ", ["call forward before backward"]),
    "an object that is not a layer": (
        lambda: Network([Dense(2, 2), "relu"]), InputError,
        "layer 1 ('relu') ", ["does not follow the layer protocol",
                               "missing params, grads"]),
    "no layers": (
        lambda: Network([]), InputError, "Network ",
        ["at least one layer"]),
    "loss of mismatched shapes": (
        lambda: squared_error.value(np.zeros((4, 2)), np.zeros((4, 1))),
        ShapeError, "loss: ", ["targets have shape (4, 1)",
                               "predictions have shape (4, 2)"]),
    "learner's network with a wrong input width": (
        lambda: question.NN([question.Layer(2, 2, rng=0)]).forward(
            np.zeros(3)), ShapeError,
        "question.Layer(2 -> 2): ", ["expected input of shape (2,)",
                                     "got (3,)"]),
}


def test_there_are_at_least_15_kinds():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_names_where_expected_and_found(case):
    action, kind, where, pieces = CASES[case]
    with pytest.raises(kind) as err:
        action()
    msg = str(err.value)
    assert msg.startswith(where), msg
    for piece in pieces:
        assert piece in msg, f"{piece!r} missing from: {msg}"


def test_errors_are_value_errors():
    # Callers that catch ValueError (as numpy users do) still catch them.
    assert issubclass(ShapeError, ValueError)
    assert issubclass(InputError, ValueError)


def test_a_failed_forward_leaves_the_network_usable():
    network = net()
    with pytest.raises(ShapeError):
        network.forward(np.zeros(3))
    np.testing.assert_allclose(network.forward(X).shape, (4, 2))


def test_a_strategy_without_vjp_is_refused():
    with pytest.raises(InputError) as err:
        Dense(2, 2, derivative=object())
    msg = str(err.value)
    assert msg.startswith("Dense: derivative strategy <object")
    assert "has no vjp(layer, grad_out) method" in msg
