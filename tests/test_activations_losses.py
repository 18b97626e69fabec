"""Activations and losses: values, derivatives, complex input, batches.

Each derivative is checked against a centred difference of its own
function, and each complex-capable activation against the complex step,
which must reproduce the derivative to rounding.
"""

import numpy as np
import pytest
from scipy import special

from backprop_lessons import InputError, ShapeError, activations, losses
from backprop_lessons.activations import (ACTIVATIONS, erf_sigmoid,
                                          get_activation, identity, relu,
                                          sigmoid, tanh)
from backprop_lessons.losses import (LOSSES, binary_cross_entropy,
                                     get_loss, mean_squared_error,
                                     squared_error)

# Points away from relu's kink at 0.
Z = np.array([-6.0, -3.5, -1.2, -0.3, 0.4, 1.1, 2.7, 5.0])
H = 1e-6


@pytest.mark.parametrize("act, expected", [
    (sigmoid, lambda z: 1 / (1 + np.exp(-z))),
    (erf_sigmoid, lambda z: 0.5 * (1 + special.erf(z))),
    (tanh, np.tanh),
    (relu, lambda z: np.where(z > 0, z, 0.0)),
    (identity, lambda z: z),
])
def test_activation_values(act, expected):
    np.testing.assert_allclose(act(Z), expected(Z), rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_centred_difference(name):
    act = ACTIVATIONS[name]
    numeric = (act(Z + H) - act(Z - H)) / (2 * H)
    np.testing.assert_allclose(act.derivative(Z), numeric, rtol=1e-7,
                               atol=1e-10)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_shape_is_kept(name, shape):
    z = np.linspace(-2, 2, int(np.prod(shape))).reshape(shape) + 0.01
    act = ACTIVATIONS[name]
    assert np.shape(act(z)) == shape
    assert np.shape(act.derivative(z)) == shape


def test_erf_sigmoid_slope_and_its_flat_tail():
    np.testing.assert_allclose(erf_sigmoid.derivative(Z),
                               np.exp(-Z ** 2) / np.sqrt(np.pi), rtol=1e-14)
    # At z = -4 the learner's unit barely moves; the logistic still does.
    assert erf_sigmoid.derivative(-4.0) < 1e-7
    assert sigmoid.derivative(-4.0) > 1e-2


@pytest.mark.parametrize("name", ["sigmoid", "erf_sigmoid", "tanh",
                                  "identity"])
def test_complex_step_reproduces_the_derivative(name):
    act = ACTIVATIONS[name]
    assert act.complex_ok
    h = 1e-20
    slope = act(Z + 1j * h).imag / h
    # 1e-11, not 1e-15: in the tails ``1 - tanh(z)**2`` cancels, and it
    # is the analytic slope that loses digits there, not the complex step.
    np.testing.assert_allclose(slope, act.derivative(Z), rtol=1e-11,
                               atol=1e-300)
    # Complex input keeps the real part: the value is unchanged.
    np.testing.assert_allclose(act(Z + 1j * h).real, act(Z), rtol=1e-14)


@pytest.mark.parametrize("method", ["__call__", "derivative"])
def test_relu_refuses_complex_input(method):
    assert not relu.complex_ok
    with pytest.raises(InputError, match="relu.*not complex") as err:
        getattr(relu, method)(np.array([1.0 + 1e-20j]))
    assert "CentralDifference()" in str(err.value)


def test_relu_accepts_real_input():
    np.testing.assert_array_equal(relu.derivative(np.array([-1.0, 2.0])),
                                  [0.0, 1.0])


def test_get_activation():
    assert get_activation("tanh") is tanh
    assert get_activation(erf_sigmoid) is erf_sigmoid
    with pytest.raises(InputError, match="'softmax'.*erf_sigmoid"):
        get_activation("softmax")


# Losses

YH = np.array([0.2, 0.9, 0.6])
YT = np.array([0.0, 1.0, 1.0])
BATCH_YH = np.array([[0.2, 0.9, 0.6], [0.7, 0.1, 0.5], [0.3, 0.3, 0.8],
                     [0.95, 0.05, 0.4]])
BATCH_YT = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0],
                     [1.0, 1.0, 0.0]])


def test_squared_error_of_one_example_sums_over_outputs():
    assert squared_error.value(YH, YT) == pytest.approx(
        0.2 ** 2 + 0.1 ** 2 + 0.4 ** 2, rel=1e-14)
    np.testing.assert_allclose(squared_error.grad(YH, YT),
                               2 * (YH - YT), rtol=1e-14)


def test_mean_squared_error_of_one_example_averages_over_outputs():
    assert mean_squared_error.value(YH, YT) == pytest.approx(
        (0.2 ** 2 + 0.1 ** 2 + 0.4 ** 2) / 3, rel=1e-14)


def test_binary_cross_entropy_of_one_example():
    expected = -(np.log(0.8) + np.log(0.9) + np.log(0.6))
    assert binary_cross_entropy.value(YH, YT) == pytest.approx(expected,
                                                               rel=1e-14)


def test_binary_cross_entropy_stays_finite_when_saturated():
    value = binary_cross_entropy.value(np.array([0.0, 1.0]),
                                       np.array([1.0, 0.0]))
    assert np.isfinite(value) and value > 50


def test_the_batch_reduction_is_documented():
    assert "averaged over the N examples" in " ".join(losses.__doc__.split())


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_batch_value_is_the_mean_of_the_examples(name):
    loss = LOSSES[name]
    each = [loss.value(a, b) for a, b in zip(BATCH_YH, BATCH_YT)]
    assert loss.value(BATCH_YH, BATCH_YT) == pytest.approx(np.mean(each),
                                                           rel=1e-14)
    # A batch of one is exactly its one example.
    assert loss.value(BATCH_YH[:1], BATCH_YT[:1]) == loss.value(
        BATCH_YH[0], BATCH_YT[0])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_batch_gradient_is_each_gradient_over_n(name):
    loss = LOSSES[name]
    each = np.array([loss.grad(a, b) for a, b in zip(BATCH_YH, BATCH_YT)])
    g = loss.grad(BATCH_YH, BATCH_YT)
    assert g.shape == BATCH_YH.shape
    np.testing.assert_allclose(g, each / len(BATCH_YH), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("batch", [False, True])
def test_loss_gradient_matches_centred_difference(name, batch):
    loss = LOSSES[name]
    y_hat, y = (BATCH_YH, BATCH_YT) if batch else (YH, YT)
    numeric = np.zeros_like(y_hat)
    for idx in np.ndindex(y_hat.shape):
        up, down = y_hat.copy(), y_hat.copy()
        up[idx] += H
        down[idx] -= H
        numeric[idx] = (loss.value(up, y) - loss.value(down, y)) / (2 * H)
    np.testing.assert_allclose(loss.grad(y_hat, y), numeric, rtol=1e-7,
                               atol=1e-9)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_refuses_mismatched_shapes(name):
    with pytest.raises(ShapeError) as err:
        LOSSES[name].value(np.zeros(2), np.zeros(3))
    msg = str(err.value)
    assert msg.startswith("loss:") and "(3,)" in msg and "(2,)" in msg


def test_get_loss():
    assert get_loss("squared_error") is squared_error
    assert get_loss(mean_squared_error) is mean_squared_error
    with pytest.raises(InputError, match="'hinge'.*squared_error"):
        get_loss("hinge")


def test_modules_name_every_instance():
    assert set(ACTIVATIONS) == {"sigmoid", "erf_sigmoid", "tanh", "relu",
                                "identity"}
    assert set(LOSSES) == {"squared_error", "mean_squared_error",
                           "binary_cross_entropy"}
    assert activations.get_activation("relu").name == "relu"
