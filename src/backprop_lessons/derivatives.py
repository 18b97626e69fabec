"""Derivative strategies: how a layer gets its local derivatives.

A strategy turns the gradient that reaches a layer's output,
``grad_out`` (dL/dy), into the gradients of its weights and its input:

    dW, dx = strategy.vjp(layer, grad_out)

That is a vector-Jacobian product. Backpropagation needs nothing else
from a layer, which is why the strategies are interchangeable: swap
:class:`Analytic` for :class:`CentralDifference` and the network trains
the same way, only slower.

The layer supplies ``params["W"]`` (shape ``(K, D+1)``, column 0 the
bias), its cached input with a leading one, ``x1`` (``(D+1,)`` or
``(N, D+1)``), its pre-activation ``z``, its ``activation`` and
``pure(W, x1)``, the forward pass as a function of both. ``pure``
accepts a stack of weight matrices ``(P, K, D+1)`` or of inputs, so a
numeric strategy evaluates every perturbation in one call.

:class:`ColumnDifference` is the learner's rule, kept on purpose: it
moves a whole column of ``W`` at once and contracts with ``@``, so the
gradient it returns has shape ``(D+1,)`` instead of ``(K, D+1)``.
"""

import numpy as np

from .errors import InputError


def _check_step(step, name):
    if not (isinstance(step, (int, float)) and np.isfinite(step)
            and step > 0):
        raise InputError(f"{name}: step must be a positive finite number, "
                         f"got {step!r}")
    return float(step)


def _contract_input(D, grad_out):
    # D holds one slice per input entry j: (D, K) for one example or
    # (D, N, K) for a batch; each example only moves its own outputs.
    if D.ndim == 2:
        return D @ grad_out
    return np.einsum("jnk,nk->nj", D, grad_out)


class Analytic:
    """The delta rule, derived by hand.

    ``delta = grad_out * f'(z)`` (shape of ``z``), then
    ``dW = outer(delta, [1 | x])`` summed over the batch and
    ``dx = delta @ W[:, 1:]``.
    """

    def vjp(self, layer, grad_out):
        """Return ``(dW, dx)`` for ``grad_out`` shaped like the output."""
        W = layer.params["W"]
        delta = grad_out * layer.activation.derivative(layer.z)
        if delta.ndim == 1:
            dW = np.outer(delta, layer.x1)
        else:
            dW = delta.T @ layer.x1
        dx = delta @ W[:, 1:]
        return dW, dx

    def __repr__(self):
        return "Analytic()"


class _EntryWise:
    """Shared machinery of strategies that perturb one entry at a time.

    All perturbations of ``W`` are stacked into one array and evaluated
    in a single call of ``layer.pure``; likewise the input entries.
    """

    def __init__(self, step):
        self.step = _check_step(step, type(self).__name__)
        self._bases = {}

    def _basis(self, shape):
        # One perturbation per entry, scaled by the step: (P, *shape).
        basis = self._bases.get(shape)
        if basis is None:
            size = int(np.prod(shape))
            basis = self.step * np.eye(size).reshape((size,) + shape)
            self._bases[shape] = basis
        return basis

    def _slopes(self, fn, at, basis):
        raise NotImplementedError

    def vjp(self, layer, grad_out):
        """Return ``(dW, dx)`` for ``grad_out`` shaped like the output."""
        W, x1 = layer.params["W"], layer.x1
        E = self._basis(W.shape)
        dW = self._slopes(lambda Ws: layer.pure(Ws, x1), W, E)
        dW = (dW.reshape(len(E), -1) @ grad_out.ravel()).reshape(W.shape)

        # The bias entry x1[0] is a constant one, not an input.
        Ex = self._basis((x1.shape[-1],))[1:]
        if x1.ndim == 2:
            Ex = Ex[:, None, :]
        dx = self._slopes(lambda xs: layer.pure(W, xs), x1, Ex)
        return dW, _contract_input(dx, grad_out)


class CentralDifference(_EntryWise):
    """Centred finite differences, ``(f(w + h) - f(w - h)) / 2h``.

    Error of order ``h**2`` from truncation plus ``eps / h`` from
    rounding; the default ``h = 1e-6`` balances them in float64.
    """

    def __init__(self, step=1e-6):
        super().__init__(step)

    def _slopes(self, fn, at, basis):
        P = len(basis)
        out = fn(np.concatenate((at + basis, at - basis)))
        return (out[:P] - out[P:]) / (2 * self.step)

    def __repr__(self):
        return f"CentralDifference(step={self.step:g})"


class ComplexStep(_EntryWise):
    """The complex step, ``imag(f(w + ih)) / h``.

    No subtraction, so no cancellation: accurate to machine precision
    for any small step. Needs every function on the way to be analytic
    (``relu``, ``abs`` and ``conj`` are not).
    """

    def __init__(self, step=1e-20):
        super().__init__(step)

    def _slopes(self, fn, at, basis):
        return fn(at + 1j * basis).imag / self.step

    def __repr__(self):
        return f"ComplexStep(step={self.step:g})"


class ColumnDifference:
    """The learner's rule: perturb whole columns, contract with ``@``.

    Each perturbation is a vector of length ``D+1`` added to ``W`` of
    shape ``(K, D+1)``; numpy broadcasts it onto every row, so column
    ``j`` of all rows moves together. The slopes it measures,
    ``dy_i / dW[i, j]``, are right, but the index of the moved row is
    lost, and ``grad_out @ slopes`` sums the K outputs' contributions
    into one ``(D+1,)`` vector. With K = 1 nothing is summed and the
    gradient is exact. The input gradient is chained correctly.
    """

    def __init__(self, step=1e-4):
        self.step = _check_step(step, "ColumnDifference")
        self._central = CentralDifference(step)

    def vjp(self, layer, grad_out):
        """Return ``(dW, dx)``; ``dW`` has shape ``(D+1,)``."""
        W, x1, h = layer.params["W"], layer.x1, self.step
        cols = h * np.eye(W.shape[1])[:, None, :]
        out = layer.pure(np.concatenate((W + cols, W - cols)), x1)
        n = len(cols)
        slopes = (out[:n] - out[n:]) / (2 * h)
        if slopes.ndim == 2:
            dW = grad_out @ slopes.T
        else:
            dW = np.einsum("jnk,nk->j", slopes, grad_out)

        Ex = self._central._basis((x1.shape[-1],))[1:]
        if x1.ndim == 2:
            Ex = Ex[:, None, :]
        dx = self._central._slopes(lambda xs: layer.pure(W, xs), x1, Ex)
        return dW, _contract_input(dx, grad_out)

    def __repr__(self):
        return f"ColumnDifference(step={self.step:g})"


STRATEGIES = {
    "analytic": Analytic,
    "central": CentralDifference,
    "complex-step": ComplexStep,
    "learner": ColumnDifference,
}
"""Strategy classes by short name, for menus and the command line."""


def get_derivative(derivative):
    """Return a strategy for ``None`` (analytic), a name or an object."""
    if derivative is None:
        return Analytic()
    if isinstance(derivative, str):
        if derivative in STRATEGIES:
            return STRATEGIES[derivative]()
        known = ", ".join(STRATEGIES)
        raise InputError(f"unknown derivative strategy {derivative!r}; "
                         f"expected one of: {known}")
    if not callable(getattr(derivative, "vjp", None)):
        raise InputError(
            f"derivative strategy {derivative!r} has no vjp(layer, "
            "grad_out) method")
    return derivative
