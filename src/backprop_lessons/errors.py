"""Errors raised by backprop_lessons.

Every error says where it happened (which layer or which argument) and
what was expected against what was found, so that a learner never has to
read a numpy traceback to find out what went wrong.
"""

import numpy as np


class ShapeError(ValueError):
    """An array has the wrong shape for the layer or network it meets."""


class InputError(ValueError):
    """An argument has a wrong value or type (not a shape problem)."""


def shape_str(shape):
    """Format a shape tuple as numpy prints it, e.g. ``(3,)``."""
    return str(tuple(int(n) for n in shape))


def layer_name(layer):
    """How messages name a layer: its repr, or its class name when its
    class keeps the default repr (which shows only a memory address)."""
    if type(layer).__repr__ is object.__repr__:
        return type(layer).__name__
    return repr(layer)


def error_text(err):
    """``"ValueError: message"`` on one line, at most 200 characters of
    message, for quoting an error raised inside a user's layer."""
    text = " ".join(str(err).split())
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def real_array(value, what):
    """``value`` as a numpy array of real numbers, or :class:`InputError`.

    ``what`` names the argument in the message, e.g. ``"train: X"``.
    Booleans and integers pass; strings, objects, complex numbers and
    ragged nested lists do not.
    """
    try:
        a = np.asarray(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a rectangular array of real "
                         "numbers; numpy cannot make one of it (rows of "
                         "different lengths?)") from None
    if a.dtype.kind not in "biuf":
        raise InputError(f"{what} must hold real numbers, got dtype "
                         f"{a.dtype}")
    return a


def check_finite(a, what):
    """Raise :class:`InputError` naming the first NaN or inf in ``a``."""
    bad = ~np.isfinite(a)
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"{what} must be finite (no NaN or infinity), "
                         f"found {a[at]} at index {at}")
