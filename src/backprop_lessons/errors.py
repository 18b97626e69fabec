"""Errors raised by backprop_lessons.

Every error says where it happened (which layer or which argument) and
what was expected against what was found, so that a learner never has to
read a numpy traceback to find out what went wrong.
"""


class ShapeError(ValueError):
    """An array has the wrong shape for the layer or network it meets."""


class InputError(ValueError):
    """An argument has a wrong value or type (not a shape problem)."""


def shape_str(shape):
    """Format a shape tuple as numpy prints it, e.g. ``(3,)``."""
    return str(tuple(int(n) for n in shape))
