"""Checkers for lesson 07: the bug zoo.

Each exercise hands the learner a *mystery* layer: one of the planted
bugs of :mod:`backprop_lessons.zoo` under a neutral name, so that the
reports and diagnoses do not give its name away. The learner finds the
bug with the tools, names it (a name from :data:`NAMES`) and repairs
it; :func:`check_name` and :func:`check_fix` confirm.
"""

import numpy as np

from .. import zoo
from . import ExerciseError, not_attempted, success

#: The names a mystery can have: every planted bug in the zoo.
NAMES = tuple(zoo.ZOO)

# Letter -> the planted bug behind it. "0" is the lesson's worked
# example; "A" to "F" are the exercises.
_IDENTITY = {
    "0": "SignFlipped",
    "A": "NoBiasGradient",
    "B": "Transposed",
    "C": "Scaled",
    "D": "NoActivationDerivative",
    "E": "WrongInputGradient",
    "F": "BiasLast",
}

#: What the tools show for each planted bug, used to explain a wrong
#: name: planted as the output layer of a 2 -> 4 -> 2 network.
EVIDENCE = {
    "SignFlipped": "relative error 1.00 in its own W and diagnose says "
                   "sign-flipped",
    "Transposed": "a gradient of the wrong shape, (D+1, K), that "
                  "diagnose calls transposed",
    "Scaled": "one constant factor for the whole W, which diagnose "
              "reports as scaled",
    "NoBiasGradient": "a gradient that is zero in column 0 only",
    "NoActivationDerivative": "a factor of its own in each row of W on "
                              "one example, and a wrong input gradient",
    "WrongActivationDerivative": "a W off by factors that follow the "
                                 "activation's slope, and a wrong input "
                                 "gradient",
    "SummedOverOutputs": "a gradient of shape (D+1,) with every row's "
                         "contributions summed",
    "LocalJacobianReturned": "an input gradient of shape (K, D) that the "
                             "layer below cannot take",
    "WrongInputGradient": "its own W right, while the layer below it is "
                          "blamed as upstream",
    "BiasLast": "the right numbers in W shifted by one column, which "
                "diagnose cannot name",
}


def _mystery_class(letter, name):
    cls = zoo.ZOO[name]
    return type(f"Mystery{letter}", (cls,), {
        "__doc__": cls.__doc__,
        "__module__": __name__,
        "__qualname__": f"Mystery{letter}",
    })


_MYSTERIES = {letter: _mystery_class(letter, name)
              for letter, name in _IDENTITY.items()}


def _letter(letter):
    key = str(letter).upper()
    if key not in _MYSTERIES:
        known = ", ".join(_MYSTERIES)
        raise ExerciseError(f"no mystery {letter!r}; the mysteries are "
                            f"{known}")
    return key


def mystery(letter):
    """The mystery layer class for ``letter`` ("0", "A" ... "F").

    A :class:`~backprop_lessons.zoo.Planted` layer with one planted bug,
    built like ``Dense``: ``mystery("A")(n_in, n_out, rng=...)``. Its
    docstring is the symptom.
    """
    return _MYSTERIES[_letter(letter)]


def check_name(letter, name):
    """Check the name given to mystery ``letter``.

    ``name`` must be one of :data:`NAMES`; a wrong one is answered with
    what the tools would show for that bug, to compare with what they
    do show. None counts as not attempted yet.
    """
    key = _letter(letter)
    label = f"name of mystery {key}"
    if name is None:
        not_attempted(label)
        return
    if name not in NAMES:
        raise ExerciseError(f"{label}: {name!r} is not a bug in the zoo; "
                            f"choose one of: {', '.join(NAMES)}")
    if name != _IDENTITY[key]:
        raise ExerciseError(
            f"{label}: not {name}. That bug would show {EVIDENCE[name]}; "
            "compare with what gradcheck, diagnose and check_layer show "
            "for this one")
    success(f"mystery {key} is {name}")


def _backward_returns(layer_cls):
    rng = np.random.default_rng(0)
    layer = layer_cls(2, 3, rng=0)
    layer.forward(rng.standard_normal(2))
    return layer.backward(rng.standard_normal(3))


def check_fix(letter, fixed_cls):
    """Check a repaired version of mystery ``letter``.

    ``fixed_cls`` must subclass the mystery (repair it, do not replace
    it) and pass :func:`backprop_lessons.zoo.check_fix`: alone and in
    two-layer networks, on one example and on a batch. A class whose
    ``backward`` returns None counts as not attempted yet.
    """
    key = _letter(letter)
    label = f"fix of mystery {key}"
    if fixed_cls is None or _backward_returns(fixed_cls) is None:
        not_attempted(label)
        return
    if not (isinstance(fixed_cls, type)
            and issubclass(fixed_cls, _MYSTERIES[key])):
        raise ExerciseError(
            f"{label}: build the fix on the mystery, "
            f"class Fixed{key}(lesson07.mystery({key!r})), and override "
            "its backward")
    verdict = zoo.check_fix(fixed_cls)
    if not verdict.ok:
        message = verdict.message.lstrip("\N{BALLOT X} ")
        raise ExerciseError(f"{label}: {message}")
    passed = verdict.message.lstrip("\N{CHECK MARK} ")
    success(f"{label}: {passed}")
