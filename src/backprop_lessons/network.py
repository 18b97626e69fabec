"""A network: layers in a row, a loss, and a guarded gradient step.

``Network`` runs the layers forward, runs them backward from the loss
gradient, and applies the gradients with :meth:`Network.step`. The step
is where a wrong-shaped gradient does its damage: numpy broadcasts a
``(3,)`` gradient onto a ``(2, 3)`` matrix without a word. With
``strict=True`` (the default) the step refuses it and names the layer
and both shapes; ``strict=False`` lets numpy broadcast, which is how the
learner's silent failure is reproduced.
"""

import numbers

import numpy as np

from .errors import (InputError, ShapeError, check_finite, error_text,
                     layer_name, real_array, shape_str)
from .losses import Loss, get_loss


def check_lr(lr, where="lr"):
    """Return ``lr`` as a float, or raise if it is not positive.

    ``where`` starts the message, e.g. ``"train"``.
    """
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) \
            or not np.isfinite(lr) or lr <= 0:
        raise InputError(f"{where}: learning rate must be a positive "
                         f"finite number, got {lr!r}")
    return float(lr)


def _check_protocol(i, layer):
    missing = [name for name in ("params", "grads", "forward", "backward")
               if not hasattr(layer, name)]
    if missing:
        raise InputError(
            f"layer {i} ({layer_name(layer)}) does not follow the layer "
            f"protocol: missing {', '.join(missing)}")


def _twin(layer, public, fast):
    # The layer's unchecked twin of a public method, or None: none when
    # a subclass (a user's, or a planted bug) overrides the public
    # method after the twin was written, so that it is never bypassed.
    if public in getattr(layer, "__dict__", ()):
        return None
    for klass in type(layer).__mro__:
        if fast in vars(klass):
            return getattr(layer, fast)
        if public in vars(klass):
            return None
    return None


def _fast(layer, public, fast):
    # The twin if there is one, else the public method.
    return _twin(layer, public, fast) or getattr(layer, public)


class Network:
    """Layers applied in order, trained against one loss.

    Parameters
    ----------
    layers : list of layers
        Each follows the layer protocol (see :mod:`backprop_lessons.layers`).
    loss : str or Loss
        ``"squared_error"`` (default, the learner's),
        ``"mean_squared_error"`` or ``"binary_cross_entropy"``.
    strict : bool
        Refuse gradients whose shape differs from their parameter's.

    Shapes: ``X`` is ``(D,)`` or ``(N, D)``; ``Y`` matches the output,
    ``(K,)`` or ``(N, K)``.
    """

    def __init__(self, layers, loss="squared_error", strict=True):
        self.layers = list(layers)
        if not self.layers:
            raise InputError("Network needs at least one layer")
        for i, layer in enumerate(self.layers):
            _check_protocol(i, layer)
        for i, (a, b) in enumerate(zip(self.layers, self.layers[1:])):
            out, inp = getattr(a, "n_out", None), getattr(b, "n_in", None)
            if out is not None and inp is not None and out != inp:
                raise ShapeError(
                    f"layers do not chain: layer {i} outputs {out} values "
                    f"but layer {i + 1} expects {inp} inputs")
        try:
            self.loss = get_loss(loss)
        except InputError as err:
            raise InputError(f"Network: {err}") from None
        self.strict = bool(strict)
        self._prepare()
        self.y = None

    def _prepare(self):
        # The training loop's unchecked paths, looked up once here and
        # again by every call of train(), so a layer or loss swapped in
        # between is picked up; forward compares the layers with the
        # ones prepared for, so it picks them up too.
        self._prepared_for = list(self.layers)
        self._forwards = [_fast(la, "forward", "_forward")
                          for la in self.layers]
        # A first layer that takes [1 | x] made once for all steps.
        self._lead = _twin(self.layers[0], "forward", "_forward_x1")
        self._train_forwards = ([self._lead or self._forwards[0]]
                                + self._forwards[1:])
        # Backward in reverse order; the first layer's dL/dX is never
        # read in training, so it may skip computing it.
        self._backwards = [_fast(la, "backward", "_backward")
                           for la in reversed(self.layers[1:])]
        self._backwards.append(
            _fast(self.layers[0], "backward", "_backward_weights"))
        # Loss.grad checks shapes on every call; _backward compares the
        # two shapes itself, more cheaply. Not for a subclass's grad.
        loss = self.loss
        self._fast_loss = loss if type(loss).grad is Loss.grad else None
        self._fast_value = loss if type(loss).value is Loss.value else None

    def __repr__(self):
        inner = ",\n".join(f"  {layer_name(layer)}" for layer in self.layers)
        return (f"Network([\n{inner}\n], loss={self.loss.name}, "
                f"strict={self.strict})")

    @property
    def n_in(self):
        """Input width D of the first layer, or None if it has none."""
        return getattr(self.layers[0], "n_in", None)

    @property
    def n_out(self):
        """Output width K of the last layer, or None if it has none."""
        return getattr(self.layers[-1], "n_out", None)

    def forward(self, X):
        """Run every layer on ``X`` ``(D,)`` or ``(N, D)``; returns the
        last output, ``(K,)`` or ``(N, K)``.

        Errors from a layer are re-raised with the layer's index; a
        numpy error inside a layer's own ``forward`` becomes an
        :class:`InputError` that names the layer and its input shape.
        """
        X = real_array(X, "network input")
        if X.dtype.kind != "f":
            X = X.astype(float)
        check_finite(X, "network input")
        # Layer 0 checks the input's shape; later inputs come from
        # layers whose widths were chained at construction. The shapes
        # seen are kept so that backward can say which layer returned a
        # gradient unlike its input.
        if self._prepared_for != self.layers:
            # A layer was swapped into self.layers after construction.
            self._prepare()
        i = 0
        shapes = self._shapes = [np.shape(X)]
        try:
            X = self.layers[0].forward(X)
            shapes.append(np.shape(X))
            for i in range(1, len(self._forwards)):
                X = self._forwards[i](X)
                shapes.append(np.shape(X))
        except (ShapeError, InputError) as err:
            raise type(err)(f"layer {i}: {err}") from None
        except (ValueError, TypeError, IndexError) as err:
            raise InputError(
                f"layer {i} ({layer_name(self.layers[i])}): forward raised "
                f"{error_text(err)}, on an input of shape "
                f"{shape_str(shapes[i])}") from err
        self.y = X
        return X

    def _forward(self, X):
        # Unchecked forward for the training loop: X was validated once.
        for forward in self._forwards:
            X = forward(X)
        self.y = X
        return X

    def _training_inputs(self, X):
        # What the training loop feeds _forward_prepared: [1 | X] made
        # once when the first layer takes it, else X itself.
        if self._lead is None:
            return X
        return self.layers[0]._augment(X)

    def _forward_prepared(self, X):
        # Unchecked forward from rows of _training_inputs.
        for forward in self._train_forwards:
            X = forward(X)
        self.y = X
        return X

    def _loss_value(self, y_hat, Y):
        # Loss.value for the training loop's record after each epoch:
        # its own steps after one shape comparison. y_hat is (N, K).
        loss = self.loss
        if loss is self._fast_value and y_hat.shape == Y.shape:
            return loss.per_example(y_hat, Y).mean()
        return loss.value(y_hat, Y)

    def predict(self, X):
        """Outputs ``(K,)`` or ``(N, K)`` for ``X`` ``(D,)`` or
        ``(N, D)``; same as :meth:`forward`."""
        return self.forward(X)

    def loss_value(self, X, Y):
        """The loss (a float) of the outputs on ``X`` ``(N, D)`` against
        targets ``Y`` ``(N, K)`` (or one example, ``(D,)`` and ``(K,)``).
        """
        return float(self.loss.value(self.forward(X), self._targets(Y)))

    def _targets(self, Y):
        Y = real_array(Y, "network: targets").astype(float)
        if self.y is None:
            raise InputError("network: call forward before backward")
        if Y.shape != self.y.shape:
            raise ShapeError(
                f"network: targets have shape {shape_str(Y.shape)}, the "
                f"output has shape {shape_str(self.y.shape)}; expected "
                f"targets of shape {shape_str(self.y.shape)}")
        check_finite(Y, "network: targets")
        return Y

    def backward(self, Y):
        """Backpropagate the loss against targets ``Y``; returns dL/dX.

        Call after :meth:`forward`. ``Y`` has the output's shape,
        ``(K,)`` or ``(N, K)``; dL/dX has the input's, ``(D,)`` or
        ``(N, D)``. Fills every layer's ``grads``. A numpy error inside
        a layer's own ``backward`` becomes a named error: a
        :class:`ShapeError` blaming the next layer if that one returned
        a gradient unlike its input, else an :class:`InputError` naming
        the layer.
        """
        g = self.loss.grad(self.y, self._targets(Y))
        for i in range(len(self.layers) - 1, -1, -1):
            try:
                g = self.layers[i].backward(g)
            except (ShapeError, InputError) as err:
                raise type(err)(f"layer {i}: {err}") from None
            except (ValueError, TypeError, IndexError) as err:
                raise self._backward_error(i, g, err) from err
        return g

    def _backward_error(self, i, g, err):
        # A foreign layer failed inside numpy. If the gradient it got
        # has the wrong shape, the fault is the layer after it.
        layer = self.layers[i]
        shapes = getattr(self, "_shapes", None)
        if shapes is not None and len(shapes) == len(self.layers) + 1 \
                and np.shape(g) != shapes[i + 1]:
            if i + 1 < len(self.layers):
                source = (f"layer {i + 1} "
                          f"({layer_name(self.layers[i + 1])}) returned "
                          "dL/dx")
                wanted = "its input"
            else:
                source = f"the loss gradient ({self.loss.name})"
                wanted = "the output"
            return ShapeError(
                f"{source} of shape {shape_str(np.shape(g))}, but "
                f"{wanted} has shape {shape_str(shapes[i + 1])}; layer "
                f"{i} ({layer_name(layer)})'s backward then raised "
                f"{error_text(err)}")
        return InputError(
            f"layer {i} ({layer_name(layer)}): backward raised "
            f"{error_text(err)}, on dL/dy of shape "
            f"{shape_str(np.shape(g))}")

    def _backward(self, Y):
        # Unchecked backward for the training loop. Returns dL/dX, or
        # None if the first layer skipped it.
        loss, y = self.loss, self.y
        if loss is self._fast_loss and y.shape == Y.shape:
            # Loss.grad's own steps, after the same shape test.
            g = loss.grad_unchecked(y, Y)
        else:
            g = loss.grad(y, Y)
        for backward in self._backwards:
            g = backward(g)
        return g

    def step(self, lr):
        """Apply ``p -= lr * grad`` to every parameter, in place.

        With ``strict=True`` a gradient whose shape differs from its
        parameter's raises :class:`ShapeError` naming the layer, the
        parameter and both shapes.
        """
        self._step(check_lr(lr, "Network.step"))

    def _step(self, lr):
        for i, layer in enumerate(self.layers):
            grads = layer.grads
            for name, p in layer.params.items():
                g = grads.get(name)
                if g is None or g.shape != p.shape:
                    g = self._odd_gradient(i, layer, name, p, g)
                p -= lr * g

    def _odd_gradient(self, i, layer, name, p, g):
        if g is None:
            have = ", ".join(repr(k) for k in layer.grads) or "none"
            raise InputError(
                f"layer {i} ({layer_name(layer)}): no gradient for "
                f"parameter {name!r} (grads has: {have}); run backward "
                f"first, and make backward fill grads[{name!r}]")
        g = np.asarray(g)
        if not self.strict:
            # Loose: allowed if numpy can broadcast g onto p in place.
            # Checked on every step, so the message is only built below.
            try:
                if np.broadcast_shapes(g.shape, p.shape) == p.shape:
                    return g
            except ValueError:
                pass
        where = (f"layer {i} ({layer_name(layer)}): the gradient of "
                 f"{name!r} has "
                 f"shape {shape_str(g.shape)} but the parameter has shape "
                 f"{shape_str(p.shape)}")
        if self.strict:
            raise ShapeError(where + "; refusing to let numpy broadcast "
                             "it (strict=False would allow it)")
        raise ShapeError(where + "; numpy cannot broadcast it onto the "
                         "parameter")
