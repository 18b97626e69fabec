"""backprop_lessons: debug backpropagation by hand, in numpy.

The package behind the course. It holds a small network whose layers
take their derivatives from interchangeable strategies, the learner's
original network with its defects kept (:mod:`backprop_lessons.question`),
and checks that say where a gradient goes wrong.
"""

from . import activations, data, derivatives, losses, question
from .activations import (erf_sigmoid, get_activation, identity, relu,
                          sigmoid, tanh)
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
    "activations", "binary_cross_entropy", "data", "derivatives",
    "erf_sigmoid", "get_activation", "identity", "losses",
    "mean_squared_error", "question", "relu", "sigmoid", "squared_error",
    "tanh", "train",
]
