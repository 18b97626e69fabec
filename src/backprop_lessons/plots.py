"""Pictures for the course: loss curves, decision boundaries, gradient
heatmaps, the row-drift plot and the step-size curve.

Every function returns a matplotlib ``Figure`` built without pyplot, so
no global state is touched and nothing is shown until the caller shows
it (``display(fig)`` in a notebook, or ``fig.savefig(...)``). Sizes are
fixed, and every figure has an opaque white background with black text
whatever the reader's style, so it reads the same in light and dark
themes.

:class:`LossPanel` and :class:`FieldPanel` draw onto an existing
``Axes`` and can redraw with new data; the explorer in
:mod:`backprop_lessons.widgets` keeps one of each per picture.
"""

import functools
import io

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from .errors import InputError

__all__ = [
    "loss_curves",
    "decision_boundary",
    "gradient_comparison",
    "row_drift",
    "step_size_curve",
    "output_field",
    "LossPanel",
    "FieldPanel",
    "to_png",
]

#: Grid points per side of a decision-boundary field.
RESOLUTION = 81

# Fixed colours, not the reader's style: the figure carries its own
# white background, so its text must stay dark in a dark theme too.
_STYLE = {
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "black",
    "axes.labelcolor": "black",
    "axes.titlesize": "medium",
    "text.color": "black",
    "xtick.color": "black",
    "ytick.color": "black",
    "legend.facecolor": "white",
    "legend.edgecolor": "0.8",
    "font.size": 9,
}
_FIELD_CMAP = "RdBu"
_DIFF_CMAP = "PuOr"
_GRAD_CMAP = "RdBu_r"
_TARGET_STYLE = {0: ("o", "#b2182b"), 1: ("s", "#2166ac")}


def _styled(fn):
    """Build the figure under the course's fixed style."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(_STYLE):
            return fn(*args, **kwargs)
    return wrapper


def _figure(width, height):
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def to_png(fig, compress_level=1):
    """Render ``fig`` to PNG bytes on an opaque white background.

    Light compression: the explorer pays for the encoding on every
    slider move, and level 1 is several times faster than the default.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white", transparent=False,
                pil_kwargs={"compress_level": compress_level})
    return buf.getvalue()


# -- loss curves -----------------------------------------------------------

def _loss_array(history):
    loss = getattr(history, "loss", history)
    loss = np.asarray(loss, dtype=float)
    if loss.ndim != 1:
        raise InputError(
            f"a loss history must be 1-D (epochs + 1,), got shape "
            f"{loss.shape}")
    return loss


def _default_label(history, i):
    lr = getattr(history, "lr", None)
    return f"lr = {lr:g}" if lr is not None else f"run {i}"


def _as_runs(histories):
    if isinstance(histories, np.ndarray) or hasattr(histories, "loss"):
        return [histories]
    return list(histories)


class LossPanel:
    """Loss curves on one ``Axes``, log scale, redrawable.

    :func:`loss_curves` draws one panel once; the explorer keeps one
    and calls :meth:`show` on every slider move, which is far cheaper
    than building a new figure.

    Parameters
    ----------
    ax : matplotlib Axes
    n_runs : int
        How many curves :meth:`show` will receive.
    """

    def __init__(self, ax, n_runs=1):
        self.ax = ax
        self.lines = [ax.plot([], [], lw=1.5)[0] for _ in range(n_runs)]
        self.crosses = [ax.plot([], [], "x", ms=9, mew=2,
                                color=line.get_color())[0]
                        for line in self.lines]
        self.message = ax.text(0.5, 0.5, "", ha="center", va="center",
                               transform=ax.transAxes)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss (log scale)")
        ax.grid(True, which="major", alpha=0.3)

    def show(self, histories, labels=None):
        """Draw ``histories`` (History or array (E + 1,), or a sequence
        of ``n_runs`` of those), labelled ``labels``.

        Zero, negative and non-finite losses cannot sit on a log axis,
        so they are left out; a run that diverged ends in a cross at its
        last finite loss and says so in its label.
        """
        histories = _as_runs(histories)
        if labels is None:
            labels = [_default_label(h, i) for i, h in enumerate(histories)]
        elif isinstance(labels, str):
            labels = [labels]
        if len(labels) != len(histories) \
                or len(histories) != len(self.lines):
            raise InputError(
                f"expected {len(self.lines)} loss histories and as many "
                f"labels, got {len(histories)} and {len(labels)}")
        shown_values, longest = [], 1
        for history, label, line, cross in zip(histories, labels,
                                               self.lines, self.crosses):
            loss = _loss_array(history)
            epochs = np.arange(len(loss))
            shown = np.isfinite(loss) & (loss > 0)
            diverged_at = getattr(history, "diverged_at", None)
            if diverged_at is None and not np.isfinite(loss).all():
                diverged_at = int(np.argmin(np.isfinite(loss)))
            if diverged_at is not None:
                label = f"{label} (diverged at epoch {diverged_at})"
            line.set_data(epochs[shown], loss[shown])
            line.set_label(label)
            last = np.flatnonzero(shown)[-1:]
            if diverged_at is None:
                last = last[:0]
            cross.set_data(epochs[last], loss[last])
            shown_values.append(loss[shown])
            longest = max(longest, len(loss) - 1)

        values = np.concatenate(shown_values)
        self.message.set_text(
            "" if values.size else "no finite, positive loss to plot")
        self.ax.set_xlim(0, longest)
        if values.size:
            lo, hi = values.min(), values.max()
            pad = max(0.05 * np.log10(hi / lo), 0.1)
            self.ax.set_ylim(lo / 10 ** pad, hi * 10 ** pad)
        return self


@_styled
def loss_curves(histories, labels=None, *, title="Loss during training"):
    """Overlay the loss curves of several runs on a log scale.

    Parameters
    ----------
    histories : History, array (E + 1,), or a sequence of those
        Runs to compare; runs may have different lengths.
    labels : sequence of str, optional
        One per run; by default ``lr = ...``.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        6.4 x 4 inches.
    """
    runs = _as_runs(histories)
    fig = _figure(6.4, 4.0)
    ax = fig.add_subplot()
    LossPanel(ax, len(runs)).show(runs, labels)
    ax.legend(loc="upper right")
    ax.set_title(title)
    return fig


# -- decision boundaries ---------------------------------------------------

def _check_points(X, Y=None):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise InputError(
            f"a decision boundary needs 2-D inputs X of shape (N, 2), "
            f"got {X.shape}")
    if Y is None:
        return X, None
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise InputError(
            f"targets Y must have shape (N, K) with N = {X.shape[0]}, "
            f"got {Y.shape}")
    return X, Y


def _extent(X):
    lo, hi = X.min(axis=0), X.max(axis=0)
    margin = np.maximum(0.25 * (hi - lo), 0.5)
    return (lo[0] - margin[0], hi[0] + margin[0],
            lo[1] - margin[1], hi[1] + margin[1])


def output_field(net, X, resolution=RESOLUTION):
    """Evaluate every output unit of ``net`` on a grid around ``X``.

    Parameters
    ----------
    net : Network, or the learner's ``question.NN``
        Anything with ``predict`` mapping inputs (M, 2) to outputs
        (M, K), or with ``forward`` mapping one input (2,) to (K,).
    X : array (N, 2)
        Points whose bounding box, with a margin, the grid covers.
    resolution : int
        Grid points per side, R.

    Returns
    -------
    extent : tuple (x_min, x_max, y_min, y_max)
    field : array (R, R, K)
        ``field[i, j, k]`` is output ``k`` at the ``i``-th y and
        ``j``-th x of the grid.
    """
    X, _ = _check_points(X)
    extent = _extent(X)
    xs = np.linspace(extent[0], extent[1], resolution)
    ys = np.linspace(extent[2], extent[3], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(all="ignore"):
        if hasattr(net, "predict"):
            out = np.asarray(net.predict(grid), dtype=float)
        else:
            # The learner's network takes one example at a time.
            out = np.array([net.forward(x) for x in grid], dtype=float)
    out = out.reshape(resolution * resolution, -1)
    return extent, out.reshape(resolution, resolution, out.shape[1])


class FieldPanel:
    """One output unit's field with the training points on top, on one
    ``Axes``, redrawable (the explorer reuses it on every move).

    The colour runs from red (0) to blue (1), clipped outside; the black
    line is where the output crosses 0.5. Points show their target by
    colour and by marker (circle 0, square 1).

    Parameters
    ----------
    ax : matplotlib Axes
    """

    def __init__(self, ax):
        self.ax = ax
        self.image = ax.imshow(np.zeros((2, 2)), origin="lower",
                               cmap=_FIELD_CMAP, vmin=0.0, vmax=1.0,
                               aspect="auto", interpolation="bilinear")
        self.points = {
            value: ax.scatter(np.empty(0), np.empty(0), marker=marker,
                              color=colour, edgecolors="black",
                              linewidths=0.6, s=28, zorder=3,
                              label=f"target {value}")
            for value, (marker, colour) in _TARGET_STYLE.items()}
        self.message = ax.text(0.5, 0.5, "", ha="center", va="center",
                               transform=ax.transAxes)
        self.boundary = None
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")

    def show(self, extent, field, X, y, title=""):
        """Draw ``field`` (R, R) over ``extent`` (x_min, x_max, y_min,
        y_max) with points ``X`` (N, 2) marked by targets ``y`` (N,).

        A field that is not finite (training diverged) is not drawn; the
        panel says so instead of staying blank.
        """
        ax = self.ax
        finite = bool(np.isfinite(field).all())
        self.image.set_visible(finite)
        if finite:
            self.image.set_data(field)
        self.image.set_extent(extent)
        self.message.set_text(
            "" if finite else "outputs are not finite:\nno boundary to draw")
        if self.boundary is not None:
            self.boundary.remove()
            self.boundary = None
        if finite and field.min() < 0.5 < field.max():
            xs = np.linspace(extent[0], extent[1], field.shape[1])
            ys = np.linspace(extent[2], extent[3], field.shape[0])
            self.boundary = ax.contour(xs, ys, field, levels=[0.5],
                                       colors="black", linewidths=1.2)
        targets = np.asarray(y) > 0.5
        for value, points in self.points.items():
            points.set_offsets(X[targets == bool(value)])
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_title(title)
        return self


@_styled
def decision_boundary(net, X, Y, *, outputs=None, resolution=RESOLUTION,
                      title="What the network outputs"):
    """Show each output unit's field over the input plane, one panel
    per output, with the training points on top.

    Parameters
    ----------
    net : Network, or the learner's ``question.NN``
        See :func:`output_field`.
    X : array (N, 2)
        Training inputs (a gate's four corners or a point set).
    Y : array (N, K)
        Targets, 0 or 1; marker shape and colour show each point's
        target for that panel's output.
    outputs : sequence of K str, optional
        Panel titles, e.g. a dataset's ``.outputs``.
    resolution : int
        Grid points per side.
    title : str

    The black line is where the output crosses 0.5. If training diverged
    and the outputs are not finite, the panels say so.

    Returns
    -------
    matplotlib.figure.Figure
        (3.2 K + 0.8) x 3.6 inches.
    """
    X, Y = _check_points(X, Y)
    extent, field = output_field(net, X, resolution)
    n_out = field.shape[2]
    if Y.shape[1] != n_out:
        raise InputError(
            f"the network has {n_out} outputs but Y has {Y.shape[1]} "
            f"columns (Y shape {Y.shape})")
    if outputs is None:
        outputs = [f"output {k}" for k in range(n_out)]
    fig = _figure(3.2 * n_out + 0.8, 3.6)
    axes = fig.subplots(1, n_out, squeeze=False)[0]
    panels = [FieldPanel(ax).show(extent, field[:, :, k], X, Y[:, k],
                                  title=str(outputs[k]))
              for k, ax in enumerate(axes)]
    fig.colorbar(panels[0].image, ax=list(axes), label="output",
                 shrink=0.9)
    axes[0].legend(loc="upper left", fontsize="small", framealpha=0.8)
    fig.suptitle(title)
    return fig


# -- gradient comparison ---------------------------------------------------

def _as_matrix(a):
    """View a gradient as rows x columns for a heatmap."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a[None, :]
    return a.reshape(a.shape[0], -1)


def _heatmap(ax, m, limit, cmap):
    image = ax.imshow(m, cmap=cmap, vmin=-limit, vmax=limit,
                      aspect="auto", interpolation="nearest")
    if m.size <= 40:
        for (i, j), value in np.ndenumerate(m):
            # White on the dark ends of the colour map, black elsewhere.
            dark = abs(value) > 0.6 * limit
            ax.text(j, i, f"{value:.2g}", ha="center", va="center",
                    fontsize=7, color="white" if dark else "black")
    ax.set_xticks(range(m.shape[1]))
    ax.set_yticks(range(m.shape[0]))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    return image


def _limit(*arrays):
    finite = [np.abs(a[np.isfinite(a)]) for a in arrays]
    peak = max((f.max() for f in finite if f.size), default=0.0)
    return peak if peak > 0 else 1.0


@_styled
def gradient_comparison(report, *, title="Backprop against numeric"):
    """Show backprop and numeric gradients entry by entry, and their
    difference, for every (layer, parameter) row of a gradcheck report.

    Parameters
    ----------
    report : checks.GradReport
        From ``checks.gradcheck`` or ``checks.check_layer``: its
        ``.rows`` each have ``.layer``, ``.param``, ``.shape``,
        ``.backprop`` (None if there is none) and ``.numeric`` arrays,
        ``.max_rel_error``, ``.ok`` and ``.verdict``. A parameter of
        shape (R, C) is drawn as an R x C heatmap; a vector as one row.
    title : str

    Backprop and numeric panels share one colour scale so equal numbers
    look equal; the difference panel has its own, so small disagreements
    still show. When the two gradients differ in shape (the learner's
    rule gives (C,) for an (R, C) matrix), or backprop gave none, the
    difference panel says so.

    Returns
    -------
    matplotlib.figure.Figure
        10 x (2.4 P + 0.5) inches for P rows.
    """
    rows = list(report.rows)
    if not rows:
        raise InputError("the gradcheck report has no rows to draw")
    fig = _figure(10.0, 2.4 * len(rows) + 0.5)
    grid = fig.subplots(len(rows), 3, squeeze=False)
    for row, axes in zip(rows, grid):
        numeric = _as_matrix(row.numeric)
        where = "-" if row.layer is None else row.layer
        name = f"layer {where}, {row.param} {tuple(row.shape)}"
        verdict = getattr(row, "verdict", "ok" if row.ok else "WRONG")
        err = f"max rel. error {row.max_rel_error:.1e} ({verdict})"
        if row.backprop is None:
            backprop, note = None, "no backprop gradient"
        else:
            backprop = _as_matrix(row.backprop)
            note = None if backprop.shape == numeric.shape else (
                f"shapes differ:\nbackprop {np.shape(row.backprop)}\n"
                f"numeric {np.shape(row.numeric)}")
        shown = [numeric] if backprop is None else [backprop, numeric]
        limit = _limit(*shown)
        if backprop is None:
            axes[0].set_axis_off()
        else:
            _heatmap(axes[0], backprop, limit, _GRAD_CMAP)
        axes[0].set_title(f"{name}: backprop")
        image = _heatmap(axes[1], numeric, limit, _GRAD_CMAP)
        axes[1].set_title("numeric")
        fig.colorbar(image, ax=list(axes[:2]), shrink=0.9)
        if note is None:
            diff = backprop - numeric
            diff_image = _heatmap(axes[2], diff, _limit(diff), _DIFF_CMAP)
            fig.colorbar(diff_image, ax=axes[2], shrink=0.9)
        else:
            axes[2].text(0.5, 0.5, note, ha="center", va="center",
                         transform=axes[2].transAxes)
            axes[2].set_axis_off()
        axes[2].set_title(f"difference\n{err}")
    fig.suptitle(title)
    return fig


# -- row drift -------------------------------------------------------------

def _snapshots(weights):
    W = np.asarray(weights, dtype=float)
    if W.ndim != 3 or W.shape[1] < 2:
        raise InputError(
            f"row_drift needs weight snapshots of shape (T, R, C) with "
            f"R >= 2 rows, got {W.shape}")
    return W


@_styled
def row_drift(weights, labels=None, *, rows=(0, 1),
              title="Row difference during training"):
    """Plot ``W[a] - W[b]`` over training, one panel per run.

    Under the learner's rule both rows get the same update, so every
    line stays flat; under a correct gradient the rows move apart.

    Parameters
    ----------
    weights : array (T, R, C), or a sequence of them
        Snapshots of one layer's weight matrix, one per recorded epoch
        (record them with ``train(..., callback=...)``); column 0 is the
        bias. Several runs give several panels sharing one y scale.
    labels : sequence of str, optional
        Panel titles, one per run.
    rows : (a, b)
        Which two rows to subtract.
    title : str

    Each panel states the largest change of the difference from its
    starting value, the number a reader would otherwise squint for.

    Returns
    -------
    matplotlib.figure.Figure
        (4 S + 0.5) x 3.6 inches for S runs.
    """
    if isinstance(weights, np.ndarray) and weights.ndim == 3:
        runs = [weights]
    else:
        runs = list(weights)
        if runs and np.ndim(runs[0]) == 2:
            runs = [runs]
    runs = [_snapshots(w) for w in runs]
    if labels is None:
        labels = [f"run {i}" for i in range(len(runs))]
    if len(labels) != len(runs):
        raise InputError(
            f"row_drift got {len(runs)} runs but {len(labels)} labels")
    a, b = rows
    fig = _figure(4.0 * len(runs) + 0.5, 3.6)
    axes = fig.subplots(1, len(runs), squeeze=False, sharey=True)[0]
    for W, label, ax in zip(runs, labels, axes):
        drift = W[:, a, :] - W[:, b, :]
        change = np.abs(drift - drift[0]).max()
        for j in range(drift.shape[1]):
            name = "bias" if j == 0 else f"weight {j}"
            ax.plot(np.arange(len(drift)), drift[:, j], label=name)
        ax.set_title(f"{label}\nlargest change {change:.1e}")
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel(f"W[{a}] - W[{b}]")
    axes[0].legend(loc="best", fontsize="small")
    fig.suptitle(title)
    return fig


# -- step-size curve -------------------------------------------------------

def _sweep_curves(sweep):
    steps = np.asarray(sweep.steps, dtype=float)
    errors = sweep.errors
    if hasattr(errors, "items"):
        curves = {str(k): np.asarray(v, dtype=float)
                  for k, v in errors.items()}
    else:
        errors = np.asarray(errors, dtype=float)
        if errors.ndim == 1:
            errors = errors[None, :]
        names = getattr(sweep, "methods", None) or [
            f"method {i}" for i in range(len(errors))]
        curves = dict(zip(map(str, names), errors))
    for name, curve in curves.items():
        if curve.shape != steps.shape:
            raise InputError(
                f"step sweep {name!r}: {curve.shape} errors for "
                f"{steps.shape} steps")
    return steps, curves


@_styled
def step_size_curve(sweep, *, title="Numeric gradient error against step"):
    """Plot a numeric gradient's error against its step, log-log.

    Parameters
    ----------
    sweep : step-size sweep
        From ``checks.step_size_sweep``: ``.steps`` (S,) and ``.errors``,
        either (S,), (M, S) with names in ``.methods``, or a dict of
        name -> (S,).
    title : str

    Too large a step and the truncation error grows (slope 2 for
    central differences); too small and rounding error takes over. Each
    curve's smallest error is marked with its step. Errors of exactly 0
    cannot sit on a log axis; the legend counts them.

    Returns
    -------
    matplotlib.figure.Figure
        6.4 x 4 inches.
    """
    steps, curves = _sweep_curves(sweep)
    fig = _figure(6.4, 4.0)
    ax = fig.add_subplot()
    for name, curve in curves.items():
        shown = np.isfinite(curve) & (curve > 0)
        exact = int(np.sum(curve == 0))
        label = name if not exact else f"{name} (exactly 0 at {exact})"
        if not shown.any():
            ax.plot([], [], label=f"{label}: nothing to plot")
            continue
        line, = ax.plot(steps[shown], curve[shown], "o-", ms=3,
                        label=label)
        best = np.flatnonzero(shown)[np.argmin(curve[shown])]
        ax.plot(steps[best], curve[best], "o", ms=8, mfc="none",
                color=line.get_color())
        ax.annotate(f"h = {steps[best]:.0e}", (steps[best], curve[best]),
                    textcoords="offset points", xytext=(5, 6),
                    fontsize="small")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best")
    ax.set_title(title)
    return fig
