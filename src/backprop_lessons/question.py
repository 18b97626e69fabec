"""The learner's network, rebuilt to be debugged.

This module re-implements, in its own code, the algorithm of a learner's
first backpropagation: every derivative numeric, the weight update done
inside ``backward``, and both of its defects kept on purpose.

1. ``numeric_grad`` perturbs a matrix one *column* at a time (numpy
   broadcasts the perturbation onto every row), and ``backward``
   contracts with ``@``. For a ``(2, 3)`` weight matrix the gradient
   comes out ``(3,)``: the two outputs' contributions are summed, and
   the update gives both rows the same change.
2. ``backward`` returns the layer's local Jacobian ``dy/dx`` instead of
   chaining it with the gradient it received, so a hidden layer gets a
   matrix where it needed a vector.

The only change from the original is forced by numpy 2, which no longer
stacks a generator: the helper builds a list.

Lessons 01-03 and 06 reproduce and localize these defects; the rest of
the package is the corrected, checked version.
"""

import numpy as np
from scipy.special import erf

from .errors import ShapeError, shape_str


def numeric_grad(fn, xs, step=1e-4):
    """Central differences of ``fn`` at ``xs``, the learner's way.

    The perturbations are the rows of ``step * eye(len(xs.T))``. For a
    vector ``xs`` of length D this is the ordinary Jacobian ``(K, D)``.
    For a matrix ``(K, D)`` each row of the identity has length D and
    is added to *every row* of ``xs``: column j moves as a whole, and
    the result ``[i, j]`` is ``d fn_i / d xs[i, j]`` with the row index
    of the moved entry lost.
    """
    perturbations = step * np.eye(len(xs.T))
    slopes = [(fn(xs + d) - fn(xs - d)) / (2 * step) for d in perturbations]
    return np.stack(slopes).T


def logistic(z):
    """The learner's "logistic": ``0.5 * (1 + erf(z))``, a normal CDF."""
    return 0.5 * (1 + erf(z))


def forward_pure(weights, inputs):
    """``logistic(weights @ inputs)``; ``inputs`` starts with the 1."""
    return logistic(weights @ inputs)


def loss(actual, predicted):
    """Squared error summed over the outputs of one example."""
    return np.sum((predicted - actual) ** 2)


def loss_grad(actual, predicted):
    """d loss / d predicted, numerically, with the same helper."""
    return numeric_grad(lambda p: loss(actual, p), predicted)


class Layer:
    """One layer ``y = logistic(W @ [1 | x])`` that trains itself.

    ``weights`` has shape ``(output_size, input_size + 1)``, column 0
    the bias, drawn from a standard normal. ``backward`` updates the
    weights itself and returns ``dy/dx``, shape
    ``(output_size, input_size)``: both of the learner's defects.
    """

    def __init__(self, input_size, output_size, learning_rate=1, rng=None):
        rng = np.random.default_rng(rng)
        self.weights = rng.standard_normal((output_size, input_size + 1))
        self.learning_rate = learning_rate

    def forward(self, inputs):
        """Output for one example ``inputs`` of shape ``(input_size,)``."""
        n_in = self.weights.shape[1] - 1
        if np.shape(inputs) != (n_in,):
            raise ShapeError(
                f"question.Layer({n_in} -> {self.weights.shape[0]}): "
                f"expected input of shape ({n_in},), got "
                f"{shape_str(np.shape(inputs))}")
        self.inputs = np.array([1, *inputs])
        self.outputs = forward_pure(self.weights, self.inputs)
        return self.outputs

    def backward(self, error_grad):
        """Update the weights from ``error_grad``; return ``dy/dx``."""
        self.dout_dw = numeric_grad(
            lambda w: forward_pure(w, self.inputs), self.weights)
        self.dout_din = numeric_grad(
            lambda i: forward_pure(self.weights, i), self.inputs)[:, 1:]

        # The chain rule as the learner wrote it.
        self.derror_dw = error_grad @ self.dout_dw
        update = self.learning_rate * self.derror_dw
        try:
            self.weights -= update
        except ValueError:
            raise ShapeError(
                f"question.Layer({self.weights.shape[1] - 1} -> "
                f"{self.weights.shape[0]}): the update has shape "
                f"{shape_str(update.shape)}, which numpy cannot broadcast "
                f"onto weights of shape {shape_str(self.weights.shape)}; "
                "the gradient this layer received has shape "
                f"{shape_str(np.shape(error_grad))}") from None
        return self.dout_din


class NN:
    """The learner's network: layers in a row, trained example by example.
    """

    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        """Run every layer; returns the last output."""
        for layer in self.layers:
            inputs = layer.forward(inputs)
        self.outputs = inputs
        return inputs

    def backward(self, actual):
        """Walk the layers in reverse, each updating itself."""
        de_do = loss_grad(actual, self.outputs)
        for layer in reversed(self.layers):
            de_do = layer.backward(de_do)
        return de_do


def train(nn, num_epochs, Xs, ys, seed=0):
    """Per-example SGD, shuffling the examples every epoch.

    The learner shuffled with numpy's global generator; here a seeded
    generator draws one permutation per epoch, the same way
    :func:`backprop_lessons.train` does, so both can be compared step
    for step. Returns the final predictions, shape ``(N, K)``.
    """
    rng = np.random.default_rng(seed)
    for _ in range(num_epochs):
        for i in rng.permutation(len(Xs)):
            nn.forward(Xs[i])
            nn.backward(ys[i])
    return np.array([nn.forward(x) for x in Xs])
