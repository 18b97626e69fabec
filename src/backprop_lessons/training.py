"""Training by stochastic gradient descent, and its record.

:func:`train` shuffles the examples each epoch with its own seeded
generator, steps once per mini-batch, and records the full-data loss
after every epoch in a :class:`History`. A loss that stops being finite
ends training at once, with a message that says when and what to try.
"""

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .errors import (InputError, ShapeError, check_finite, real_array,
                     shape_str)
from .network import check_lr


@dataclass
class History:
    """What happened during :func:`train`.

    Attributes
    ----------
    loss : ndarray, shape (E+1,)
        ``loss[0]`` before training, ``loss[k]`` after epoch k; E is the
        number of epochs run (fewer than asked if training diverged).
    predictions : ndarray, shape (N, K)
        Outputs on the training inputs at the end.
    epochs, lr, seed, batch_size :
        The settings used.
    diverged : bool
        Whether the loss became NaN or infinite.
    diverged_at : int or None
        The epoch at which it did.
    message : str
        One line saying how training ended.
    """

    loss: np.ndarray
    predictions: np.ndarray
    epochs: int
    lr: float
    seed: object
    batch_size: int
    diverged: bool = False
    diverged_at: object = None
    message: str = field(default="")

    @property
    def final_loss(self):
        """The last recorded loss."""
        return float(self.loss[-1])

    @property
    def epochs_run(self):
        """How many epochs actually ran."""
        return len(self.loss) - 1

    def accuracy(self, Y):
        """Fraction of outputs on the right side of 0.5."""
        Y = np.asarray(Y)
        with np.errstate(invalid="ignore"):
            hits = (self.predictions > 0.5) == (Y > 0.5)
        return float(hits.mean())

    def succeeded(self, Y, tol=0.1):
        """True if every prediction is within ``tol`` of its target."""
        err = np.abs(self.predictions - np.asarray(Y))
        return bool(not self.diverged and np.all(err < tol))

    def __repr__(self):
        return (f"History(epochs_run={self.epochs_run}, "
                f"final_loss={self.final_loss:.4g}, "
                f"diverged={self.diverged})")


def _check_data(net, X, Y):
    X = real_array(X, "train: X")
    Y = real_array(Y, "train: Y")
    if X.ndim != 2 or Y.ndim != 2:
        raise ShapeError(
            f"train: X must be (N, D) and Y must be (N, K), got "
            f"{shape_str(X.shape)} and {shape_str(Y.shape)}")
    if len(X) != len(Y) or len(X) == 0:
        raise ShapeError(f"train: X has {len(X)} examples and Y has "
                         f"{len(Y)}; they must match and be non-empty")
    if net.n_in is not None and X.shape[1] != net.n_in:
        raise ShapeError(f"train: the network expects {net.n_in} inputs "
                         f"per example, X has {X.shape[1]}")
    if net.n_out is not None and Y.shape[1] != net.n_out:
        raise ShapeError(f"train: the network has {net.n_out} outputs, "
                         f"Y has {Y.shape[1]} targets per example")
    check_finite(X, "train: X")
    check_finite(Y, "train: Y")
    return X.astype(float), Y.astype(float)


def _check_count(value, name, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < low:
        raise InputError(f"train: {name} must be an integer >= {low}, "
                         f"got {value!r}")
    return int(value)


def _explain(net, X, Y, batch_size, err):
    """Turn a numpy error from the unchecked loop into a named one.

    The training loop skips the per-step checks; when a layer hands back
    a gradient of the wrong shape numpy fails deep inside. Replaying one
    step through the checked path raises an error that names the layer
    and both shapes.
    """
    rows = slice(0, 1) if batch_size == 1 else slice(0, batch_size)
    x, y = X[rows], Y[rows]
    if batch_size == 1:
        x, y = x[0], y[0]
    net.forward(x)
    net.backward(y)
    raise err


def train(net, X, Y, epochs=1000, lr=1.0, seed=0, batch_size=1,
          callback=None):
    """Train ``net`` on ``X`` (N, D) and ``Y`` (N, K) by SGD.

    Parameters
    ----------
    epochs : int
        Passes over the data.
    lr : float
        Learning rate, positive.
    seed : int or None
        Seeds the shuffling of the examples, one permutation per epoch.
    batch_size : int
        Examples per step; 1 (default) is per-example SGD as in the
        learner's code.
    callback : callable, optional
        ``callback(epoch, net)`` after every epoch (epoch 0 is before
        training), for recording extra state such as weights.

    Returns
    -------
    History
    """
    X, Y = _check_data(net, X, Y)
    epochs = _check_count(epochs, "epochs", 0)
    lr = check_lr(lr, "train")
    batch_size = _check_count(batch_size, "batch_size", 1)
    n = len(X)
    try:
        rng = np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise InputError("train: seed must be None, an integer >= 0 or a "
                         f"numpy Generator, got {seed!r}") from None
    if callback is not None and not callable(callback):
        raise InputError("train: callback must be callable as "
                         f"callback(epoch, net), got {callback!r}")
    losses = np.empty(epochs + 1)
    net._prepare()
    loss_value = net._loss_value
    forward = net._forward_prepared
    backward, step = net._backward, net._step
    inputs = net._training_inputs(X)
    # Row views in lists: indexing a list by int is cheaper per step
    # than indexing an array.
    xs, ys = list(inputs), list(Y)
    diverged_at = None

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            # Checked in full once; later epochs compare shapes only.
            losses[0] = net.loss.value(forward(inputs), Y)
            if callback is not None:
                callback(0, net)
            for epoch in range(1, epochs + 1):
                order = rng.permutation(n)
                if batch_size == 1:
                    for i in order.tolist():
                        forward(xs[i])
                        backward(ys[i])
                        step(lr)
                else:
                    for start in range(0, n, batch_size):
                        idx = order[start:start + batch_size]
                        forward(inputs[idx])
                        backward(Y[idx])
                        step(lr)
                losses[epoch] = loss_value(forward(inputs), Y)
                if callback is not None:
                    callback(epoch, net)
                if not math.isfinite(losses[epoch]):
                    diverged_at = epoch
                    break
        except (ShapeError, InputError):
            raise
        except ValueError as err:
            _explain(net, X, Y, batch_size, err)
        predictions = forward(inputs).copy()

    if diverged_at is None:
        message = (f"trained {epochs} epochs at lr={lr:g}; final loss "
                   f"{losses[-1]:.4g}")
        losses_run = losses
    else:
        losses_run = losses[:diverged_at + 1]
        message = (f"diverged at epoch {diverged_at}: the loss became "
                   f"{losses_run[-1]} at lr={lr:g}; try a smaller "
                   "learning rate")
    return History(loss=losses_run, predictions=predictions, epochs=epochs,
                   lr=lr, seed=seed, batch_size=batch_size,
                   diverged=diverged_at is not None,
                   diverged_at=diverged_at, message=message)
