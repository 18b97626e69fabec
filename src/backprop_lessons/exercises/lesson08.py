"""Checkers for lesson 08: the cost of numeric gradients.

The exercises write the complex-step derivative, count what a numeric
gradient costs, and read the best step off a measured error curve.
"""

import numpy as np

from ..activations import erf_sigmoid
from ..checks import step_size_sweep
from ..data import gate
from ..layers import Dense
from ..network import Network
from . import ExerciseError, not_attempted, success


def network(width=3):
    """The network lesson 08 measures: ``2 -> width -> 2``, logistic
    units, weights from one generator seeded with 0.

    Shapes: ``W`` of layer 0 is ``(width, 3)``, of layer 1
    ``(2, width + 1)``; it takes X (N, 2) and gives (N, 2).
    """
    rng = np.random.default_rng(0)
    return Network([Dense(2, width, "sigmoid", rng=rng),
                    Dense(width, 2, "sigmoid", rng=rng)])


def _cubic(x):
    return x ** 3 - 2.0 * x


_SLOPE_CASES = (
    ("sin at 0.7", np.sin, 0.7, np.cos(0.7)),
    ("exp at -1.2", np.exp, -1.2, np.exp(-1.2)),
    ("x**3 - 2x at 1.5", _cubic, 1.5, 3 * 1.5 ** 2 - 2.0),
    ("the erf sigmoid at -4", erf_sigmoid, -4.0,
     float(erf_sigmoid.derivative(-4.0))),
)


def check_complex_step(complex_step):
    """Check ``complex_step(f, x, h=1e-20) -> float``, the derivative of
    a scalar function ``f`` at a real ``x`` by the complex step
    ``imag(f(x + i h)) / h``.

    Tried on four functions with the default step and with ``h=1e-8``,
    to a relative error of 1e-12 (one case has a slope of 6e-8, which
    a difference of values cannot resolve). A function that returns
    None counts as not attempted yet; common slips are named.
    """
    name = "complex_step"
    for i, (label, f, x, want) in enumerate(_SLOPE_CASES):
        for h in (None, 1e-8):
            got = (None if complex_step is None else
                   complex_step(f, x) if h is None else
                   complex_step(f, x, h=h))
            if got is None and i == 0:
                not_attempted(name)
                return
            step = 1e-20 if h is None else h
            where = f"{label}, h={step:g}"
            if got is None:
                raise ExerciseError(f"{name}: got None for {where}")
            if np.iscomplexobj(got):
                raise ExerciseError(
                    f"{name}: {where}: returned the complex number "
                    f"{complex(got):.3g}; return the imaginary part "
                    "divided by h, a real number")
            if not np.isscalar(got) and np.ndim(got) != 0:
                raise ExerciseError(f"{name}: {where}: return one number, "
                                    f"got shape {np.shape(got)}")
            got = float(got)
            value = float(np.real(f(x)))
            raw = float(np.imag(f(x + 1j * step)))
            if np.isclose(got, value, rtol=1e-12, atol=0) \
                    and not np.isclose(got, want, rtol=1e-6, atol=0):
                raise ExerciseError(
                    f"{name}: {where}: got {got:.6g}, which is f(x) itself; "
                    "the slope is in the imaginary part")
            if np.isclose(got, raw, rtol=1e-9, atol=0) \
                    and not np.isclose(got, want, rtol=1e-6, atol=0):
                raise ExerciseError(
                    f"{name}: {where}: got {got:.6g}, the imaginary part "
                    "before dividing by h")
            if got == 0.0 and want != 0.0:
                raise ExerciseError(
                    f"{name}: {where}: got exactly 0; a difference of real "
                    "values cancels at such a step; step into the complex "
                    "plane, f(x + 1j * h)")
            if not np.isclose(got, want, rtol=1e-12, atol=0):
                raise ExerciseError(
                    f"{name}: {where}: got {got:.15g}, expected "
                    f"{want:.15g} (relative error "
                    f"{abs(got - want) / abs(want):.1e})")
    success(f"{name}: exact to 12 digits on {len(_SLOPE_CASES)} "
            "functions, even a slope of 6e-8")


_WIDTH_CASES = ([2, 2], [2, 3, 2], [2, 4, 4, 2], [784, 100, 10], [1, 1])


def _passes(widths):
    return 2 * sum((a + 1) * b for a, b in zip(widths, widths[1:]))


def check_forward_passes(forward_passes):
    """Check ``forward_passes(widths) -> int``: how many evaluations of
    the loss (each one full forward pass) central differences need for
    the gradient of every weight of a Dense network with layer widths
    ``[D, H1, ..., K]``. Each Dense layer ``a -> b`` has ``(a + 1) * b``
    weights (the bias column included), and each weight takes two.

    Tried on five width lists; a missing bias column or a missing
    factor 2 is named. A function returning None is not attempted yet.
    """
    name = "forward_passes"
    for i, widths in enumerate(_WIDTH_CASES):
        got = (None if forward_passes is None
               else forward_passes(list(widths)))
        if got is None and i == 0:
            not_attempted(name)
            return
        want = _passes(widths)
        if got == want:
            continue
        no_bias = 2 * sum(a * b for a, b in zip(widths, widths[1:]))
        if got == no_bias:
            hint = "; each layer also has a bias column"
        elif got == want // 2:
            hint = ("; central differences evaluate the loss twice per "
                    "weight, at w + h and at w - h")
        else:
            hint = ""
        raise ExerciseError(f"{name}: for widths {list(widths)} got "
                            f"{got!r}, expected {want}{hint}")
    success(f"{name}: right for {len(_WIDTH_CASES)} networks, "
            f"e.g. {_passes([784, 100, 10]):,} for 784 -> 100 -> 10")


def check_best_step_32(best_step):
    """Check a step for float32 central differences, read off the
    measured curve: within a factor of 10 of the step at which
    :func:`backprop_lessons.step_size_sweep` in float32 errs least, on
    :func:`network` and the AND+OR data.
    """
    name = "best_step_32"
    if best_step is None:
        not_attempted(name)
        return
    if isinstance(best_step, bool) or not isinstance(
            best_step, (int, float)) or not 0 < best_step < 1:
        raise ExerciseError(f"{name}: give a step between 0 and 1, such as "
                            f"1e-4; got {best_step!r}")
    X, Y = gate("and+or")
    sweep = step_size_sweep(network(), X, Y, dtype=np.float32)
    best = sweep.best_step
    k = int(np.argmin(np.abs(np.log10(sweep.steps / best_step))))
    error = sweep.central[k]
    if abs(np.log10(best_step / best)) > 1.0 + 1e-9:
        direction = "larger" if best_step < best else "smaller"
        raise ExerciseError(
            f"{name}: near a step of {sweep.steps[k]:g} float32 central "
            f"differences err by {error:.0e}; try a {direction} step")
    success(f"{name}: a step of {best_step:g} is within a factor of 10 of "
            "the measured best")
