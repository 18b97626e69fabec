"""Derivative strategies: how a layer gets its local derivatives.

A strategy turns the gradient that reaches a layer's output,
``grad_out`` (dL/dy), into the gradients of its weights and its input:

    dW, dx = strategy.vjp(layer, grad_out)

That is a vector-Jacobian product. Backpropagation needs nothing else
from a layer, which is why the strategies are interchangeable: swap
:class:`Analytic` for :class:`CentralDifference` and the network trains
the same way, only slower.

A strategy may also offer ``weight_grad(layer, grad_out) -> dW``, the
same product without dx. Training uses it for a network's first layer,
whose input gradient nobody reads; the built-in strategies all have it.

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
        delta = grad_out * layer.activation.derivative(layer.z)
        return _outer(delta, layer.x1), delta @ layer.params["W"][:, 1:]

    def weight_grad(self, layer, grad_out):
        """Return ``dW`` alone, for a layer whose dL/dx nobody reads."""
        delta = grad_out * layer.activation.derivative(layer.z)
        if delta.ndim == 1:
            return delta[:, None] * layer.x1
        return delta.T @ layer.x1

    def __repr__(self):
        return "Analytic()"


def _outer(delta, x1):
    # dW: delta (K,) by x1 (D+1,), or summed over a batch (N, K), (N, D+1).
    # The same products as np.outer, without its argument handling.
    if delta.ndim == 1:
        return delta[:, None] * x1
    return delta.T @ x1


_MAX_BUFFERS = 64


class _EntryWise:
    """Shared machinery of strategies that perturb one entry at a time.

    All perturbations of ``W`` are stacked into one array and evaluated
    in a single call of ``layer.pure``; likewise the input entries. The
    stacks of moves are made once per shape, and the perturbed copies
    are written into buffers kept per shape, so a training step
    allocates no stack of its own.
    """

    # The slope divides by this many steps (2 for centred differences).
    _span = 1

    def __init__(self, step):
        self.step = step

    @property
    def step(self):
        """The step h; setting it drops stacks made with the old one."""
        return self._h

    @step.setter
    def step(self, value):
        self._h = _check_step(value, type(self).__name__)
        # A numpy scalar divides an array with less overhead than a
        # Python float, and to the same result.
        self._divisor = np.float64(self._span * self._h)
        self._bases = {}
        self._buffers = {}

    def _basis(self, shape):
        # One perturbation per entry, scaled by the step: (P, *shape).
        basis = self._bases.get(shape)
        if basis is None:
            size = int(np.prod(shape))
            basis = self._h * np.eye(size).reshape((size,) + shape)
            self._bases[shape] = basis
        return basis

    def _moves(self, basis):
        """The stack added to the point, made from ``basis`` (P, ...)."""
        raise NotImplementedError

    def _finish(self, out, P):
        """Slopes (P, ...) from ``pure`` evaluated on the moved stack."""
        raise NotImplementedError

    def _make_moves(self, kind, at):
        if kind == "W":
            return self._moves(self._basis(at.shape))
        if kind == "columns":
            # Column j of the identity, broadcast onto every row.
            return self._moves(
                self._h * np.eye(at.shape[-1])[:, None, :])
        # The bias entry x1[0] is a constant one, not an input. A batch
        # moves input j of every example at once: each example only
        # moves its own outputs.
        basis = self._basis((at.shape[-1],))[1:]
        if at.ndim == 2:
            basis = basis[:, None, :]
        return self._moves(basis)

    def _stack(self, kind, at):
        # at + every move ("W", "columns" or "x" entries), written into
        # a buffer kept per shape; the moves are made once per shape.
        key = (kind, at.shape, at.dtype)
        found = self._buffers.get(key)
        if found is None:
            if len(self._buffers) >= _MAX_BUFFERS:
                # Many batch sizes seen: start over rather than grow.
                self._buffers.clear()
            moves = self._make_moves(kind, at)
            shape = np.broadcast_shapes(at.shape, moves.shape)
            buffer = np.empty(shape, np.result_type(at, moves))
            found = self._buffers[key] = (moves, buffer)
        moves, buffer = found
        return np.add(at, moves, out=buffer)

    def weight_grad(self, layer, grad_out):
        """Return ``dW`` alone, for a layer whose dL/dx nobody reads."""
        W = layer.params["W"]
        out = layer.pure(self._stack("W", W), layer.x1)
        slopes = self._finish(out, W.size)
        # Each slope has the output's shape; contract it with grad_out.
        # np.dot gives the numbers of @ with less overhead per call.
        if slopes.ndim == 2:
            dW = np.dot(slopes, grad_out)
        else:
            dW = np.dot(slopes.reshape(W.size, -1), grad_out.ravel())
        return dW.reshape(W.shape)

    def vjp(self, layer, grad_out):
        """Return ``(dW, dx)`` for ``grad_out`` shaped like the output."""
        x1 = layer.x1
        dW = self.weight_grad(layer, grad_out)
        out = layer.pure(layer.params["W"], self._stack("x", x1))
        dx = self._finish(out, x1.shape[-1] - 1)
        return dW, _contract_input(dx, grad_out)


class CentralDifference(_EntryWise):
    """Centred finite differences, ``(f(w + h) - f(w - h)) / 2h``.

    Error of order ``h**2`` from truncation plus ``eps / h`` from
    rounding; the default ``h = 1e-6`` balances them in float64.
    """

    _span = 2

    def __init__(self, step=1e-6):
        super().__init__(step)

    def _moves(self, basis):
        # Every step up, then every step down: (2P, ...).
        return np.concatenate((basis, -basis))

    def _finish(self, out, P):
        return (out[:P] - out[P:]) / self._divisor

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

    def _moves(self, basis):
        return 1j * basis

    def _finish(self, out, P):
        return out.imag / self._divisor

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
        self.step = step

    @property
    def step(self):
        """The step h of the centred differences."""
        return self._central.step

    @step.setter
    def step(self, value):
        _check_step(value, "ColumnDifference")
        self._central = CentralDifference(value)

    def weight_grad(self, layer, grad_out):
        """Return ``dW`` alone (shape ``(D+1,)``), skipping dL/dx."""
        W, central = layer.params["W"], self._central
        out = layer.pure(central._stack("columns", W), layer.x1)
        slopes = central._finish(out, W.shape[1])
        if slopes.ndim == 2:
            return grad_out @ slopes.T
        return np.einsum("jnk,nk->j", slopes, grad_out)

    def vjp(self, layer, grad_out):
        """Return ``(dW, dx)``; ``dW`` has shape ``(D+1,)``."""
        x1, central = layer.x1, self._central
        dW = self.weight_grad(layer, grad_out)
        out = layer.pure(layer.params["W"], central._stack("x", x1))
        dx = central._finish(out, x1.shape[-1] - 1)
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
