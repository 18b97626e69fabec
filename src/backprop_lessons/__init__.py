"""backprop_lessons: debug backpropagation by hand, in numpy.

The package behind the course. It holds a small network whose layers
take their derivatives from interchangeable strategies, the learner's
original network with its defects kept (:mod:`backprop_lessons.question`),
and checks that say where a gradient goes wrong
(:mod:`backprop_lessons.checks`). Figures are in
:mod:`backprop_lessons.plots` and the slider explorer in
:mod:`backprop_lessons.widgets`; both are imported on demand.
"""

from . import activations, checks, data, derivatives, losses, question, zoo
from .activations import (erf_sigmoid, get_activation, identity, relu,
                          sigmoid, tanh)
from .checks import (check_layer, check_shapes, diagnose, gradcheck,
                     step_size_sweep)
from .derivatives import (Analytic, CentralDifference, ColumnDifference,
                          ComplexStep)
from .errors import InputError, ShapeError
from .layers import Dense
from .losses import (binary_cross_entropy, mean_squared_error,
                     squared_error)
from .network import Network
from .training import History, train

__version__ = "0.1.0"

__all__ = [
    "Analytic", "CentralDifference", "ColumnDifference", "ComplexStep",
    "Dense", "History", "InputError", "Network", "ShapeError",
    "activations", "binary_cross_entropy", "check_layer", "check_shapes",
    "checks", "data", "derivatives", "diagnose", "erf_sigmoid",
    "get_activation", "gradcheck", "identity", "losses",
    "mean_squared_error", "question", "relu", "sigmoid", "squared_error",
    "step_size_sweep", "tanh", "train", "zoo",
]
