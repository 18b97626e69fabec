"""Derivative strategies agree with each other and with scipy.

Random networks of depth 1-3 and widths 1-5 are drawn by hypothesis
(derandomized, so every run checks the same networks). For each, the
weight and input gradients from ``Analytic``, ``CentralDifference`` and
``ComplexStep`` are compared with each other and with
``scipy.optimize.approx_fprime`` of the network's scalar loss.

Tolerances, as a fraction of the largest gradient entry (floor 1):

- complex step vs analytic, 1e-12: no subtraction, so only rounding;
- central difference vs analytic, 1e-6: step 1e-6 leaves a truncation
  error near 1e-12 and a rounding error near eps / step = 1e-10, times
  the curvature of the activations;
- scipy vs analytic, 2e-5: ``approx_fprime`` takes *forward*
  differences (error of order step), here with step 1e-7.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime

from backprop_lessons import (Analytic, CentralDifference, ColumnDifference,
                              ComplexStep, Dense, InputError, Network)

SMOOTH = ["sigmoid", "erf_sigmoid", "tanh", "identity"]
CONFIG = settings(max_examples=40, deadline=None, derandomize=True)


@st.composite
def networks(draw, activations=tuple(SMOOTH)):
    """A spec: widths (depth + 1,), activations, loss, batch, seed."""
    depth = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 5), min_size=depth + 1,
                           max_size=depth + 1))
    acts = draw(st.lists(st.sampled_from(activations), min_size=depth,
                         max_size=depth))
    losses = ["squared_error", "mean_squared_error"]
    if acts[-1] in ("sigmoid", "erf_sigmoid"):
        losses.append("binary_cross_entropy")
    loss = draw(st.sampled_from(losses))
    batch = draw(st.sampled_from([None, 1, 4]))
    seed = draw(st.integers(0, 2 ** 16))
    return widths, acts, loss, batch, seed


def build(spec, strategy):
    """The network of ``spec`` with every layer using ``strategy``."""
    widths, acts, loss, _, seed = spec
    rng = np.random.default_rng(seed)
    layers = [Dense(widths[i], widths[i + 1], acts[i],
                    derivative=strategy(), rng=rng)
              for i in range(len(acts))]
    return Network(layers, loss=loss)


def example(spec):
    """Inputs ``(D,)`` or ``(N, D)`` and targets in (0, 1)."""
    widths, _, _, batch, seed = spec
    rng = np.random.default_rng(seed + 1)
    lead = () if batch is None else (batch,)
    X = rng.standard_normal(lead + (widths[0],))
    Y = rng.uniform(0.1, 0.9, lead + (widths[-1],))
    return X, Y


def gradients(net, X, Y):
    """Every weight gradient, then dL/dX, flattened into one vector."""
    net.forward(X)
    dX = net.backward(Y)
    return np.concatenate([layer.grads["W"].ravel() for layer in net.layers]
                          + [np.ravel(dX)])


def scipy_gradient(net, X, Y, step=1e-7):
    """``approx_fprime`` of the loss over all weights and the input."""
    shapes = [layer.params["W"].shape for layer in net.layers]
    start = np.concatenate([layer.params["W"].ravel()
                            for layer in net.layers] + [np.ravel(X)])

    def loss(theta):
        i = 0
        for layer, shape in zip(net.layers, shapes):
            n = int(np.prod(shape))
            layer.params["W"][...] = theta[i:i + n].reshape(shape)
            i += n
        return net.loss_value(theta[i:].reshape(np.shape(X)), Y)

    g = approx_fprime(start, loss, step)
    loss(start)
    return g


def assert_close(a, b, tol, what):
    scale = max(1.0, np.abs(b).max())
    err = np.abs(a - b).max() / scale
    assert err <= tol, f"{what}: error {err:.2e} above {tol:.0e}"


@CONFIG
@given(networks())
def test_strategies_agree_with_each_other_and_scipy(spec):
    X, Y = example(spec)
    analytic = gradients(build(spec, Analytic), X, Y)
    central = gradients(build(spec, CentralDifference), X, Y)
    complex_ = gradients(build(spec, ComplexStep), X, Y)
    reference = scipy_gradient(build(spec, Analytic), X, Y)
    assert_close(complex_, analytic, 1e-12, "complex step vs analytic")
    assert_close(central, analytic, 1e-6, "central vs analytic")
    assert_close(central, complex_, 1e-6, "central vs complex step")
    assert_close(analytic, reference, 2e-5, "analytic vs scipy")
    assert_close(central, reference, 2e-5, "central vs scipy")


@CONFIG
@given(networks(activations=("relu", "tanh", "sigmoid")))
def test_relu_networks_away_from_kinks(spec):
    X, Y = example(spec)
    net = build(spec, Analytic)
    net.forward(X)
    # Numeric derivatives across a kink are meaningless: skip networks
    # with a relu pre-activation within 1e-3 of zero.
    for layer in net.layers:
        if layer.activation.name == "relu" and np.abs(layer.z).min() < 1e-3:
            return
    analytic = gradients(net, X, Y)
    central = gradients(build(spec, CentralDifference), X, Y)
    reference = scipy_gradient(build(spec, Analytic), X, Y)
    assert_close(central, analytic, 1e-6, "central vs analytic")
    assert_close(analytic, reference, 2e-5, "analytic vs scipy")


def test_complex_step_is_refused_through_relu():
    net = Network([Dense(2, 3, "relu", ComplexStep(), rng=0),
                   Dense(3, 1, "sigmoid", rng=1)])
    net.forward(np.array([0.3, -0.2]))
    with pytest.raises(InputError, match="layer 0: activation 'relu'"):
        net.backward(np.array([1.0]))


@pytest.mark.parametrize("step", [1e-8, 1e-20, 1e-100, 1e-300])
def test_complex_step_is_exact_for_any_small_step(step):
    spec = ([2, 3, 2], ["erf_sigmoid", "sigmoid"], "squared_error", None, 7)
    X, Y = example(spec)
    analytic = gradients(build(spec, Analytic), X, Y)
    exact = gradients(build(spec, lambda: ComplexStep(step=step)), X, Y)
    assert_close(exact, analytic, 1e-14, f"complex step {step:g}")


def learner_layer(K, batch, seed=3):
    """One Dense with the learner's rule, after a forward pass."""
    rng = np.random.default_rng(seed)
    layer = Dense(2, K, "erf_sigmoid", ColumnDifference(), rng=seed)
    x = rng.standard_normal((batch, 2) if batch else 2)
    layer.forward(x)
    return layer, rng.standard_normal(layer.y.shape)


@pytest.mark.parametrize("batch", [None, 4])
@pytest.mark.parametrize("K", [2, 3])
def test_column_difference_sums_the_true_gradient_over_outputs(K, batch):
    layer, grad_out = learner_layer(K, batch)
    dW, dx = layer.derivative.vjp(layer, grad_out)
    true_dW, true_dx = Analytic().vjp(layer, grad_out)
    # The learner's (n_in + 1,) gradient for an (n_out, n_in + 1) W:
    # every row of the true gradient, added up.
    assert layer.params["W"].shape == (K, 3)
    assert dW.shape == (3,)
    np.testing.assert_allclose(dW, true_dW.sum(axis=0), rtol=1e-6,
                               atol=1e-9)
    # Its relative error against the true gradient is large.
    assert np.abs(dW - true_dW).max() > 0.1 * np.abs(true_dW).max()
    # The input gradient is chained correctly.
    np.testing.assert_allclose(dx, true_dx, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("batch", [None, 4])
def test_column_difference_with_one_output_is_right(batch):
    layer, grad_out = learner_layer(1, batch)
    dW, _ = layer.derivative.vjp(layer, grad_out)
    true_dW, _ = Analytic().vjp(layer, grad_out)
    assert dW.shape == (3,)
    np.testing.assert_allclose(dW, true_dW[0], rtol=1e-6, atol=1e-9)


def test_step_sizes_are_kept_and_shown():
    assert CentralDifference().step == 1e-6
    assert ComplexStep().step == 1e-20
    assert ColumnDifference().step == 1e-4
    assert repr(CentralDifference(step=1e-4)) == \
        "CentralDifference(step=0.0001)"


@pytest.mark.parametrize("cls", [CentralDifference, ComplexStep,
                                 ColumnDifference])
@pytest.mark.parametrize("step", [0, -1e-4, float("nan"), float("inf"),
                                  "1e-4", None])
def test_bad_step_is_refused(cls, step):
    with pytest.raises(InputError) as err:
        cls(step=step)
    msg = str(err.value)
    assert msg.startswith(f"{cls.__name__}: step must be a positive")
    assert repr(step) in msg
