"""The fast paths compute exactly what the plain algorithm computes.

Every derivative strategy, the training loop and the network's backward
are checked against a reference written here in the most direct way:
perturbed copies built one entry at a time, every gradient computed
(including input gradients nobody reads), no cached buffers. The
numeric strategies divide by a small step, so a rounding moved to a
different place shows far above 1e-12 (evaluating one perturbed matrix
at a time instead of the whole stack already does); the reference
therefore evaluates each stack of perturbations in one call, as the
strategies are documented to, and then everything agrees to 1e-12
after many training steps.
"""

import numpy as np
import pytest

from backprop_lessons import (Analytic, CentralDifference, ColumnDifference,
                              ComplexStep, Dense, Network, ShapeError,
                              data, train)
from backprop_lessons.activations import get_activation
from backprop_lessons.losses import get_loss

TOL = 1e-12


# The reference: one layer is (W, activation name, strategy).

def ref_forward(W, act, x):
    """Output ``(K,)`` or ``(N, K)`` and the input with its leading one.

    ``[1 | x]`` is held in the weights' dtype, as ``Dense`` holds it.
    """
    x1 = np.concatenate([np.ones(x.shape[:-1] + (1,)), x], axis=-1)
    x1 = x1.astype(W.dtype)
    return get_activation(act)(x1 @ W.T), x1


def ref_central(fn, at, h, entries):
    """Centred slopes of ``fn`` at ``at`` along ``entries``.

    One perturbed copy of ``at`` per entry and sign, all evaluated in
    one call of ``fn``, as the strategies are documented to do.
    """
    ups, downs = [], []
    for j in entries:
        # Perturbed copies are float64 even for float32 weights.
        up = at.astype(np.result_type(at, np.float64))
        down = up.copy()
        up[j] += h
        down[j] -= h
        ups.append(up)
        downs.append(down)
    out = fn(np.array(ups + downs))
    return (out[:len(ups)] - out[len(ups):]) / (2 * h)


def ref_complex(fn, at, h, entries):
    """Complex-step slopes of ``fn`` at ``at`` along ``entries``."""
    moved = []
    for j in entries:
        m = at.astype(complex)
        m[j] += 1j * h
        moved.append(m)
    return fn(np.array(moved)).imag / h


def ref_vjp(W, act, x1, g, strategy):
    """``(dW, dx)`` for one layer: dW summed over the batch."""
    f = get_activation(act)
    if isinstance(strategy, Analytic):
        delta = g * f.derivative(x1 @ W.T)
        dW = np.outer(delta, x1) if delta.ndim == 1 else delta.T @ x1
        return dW, delta @ W[:, 1:]

    h = strategy.step
    if isinstance(strategy, ComplexStep):
        slopes = ref_complex
    else:
        slopes = ref_central
    if isinstance(strategy, ColumnDifference):
        # Column j of every row moves at once: W[:, j] is one "entry".
        entries = [(slice(None), j) for j in range(W.shape[1])]
    else:
        entries = list(np.ndindex(W.shape))
    s = slopes(lambda Ws: f(x1 @ np.swapaxes(Ws, -1, -2)), W, h, entries)
    if not isinstance(strategy, ColumnDifference):
        # Each slope has the output's shape; contract it with g.
        dW = (s.reshape(len(s), -1) @ g.ravel()).reshape(W.shape)
    elif x1.ndim == 1:
        dW = g @ s.T
    else:
        dW = np.einsum("jnk,nk->j", s, g)

    # Input entry j (after the constant one) of every example moves at
    # once: each example only moves its own outputs.
    entries = [(..., j) for j in range(1, x1.shape[-1])]
    s = slopes(lambda xs: f(xs @ W.T), x1, h, entries)
    if x1.ndim == 1:
        return dW, s @ g
    return dW, np.einsum("jnk,nk->nj", s, g)


def ref_train(Ws, acts, strategies, X, Y, epochs, lr, seed, batch_size,
              loss="squared_error"):
    """Plain SGD; the same shuffling as ``train``. Returns Ws, losses."""
    loss = get_loss(loss)
    Ws = [W.copy() for W in Ws]

    def run(x):
        x1s = []
        for W, act in zip(Ws, acts):
            x, x1 = ref_forward(W, act, x)
            x1s.append(x1)
        return x, x1s

    rng = np.random.default_rng(seed)
    losses = [loss.value(run(X)[0], Y)]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            xb, yb = (X[idx[0]], Y[idx[0]]) if batch_size == 1 \
                else (X[idx], Y[idx])
            y_hat, x1s = run(xb)
            g = loss.grad(y_hat, yb)
            dWs = [None] * len(Ws)
            for i in range(len(Ws) - 1, -1, -1):
                dWs[i], g = ref_vjp(Ws[i], acts[i], x1s[i], g,
                                    strategies[i])
            for W, dW in zip(Ws, dWs):
                W -= lr * dW
        losses.append(loss.value(run(X)[0], Y))
    return Ws, np.array(losses)


# The library side.

STRATEGIES = {
    "analytic": Analytic,
    "central": CentralDifference,
    "complex": ComplexStep,
    "column": ColumnDifference,
}

NETWORKS = {
    # name: (task, [(n_in, n_out, activation), ...])
    "and+or": ("and+or", [(2, 2, "erf_sigmoid")]),
    "hidden": ("half-adder", [(2, 3, "tanh"), (3, 2, "sigmoid")]),
    "deep": ("xor", [(2, 3, "erf_sigmoid"), (3, 2, "tanh"),
                     (2, 1, "sigmoid")]),
}


def build(network, strategy, seed=0, shared=False, dtype=np.float64):
    task, shapes = NETWORKS[network]
    rng = np.random.default_rng(seed)
    one = STRATEGIES[strategy]()
    layers = [Dense(n_in, n_out, act, rng=rng, dtype=dtype,
                    derivative=one if shared else STRATEGIES[strategy]())
              for n_in, n_out, act in shapes]
    net = Network(layers, strict=strategy != "column")
    X, Y = data.load(task)
    return net, X, Y


def weights(net):
    return [layer.params["W"].copy() for layer in net.layers]


@pytest.mark.parametrize("network", list(NETWORKS))
@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize("batch_size", [1, 3, 4])
def test_training_matches_the_plain_algorithm(network, strategy,
                                               batch_size):
    net, X, Y = build(network, strategy, seed=3)
    start = weights(net)
    acts = [layer.activation.name for layer in net.layers]
    strategies = [layer.derivative for layer in net.layers]
    epochs = 25
    history = train(net, X, Y, epochs=epochs, lr=0.5, seed=7,
                    batch_size=batch_size)
    ref_Ws, ref_losses = ref_train(start, acts, strategies, X, Y, epochs,
                                   0.5, 7, batch_size)

    assert history.loss.shape == ref_losses.shape
    np.testing.assert_allclose(history.loss, ref_losses, rtol=0, atol=TOL)
    for W, ref in zip(weights(net), ref_Ws):
        assert W.shape == ref.shape
        np.testing.assert_allclose(W, ref, rtol=0, atol=TOL)
    # The weights moved, so the comparison means something.
    moved = max(np.abs(W - W0).max() for W, W0 in zip(ref_Ws, start))
    assert moved > 1e-3


@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize("batch_size", [1, 4])
def test_float32_layers_train_as_before(strategy, batch_size):
    net, X, Y = build("hidden", strategy, seed=5, dtype=np.float32)
    start = weights(net)
    acts = [layer.activation.name for layer in net.layers]
    strategies = [layer.derivative for layer in net.layers]
    train(net, X, Y, epochs=10, lr=0.5, seed=2, batch_size=batch_size)
    ref_Ws, _ = ref_train(start, acts, strategies, X, Y, 10, 0.5, 2,
                          batch_size)
    for W, ref in zip(weights(net), ref_Ws):
        assert W.dtype == ref.dtype == np.float32
        np.testing.assert_array_equal(W, ref)


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_one_strategy_shared_by_layers_of_one_shape(strategy):
    # Buffers kept per shape must not leak between the layers that
    # share a strategy object.
    task, shapes = "and+or", [(2, 2, "tanh"), (2, 2, "erf_sigmoid"),
                              (2, 2, "sigmoid")]
    rng = np.random.default_rng(5)
    one = STRATEGIES[strategy]()
    layers = [Dense(a, b, act, derivative=one, rng=rng)
              for a, b, act in shapes]
    net = Network(layers, strict=strategy != "column")
    X, Y = data.load(task)
    start = weights(net)
    train(net, X, Y, epochs=10, lr=1.0, seed=1, batch_size=2)
    ref_Ws, _ = ref_train(start, [s[2] for s in shapes], [one] * 3, X, Y,
                          10, 1.0, 1, 2)
    for W, ref in zip(weights(net), ref_Ws):
        np.testing.assert_allclose(W, ref, rtol=0, atol=TOL)


@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize("batch", [False, True])
def test_layer_backward_returns_both_gradients(strategy, batch):
    rng = np.random.default_rng(11)
    layer = Dense(3, 2, "tanh", derivative=STRATEGIES[strategy](), rng=rng)
    x = rng.standard_normal((5, 3) if batch else (3,))
    y = layer.forward(x)
    g = rng.standard_normal(y.shape)
    dx = layer.backward(g)
    ref_dW, ref_dx = ref_vjp(layer.params["W"], "tanh", layer.x1, g,
                             layer.derivative)

    assert dx.shape == x.shape
    assert layer.grads["W"].shape == ref_dW.shape
    np.testing.assert_allclose(layer.grads["W"], ref_dW, rtol=0, atol=TOL)
    np.testing.assert_allclose(dx, ref_dx, rtol=0, atol=TOL)


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_network_backward_still_returns_the_input_gradient(strategy):
    # Training may skip the first layer's input gradient; the public
    # backward must not.
    net, X, Y = build("hidden", strategy, seed=2)
    net.forward(X)
    dX = net.backward(Y)
    acts = [layer.activation.name for layer in net.layers]
    h, x1_0 = ref_forward(net.layers[0].params["W"], acts[0], X)
    y_hat, x1_1 = ref_forward(net.layers[1].params["W"], acts[1], h)
    g = net.loss.grad(y_hat, Y)
    dW1, g = ref_vjp(net.layers[1].params["W"], acts[1], x1_1, g,
                     net.layers[1].derivative)
    dW0, ref_dX = ref_vjp(net.layers[0].params["W"], acts[0], x1_0, g,
                          net.layers[0].derivative)

    assert dX.shape == X.shape
    np.testing.assert_allclose(dX, ref_dX, rtol=0, atol=TOL)
    np.testing.assert_allclose(net.layers[0].grads["W"], dW0, rtol=0,
                               atol=TOL)
    np.testing.assert_allclose(net.layers[1].grads["W"], dW1, rtol=0,
                               atol=TOL)


class Recording(Dense):
    """A Dense layer that keeps every weight stack its strategy tried."""

    def pure(self, W, x1):
        self.tried.append(np.array(W, copy=True))
        return super().pure(W, x1)


@pytest.mark.parametrize("strategy", ["central", "complex"])
def test_numeric_strategies_evaluate_perturbed_weights(strategy):
    layer = Recording(2, 2, "erf_sigmoid", rng=0,
                      derivative=STRATEGIES[strategy]())
    layer.tried = []
    layer.forward(np.array([0.3, -0.7]))
    layer.backward(np.array([0.5, -1.0]))

    W, h = layer.params["W"], layer.derivative.step
    stacks = [s for s in layer.tried if s.ndim == 3]
    assert stacks, "the weight gradient never called pure()"
    moved = np.concatenate(stacks) - W
    if strategy == "complex":
        assert np.all(moved.real == 0)
        moved = moved.imag
    # Every entry of W moved on its own, by the step (both ways for the
    # centred difference).
    nonzero = np.count_nonzero(moved.reshape(len(moved), -1), axis=1)
    assert np.all(nonzero == 1)
    ways = 2 if strategy == "central" else 1
    assert len(moved) == ways * W.size
    np.testing.assert_allclose(np.abs(moved).sum(axis=(1, 2)), h,
                               rtol=1e-9)


class Scale:
    """A user's layer with only the protocol: ``y = a * x``."""

    def __init__(self, a):
        self.params = {"a": np.array([a])}
        self.grads = {"a": np.zeros(1)}
        self.calls = 0

    def forward(self, x):
        self.x = x
        return self.params["a"][0] * x

    def backward(self, grad_out):
        self.calls += 1
        self.grads["a"] = np.array([np.sum(grad_out * self.x)])
        return self.params["a"][0] * grad_out


def test_user_layers_keep_the_plain_protocol():
    # A user's layer first in line gets backward(grad_out) and nothing
    # else; its gradient feeds the step as before.
    X, Y = data.gate("and+or")
    dense = Dense(2, 2, "erf_sigmoid", rng=4)
    W0 = dense.params["W"].copy()
    scale = Scale(0.8)
    net = Network([scale, dense])
    train(net, X, Y, epochs=5, lr=0.5, seed=2)
    assert scale.calls == 5 * len(X)

    # Reference: the same two-parameter model, written out.
    a, W = 0.8, W0.copy()
    rng = np.random.default_rng(2)
    loss = get_loss("squared_error")
    for _ in range(5):
        for i in rng.permutation(len(X)):
            y, x1 = ref_forward(W, "erf_sigmoid", a * X[i])
            g = loss.grad(y, Y[i])
            dW, dx = ref_vjp(W, "erf_sigmoid", x1, g, Analytic())
            da = np.sum(dx * X[i])
            W -= 0.5 * dW
            a -= 0.5 * da
    np.testing.assert_allclose(dense.params["W"], W, rtol=0, atol=TOL)
    np.testing.assert_allclose(scale.params["a"], [a], rtol=0, atol=TOL)


def test_training_keeps_the_strict_shape_guard():
    X, Y = data.gate("and+or")
    net = Network([Dense(2, 2, "erf_sigmoid", rng=0,
                         derivative=ColumnDifference())])
    with pytest.raises(ShapeError, match=r"layer 0 .*\(3,\).*\(2, 3\)"):
        train(net, X, Y, epochs=1)


def test_forward_does_not_overwrite_an_earlier_cache():
    # A caller may keep the arrays of one forward pass while running
    # the next; the fast path must not reuse them.
    layer = Dense(2, 2, "tanh", rng=0)
    layer.forward(np.array([0.5, -0.5]))
    x1, z, y = layer.x1, layer.z, layer.y
    saved = [a.copy() for a in (x1, z, y)]
    layer.forward(np.array([2.0, 3.0]))
    for kept, before in zip((x1, z, y), saved):
        np.testing.assert_array_equal(kept, before)


def test_weights_are_updated_in_place():
    X, Y = data.gate("and+or")
    net = Network([Dense(2, 2, "erf_sigmoid", rng=0,
                         derivative=CentralDifference())])
    W = net.layers[0].params["W"]
    before = W.copy()
    train(net, X, Y, epochs=3)
    assert net.layers[0].params["W"] is W
    assert np.abs(W - before).max() > 1e-3


class Halved(Dense):
    """A planted bug: the weight gradient comes back halved."""

    def backward(self, grad_out):
        dx = super().backward(grad_out)
        self.grads["W"] = self.grads["W"] / 2
        return dx


class HalvedAnalytic(Analytic):
    """The same bug planted in a strategy's vjp only."""

    def vjp(self, layer, grad_out):
        dW, dx = super().vjp(layer, grad_out)
        return dW / 2, dx


@pytest.mark.parametrize("where", ["layer", "strategy"])
def test_training_never_bypasses_an_overridden_backward(where):
    # The fast paths belong to the classes that wrote them: a subclass
    # that overrides backward or vjp is trained through its override.
    X, Y = data.gate("and+or")
    if where == "layer":
        layer = Halved(2, 2, "erf_sigmoid", rng=6)
    else:
        layer = Dense(2, 2, "erf_sigmoid", rng=6,
                      derivative=HalvedAnalytic())
    W0 = layer.params["W"].copy()
    train(Network([layer]), X, Y, epochs=10, lr=1.0, seed=3)

    # Halving every gradient at lr 1 is plain SGD at lr 0.5.
    ref_Ws, _ = ref_train([W0], ["erf_sigmoid"], [Analytic()], X, Y, 10,
                          0.5, 3, 1)
    np.testing.assert_allclose(layer.params["W"], ref_Ws[0], rtol=0,
                               atol=TOL)


@pytest.mark.parametrize("strategy", ["central", "complex", "column"])
def test_changing_the_step_drops_the_old_stacks(strategy):
    rng = np.random.default_rng(8)
    x, g = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    used = STRATEGIES[strategy](step=1e-3)
    layer = Dense(2, 2, "tanh", derivative=used, rng=0)
    layer.forward(x)
    layer.backward(g)
    used.step = 1e-5
    dx = layer.backward(g)
    ref_dW, ref_dx = ref_vjp(layer.params["W"], "tanh", layer.x1, g,
                             STRATEGIES[strategy](step=1e-5))
    np.testing.assert_allclose(layer.grads["W"], ref_dW, rtol=0, atol=TOL)
    np.testing.assert_allclose(dx, ref_dx, rtol=0, atol=TOL)


def test_a_loss_or_layer_swapped_in_later_is_trained():
    X, Y = data.gate("and+or")
    rng = np.random.default_rng(9)
    net = Network([Dense(2, 3, "tanh", rng=rng),
                   Dense(3, 2, "sigmoid", rng=rng)])
    train(net, X, Y, epochs=2)
    net.loss = get_loss("binary_cross_entropy")
    net.layers[1] = Dense(3, 2, "erf_sigmoid", rng=rng,
                          derivative=CentralDifference())
    start = weights(net)
    train(net, X, Y, epochs=5, lr=0.5, seed=4)
    ref_Ws, _ = ref_train(start, ["tanh", "erf_sigmoid"],
                          [Analytic(), CentralDifference()], X, Y, 5, 0.5,
                          4, 1, loss="binary_cross_entropy")
    for W, ref in zip(weights(net), ref_Ws):
        np.testing.assert_allclose(W, ref, rtol=0, atol=TOL)


@pytest.mark.parametrize("shape", [(4,), (3, 2, 3)])
def test_loose_step_refuses_what_cannot_land_on_the_parameter(shape):
    # strict=False lets numpy broadcast, but only onto the parameter's
    # own shape; anything else is a ShapeError, never numpy's own.
    net = Network([Dense(2, 2, rng=0)], strict=False)
    W = net.layers[0].params["W"]
    before = W.copy()
    net.layers[0].grads["W"] = np.ones(shape)
    with pytest.raises(ShapeError, match=r"layer 0 .*\(2, 3\)"):
        net.step(0.1)
    np.testing.assert_array_equal(W, before)
