"""The learner's network behaves as the learner's code did.

Both defects are kept on purpose: the helper loses the row index of a
matrix, and ``backward`` returns the layer's local Jacobian instead of
chaining it. These tests pin the facts the lessons build on.
"""

import numpy as np
import pytest

from backprop_lessons import ShapeError, data, question


def true_jacobian(W, x1):
    """dy/dW, shape (K, K, D+1): only output i depends on row i."""
    z = W @ x1
    slope = np.exp(-z ** 2) / np.sqrt(np.pi)
    J = np.zeros(W.shape[:1] + W.shape)
    for i in range(len(W)):
        J[i, i] = slope[i] * x1
    return J


def test_numeric_grad_of_a_vector_is_the_jacobian():
    x = np.array([0.3, -1.2, 0.5])
    A = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    np.testing.assert_allclose(question.numeric_grad(lambda v: A @ v, x), A,
                               rtol=1e-8)


def test_numeric_grad_of_a_matrix_loses_the_row_index():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((2, 3))
    x1 = np.array([1.0, 0.4, -0.7])
    got = question.numeric_grad(lambda w: question.forward_pure(w, x1), W)
    J = true_jacobian(W, x1)
    assert got.shape == (2, 3)
    # Entry [i, j] is dy_i / dW[i, j]: the diagonal blocks of the true
    # (2, 2, 3) Jacobian, with the moved row's index gone.
    np.testing.assert_allclose(got, [J[0, 0], J[1, 1]], rtol=1e-7)


def test_loss_grad_is_numeric_and_summed_over_outputs():
    actual, predicted = np.array([0.0, 1.0]), np.array([0.3, 0.6])
    assert question.loss(actual, predicted) == pytest.approx(0.09 + 0.16)
    np.testing.assert_allclose(question.loss_grad(actual, predicted),
                               2 * (predicted - actual), rtol=1e-9)


def test_one_layer_backward_updates_both_rows_alike():
    layer = question.Layer(2, 2, rng=0)
    W = layer.weights.copy()
    layer.forward(np.array([0.0, 1.0]))
    error_grad = np.array([0.7, -0.2])
    dout_din = layer.backward(error_grad)
    assert layer.derror_dw.shape == (3,)
    # The update happens inside backward and is the same for both rows.
    np.testing.assert_allclose(W - layer.weights,
                               np.tile(layer.derror_dw, (2, 1)), rtol=1e-14)
    # What it returns is the local Jacobian, not error_grad @ it.
    assert dout_din.shape == (2, 2)
    np.testing.assert_allclose(dout_din, layer.dout_din, rtol=0)


def two_layers(hidden, seed=0):
    return question.NN([question.Layer(2, hidden, rng=seed),
                        question.Layer(hidden, 2, rng=seed + 1)])


def test_hidden_layer_gets_a_matrix_instead_of_a_vector():
    nn = two_layers(hidden=2)
    hidden, top = nn.layers
    received = []
    backward = hidden.backward

    def spy(error_grad):
        received.append(np.array(error_grad))
        return backward(error_grad)

    hidden.backward = spy
    X, Y = data.gate("and+or")
    nn.forward(X[3])
    error_grad = question.loss_grad(Y[3], nn.outputs)
    nn.backward(Y[3])
    # The top layer hands down its local dy/dx, (2, 2); the chained
    # gradient would be the (2,) vector error_grad @ dy/dx.
    assert received[0].shape == (2, 2)
    np.testing.assert_allclose(received[0], top.dout_din, rtol=0)
    chained = error_grad @ top.dout_din
    assert chained.shape == (2,)
    # numpy lets the matrix through: the hidden layer's update has the
    # weights' shape, so nothing complains.
    assert hidden.derror_dw.shape == hidden.weights.shape == (2, 3)


def test_three_hidden_units_and_two_outputs_raise():
    nn = two_layers(hidden=3)
    X, Y = data.gate("and+or")
    nn.forward(X[1])
    with pytest.raises(ShapeError) as err:
        nn.backward(Y[1])
    msg = str(err.value)
    assert msg.startswith("question.Layer(2 -> 3)")
    assert "(2, 3)" in msg and "(3, 3)" in msg


def test_one_layer_learns_and_but_not_and_plus_or():
    X, Y = data.gate("and")
    nn = question.NN([question.Layer(2, 1, rng=0)])
    predictions = question.train(nn, 300, X, Y, seed=0)
    assert predictions.shape == (4, 1)
    assert np.abs(predictions - Y).max() < 0.1
    X, Y = data.gate("and+or")
    nn = question.NN([question.Layer(2, 2, rng=0)])
    predictions = question.train(nn, 300, X, Y, seed=0)
    assert np.abs(predictions - Y).max() > 0.3


def test_layer_refuses_a_wrong_input_width():
    layer = question.Layer(2, 2, rng=0)
    with pytest.raises(ShapeError) as err:
        layer.forward(np.zeros(3))
    msg = str(err.value)
    assert msg.startswith("question.Layer(2 -> 2)")
    assert "(2,)" in msg and "(3,)" in msg
