"""The slider explorer: train a small network and watch what changes.

Three layers, each usable on its own:

- :func:`compute` trains one network for one set of :class:`Settings`
  and returns a :class:`Result`; pure and deterministic (same settings,
  same numbers), so tests and the benchmark call it directly.
- :func:`draw` turns a :class:`Result` into PNG bytes: the loss curve
  and the decision boundary side by side, or a readable message when
  training diverged or could not run. Also pure: the same result
  always gives the same bytes.
- :func:`explorer` wires sliders and menus to ``compute`` and ``draw``
  and shows the bytes in a fixed-size ``widgets.Image``. Nothing is
  printed or displayed from a callback, so no output leaks into the
  notebook cell and the picture does not flicker.

The network is ``Dense(2, H) -> Dense(H, K)``, both layers with the
chosen activation and derivative strategy, as in the learner's network
where one activation serves every layer. It is trained full-batch (one
step per epoch, which keeps an update fast) on the squared error, the
learner's loss. With an unbounded activation (identity) a large
learning rate makes the loss overflow, which the status reports as
divergence; bounded ones saturate instead, and the loss curve goes
flat. Under the learner's rule the network is built with
``strict=False``, so it trains, wrongly, as the learner's code did.
"""

import dataclasses
import textwrap

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from . import data, plots
from .activations import ACTIVATIONS
from .layers import Dense
from .network import Network
from .training import train

__all__ = ["Settings", "Result", "build_network", "compute", "draw",
           "explorer", "Explorer", "DERIVATIVES", "IMAGE_SIZE"]

#: Menu labels for the derivative strategies, label -> strategy name.
DERIVATIVES = {
    "analytic": "analytic",
    "central difference": "central",
    "complex step": "complex-step",
    "learner's rule": "learner",
}

#: Picture size in pixels (width, height); the figure is drawn at 100 dpi.
IMAGE_SIZE = (900, 330)

# Coarser than plots.RESOLUTION: the explorer redraws on every move.
_RESOLUTION = 61

_DESCRIPTION = {"description_width": "100px"}


@dataclasses.dataclass(frozen=True)
class Settings:
    """One point in the explorer's control space.

    Attributes
    ----------
    task : str
        A name in ``data.TASKS`` (gates or point sets).
    activation : str
        Activation of both layers, a name in ``activations.ACTIVATIONS``.
    derivative : str
        Strategy name in ``derivatives.STRATEGIES``: ``"analytic"``,
        ``"central"``, ``"complex-step"`` or ``"learner"``.
    lr : float
        Learning rate.
    width : int
        Hidden width H.
    epochs : int
        Full-batch epochs.
    seed : int
        Seeds the initial weights and the shuffling.
    """

    task: str = "xor"
    activation: str = "tanh"
    derivative: str = "analytic"
    lr: float = 1.0
    width: int = 4
    epochs: int = 500
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class Result:
    """What one :func:`compute` call produced.

    Attributes
    ----------
    settings : Settings
    dataset : data.Dataset
        ``X`` (N, 2), ``Y`` (N, K) and the output names.
    history : training.History or None
        None if training could not run (see ``error``).
    extent : tuple (x_min, x_max, y_min, y_max) or None
    field : ndarray (R, R, K) or None
        Each output over a grid around the data (``plots.output_field``).
    error : str or None
        Why training could not run, in one readable message.
    status : str
        The one-line summary shown under the picture.
    """

    settings: Settings
    dataset: data.Dataset
    history: object
    extent: object
    field: object
    error: object
    status: str


def build_network(settings, n_out):
    """The explorer's network for ``settings``: Dense(2, H) -> Dense(H, K)
    with ``settings.activation`` in both layers and K = ``n_out``.

    Returns a ``Network`` whose weights are drawn from ``settings.seed``.
    """
    rng = np.random.default_rng(settings.seed)
    layers = [
        Dense(2, settings.width, settings.activation,
              derivative=settings.derivative, rng=rng),
        Dense(settings.width, n_out, settings.activation,
              derivative=settings.derivative, rng=rng),
    ]
    return Network(layers, strict=settings.derivative != "learner")


def _status(settings, dataset, history):
    if history.diverged:
        return (f"diverged at epoch {history.diverged_at}: the loss "
                f"stopped being finite at learning rate "
                f"{settings.lr:.3g}; try a smaller one")
    accuracy = history.accuracy(dataset.Y)
    return (f"final loss {history.final_loss:.3g}, accuracy "
            f"{accuracy:.0%} after {history.epochs_run} epochs")


def compute(settings=None, **changes):
    """Train the explorer's network and evaluate it on a grid.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to ``Settings()``.
    **changes
        Fields to replace, e.g. ``compute(lr=100.0, width=1)``.

    Returns
    -------
    Result
        Never raises for a setting the controls can reach: an
        impossible combination (relu with the complex step, say) comes
        back as ``Result.error`` with a readable message.
    """
    settings = dataclasses.replace(settings or Settings(), **changes)
    dataset = data.load(settings.task)
    try:
        net = build_network(settings, dataset.Y.shape[1])
        history = train(net, dataset.X, dataset.Y, epochs=settings.epochs,
                        lr=settings.lr, seed=settings.seed,
                        batch_size=len(dataset.X))
    except ValueError as err:
        # The package's ShapeError and InputError are ValueErrors; so is
        # numpy's refusal to broadcast.
        message = f"cannot train this network: {err}"
        return Result(settings, dataset, None, None, None, message,
                      message)
    extent, field = plots.output_field(net, dataset.X, _RESOLUTION)
    return Result(settings, dataset, history, extent, field, None,
                  _status(settings, dataset, history))


# Panel rectangles in figure fractions, fixed rather than computed by a
# layout engine: layout would cost more than the whole training run.
_BOTTOM, _TOP = 0.15, 0.86
_LOSS_RECT = (0.085, _BOTTOM, 0.255, _TOP - _BOTTOM)
_BAR_RECT = (0.91, _BOTTOM, 0.012, _TOP - _BOTTOM)
_STEPS = (1, 2, 5, 10)


def _field_rects(n_out):
    left, right, gap = 0.41, 0.89, 0.03
    width = (right - left - gap * (n_out - 1)) / n_out
    return [(left + k * (width + gap), _BOTTOM, width, _TOP - _BOTTOM)
            for k in range(n_out)]


def _title(settings):
    return (f"{settings.task}, {settings.activation}, "
            f"{settings.derivative}, width {settings.width}")


class _Picture:
    """The explorer's figure for K outputs, laid out once.

    Building axes and laying out their text costs several times more
    than training at the default settings, so a picture is built once
    per number of outputs and only its data changes between updates.
    Everything drawn is set from the result on every call, so the bytes
    depend on the result alone.
    """

    @plots._styled
    def __init__(self, n_out):
        # Titles and axis labels at fixed places: placing them by the
        # tick labels' extents would measure every label on each draw.
        with mpl.rc_context({"axes.titley": 1.0}):
            self._build(n_out)

    def _build(self, n_out):
        width, height = IMAGE_SIZE
        self.figure = Figure(figsize=(width / 100, height / 100), dpi=100)
        # A canvas of its own keeps one renderer, whose text measurements
        # are cached, across every redraw.
        FigureCanvasAgg(self.figure)
        ax = self.figure.add_axes(_LOSS_RECT)
        self.loss = plots.LossPanel(ax)
        # Few ticks: every label is text to lay out and render.
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_label_coords(0.5, -0.13)
        ax.yaxis.set_label_coords(-0.25, 0.5)
        self.fields = []
        for k, rect in enumerate(_field_rects(n_out)):
            panel = plots.FieldPanel(self.figure.add_axes(rect))
            panel.ax.xaxis.set_major_locator(MaxNLocator(3, steps=_STEPS))
            panel.ax.yaxis.set_major_locator(MaxNLocator(3, steps=_STEPS))
            panel.ax.xaxis.set_label_coords(0.5, -0.13)
            panel.ax.yaxis.set_label_coords(-30 / (rect[2] * width), 0.5)
            if k:
                panel.ax.set_ylabel("")
                panel.ax.tick_params(labelleft=False)
            self.fields.append(panel)
        self.figure.colorbar(self.fields[0].image,
                             cax=self.figure.add_axes(_BAR_RECT),
                             ticks=[0, 0.5, 1])

    @plots._styled
    def png(self, result):
        """PNG bytes for ``result``, which has K outputs."""
        dataset = result.dataset
        ax = self.loss.show(result.history, labels=["training loss"]).ax
        ax.set_title(_title(result.settings))
        # Within about a decade label 1-2-5 steps, wider only decades:
        # without minor ticks a narrow range would show one label or none.
        low, high = ax.get_ylim()
        subs = (1, 2, 5) if high < 30 * low else (1,)
        ax.yaxis.set_major_locator(LogLocator(subs=subs, numticks=6))
        for k, panel in enumerate(self.fields):
            panel.show(result.extent, result.field[:, :, k], dataset.X,
                       dataset.Y[:, k], title=f"output {dataset.outputs[k]}")
        return plots.to_png(self.figure)


_PICTURES = {}


@plots._styled
def _message_png(result):
    width, height = IMAGE_SIZE
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    fig.text(0.5, 0.85, _title(result.settings), ha="center")
    fig.text(0.5, 0.5, textwrap.fill(result.error, 90), ha="center",
             va="center")
    return plots.to_png(fig)


def draw(result):
    """Render a :class:`Result` as PNG bytes of ``IMAGE_SIZE`` pixels.

    Left: the loss per epoch (log scale; a diverged run ends in a
    cross). Right: one panel per output unit with its field, the 0.5
    line and the training points. A run that could not train shows its
    message instead. The same result always gives the same bytes.
    """
    if result.error is not None:
        return _message_png(result)
    n_out = result.field.shape[2]
    if n_out not in _PICTURES:
        _PICTURES[n_out] = _Picture(n_out)
    return _PICTURES[n_out].png(result)


class Explorer(widgets.VBox):
    """The explorer widget: controls above, picture and status below.

    Attributes
    ----------
    controls : dict of str -> widget
        One per ``Settings`` field, keyed by field name: ``"lr"``
        (a log-scale slider), ``"width"``, ``"epochs"``, ``"seed"``,
        ``"task"``, ``"activation"``, ``"derivative"``. Setting a
        control's ``.value`` redraws at once.
    image : widgets.Image
        The picture, PNG bytes of ``IMAGE_SIZE``.
    status : widgets.Label
        Final loss and accuracy, or where training diverged.
    result : Result
        The last computed result.
    """

    def __init__(self, settings):
        controls = _controls(settings)
        width, height = IMAGE_SIZE
        image = widgets.Image(
            format="png",
            layout=widgets.Layout(width=f"{width}px", height=f"{height}px"))
        status = widgets.Label(layout=widgets.Layout(width=f"{width}px"))
        sliders = widgets.VBox([controls[k] for k in
                                ("lr", "width", "epochs", "seed")])
        menus = widgets.VBox([controls[k] for k in
                              ("task", "activation", "derivative")])
        super().__init__([widgets.HBox([sliders, menus]), image, status])
        self.controls = controls
        self.image = image
        self.status = status
        self.result = None
        for control in controls.values():
            control.observe(self._changed, names="value")
        self.update()

    @property
    def settings(self):
        """The :class:`Settings` the controls currently show."""
        return Settings(**{name: control.value
                           for name, control in self.controls.items()})

    def _changed(self, change):
        self.update()

    def update(self):
        """Recompute and redraw for the current control values."""
        settings = self.settings
        # Sent before training starts, so a slow setting shows that it
        # is working instead of looking frozen.
        self.status.value = (f"training {settings.epochs} epochs at "
                             f"learning rate {settings.lr:.3g}...")
        self.result = compute(settings)
        self.image.value = draw(self.result)
        self.status.value = self.result.status

    def __repr__(self):
        return f"Explorer({self.settings})"


def _controls(settings):
    style = _DESCRIPTION
    return {
        "lr": widgets.FloatLogSlider(
            value=settings.lr, base=10, min=-3, max=2, step=0.1,
            description="learning rate", readout_format=".3g",
            continuous_update=False, style=style),
        "width": widgets.IntSlider(
            value=settings.width, min=1, max=16,
            description="hidden width", continuous_update=False,
            style=style),
        "epochs": widgets.IntSlider(
            value=settings.epochs, min=50, max=5000, step=50,
            description="epochs", continuous_update=False, style=style),
        "seed": widgets.IntSlider(
            value=settings.seed, min=0, max=99, description="seed",
            continuous_update=False, style=style),
        "task": widgets.Dropdown(
            options=list(data.TASKS), value=settings.task,
            description="task", style=style),
        "activation": widgets.Dropdown(
            options=list(ACTIVATIONS), value=settings.activation,
            description="activation", style=style),
        "derivative": widgets.Dropdown(
            options=list(DERIVATIVES.items()),
            value=settings.derivative, description="derivative",
            style=style),
    }


def explorer(**defaults):
    """Build the explorer.

    Parameters
    ----------
    **defaults
        Starting values for any ``Settings`` field, e.g.
        ``explorer(task="and+or", derivative="learner")``.

    Returns
    -------
    Explorer
        A ``widgets.VBox``; display it as a cell's last expression.
    """
    return Explorer(Settings(**defaults))
