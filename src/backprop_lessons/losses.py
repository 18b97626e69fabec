"""Losses, each with its value and its gradient.

``value(y_hat, y)`` takes predictions and targets of the same shape,
``(K,)`` for one example or ``(N, K)`` for a batch of N, and returns a
float. ``grad(y_hat, y)`` returns dL/dy_hat, shaped like ``y_hat``.

Reductions, the same rule for every loss: over the K outputs as named
below, and always **averaged over the N examples** of a batch, so that a
batch of one gives exactly the loss of that one example.
"""

import numpy as np

from .errors import InputError, ShapeError, shape_str


class Loss:
    """A scalar loss with its gradient.

    Parameters
    ----------
    name : str
        The name used in lessons and in ``get_loss``.
    per_example : callable
        ``per_example(y_hat, y)`` returns the loss of each example,
        shape ``(N,)`` for ``(N, K)`` input (a float for ``(K,)``).
    grad_per_example : callable
        dL/dy_hat of each example's loss, shaped like ``y_hat``:
        ``(K,)`` or ``(N, K)``, not yet averaged over the batch.

    The checked methods, :meth:`value` and :meth:`grad`, compare the
    shapes of ``y_hat`` and ``y`` first. :meth:`per_example` and
    :meth:`grad_unchecked` are the same computations without that
    comparison, for a loop that has compared the shapes once itself
    (as ``Network``'s training loop does).
    """

    def __init__(self, name, per_example, grad_per_example):
        self.name = name
        self._per_example = per_example
        self._grad = grad_per_example

    @staticmethod
    def _check(y_hat, y):
        if np.shape(y_hat) != np.shape(y):
            raise ShapeError(
                f"loss: targets have shape {shape_str(np.shape(y))}, "
                f"predictions have shape {shape_str(np.shape(y_hat))}; "
                "they must match")

    def value(self, y_hat, y):
        """Loss of predictions ``y_hat`` against targets ``y``.

        Both ``(K,)`` or both ``(N, K)``; returns a float, the mean over
        the N examples. Raises :class:`ShapeError` if the shapes differ.
        """
        self._check(y_hat, y)
        y_hat, y = np.atleast_2d(y_hat), np.atleast_2d(y)
        return self._per_example(y_hat, y).mean()

    def grad(self, y_hat, y):
        """dL/dy_hat, shaped like ``y_hat``: ``(K,)`` or ``(N, K)``.

        For a batch the gradient is of the mean over the N examples, so
        each row is one example's gradient divided by N. Raises
        :class:`ShapeError` if the shapes differ.
        """
        self._check(y_hat, y)
        return self.grad_unchecked(y_hat, y)

    def per_example(self, y_hat, y):
        """The loss of each example: ``(N,)`` for ``(N, K)`` arrays.

        No shape check: ``y_hat`` and ``y`` must have the same shape
        (numpy would broadcast a mismatch silently). ``value`` is
        ``per_example(...).mean()`` after the check.
        """
        return self._per_example(y_hat, y)

    def grad_unchecked(self, y_hat, y):
        """:meth:`grad` without the shape check: ``(K,)`` or ``(N, K)``.

        Exactly the numbers :meth:`grad` returns, for callers that have
        compared ``y_hat.shape`` with ``y.shape`` themselves.
        """
        g = self._grad(y_hat, y)
        if np.ndim(y_hat) == 2:
            g = g / len(y_hat)
        return g

    def __repr__(self):
        return f"<loss {self.name}>"


squared_error = Loss(
    "squared_error",
    lambda y_hat, y: ((y_hat - y) ** 2).sum(axis=-1),
    lambda y_hat, y: 2.0 * (y_hat - y),
)
"""Sum over outputs of ``(y_hat - y)**2``: the learner's loss."""

mean_squared_error = Loss(
    "mean_squared_error",
    lambda y_hat, y: ((y_hat - y) ** 2).mean(axis=-1),
    lambda y_hat, y: 2.0 * (y_hat - y) / np.shape(y)[-1],
)
"""Mean over outputs of ``(y_hat - y)**2``."""

_EPS = 1e-12


def _bce(y_hat, y):
    p = np.clip(y_hat, _EPS, 1 - _EPS) if not np.iscomplexobj(y_hat) \
        else y_hat
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=-1)


def _bce_grad(y_hat, y):
    p = np.clip(y_hat, _EPS, 1 - _EPS) if not np.iscomplexobj(y_hat) \
        else y_hat
    return (p - y) / (p * (1 - p))


binary_cross_entropy = Loss("binary_cross_entropy", _bce, _bce_grad)
"""Sum over outputs of ``-(y log y_hat + (1 - y) log(1 - y_hat))``.

Predictions are clipped to ``[1e-12, 1 - 1e-12]`` so a saturated output
gives a large finite loss rather than ``inf``.

Limit, near saturation: the loss sees only ``y_hat``, never the logit,
and a float64 ``y_hat`` close to 1 keeps ``1 - y_hat`` to about 1e-16
in absolute terms only. With a target of 0 and ``y_hat`` within about
1e-5 of 1, the loss value loses digits and :func:`gradcheck` can show
a false mismatch (about 3e-4 at ``1 - y_hat = 4e-7``, 3e-3 at
``2e-9``).
Outputs near 0 keep full relative precision and are not affected. A
clipped output's loss no longer moves while its gradient does, so
there the check reports a mismatch of about 1. Check such a network at
a less saturated point (smaller weights, or inputs that do not push
the outputs to 0 or 1) rather than raising the tolerance.
"""

LOSSES = {loss.name: loss for loss in (squared_error, mean_squared_error,
                                       binary_cross_entropy)}
"""Every built-in loss by name."""


def get_loss(loss):
    """Return the :class:`Loss` for a name or a loss object."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]
    known = ", ".join(sorted(LOSSES))
    raise InputError(f"unknown loss {loss!r}; expected one of: {known}")
