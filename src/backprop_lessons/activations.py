"""Activation functions, each with its derivative.

An :class:`Activation` is called on pre-activations ``z`` of any shape
and returns an array of the same shape; ``derivative(z)`` gives the
elementwise slope. The learner's activation is :data:`erf_sigmoid`,
``0.5 * (1 + erf(z))``: an S-curve like the logistic but with tails that
flatten far faster, which matters in lesson 05.

Activations that are analytic (holomorphic) accept complex input, so the
complex-step derivative can pass through them; :data:`relu` is not, and
refuses complex input with an error that says so.
"""

import numpy as np
from scipy import special

from .errors import InputError

_SQRT_PI = np.sqrt(np.pi)


class Activation:
    """An elementwise function with its derivative.

    Parameters
    ----------
    name : str
        The name used in lessons and in ``get_activation``.
    fn, derivative : callable
        ``fn(z)`` and ``derivative(z)``, elementwise, any shape.
    complex_ok : bool
        Whether complex ``z`` gives a meaningful (holomorphic) result.
    """

    def __init__(self, name, fn, derivative, complex_ok=True):
        self.name = name
        self._fn = fn
        self._derivative = derivative
        self.complex_ok = complex_ok

    def _check(self, z):
        if not self.complex_ok and np.iscomplexobj(z):
            raise InputError(
                f"activation {self.name!r} is not complex-differentiable, "
                "so the complex-step derivative cannot pass through it; "
                "use CentralDifference() or Analytic() for this layer")

    def __call__(self, z):
        """Apply the activation elementwise; same shape as ``z``."""
        if not self.complex_ok:
            self._check(z)
        return self._fn(z)

    def derivative(self, z):
        """Slope of the activation at ``z``, elementwise."""
        if not self.complex_ok:
            self._check(z)
        return self._derivative(z)

    def __repr__(self):
        return f"<activation {self.name}>"


def _logistic(z):
    if np.iscomplexobj(z):
        return 1.0 / (1.0 + np.exp(-z))
    return special.expit(z)


def _logistic_slope(z):
    s = _logistic(z)
    return s * (1.0 - s)


def _tanh_slope(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _erf_sigmoid(z):
    return 0.5 * (1.0 + special.erf(z))


def _erf_slope(z):
    return np.exp(-z * z) / _SQRT_PI


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_slope(z):
    return (z > 0).astype(float)


def _identity(z):
    return z


def _one(z):
    return np.ones_like(z)


sigmoid = Activation("sigmoid", _logistic, _logistic_slope)
"""The true logistic ``1 / (1 + exp(-z))``; slope ``s * (1 - s)``."""

erf_sigmoid = Activation("erf_sigmoid", _erf_sigmoid, _erf_slope)
"""The learner's ``0.5 * (1 + erf(z))``; slope ``exp(-z**2) / sqrt(pi)``."""

tanh = Activation("tanh", np.tanh, _tanh_slope)
"""Hyperbolic tangent; slope ``1 - tanh(z)**2``."""

relu = Activation("relu", _relu, _relu_slope, complex_ok=False)
"""``max(z, 0)``; slope 1 where ``z > 0``, else 0. Real input only."""

identity = Activation("identity", _identity, _one)
"""``z`` itself; slope 1."""

ACTIVATIONS = {a.name: a for a in (sigmoid, erf_sigmoid, tanh, relu,
                                   identity)}
"""Every built-in activation by name."""


def get_activation(activation):
    """Return the :class:`Activation` for a name or an activation object.

    Raises :class:`InputError` naming the known activations when the
    name is unknown.
    """
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    known = ", ".join(sorted(ACTIVATIONS))
    raise InputError(
        f"unknown activation {activation!r}; expected one of: {known}")
