"""Layers and the layer protocol.

Any object can be a layer of a :class:`~backprop_lessons.Network` if it
has:

``params``
    dict of name -> float array, updated in place by ``Network.step``.
``grads``
    dict with the same names, filled by ``backward``, each shaped like
    its parameter.
``forward(x) -> y``
    ``x`` is ``(D,)`` for one example or ``(N, D)`` for a batch; caches
    what ``backward`` needs.
``backward(grad_out) -> grad_in``
    ``grad_out`` is dL/dy, shaped like ``y``; returns dL/dx shaped like
    ``x``; overwrites ``grads`` (summing over the batch); never updates
    a parameter.

:class:`Dense` is the layer of the course. It keeps the learner's
convention: one weight matrix ``W`` of shape ``(K, D+1)`` whose column 0
is the bias, so ``y = f(W @ [1 | x])``.
"""

import numbers

import numpy as np

from .activations import get_activation
from .derivatives import get_derivative
from .errors import (InputError, ShapeError, check_finite, real_array,
                     shape_str)


def _check_size(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < 1:
        raise InputError(f"Dense: {name} must be a positive integer, "
                         f"got {value!r}")
    return int(value)


class Dense:
    """A fully connected layer, ``y = f(W @ [1 | x])``.

    Parameters
    ----------
    n_in, n_out : int
        Input width D and output width K.
    activation : str or Activation
        ``"sigmoid"`` (default), ``"erf_sigmoid"``, ``"tanh"``,
        ``"relu"`` or ``"identity"``.
    derivative : strategy or str, optional
        How local derivatives are computed; default :class:`Analytic`.
    rng : int, numpy Generator or None
        Seed or generator for the initial weights, drawn from a standard
        normal as in the learner's code.
    init_scale : float
        Multiplies the initial weights (lesson 05 uses 0.1).
    dtype : numpy dtype
        float64 (default) or float32.

    Shapes: ``params["W"]`` is ``(K, D+1)``; ``forward`` takes ``(D,)``
    or ``(N, D)`` and returns ``(K,)`` or ``(N, K)``.
    """

    def __init__(self, n_in, n_out, activation="sigmoid", derivative=None,
                 rng=None, init_scale=1.0, dtype=np.float64):
        self.n_in = _check_size(n_in, "n_in")
        self.n_out = _check_size(n_out, "n_out")
        if isinstance(derivative, type):
            raise InputError(
                f"Dense: derivative {derivative.__name__} is a class; "
                f"pass an instance such as {derivative.__name__}()")
        try:
            self.activation = get_activation(activation)
            self.derivative = get_derivative(derivative)
        except InputError as err:
            raise InputError(f"Dense: {err}") from None
        if not (isinstance(init_scale, numbers.Real)
                and np.isfinite(init_scale) and init_scale > 0):
            raise InputError("Dense: init_scale must be a positive finite "
                             f"number, got {init_scale!r}")
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise InputError(f"Dense: dtype must be float32 or float64, "
                             f"got {dtype!r}") from None
        if dtype not in (np.float32, np.float64):
            raise InputError(f"Dense: dtype must be float32 or float64, "
                             f"got {dtype}")
        try:
            rng = np.random.default_rng(rng)
        except (TypeError, ValueError):
            raise InputError("Dense: rng must be None, an integer >= 0 or "
                             f"a numpy Generator, got {rng!r}") from None
        W = init_scale * rng.standard_normal((self.n_out, self.n_in + 1))
        self.params = {"W": W.astype(dtype)}
        self.grads = {"W": np.zeros_like(self.params["W"])}
        self.x1 = self.z = self.y = None

    def __repr__(self):
        return (f"Dense({self.n_in} -> {self.n_out}, "
                f"{self.activation.name}, {self.derivative!r})")

    def pure(self, W, x1):
        """The forward pass as a function of ``W`` and ``x1 = [1 | x]``.

        Either argument may carry a leading stack axis P: ``W`` of shape
        ``(P, K, D+1)`` or ``x1`` of shape ``(P, ..., D+1)``; the result
        then has that axis first. Numeric strategies rely on this.
        """
        return self.activation(x1 @ W.swapaxes(-1, -2))

    def forward(self, x):
        """Compute ``y`` for ``x`` of shape ``(D,)`` or ``(N, D)``.

        Raises :class:`ShapeError` or :class:`InputError` naming the
        expected and actual shape, dtype or values.
        """
        x = real_array(x, f"{self}: input")
        if x.ndim not in (1, 2) or x.shape[-1] != self.n_in:
            raise ShapeError(
                f"{self}: expected input of shape ({self.n_in},) or "
                f"(N, {self.n_in}), got {shape_str(x.shape)}")
        check_finite(x, f"{self}: input")
        return self._forward(x)

    def _forward(self, x):
        # Unchecked forward for callers that validated x already.
        W = self.params["W"]
        if x.ndim == 1:
            x1 = np.empty(self.n_in + 1, dtype=W.dtype)
            x1[0] = 1.0
            x1[1:] = x
        else:
            x1 = np.empty((len(x), self.n_in + 1), dtype=W.dtype)
            x1[:, 0] = 1.0
            x1[:, 1:] = x
        self.x1 = x1
        # np.dot gives the same numbers as x1 @ W.T, with less overhead
        # per call.
        z = self.z = np.dot(x1, W.T)
        y = self.y = self.activation(z)
        return y

    def _augment(self, X):
        # [1 | X] for a batch (N, D), exactly as _forward builds it, for
        # a caller that feeds the same rows many times (the training
        # loop makes it once, not once per step).
        x1 = np.empty((len(X), self.n_in + 1), dtype=self.params["W"].dtype)
        x1[:, 0] = 1.0
        x1[:, 1:] = X
        return x1

    def _forward_x1(self, x1):
        # Unchecked forward from rows of _augment: (D+1,) or (N, D+1).
        self.x1 = x1
        z = self.z = np.dot(x1, self.params["W"].T)
        y = self.y = self.activation(z)
        return y

    def backward(self, grad_out):
        """Fill ``grads["W"]`` from dL/dy and return dL/dx.

        ``grad_out`` must have the shape of the last output. The weight
        gradient is summed over the batch; nothing is updated.
        """
        dW, dx = self.derivative.vjp(self, self._received(grad_out))
        self.grads["W"] = dW
        return dx

    def _received(self, grad_out):
        # A gradient of the wrong shape is caught where it arrives, so
        # the error names this layer and both shapes.
        if self.y is None:
            raise InputError(f"{self}: backward called before forward")
        grad_out = np.asarray(grad_out)
        if grad_out.shape != self.y.shape:
            raise ShapeError(
                f"{self}: grad_out must have the output's shape "
                f"{shape_str(self.y.shape)}, got "
                f"{shape_str(grad_out.shape)}")
        return grad_out

    def _backward(self, grad_out):
        # Unchecked backward for the training loop: grad_out comes from
        # the loss or the next layer, shaped like y by construction.
        dW, dx = self.derivative.vjp(self, grad_out)
        self.grads["W"] = dW
        return dx

    def _backward_weights(self, grad_out):
        # The same for a first layer, whose dL/dx nobody reads: a
        # strategy that can skip computing it does. Returns None then.
        weight_grad = _weight_grad_of(self.derivative)
        if weight_grad is None:
            return self._backward(grad_out)
        self.grads["W"] = weight_grad(self, grad_out)
        return None


_SKIPS_INPUT = {}


def _weight_grad_of(strategy):
    """``strategy.weight_grad`` if it is the strategy's own, else None.

    A strategy may offer ``weight_grad(layer, grad_out) -> dW``, the
    ``vjp`` without dL/dx. It is used only when it belongs to the same
    class as ``vjp`` or a later one: a subclass that overrides ``vjp``
    alone (a user's strategy, or a planted bug) is never bypassed.
    """
    cls = type(strategy)
    own = _SKIPS_INPUT.get(cls)
    if own is None:
        own = False
        for klass in cls.__mro__:
            if "weight_grad" in vars(klass):
                own = True
                break
            if "vjp" in vars(klass):
                break
        _SKIPS_INPUT[cls] = own
    return strategy.weight_grad if own else None
