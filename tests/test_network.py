"""Network, train and History, and the learner's rule inside them.

The learner's rule runs in the package as ``Dense`` with
``ColumnDifference()`` in a ``Network(..., strict=False)``. These tests
pin that it is the learner's algorithm (same weights as
``question.Layer``), that one output hides its defect, and that with two
outputs it ties the rows of ``W``.
"""

import numpy as np
import pytest

from backprop_lessons import (Analytic, CentralDifference, ColumnDifference,
                              Dense, History, InputError, Network,
                              ShapeError, data, question, train)
from backprop_lessons.losses import LOSSES, Loss

# The learner's loss gradient, numeric with the learner's helper, so the
# package's network does exactly the learner's arithmetic.
learner_loss = Loss(
    "learner_squared_error",
    lambda y_hat, y: ((y_hat - y) ** 2).sum(axis=-1),
    lambda y_hat, y: question.loss_grad(y, y_hat),
)


def learner_pair(task, seed, loss="squared_error"):
    """``question.NN`` and the package's learner network, same start."""
    X, Y = data.gate(task)
    q_layer = question.Layer(X.shape[1], Y.shape[1], rng=seed)
    layer = Dense(X.shape[1], Y.shape[1], "erf_sigmoid",
                  derivative=ColumnDifference())
    layer.params["W"][...] = q_layer.weights
    return question.NN([q_layer]), Network([layer], loss=loss,
                                           strict=False)


@pytest.mark.parametrize("task", ["and", "or", "and+or"])
@pytest.mark.parametrize("seed", [0, 1])
def test_learner_rule_gives_question_layers_weights(task, seed):
    """Same start, same sample order: the same weights, to 1e-12.

    With the learner's numeric loss gradient the two do the same
    arithmetic, so they agree to 1e-12 (in fact exactly) after 300
    epochs.
    """
    X, Y = data.gate(task)
    nn, net = learner_pair(task, seed, loss=learner_loss)
    predictions = question.train(nn, 300, X, Y, seed=seed)
    history = train(net, X, Y, epochs=300, lr=1.0, seed=seed)
    W, Wq = net.layers[0].params["W"], nn.layers[0].weights
    assert np.abs(W - Wq).max() <= 1e-12
    assert np.abs(history.predictions - predictions).max() <= 1e-12


def test_learner_rule_with_the_analytic_loss_gradient():
    """With the package's own loss gradient: equal up to rounding.

    ``squared_error.grad`` is analytic, ``2 (y_hat - y)``; the learner's
    is a centred difference with step 1e-4, exact for a quadratic but
    rounded at about eps / 1e-4. That rounding enters every step, so the
    two differ by about 1e-12 and, in rare steps, by 1e-11; training
    does not amplify it (measured over seeds 0-7 and 2000 epochs: at
    most 4e-11). Hence 1e-10 here, and the 1e-12 test above uses the
    learner's loss gradient.
    """
    X, Y = data.gate("and+or")
    nn, net = learner_pair("and+or", 0)
    for seed in (0, 1):
        question.train(nn, 300, X, Y, seed=seed)
        train(net, X, Y, epochs=300, seed=seed)
        W, Wq = net.layers[0].params["W"], nn.layers[0].weights
        assert np.abs(W - Wq).max() <= 1e-10


def run(task, strategy, strict, seed=0, epochs=300, activation="erf_sigmoid"):
    """Train one layer from ``seed``; returns the layer and History."""
    X, Y = data.gate(task)
    layer = Dense(2, Y.shape[1], activation, derivative=strategy, rng=seed)
    history = train(Network([layer], strict=strict), X, Y, epochs=epochs,
                    seed=seed)
    return layer, history


@pytest.mark.parametrize("task", ["and", "or"])
@pytest.mark.parametrize("seed", [0, 3, 5])
def test_one_output_hides_the_bug(task, seed):
    """Learner's rule and a correct central difference: same weights.

    With one output nothing is summed, and with the same step (1e-4)
    both evaluate the same perturbed matrices and multiply by the one
    upstream number, so the weights agree exactly, not just closely.
    """
    learner, _ = run(task, ColumnDifference(), strict=False, seed=seed)
    correct, _ = run(task, CentralDifference(step=1e-4), strict=True,
                     seed=seed)
    np.testing.assert_array_equal(learner.params["W"], correct.params["W"])


def test_two_outputs_show_the_bug():
    learner, _ = run("and+or", ColumnDifference(), strict=False)
    correct, _ = run("and+or", CentralDifference(step=1e-4), strict=True)
    assert np.abs(learner.params["W"] - correct.params["W"]).max() > 0.5


@pytest.mark.parametrize("activation", ["erf_sigmoid", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 2])
def test_learner_rule_never_changes_the_row_difference(activation, seed):
    layer, history = run("and+or", ColumnDifference(), strict=False,
                         seed=seed, epochs=1000, activation=activation)
    start = Dense(2, 2, rng=seed).params["W"]
    W = layer.params["W"]
    assert np.abs(W - start).max() > 0.5, "the weights did move"
    drift = (W[0] - W[1]) - (start[0] - start[1])
    assert np.abs(drift).max() < 1e-13
    assert not history.succeeded(data.gate("and+or").Y)


def test_question_layer_also_ties_the_rows():
    X, Y = data.gate("and+or")
    layer = question.Layer(2, 2, rng=4)
    start = layer.weights.copy()
    question.train(question.NN([layer]), 300, X, Y, seed=4)
    drift = (layer.weights[0] - layer.weights[1]) - (start[0] - start[1])
    assert np.abs(drift).max() < 1e-13


def test_corrected_rule_unties_the_rows_and_learns():
    layer, history = run("and+or", Analytic(), strict=True)
    start = Dense(2, 2, rng=0).params["W"]
    drift = (layer.params["W"][0] - layer.params["W"][1]) \
        - (start[0] - start[1])
    assert np.abs(drift).max() > 1.0
    assert history.succeeded(data.gate("and+or").Y)


def learner_network(strict):
    X, Y = data.gate("and+or")
    net = Network([Dense(2, 2, derivative=ColumnDifference(), rng=0)],
                  strict=strict)
    net.forward(X[1])
    net.backward(Y[1])
    return net


def test_strict_refuses_the_learners_gradient():
    net = learner_network(strict=True)
    W = net.layers[0].params["W"].copy()
    with pytest.raises(ShapeError) as err:
        net.step(1.0)
    msg = str(err.value)
    assert "layer 0 (Dense(2 -> 2," in msg
    assert "'W'" in msg and "(3,)" in msg and "(2, 3)" in msg
    np.testing.assert_array_equal(net.layers[0].params["W"], W)


def test_without_strict_numpy_broadcasts():
    net = learner_network(strict=False)
    W = net.layers[0].params["W"].copy()
    g = net.layers[0].grads["W"]
    assert g.shape == (3,)
    net.step(0.5)
    np.testing.assert_array_equal(net.layers[0].params["W"],
                                  W - 0.5 * g[None, :])


def test_strict_allows_right_shaped_gradients():
    X, Y = data.gate("and+or")
    net = Network([Dense(2, 2, rng=0)])
    W = net.layers[0].params["W"].copy()
    net.forward(X)
    net.backward(Y)
    net.step(0.1)
    np.testing.assert_allclose(net.layers[0].params["W"],
                               W - 0.1 * net.layers[0].grads["W"])


def test_backward_overwrites_and_sums_over_the_batch():
    X, Y = data.gate("and+or")
    net = Network([Dense(2, 3, "tanh", rng=0), Dense(3, 2, rng=1)])
    each = []
    for x, y in zip(X, Y):
        net.forward(x)
        net.backward(y)
        each.append([layer.grads["W"].copy() for layer in net.layers])
    net.forward(X)
    net.backward(Y)
    # squared_error averages over the batch, so the batch gradient is
    # the mean of the per-example ones.
    for i, layer in enumerate(net.layers):
        mean = np.mean([g[i] for g in each], axis=0)
        np.testing.assert_allclose(layer.grads["W"], mean, rtol=1e-12)


def test_history_records_the_run():
    X, Y = data.gate("or")
    net = Network([Dense(2, 1, "sigmoid", rng=2)])
    before = net.loss_value(X, Y)
    seen = []
    history = train(net, X, Y, epochs=150, lr=0.5, seed=3,
                    callback=lambda epoch, n: seen.append(epoch))
    assert isinstance(history, History)
    assert history.loss.shape == (151,)
    assert history.loss[0] == pytest.approx(before, rel=1e-14)
    assert history.final_loss == pytest.approx(net.loss_value(X, Y),
                                               rel=1e-14)
    assert history.loss[-1] < history.loss[0] / 2
    assert history.epochs_run == 150 and history.lr == 0.5
    np.testing.assert_allclose(history.predictions, net.predict(X))
    assert not history.diverged and history.diverged_at is None
    assert "trained 150 epochs" in history.message
    assert seen == list(range(151))
    assert history.accuracy(Y) == 1.0
    assert history.succeeded(Y, tol=0.5)


def test_training_is_seeded():
    X, Y = data.gate("and+or")
    a = train(Network([Dense(2, 2, rng=0)]), X, Y, epochs=20, seed=5)
    b = train(Network([Dense(2, 2, rng=0)]), X, Y, epochs=20, seed=5)
    c = train(Network([Dense(2, 2, rng=0)]), X, Y, epochs=20, seed=6)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert not np.array_equal(a.loss, c.loss)


def test_mini_batches():
    X, Y = data.gate("and+or")
    history = train(Network([Dense(2, 2, rng=0)]), X, Y, epochs=400,
                    batch_size=4, lr=2.0)
    assert history.batch_size == 4
    assert history.loss[-1] < history.loss[0]


def test_divergence_stops_training_with_a_message():
    X, Y = data.gate("and+or")
    net = Network([Dense(2, 2, "identity", rng=0)])
    history = train(net, 1e3 * X, Y, epochs=500, lr=10.0)
    assert history.diverged
    assert 1 <= history.diverged_at < 500
    assert len(history.loss) == history.diverged_at + 1
    assert history.epochs_run == history.diverged_at
    assert np.isfinite(history.loss[:-1]).all()
    assert not np.isfinite(history.loss[-1])
    assert f"diverged at epoch {history.diverged_at}" in history.message
    assert "smaller learning rate" in history.message
    assert not history.succeeded(Y)


def test_train_names_the_layer_when_a_gradient_has_the_wrong_shape():
    """The unchecked training loop still ends in a named error."""
    from backprop_lessons import zoo

    X, Y = data.gate("and+or")
    net = Network([Dense(2, 3, "tanh", rng=0),
                   zoo.LocalJacobianReturned(3, 2, rng=1)])
    with pytest.raises(ShapeError, match=r"layer 0.*\(3,\).*\(2, 3\)"):
        train(net, X, Y, epochs=2)


# -- layers of one's own ----------------------------------------------------

class Affine:
    """``y = x @ W.T + b``, a hand-written layer with default repr."""

    def __init__(self, n_in, n_out, rng, bug=None):
        self.params = {"weight": rng.standard_normal((n_out, n_in)),
                       "bias": rng.standard_normal(n_out)}
        self.grads = {}
        self.bug = bug

    def forward(self, x):
        self.x = x
        return x @ self.params["weight"].T + self.params["bias"]

    def backward(self, grad_out):
        self.grads["weight"] = grad_out.T @ self.x
        if self.bug != "no bias key":
            self.grads["bias"] = grad_out.sum(axis=0)
        if self.bug == "returns grad_out":
            return grad_out
        return grad_out @ self.params["weight"]


class Tanh:
    """An activation layer without parameters."""

    params, grads = {}, {}

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_out):
        return grad_out * (1 - self.y ** 2)


def own_net(bug=None):
    rng = np.random.default_rng(0)
    return Network([Affine(2, 3, rng), Tanh(), Affine(3, 2, rng, bug)],
                   loss="mean_squared_error")


def test_own_layers_print_without_memory_addresses():
    net = own_net()
    assert " at 0x" not in repr(net)
    assert repr(net).startswith("Network([\n  Affine,\n  Tanh,\n")


def test_numpy_error_in_own_forward_names_the_layer_and_shape():
    X, Y = data.gate("and+or")
    with pytest.raises(InputError, match=r"^layer 0 \(Affine\): forward "
                       r"raised ValueError: .*input of shape \(4, 1\)$"):
        own_net().forward(X[:, :1])


def test_wrong_input_gradient_is_blamed_on_the_layer_that_returned_it():
    X, Y = data.gate("and+or")
    net = own_net(bug="returns grad_out")
    net.forward(X)
    with pytest.raises(ShapeError, match=r"^layer 2 \(Affine\) returned "
                       r"dL/dx of shape \(4, 2\), but its input has shape "
                       r"\(4, 3\); layer 1 \(Tanh\)'s backward then "
                       r"raised ValueError"):
        net.backward(Y)
    # The training loop's unchecked path ends in the same message.
    with pytest.raises(ShapeError, match=r"^layer 2 \(Affine\) returned"):
        train(net, X, Y, epochs=1, batch_size=4)


def test_missing_gradient_key_names_the_key_and_what_is_there():
    X, Y = data.gate("and+or")
    net = own_net(bug="no bias key")
    net.forward(X)
    net.backward(Y)
    with pytest.raises(InputError, match=r"^layer 2 \(Affine\): no "
                       r"gradient for parameter 'bias' \(grads has: "
                       r"'weight'\); .* fill grads\['bias'\]$"):
        net.step(0.1)


def test_own_layers_train_and_float32_params_stay_float32():
    X, Y = data.gate("and+or")
    net = own_net()
    for layer in net.layers:
        for name, p in layer.params.items():
            layer.params[name] = p.astype(np.float32)
    history = train(net, X, Y, epochs=50, lr=0.5, batch_size=4)
    assert history.loss[-1] < history.loss[0]
    assert all(p.dtype == np.float32 for layer in net.layers
               for p in layer.params.values())


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("shape", [(3,), (4, 3)])
def test_loss_fast_path_gives_exactly_the_checked_numbers(name, shape):
    loss = LOSSES[name]
    rng = np.random.default_rng(0)
    y_hat = rng.uniform(0.05, 0.95, shape)
    y = rng.integers(0, 2, shape).astype(float)
    np.testing.assert_array_equal(loss.grad_unchecked(y_hat, y),
                                  loss.grad(y_hat, y))
    per = loss.per_example(np.atleast_2d(y_hat), np.atleast_2d(y))
    assert per.shape == (np.atleast_2d(y).shape[0],)
    assert per.mean() == loss.value(y_hat, y)


def test_a_layer_swapped_in_after_construction_is_the_one_run():
    X, Y = data.gate("and+or")
    net = Network([Dense(2, 3, "tanh", rng=0), Dense(3, 2, rng=1)])
    net.forward(X)
    net.layers[1] = Dense(3, 2, "tanh", rng=5)
    expected = net.layers[1].forward(net.layers[0].forward(X))
    np.testing.assert_array_equal(net.forward(X), expected)
