"""Checks that say where a gradient goes wrong, and what it looks like.

Every check works with any layer that follows the layer protocol
(``params``, ``grads``, ``forward``, ``backward``; see
:mod:`backprop_lessons.layers`), whatever its parameters are called.

- :func:`check_shapes` runs one forward and one backward pass and lists
  the shape of everything that flows, flagging mismatches.
- :func:`gradcheck` compares every backprop gradient entry with a
  centred difference of the scalar loss, in float64, one row per
  (layer, parameter).
- :func:`check_layer` checks one layer alone against a random upstream
  gradient (a vector-Jacobian product), to clear or blame it.
- :func:`diagnose` reads a report and names what the disagreement looks
  like: ``wrong-shape``, ``summed-over-outputs``, ``transposed``,
  ``sign-flipped``, ``scaled``, ``zero``, ``upstream`` or ``unknown``.
- :func:`step_size_sweep` measures the error of central differences
  and of the complex step over a range of steps.

The error of one entry is symmetric and floored,
``|a - b| / max(|a| + |b|, floor)``: relative for ordinary entries,
absolute (scaled by ``1 / floor``) for entries too small to carry a
meaningful relative error. It lies between 0 and 1; a sign flip gives 1.

Checks never change a parameter: every parameter is bit-identical
afterwards. They do run ``forward`` and ``backward``, so caches and
``grads`` hold fresh values when they return.
"""

import html
import numbers
import textwrap
import warnings

import numpy as np

from .errors import InputError, ShapeError, error_text, shape_str

__all__ = [
    "DEFAULT_FLOOR", "DEFAULT_STEP", "DEFAULT_TOLERANCE", "KINDS",
    "Entry", "Finding", "Findings", "GradReport", "GradRow",
    "PrecisionWarning", "Received", "ShapeReport", "ShapeRow",
    "StepSweep", "check_layer", "check_shapes", "diagnose", "gradcheck",
    "step_size_sweep",
]

DEFAULT_STEP = 1e-5
"""Step of the centred differences: near the float64 optimum,
``eps ** (1/3)``, where truncation (``h**2``) and rounding (``eps / h``)
errors balance."""

DEFAULT_TOLERANCE = 1e-5
"""Largest max relative error a row may show and pass. Correct random
networks of up to 5 layers of up to 10 units show at most about 5e-7
(median 2e-9); the planted bugs of the zoo show 0.3 and more."""

DEFAULT_FLOOR = 1e-2
"""Smallest denominator of the relative error: entries far below it are
judged on their absolute error, ``tolerance * floor``."""

KINDS = ("wrong-shape", "summed-over-outputs", "transposed",
         "sign-flipped", "scaled", "zero", "upstream", "unknown")
"""Every :attr:`Finding.kind` that :func:`diagnose` can report."""

WIDTH = 79

# Patterns are matched more loosely than gradients are checked: they
# compare a transformed gradient, so numeric noise counts twice, and a
# layer may itself use numeric derivatives with a coarse step.
_PATTERN_TOLERANCE = 1e-4

# Entries of a received gradient compared numerically, at most.
_RECEIVED_ENTRIES = 200

_STATUS_VERDICT = {
    "ok": "ok",
    "values": "WRONG",
    "shape": "WRONG SHAPE",
    "missing": "NO GRADIENT",
    "raised": "RAISED",
    "not reached": "NOT REACHED",
}


class PrecisionWarning(UserWarning):
    """A check ran in a higher precision than the network it checks."""


# -- small helpers ---------------------------------------------------------

def _positive(value, name, where):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or value <= 0:
        raise InputError(f"{where}: {name} must be a positive finite "
                         f"number, got {value!r}")
    return float(value)


def _real_array(a, name, where):
    """``a`` as a new float64 array, or a clear error."""
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError) as err:
        raise InputError(f"{where}: {name} is not an array: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{where}: {name} must hold real numbers, got "
                         f"dtype {arr.dtype}")
    arr = np.array(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise InputError(f"{where}: {name} contains NaN or infinity")
    return arr


def _shape(a):
    return None if a is None else tuple(int(n) for n in np.shape(a))


def _fmt_shape(shape):
    return "-" if shape is None else shape_str(shape)


def _fmt_err(value):
    return "n/a" if not np.isfinite(value) else f"{value:.2e}"


def _type_name(layer):
    return type(layer).__name__


def _label(index, layer_name, param=None):
    where = layer_name if index is None else f"layer {index} ({layer_name})"
    return where if param is None else f"{where} {param}"


def _wrap(text, indent=""):
    return textwrap.fill(text, WIDTH, initial_indent=indent,
                         subsequent_indent=indent,
                         break_on_hyphens=False)


_error_text = error_text


def _check_layer_protocol(layer, where):
    params = getattr(layer, "params", None)
    missing = [n for n in ("forward", "backward")
               if not callable(getattr(layer, n, None))]
    if not hasattr(params, "items"):
        missing.append("params (a dict)")
    if not hasattr(getattr(layer, "grads", None), "get"):
        missing.append("grads (a dict)")
    if missing:
        raise InputError(f"{where}: {_type_name(layer)} does not follow "
                         f"the layer protocol: missing {', '.join(missing)}")


def _check_net(net, where):
    layers = getattr(net, "layers", None)
    if layers is None or getattr(net, "loss", None) is None \
            or not callable(getattr(net, "forward", None)):
        hint = ""
        if hasattr(net, "params") and hasattr(net, "backward"):
            hint = "; to check one layer alone, use check_layer"
        raise InputError(f"{where}: expected a Network (with .layers, "
                         f".loss and .forward), got {_type_name(net)}{hint}")
    layers = list(layers)
    if not layers:
        raise InputError(f"{where}: the network has no layers")
    for i, layer in enumerate(layers):
        _check_layer_protocol(layer, f"{where}: layer {i}")
    return layers


def _forward_error(err, where):
    if isinstance(err, (ShapeError, InputError)):
        return type(err)(f"{where}: {err}")
    return InputError(f"{where}: forward raised {_error_text(err)}")


def _broadcast(a, shape):
    """``a`` broadcast to ``shape`` as numpy would in ``p -= lr * a``."""
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        return None


def _rel_error(a, b, floor):
    """Symmetric floored relative error, entrywise; NaN counts as 1."""
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)
    return np.where(np.isfinite(err), err, 1.0)


def _max(a):
    return float(a.max()) if a.size else 0.0


def _close(a, b, floor):
    return a.shape == b.shape and _max(_rel_error(a, b, floor)) \
        <= _PATTERN_TOLERANCE


class _ParamGuard:
    """Give every parameter a writable array of one dtype; undo on exit.

    Parameters already of that dtype (and writable) are perturbed in
    place and copied back bit for bit on exit. Others are swapped for a
    converted copy, in ``params`` and in any attribute of the layer that
    held the same array object, and the original object is put back on
    exit, untouched. ``force`` swaps every parameter (the step-size sweep
    runs on float32 or complex copies). ``dtype=None`` swaps nothing and
    only copies back: a pass that should not change anything, doesn't.
    """

    def __init__(self, layers, dtype=np.float64, force=False):
        self.layers = layers
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.force = force
        self.saved = []
        self.swapped = []

    def __enter__(self):
        try:
            for layer in self.layers:
                for name, p in list(layer.params.items()):
                    self._guard(layer, name, p)
        except BaseException:
            self.restore()
            raise
        return self

    def _guard(self, layer, name, p):
        if self.dtype is None:
            # Only keep a copy: the check runs at the layer's own dtype.
            if isinstance(p, np.ndarray) and p.flags.writeable:
                self.saved.append((p, p.copy()))
            return
        if not self.force and isinstance(p, np.ndarray) \
                and p.dtype == self.dtype and p.flags.writeable:
            self.saved.append((p, p.copy()))
            return
        copy = np.array(p, dtype=self.dtype)
        attrs = [k for k, v in getattr(layer, "__dict__", {}).items()
                 if v is p]
        layer.params[name] = copy
        for k in attrs:
            setattr(layer, k, copy)
        self.swapped.append((layer, name, p, attrs))

    @property
    def promoted_dtypes(self):
        """Dtype names of the swapped parameters, sorted."""
        return sorted({str(np.asarray(p).dtype)
                       for _, _, p, _ in self.swapped})

    def restore(self):
        for p, copy in self.saved:
            np.copyto(p, copy)
        for layer, name, p, attrs in self.swapped:
            layer.params[name] = p
            for k in attrs:
                setattr(layer, k, p)
        self.saved, self.swapped = [], []

    def __exit__(self, *exc):
        self.restore()
        return False


def _numeric(fn, p, step, indices=None):
    """Centred differences of the scalar ``fn()`` in each entry of ``p``.

    ``p`` is perturbed in place, one entry at a time, and every entry is
    restored to its exact value. The step actually taken (after
    rounding) is the one divided by. With ``indices``, only those
    entries are computed; the others are NaN.
    """
    grad = np.full(p.shape, np.nan)
    for idx in np.ndindex(p.shape) if indices is None else indices:
        orig = p[idx]
        up_at, down_at = orig + step, orig - step
        p[idx] = up_at
        up = fn()
        p[idx] = down_at
        down = fn()
        p[idx] = orig
        span = up_at - down_at
        # A step lost in rounding moves nothing: the slope reads as zero.
        grad[idx] = (up - down) / span if span else 0.0
    return grad


def _numeric_complex(fn, p, step):
    """Complex-step slopes, ``imag(fn(p + i h)) / h``, entry by entry."""
    grad = np.empty(p.shape)
    for idx in np.ndindex(p.shape):
        orig = p[idx]
        p[idx] = orig + 1j * step
        grad[idx] = np.imag(fn()) / step
        p[idx] = orig
    return grad


def _copy_grads(layer):
    out = {}
    for name in layer.params:
        g = layer.grads.get(name)
        out[name] = None if g is None else np.array(g, copy=True)
    return out


# -- tables ----------------------------------------------------------------

def _text_table(header, rows, right=()):
    cells = [list(header)] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(header))]
    lines = []
    for r in cells:
        parts = [c.rjust(w) if j in right else c.ljust(w)
                 for j, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(parts).rstrip())
    return lines


_BAD = "color:#b2182b;font-weight:bold"


def _html_table(header, rows, *, caption="", footer="", bad=()):
    esc = html.escape
    out = ['<table style="font-family:monospace;border-collapse:collapse">']
    if caption:
        out.append(f'<caption style="text-align:left">{esc(caption)}'
                   "</caption>")
    out.append("<tr>" + "".join(
        f'<th style="text-align:left;padding:0 8px">{esc(h)}</th>'
        for h in header) + "</tr>")
    for k, r in enumerate(rows):
        style = "padding:0 8px" + (";" + _BAD if k in bad else "")
        out.append("<tr>" + "".join(
            f'<td style="text-align:left;{style}">{esc(str(c))}</td>'
            for c in r) + "</tr>")
    out.append("</table>")
    if footer:
        out.append(f"<p style=\"font-family:monospace\">{esc(footer)}</p>")
    return "\n".join(out)


# -- shapes ----------------------------------------------------------------

class ShapeRow:
    """Shapes seen at one layer during one forward and backward pass.

    Attributes
    ----------
    layer : int
        Index of the layer in the network.
    name : str
        The layer's class name.
    input, output : tuple or None
        Shapes of ``x`` and ``y``; None where the pass did not get there.
    params, grads : dict of str -> tuple or None
        Shape of each parameter, and of the gradient ``backward`` left
        for it (None if there is none).
    grad_out, grad_in : tuple or None
        Shape of the gradient received (dL/dy) and returned (dL/dx).
    problems : list of str
        One sentence per mismatch, naming both shapes.
    ok : bool
        True when there are no problems.
    """

    def __init__(self, layer, name):
        self.layer = layer
        self.name = name
        self.input = self.output = None
        self.params = {}
        self.grads = {}
        self.grad_out = self.grad_in = None
        self.problems = []

    @property
    def ok(self):
        """True when nothing at this layer is mismatched."""
        return not self.problems

    def __repr__(self):
        return (f"<ShapeRow layer {self.layer} {self.name}: "
                f"{'ok' if self.ok else 'MISMATCH'}>")


class ShapeReport:
    """The result of :func:`check_shapes`: one row per layer.

    Attributes
    ----------
    rows : list of ShapeRow
    problems : list of str
        Every problem, each naming its layer; network-level problems
        (such as targets that do not match the output) come first.
    ok : bool
    """

    def __init__(self, rows, problems):
        self.rows = rows
        self.problems = problems

    @property
    def ok(self):
        """True when no shape is mismatched anywhere."""
        return not self.problems

    @property
    def summary(self):
        """One line: the verdict and the number of problems."""
        if self.ok:
            return (f"shapes ok: {len(self.rows)} layer"
                    f"{'s' if len(self.rows) != 1 else ''}, every gradient "
                    "has the shape of what it is the gradient of")
        n = len(self.problems)
        return f"shape check FAILED: {n} problem{'s' if n != 1 else ''}"

    def _table(self):
        header = ("layer", "input", "output", "dL/dy", "dL/dx", "param",
                  "shape", "grad", "verdict")
        rows, bad = [], []
        for r in self.rows:
            names = list(r.params) or [""]
            for k, name in enumerate(names):
                first = k == 0
                layer_cells = [str(r.layer), _fmt_shape(r.input),
                               _fmt_shape(r.output), _fmt_shape(r.grad_out),
                               _fmt_shape(r.grad_in)]
                cells = (layer_cells if first else [""] * 5) + [
                    name or "-",
                    _fmt_shape(r.params.get(name)) if name else "-",
                    _fmt_shape(r.grads.get(name)) if name else "-",
                    ("ok" if r.ok else "MISMATCH") if first else "",
                ]
                if not r.ok:
                    bad.append(len(rows))
                rows.append(cells)
        return header, rows, bad

    def __str__(self):
        header, rows, _ = self._table()
        lines = _text_table(header, rows, right={0})
        lines += [textwrap.fill("- " + p, WIDTH, subsequent_indent="  ",
                                break_on_hyphens=False)
                  for p in self.problems]
        lines.append(self.summary)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        header, rows, bad = self._table()
        footer = " ".join([self.summary] + self.problems)
        return _html_table(header, rows, caption="shape check",
                           footer=footer, bad=bad)


def check_shapes(net, X, Y):
    """Run one forward and backward pass and list every shape.

    Parameters
    ----------
    net : Network
        Any layers that follow the layer protocol.
    X : array (D,) or (N, D)
    Y : array (K,) or (N, K), matching the output.

    Returns
    -------
    ShapeReport
        One row per layer with the shapes of its input, output, each
        parameter, each gradient, the gradient received (dL/dy) and the
        one returned (dL/dx). Flagged: a gradient whose shape differs
        from its parameter's, a missing gradient, a received gradient
        unlike the output, a returned gradient unlike the input, and
        any error raised on the way (which stops the pass there).
        Parameters are left bit-identical.
    """
    layers = _check_net(net, "check_shapes")
    X = np.asarray(X)
    Y = np.asarray(Y)
    rows = [ShapeRow(i, _type_name(layer)) for i, layer in enumerate(layers)]
    problems = []
    with _ParamGuard(layers, dtype=None):
        for r, layer in zip(rows, layers):
            r.params = {name: _shape(p) for name, p in layer.params.items()}
        a = X
        for i, (r, layer) in enumerate(zip(rows, layers)):
            r.input = _shape(a)
            try:
                a = layer.forward(a)
            except Exception as err:
                r.problems.append(f"layer {i} ({r.name}): forward raised "
                                  f"{_error_text(err)}")
                a = None
                break
            r.output = _shape(a)
        g = None
        if a is not None:
            if _shape(a) != _shape(Y):
                problems.append(
                    f"targets Y have shape {_fmt_shape(_shape(Y))} but the "
                    f"network's output has shape {_fmt_shape(_shape(a))}")
            else:
                try:
                    g = net.loss.grad(a, Y)
                except Exception as err:
                    problems.append(f"the loss gradient raised "
                                    f"{_error_text(err)}")
        for i in range(len(layers) - 1, -1, -1):
            if g is None:
                break
            r, layer = rows[i], layers[i]
            r.grad_out = _shape(g)
            if r.grad_out != r.output:
                r.problems.append(
                    f"layer {i} ({r.name}) received dL/dy of shape "
                    f"{_fmt_shape(r.grad_out)} for an output of shape "
                    f"{_fmt_shape(r.output)}")
            try:
                g = layer.backward(g)
            except Exception as err:
                r.problems.append(f"layer {i} ({r.name}): backward raised "
                                  f"{_error_text(err)}")
                g = None
                break
            r.grad_in = _shape(g)
            r.grads = {name: _shape(layer.grads.get(name))
                       for name in layer.params}
            for name, shape in r.params.items():
                got = r.grads[name]
                if got is None:
                    r.problems.append(f"layer {i} ({r.name}) {name}: "
                                      "backward left no gradient")
                elif got != shape:
                    r.problems.append(
                        f"layer {i} ({r.name}) {name}: gradient has shape "
                        f"{_fmt_shape(got)} but the parameter has shape "
                        f"{_fmt_shape(shape)}")
            if r.grad_in != r.input:
                r.problems.append(
                    f"layer {i} ({r.name}) returned dL/dx of shape "
                    f"{_fmt_shape(r.grad_in)} for an input of shape "
                    f"{_fmt_shape(r.input)}")
    for r in rows:
        problems += r.problems
    return ShapeReport(rows, problems)


# -- gradient reports ------------------------------------------------------

class Entry:
    """One gradient entry: where it is and both values.

    Attributes
    ----------
    layer : int or None
    param : str
    index : tuple of int
        Index into the parameter (or input) array.
    backprop, numeric : float
    rel_error : float
    """

    def __init__(self, layer, param, index, backprop, numeric, rel_error):
        self.layer = layer
        self.param = param
        self.index = tuple(int(i) for i in index)
        self.backprop = float(backprop)
        self.numeric = float(numeric)
        self.rel_error = float(rel_error)

    def __repr__(self):
        return (f"<Entry layer {self.layer} {self.param}{list(self.index)}: "
                f"backprop {self.backprop:.4e}, numeric {self.numeric:.4e}, "
                f"rel error {self.rel_error:.2e}>")


class _Entries(list):
    """A list of :class:`Entry` that prints as an aligned table."""

    def _table(self):
        header = ("layer", "param", "index", "backprop", "numeric",
                  "rel error")
        rows = [("-" if e.layer is None else e.layer, e.param,
                 str(e.index), f"{e.backprop:.4e}", f"{e.numeric:.4e}",
                 f"{e.rel_error:.2e}") for e in self]
        return header, rows

    def __str__(self):
        if not self:
            return "no comparable entries"
        header, rows = self._table()
        return "\n".join(_text_table(header, rows, right={0, 3, 4, 5}))

    __repr__ = __str__

    def _repr_html_(self):
        header, rows = self._table()
        return _html_table(header, rows, caption="worst entries")


class GradRow:
    """Backprop against numeric for one (layer, parameter).

    Attributes
    ----------
    layer : int or None
        Index of the layer (None for a lone layer in :func:`check_layer`).
    param : str
        The parameter's name; ``"input"`` for the input gradient in a
        :func:`check_layer` report.
    shape : tuple
        Shape of the parameter (or input).
    grad_shape : tuple or None
        Shape of the backprop gradient; None if there is none.
    backprop : ndarray or None
        The gradient backprop gave, as given (any shape).
    numeric : ndarray, shaped like the parameter
        Centred differences, float64.
    errors : ndarray or None
        Entrywise relative error, shaped like the parameter; None when
        the backprop gradient cannot be broadcast onto that shape.
    max_rel_error : float
        Largest entry of ``errors`` (NaN when not comparable). A
        gradient of the wrong shape is compared as numpy would broadcast
        it in a loose step, but never passes.
    norm_error : float
        ``|backprop - numeric| / |numeric|`` in the 2-norm (NaN when
        not comparable).
    tolerance : float
    status : str
        ``"ok"``, ``"values"``, ``"shape"``, ``"missing"``, ``"raised"``
        (this layer's backward raised) or ``"not reached"`` (a later
        layer's backward raised first).
    verdict : str
        The status as printed: ``ok``, ``WRONG``, ``WRONG SHAPE``, ...
    problem : str or None
        A sentence saying what is wrong.
    ok : bool
    """

    def __init__(self, layer, param, shape, backprop, numeric, *,
                 tolerance, floor, status=None, problem=None):
        self.layer = layer
        self.param = param
        self.shape = tuple(int(n) for n in shape)
        self.backprop = backprop
        self.numeric = numeric
        self.tolerance = tolerance
        self.floor = floor
        self.grad_shape = _shape(backprop)
        self.errors = None
        self.max_rel_error = float("nan")
        self.norm_error = float("nan")
        if backprop is not None:
            b = _broadcast(backprop, numeric.shape)
            if b is not None:
                self.errors = _rel_error(b, numeric, floor)
                self.max_rel_error = _max(self.errors)
                scale = np.linalg.norm(numeric)
                with np.errstate(invalid="ignore", over="ignore"):
                    diff = float(np.linalg.norm(b - numeric))
                if scale > 0:
                    self.norm_error = diff / scale
                else:
                    self.norm_error = 0.0 if diff == 0 else float("inf")
        if status is None:
            if self.grad_shape != self.shape:
                status = "shape"
                what = "the input" if param == "input" else "the parameter"
                problem = (f"gradient has shape "
                           f"{_fmt_shape(self.grad_shape)} but {what} has "
                           f"shape {_fmt_shape(self.shape)}")
            elif self.max_rel_error <= tolerance:
                status = "ok"
            else:
                status = "values"
                problem = (f"max rel error {_fmt_err(self.max_rel_error)} "
                           f"exceeds the tolerance {tolerance:.1e}")
        self.status = status
        self.problem = problem

    @property
    def ok(self):
        """True when the gradient has the right shape and values."""
        return self.status == "ok"

    @property
    def verdict(self):
        """The status as printed in the table."""
        return _STATUS_VERDICT[self.status]

    def worst(self, k=5):
        """The ``k`` entries with the largest relative error."""
        if self.errors is None:
            return _Entries()
        b = _broadcast(self.backprop, self.numeric.shape)
        flat = self.errors.ravel()
        order = np.argsort(-flat, kind="stable")[:k]
        out = _Entries()
        for j in order:
            idx = np.unravel_index(j, self.errors.shape)
            out.append(Entry(self.layer, self.param, idx, b[idx],
                             self.numeric[idx], flat[j]))
        return out

    def __repr__(self):
        where = "-" if self.layer is None else self.layer
        return (f"<GradRow layer {where} {self.param} "
                f"{_fmt_shape(self.shape)}: max rel error "
                f"{_fmt_err(self.max_rel_error)}, {self.verdict}>")


class Received:
    """The gradient a layer received (dL/dy) against a numeric one.

    Attributes
    ----------
    layer : int
    expected_shape : tuple
        The shape of the layer's output.
    shape : tuple or None
        The shape of what it received (None if it received nothing).
    max_rel_error : float
        NaN when the shapes differ.
    checked : int
        How many entries were compared (a large output is sampled).
    ok : bool
    """

    def __init__(self, layer, got, numeric, tolerance, floor):
        self.layer = layer
        self.expected_shape = _shape(numeric)
        self.shape = _shape(got)
        self.max_rel_error = float("nan")
        sampled = np.isfinite(numeric)
        self.checked = int(sampled.sum())
        if got is not None and self.shape == self.expected_shape:
            got = np.asarray(got, float)[sampled]
            self.max_rel_error = _max(_rel_error(got, numeric[sampled],
                                                 floor))
        self.ok = self.shape == self.expected_shape \
            and self.max_rel_error <= tolerance

    def describe(self):
        """A phrase with the evidence, e.g. ``max rel error 8.3e-01``."""
        if self.shape is None:
            return "it received nothing"
        if self.shape != self.expected_shape:
            return (f"shape {_fmt_shape(self.shape)} for an output of "
                    f"shape {_fmt_shape(self.expected_shape)}")
        text = f"max rel error {_fmt_err(self.max_rel_error)}"
        size = int(np.prod(self.expected_shape))
        if self.checked < size:
            text += f" over {self.checked} of its {size} entries"
        return text

    def __repr__(self):
        return f"<Received layer {self.layer}: {self.describe()}>"


class GradReport:
    """The result of :func:`gradcheck` or :func:`check_layer`.

    Attributes
    ----------
    kind : str
        ``"gradcheck"`` or ``"check_layer"``.
    rows : list of GradRow
        One per (layer, parameter), in layer order; a check_layer report
        ends with the ``"input"`` row.
    ok : bool
        True when every row is ok: ``assert report.ok, report``.
    step, tolerance, floor : float
    notes : list of str
        Remarks about how the check ran (such as a float32 network
        checked in float64).
    layer_names : list of str
        Class name of each layer.
    local_checks : dict of int -> GradReport
        gradcheck only, filled when a row fails: each layer checked
        alone (:func:`check_layer`) at the input it saw.
    received : dict of int -> Received
        gradcheck only, for layers with failing rows: the gradient each
        received against a numeric dL/dy.
    failure : tuple (int, str) or None
        gradcheck only: the layer whose backward raised, and the error.
    grad_out : ndarray or None
        check_layer only: the random upstream gradient used.
    """

    def __init__(self, kind, rows, *, step, tolerance, floor, layer_names,
                 notes=(), local_checks=None, received=None, failure=None,
                 grad_out=None):
        self.kind = kind
        self.rows = rows
        self.step = step
        self.tolerance = tolerance
        self.floor = floor
        self.layer_names = list(layer_names)
        self.notes = list(notes)
        self.local_checks = dict(local_checks or {})
        self.received = dict(received or {})
        self.failure = failure
        self.grad_out = grad_out

    @property
    def ok(self):
        """True when every gradient has its parameter's shape and values
        within the tolerance."""
        return all(row.ok for row in self.rows)

    def row(self, layer, param):
        """The row of ``param`` at ``layer`` (an index, or None for a
        check_layer report); KeyError if there is none."""
        for r in self.rows:
            if r.layer == layer and r.param == param:
                return r
        raise KeyError(f"no row for layer {layer}, parameter {param!r}")

    def worst(self, k=5):
        """The ``k`` worst entries over all rows, worst first.

        Each :class:`Entry` has ``.layer``, ``.param``, ``.index``,
        ``.backprop``, ``.numeric`` and ``.rel_error``. Rows whose
        gradient cannot be broadcast onto the parameter have no entries.
        """
        entries = [e for r in self.rows for e in r.worst(k)]
        entries.sort(key=lambda e: -e.rel_error)
        return _Entries(entries[:k])

    @property
    def summary(self):
        """One line: the verdict, the worst error and the tolerance."""
        what = "gradcheck" if self.kind == "gradcheck" else "check_layer"
        n = len(self.rows)
        if self.ok:
            worst = max((r.max_rel_error for r in self.rows), default=0.0)
            verb = "gradients match" if n != 1 else "gradient matches"
            return (f"{what} ok: {n} {verb}, max rel error "
                    f"{_fmt_err(worst)} <= tolerance {self.tolerance:.1e}")
        bad = [r for r in self.rows if not r.ok]
        names = ", ".join(self._where(r) for r in bad[:3])
        more = ", ..." if len(bad) > 3 else ""
        return (f"{what} FAILED: {len(bad)} of {n} wrong ({names}{more}); "
                "diagnose(report) says how")

    def _where(self, row):
        name = self._layer_name(row.layer)
        return _label(row.layer, name, row.param)

    def _layer_name(self, index):
        if self.kind == "check_layer" or index is None:
            return self.layer_names[0]
        return self.layer_names[index]

    def _table(self):
        header = ("layer", "param", "shape", "grad shape", "max rel error",
                  "tolerance", "verdict")
        rows, bad = [], []
        for k, r in enumerate(self.rows):
            rows.append(("-" if r.layer is None else r.layer, r.param,
                         _fmt_shape(r.shape), _fmt_shape(r.grad_shape),
                         _fmt_err(r.max_rel_error), f"{r.tolerance:.1e}",
                         r.verdict))
            if not r.ok:
                bad.append(k)
        return header, rows, bad

    def _caption(self):
        settings = f"step {self.step:.0e}, floor {self.floor:.0e}"
        if self.kind == "gradcheck":
            return f"gradcheck (float64 centred differences, {settings})"
        return f"check_layer {self._layer_name(None)} (float64, {settings})"

    def __str__(self):
        header, rows, _ = self._table()
        lines = [_wrap(self._caption())]
        lines += _text_table(header, rows, right={0, 4, 5})
        lines += [_wrap("note: " + note) for note in self.notes]
        lines.append(_wrap(self.summary))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        header, rows, bad = self._table()
        footer = " ".join(["note: " + n for n in self.notes]
                          + [self.summary])
        return _html_table(header, rows, caption=self._caption(),
                           footer=footer, bad=bad)


def _promotion_note(dtypes, what):
    kinds = " and ".join(dtypes)
    return (f"{what}: parameters of dtype {kinds} were checked as float64 "
            "copies, because in single precision a centred difference "
            "keeps only about 3 significant digits (rounding error "
            "eps / step, with eps = 1.2e-07), too few to tell a bug from "
            "noise; the parameters themselves are left as they were")


def _settings(step, tolerance, floor, where):
    return (_positive(step, "step", where),
            _positive(tolerance, "tolerance", where),
            _positive(floor, "floor", where))


def check_layer(layer, x, *, seed=0, grad_out=None, step=DEFAULT_STEP,
                tolerance=DEFAULT_TOLERANCE, floor=DEFAULT_FLOOR,
                index=None):
    """Check one layer alone: its vector-Jacobian product, in float64.

    The layer runs ``forward(x)``; a random upstream gradient ``g``
    (standard normal, shaped like the output, from ``seed``) goes into
    ``backward``. Each gradient is compared with centred differences of
    the scalar ``sum(forward(x) * g)``, whose gradient is exactly what
    ``backward`` must return for that ``g``. A random ``g`` (never all
    ones) keeps every output's contribution distinguishable.

    Parameters
    ----------
    layer : any layer following the layer protocol
    x : array (D,) or (N, D)
        The input at which to check.
    seed : int
        Seed of the random upstream gradient.
    grad_out : array shaped like the output, optional
        Use this upstream gradient instead of a random one.
    step, tolerance, floor : float
        As in :func:`gradcheck`.
    index : int, optional
        The layer's index in a network, for labels.

    Returns
    -------
    GradReport
        One row per parameter, then the row ``"input"`` for dL/dx.
        Parameters are left bit-identical; a float32 layer is checked in
        float64 with a :class:`PrecisionWarning`. Afterwards the layer's
        caches hold ``forward(x)`` and its ``grads`` hold the gradients
        for ``g``.
    """
    where = "check_layer"
    _check_layer_protocol(layer, where)
    step, tolerance, floor = _settings(step, tolerance, floor, where)
    x = _real_array(x, "x", where)
    notes = []
    with _ParamGuard([layer]) as guard:
        if guard.promoted_dtypes:
            notes.append(_promotion_note(guard.promoted_dtypes, where))
            warnings.warn(notes[-1], PrecisionWarning, stacklevel=2)
        report = _check_layer(layer, x, seed, grad_out, step, tolerance,
                              floor, index, notes)
    g = report.grad_out
    _refresh([layer], lambda: layer.forward(x), lambda: layer.backward(g))
    return report


def _check_layer(layer, x, seed, grad_out, step, tolerance, floor, index,
                 notes):
    where = _label(index, _type_name(layer))
    try:
        y = np.asarray(layer.forward(x))
    except Exception as err:
        raise _forward_error(err, f"check_layer: {where}") from err
    if grad_out is None:
        g = np.random.default_rng(seed).standard_normal(y.shape)
    else:
        g = _real_array(grad_out, "grad_out", "check_layer")
        if g.shape != y.shape:
            raise ShapeError(f"check_layer: {where}: grad_out has shape "
                             f"{shape_str(g.shape)}, the output has "
                             f"shape {shape_str(y.shape)}")
    failure = None
    grads, dx = {}, None
    try:
        dx = layer.backward(g.copy())
        grads = _copy_grads(layer)
        dx = None if dx is None else np.array(dx, copy=True)
    except Exception as err:
        failure = _error_text(err)

    def vjp():
        return np.sum(np.asarray(layer.forward(x_probe)) * g)

    x_probe = x.copy()
    kw = {"tolerance": tolerance, "floor": floor}
    rows = []
    for name, p in layer.params.items():
        numeric = _numeric(vjp, p, step)
        if failure is not None:
            rows.append(GradRow(index, name, p.shape, None, numeric,
                                status="raised",
                                problem=f"backward raised {failure}", **kw))
        elif grads.get(name) is None:
            rows.append(GradRow(index, name, p.shape, None, numeric,
                                status="missing",
                                problem="backward left no gradient", **kw))
        else:
            rows.append(GradRow(index, name, p.shape, grads[name], numeric,
                                **kw))
    numeric = _numeric(vjp, x_probe, step)
    if failure is not None:
        rows.append(GradRow(index, "input", x.shape, None, numeric,
                            status="raised",
                            problem=f"backward raised {failure}", **kw))
    else:
        rows.append(GradRow(index, "input", x.shape, dx, numeric, **kw))
    return GradReport("check_layer", rows, step=step, tolerance=tolerance,
                      floor=floor, layer_names=[_type_name(layer)],
                      notes=notes, failure=None if failure is None
                      else (index, failure), grad_out=g)


class _Trace:
    """Everything one forward and backward pass of a network saw."""

    def __init__(self, net, layers, X, Y):
        self.inputs, self.outputs = [], []
        a = X
        for i, layer in enumerate(layers):
            self.inputs.append(a)
            try:
                a = np.asarray(layer.forward(a))
            except Exception as err:
                raise _forward_error(
                    err, f"gradcheck: layer {i} ({_type_name(layer)})"
                ) from err
            self.outputs.append(a)
        try:
            g = net.loss.grad(a, Y)
        except (ShapeError, InputError) as err:
            raise type(err)(f"gradcheck: {err}") from None
        L = len(layers)
        self.grad_outs = [None] * L
        self.grads = [None] * L
        self.failure = None
        for i in range(L - 1, -1, -1):
            self.grad_outs[i] = g
            try:
                g = layers[i].backward(g)
            except Exception as err:
                self.failure = (i, _error_text(err))
                break
            self.grads[i] = _copy_grads(layers[i])


def gradcheck(net, X, Y, *, step=DEFAULT_STEP, tolerance=DEFAULT_TOLERANCE,
              floor=DEFAULT_FLOOR, seed=0):
    """Compare every backprop gradient with centred differences of the
    loss, entry by entry, in float64.

    Parameters
    ----------
    net : Network
        Any layers that follow the layer protocol, any parameter names.
    X : array (D,) or (N, D)
    Y : array (K,) or (N, K), matching the output.
    step : float
        Step of the centred differences.
    tolerance : float
        Largest max relative error a row may show and pass.
    floor : float
        Smallest denominator of the relative error (see the module
        docstring).
    seed : int
        Seed of the random upstream gradients used, when a row fails,
        to check each layer alone (see ``local_checks``).

    Returns
    -------
    GradReport
        One row per (layer, parameter). The numeric gradient is always
        of the scalar loss ``net.loss.value(net.forward(X), Y)``. A
        backprop gradient of the wrong shape is reported as such (and
        compared as numpy would broadcast it); a backward that raises
        is reported at its layer, with the layers before it not reached.
        When a row fails, the report also holds what :func:`diagnose`
        needs: each layer checked alone, and the gradient each failing
        layer received against a numeric one.

    Parameters are left bit-identical. A network with float32 (or any
    non-float64) parameters is checked on float64 copies, with a
    :class:`PrecisionWarning` that says why.
    """
    where = "gradcheck"
    layers = _check_net(net, where)
    step, tolerance, floor = _settings(step, tolerance, floor, where)
    X_given = X
    X = _real_array(X, "X", where)
    Y = _real_array(Y, "Y", where)
    notes = []
    with _ParamGuard(layers) as guard:
        if guard.promoted_dtypes:
            notes.append(_promotion_note(guard.promoted_dtypes, where))
            warnings.warn(notes[-1], PrecisionWarning, stacklevel=2)
        report = _gradcheck(net, layers, X, Y, step, tolerance, floor,
                            seed, notes)
    if not report.rows:
        report.notes.append(
            "the network has no parameters, so no gradient was compared; "
            "check_layer(layer, x) checks a layer's input gradient")
    _refresh(layers, lambda: net.forward(X_given), lambda: net.backward(Y))
    return report


def _refresh(layers, forward, backward):
    """Leave caches and grads as one plain pass at the real parameters
    leaves them, whatever a broken layer does on the way."""
    with _ParamGuard(layers, dtype=None):
        forward()
        try:
            backward()
        except Exception:
            # Already reported in the rows; the gradients stay as far
            # as backward got.
            pass


def _gradcheck(net, layers, X, Y, step, tolerance, floor, seed, notes):
    trace = _Trace(net, layers, X, Y)
    names = [_type_name(layer) for layer in layers]

    def loss():
        return net.loss.value(net.forward(X), Y)

    kw = {"tolerance": tolerance, "floor": floor}
    rows = []
    failed_at = trace.failure[0] if trace.failure else None
    for i, layer in enumerate(layers):
        for name, p in layer.params.items():
            numeric = _numeric(loss, p, step)
            grads = trace.grads[i]
            if i == failed_at:
                row = GradRow(i, name, p.shape, None, numeric,
                              status="raised", problem=(
                                  f"backward raised {trace.failure[1]}"),
                              **kw)
            elif grads is None:
                row = GradRow(i, name, p.shape, None, numeric,
                              status="not reached", problem=(
                                  f"layer {failed_at}'s backward raised "
                                  "before this layer was reached"), **kw)
            elif grads[name] is None:
                row = GradRow(i, name, p.shape, None, numeric,
                              status="missing",
                              problem="backward left no gradient", **kw)
            else:
                row = GradRow(i, name, p.shape, grads[name], numeric, **kw)
            rows.append(row)

    local, received = {}, {}
    if not all(r.ok for r in rows):
        for i, layer in enumerate(layers):
            try:
                local[i] = _check_layer(layer, trace.inputs[i], seed + i,
                                        None, step, tolerance, floor, i,
                                        [])
            except (ShapeError, InputError):
                continue
        for i in sorted({r.layer for r in rows if not r.ok}):
            if trace.grad_outs[i] is None:
                continue
            numeric = _numeric_output_grad(net, layers, i, trace, Y, step)
            received[i] = Received(i, trace.grad_outs[i], numeric,
                                   tolerance, floor)
    return GradReport("gradcheck", rows, step=step, tolerance=tolerance,
                      floor=floor, layer_names=names, notes=notes,
                      local_checks=local, received=received,
                      failure=trace.failure)


def _numeric_output_grad(net, layers, i, trace, Y, step):
    """Numeric dL/dy at layer ``i``'s output: run the rest forward.

    It is evidence, not a verdict, so a large output is sampled: at most
    :data:`_RECEIVED_ENTRIES` entries, evenly spread, the rest NaN.
    """
    y = np.array(trace.outputs[i], dtype=np.float64)
    later = layers[i + 1:]

    def rest():
        a = y
        for layer in later:
            a = layer.forward(a)
        return net.loss.value(a, Y)

    indices = None
    if y.size > _RECEIVED_ENTRIES:
        flat = np.linspace(0, y.size - 1, _RECEIVED_ENTRIES).astype(int)
        indices = [np.unravel_index(k, y.shape) for k in flat]
    return _numeric(rest, y, step, indices)


# -- diagnosis -------------------------------------------------------------

class Finding:
    """What one disagreement looks like, with evidence and a hint.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    layer : int or None
        Where the disagreement is (None for a lone layer).
    param : str
        The parameter, or ``"input"`` for a returned input gradient.
    message : str
        The evidence and a hint, in one paragraph.
    factor : float, ndarray or None
        ``scaled`` only: the factor, or one factor per row.
    suspect : int, str or None
        ``upstream`` only: the index of the layer whose backward return
        value is wrong, or ``"loss"`` for the loss gradient.
    """

    def __init__(self, kind, layer, param, message, *, factor=None,
                 suspect=None):
        self.kind = kind
        self.layer = layer
        self.param = param
        self.message = message
        self.factor = factor
        self.suspect = suspect

    def __str__(self):
        return textwrap.fill(f"[{self.kind}] {self.message}", WIDTH,
                             subsequent_indent="    ",
                             break_on_hyphens=False)

    def __repr__(self):
        return (f"Finding(kind={self.kind!r}, layer={self.layer!r}, "
                f"param={self.param!r})")


class Findings(list):
    """The list of :class:`Finding` that :func:`diagnose` returns; it
    prints as text or HTML, one finding per paragraph."""

    def __str__(self):
        if not self:
            return "no findings: every gradient agrees with its numeric check"
        return "\n".join(str(f) for f in self)

    __repr__ = __str__

    def _repr_html_(self):
        if not self:
            return f"<p>{html.escape(str(self))}</p>"
        rows = [("-" if f.layer is None else f.layer, f.param, f.kind,
                 f.message) for f in self]
        return _html_table(("layer", "param", "kind", "evidence and hint"),
                           rows, caption="diagnosis")

    def kinds(self, layer=..., param=...):
        """The set of kinds found, optionally at one layer and param."""
        return {f.kind for f in self
                if (layer is ... or f.layer == layer)
                and (param is ... or f.param == param)}


def _region(mask, t):
    """Say which entries of ``t`` a boolean mask covers, in words."""
    n, size = int(mask.sum()), mask.size
    if n == size:
        return "every entry"
    scale = float(np.abs(t).max()) if t.size else 0.0
    if np.array_equal(mask, np.abs(t) > 1e-12 * scale):
        return "every non-zero entry"
    if mask.ndim == 2:
        cols = np.flatnonzero(mask.all(axis=0))
        if cols.size and mask[:, cols].sum() == n:
            nums = ", ".join(str(c) for c in cols)
            return f"column{'s' if cols.size > 1 else ''} {nums}"
        rows = np.flatnonzero(mask.all(axis=1))
        if rows.size and mask[rows].sum() == n:
            nums = ", ".join(str(r) for r in rows)
            return f"row{'s' if rows.size > 1 else ''} {nums}"
    return f"{n} of {size} entries"


def _fit_factor(b, t):
    tt = float(np.sum(t * t))
    return None if tt == 0 else float(np.sum(b * t)) / tt


def _row_factors(b, t, floor):
    """Per-row factors ``c`` with ``b[i] = c[i] * t[i]``, or None."""
    if b.ndim < 2 or b.shape[0] < 2:
        return None
    B = b.reshape(b.shape[0], -1)
    T = t.reshape(t.shape[0], -1)
    tt = np.sum(T * T, axis=1)
    if np.any(tt == 0):
        return None
    c = np.sum(B * T, axis=1) / tt
    return c if _close(B, c[:, None] * T, floor) else None


def _local_jacobian(b, g):
    """``g`` contracted with ``b`` if ``b`` looks like dy/dx, else None."""
    if b.ndim != g.ndim + 1 or b.shape[:g.ndim] != g.shape:
        return None
    if g.ndim == 1:
        return g @ b
    if g.ndim == 2:
        return np.einsum("nk,nkd->nd", g, b)
    return None


def _shape_finding(row, where, floor, grad_out=None):
    """The ``wrong-shape`` finding of a row whose gradient is misshapen."""
    what = "the input" if row.param == "input" else "the parameter"
    msg = (f"{where}: the gradient has shape {_fmt_shape(row.grad_shape)} "
           f"but {what} has shape {_fmt_shape(row.shape)}.")
    b = np.asarray(row.backprop, float)
    if row.param != "input" and b.ndim == len(row.shape) + 1 \
            and b.shape[1:] == row.shape \
            and _close(b.sum(axis=0), row.numeric, floor):
        return Finding("wrong-shape", row.layer, row.param, msg + (
            f" It has one row per example: summed over its first axis "
            f"(N = {b.shape[0]}) it is the right gradient. Hint: backward "
            "must sum the gradient over the batch, e.g. "
            "grad_out.sum(axis=0) for a bias."))
    if row.param == "input" and grad_out is not None \
            and b.shape == np.shape(grad_out) \
            and _close(b, np.asarray(grad_out, float), floor):
        return Finding("wrong-shape", row.layer, row.param,
                       msg + _PASSED_THROUGH)
    if row.param == "input" and grad_out is not None:
        chained = _local_jacobian(b, grad_out)
        if chained is not None and _close(chained, row.numeric, floor):
            return Finding("wrong-shape", row.layer, row.param, msg + (
                " It is the local Jacobian dy/dx: contracted with the "
                "gradient received, it gives the right input gradient. "
                "Hint: return the gradient received chained through the "
                "Jacobian (grad_out @ J), not J itself."))
    if row.param != "input":
        msg += (" A strict Network.step refuses it; a loose one lets "
                "numpy broadcast it onto the parameter.")
    return Finding("wrong-shape", row.layer, row.param, msg + (
        " Hint: a gradient must have exactly the shape of what it is the "
        "gradient of."))


_PASSED_THROUGH = (
    " It is the gradient the layer received (dL/dy), unchanged. Hint: "
    "backward must return dL/dx, the gradient received chained through "
    "the layer (for y = x @ W.T + b, grad_out @ W), shaped like the "
    "input.")


def _value_patterns(row, where, floor):
    """Findings that name the pattern of one row's wrong values."""
    t = row.numeric
    b = np.asarray(row.backprop, float)

    # Transposed: the right numbers, laid out the other way round.
    if t.ndim >= 2 and b.size == t.size:
        tT = t.T
        err = None
        if b.shape == tT.shape and _close(b, tT, floor):
            err = _max(_rel_error(b, tT, floor))
            how = "the transpose of the true gradient"
        elif _close(b.ravel(), tT.ravel(), floor) \
                and not _close(b.ravel(), t.ravel(), floor):
            err = _max(_rel_error(b.ravel(), tT.ravel(), floor))
            how = ("the true gradient's entries in transposed order "
                   "(its transpose, reshaped)")
        if err is not None:
            return [Finding("transposed", row.layer, row.param, (
                f"{where}: the gradient is {how}; max rel error "
                f"{_fmt_err(err)} after transposing. Hint: outer(delta, x) "
                "has one row per output; outer(x, delta) is its "
                "transpose."))]

    bb = _broadcast(b, t.shape)
    if bb is None:
        return []
    shape_note = " (as numpy broadcasts it)" if b.shape != t.shape else ""

    # Summed over outputs: every row holds the sum of the true rows.
    if t.ndim >= 2 and t.shape[0] >= 2:
        target = np.broadcast_to(t.sum(axis=0), t.shape)
        if _close(bb, target, floor) and not _close(bb, t, floor):
            err = _max(_rel_error(bb, target, floor))
            return [Finding("summed-over-outputs", row.layer, row.param, (
                f"{where}: every row of the gradient{shape_note} equals "
                "the sum of the rows of the true gradient (max rel error "
                f"{_fmt_err(err)} against that sum): the outputs' "
                "contributions were added together, so every row gets the "
                "same update and the rows can never differ more than they "
                "did at the start. Hint: keep one row per output; row i "
                "of the gradient must use output i's error only."))]
    if shape_note:
        return []

    bad = row.errors > row.tolerance
    scale = float(np.abs(t).max()) if t.size else 0.0
    if bad.any() and np.all(np.abs(bb[bad]) <= 1e-12 * max(scale, 1e-300)):
        region = _region(bad, t)
        biggest = float(np.abs(t[bad]).max())
        msg = (f"{where}: the gradient is zero in {region}, where the true "
               f"gradient is not (its largest entry there is "
               f"{biggest:.2e}).")
        if region == "column 0" or "bias" in row.param.lower():
            msg += (" Hint: in Dense's convention column 0 holds the bias; "
                    "its gradient is the error signal delta itself, "
                    "summed over the batch.")
        elif region.startswith("every"):
            msg += (" Hint: is the gradient ever computed? backward must "
                    "write grads[name] on every call.")
        else:
            msg += " Hint: which term leaves these entries out?"
        return [Finding("zero", row.layer, row.param, msg)]

    if bad.any() and _close(bb[bad], -t[bad], floor):
        region = _region(bad, t)
        err = _max(_rel_error(bb[bad], -t[bad], floor))
        return [Finding("sign-flipped", row.layer, row.param, (
            f"{where}: the gradient has the opposite sign to the true "
            f"gradient in {region} (max rel error {_fmt_err(err)} against "
            "its negative), so a step climbs the loss instead of descending. "
            "Hint: look for a stray minus sign, or an error taken as "
            "target - prediction instead of prediction - target."))]

    c = _fit_factor(bb, t)
    if c is not None and _close(bb, c * t, floor):
        err = _max(_rel_error(bb, c * t, floor))
        return [Finding("scaled", row.layer, row.param, (
            f"{where}: the gradient is {c:.4g} times the true gradient "
            f"(max rel error {_fmt_err(err)} after rescaling). Hint: a "
            "constant factor: a 2 from the square applied twice or "
            "dropped, or a sum where a mean belongs, or the reverse."),
            factor=c)]

    factors = _row_factors(bb, t, floor)
    if factors is not None:
        shown = ", ".join(f"row {i}: x{f:.3g}"
                          for i, f in enumerate(factors[:4]))
        more = ", ..." if len(factors) > 4 else ""
        return [Finding("scaled", row.layer, row.param, (
            f"{where}: each row of the gradient is the true row times a "
            f"factor of its own ({shown}{more}): one factor per output is "
            "wrong. Hint: check the error signal delta = grad_out * f'(z), "
            "the slope of the activation at the pre-activation z."),
            factor=factors)]

    return [_unknown(row, where, bb, t)]


def _unknown(row, where, bb, t):
    nb, nt = float(np.linalg.norm(bb)), float(np.linalg.norm(t))
    if nb > 0 and nt > 0:
        cosine = float(np.sum(bb * t)) / (nb * nt)
        stats = (f"max rel error {_fmt_err(row.max_rel_error)}, cosine "
                 f"{cosine:.2f}, norm ratio {nb / nt:.3g}")
    else:
        stats = f"max rel error {_fmt_err(row.max_rel_error)}"
    return Finding("unknown", row.layer, row.param, (
        f"{where}: backprop and numeric gradients disagree ({stats}) in "
        "no pattern the checker knows (zero, sign, scale, transpose, "
        "summed rows). Hint: compare them entry by entry with "
        "report.worst(5), or plots.gradient_comparison(report)."))


def _suspect(report, i):
    """The first layer after ``i`` whose own input gradient is wrong."""
    for k in range(i + 1, len(report.layer_names)):
        local = report.local_checks.get(k)
        if local is None:
            return k, None
        try:
            row = local.row(k, "input")
        except KeyError:
            return k, None
        if not row.ok:
            return k, row
    return "loss", None


def _passed_on(first, last):
    if last < first:
        return ""
    if last == first:
        return (f" Layer {first} passes its own check and only passed the "
                "wrong gradient on.")
    return (f" Layers {first} to {last} pass their own checks and only "
            "passed the wrong gradient on.")


def _upstream(report, row, local_row):
    i = row.layer
    where = report._where(row)
    rec = report.received.get(i)
    if row.status == "raised":
        got = (f"its backward raised on it ({report.failure[1]})"
               if report.failure else "its backward raised on it")
        if rec is not None and rec.shape != rec.expected_shape:
            got = f"it has {rec.describe()}, and " + got
    elif rec is not None:
        got = rec.describe()
    else:
        got = "see report.received"
    suspect, suspect_row = _suspect(report, i)
    passed = ""
    if suspect == "loss":
        blame = ("The fault is in the loss gradient: loss.grad disagrees "
                 "with the slope of loss.value.")
        hint = "check the loss's grad against its value."
        last = len(report.layer_names) - 1
        passed = _passed_on(i + 1, last)
    else:
        name = report.layer_names[suspect]
        evidence = ""
        if suspect_row is not None:
            if suspect_row.grad_shape != suspect_row.shape:
                evidence = (f": checked alone, it returns shape "
                            f"{_fmt_shape(suspect_row.grad_shape)} for an "
                            f"input of shape {_fmt_shape(suspect_row.shape)}")
            elif suspect_row.status == "raised":
                evidence = ": checked alone, its backward raises"
            else:
                evidence = (f": checked alone, its input gradient has max "
                            f"rel error {_fmt_err(suspect_row.max_rel_error)}")
                local_g = report.local_checks[suspect].grad_out
                if _shape(local_g) == suspect_row.grad_shape and _close(
                        np.asarray(suspect_row.backprop, float),
                        np.asarray(local_g, float), report.floor):
                    evidence += (" and is the gradient it received, "
                                 "unchanged")
        blame = (f"The fault is in the input gradient that layer {suspect} "
                 f"({name}) returns from backward{evidence}.")
        hint = (f"check what layer {suspect}'s backward returns: dL/dx, "
                "the gradient received chained through the layer, shaped "
                "like its input.")
        passed = _passed_on(i + 1, suspect - 1)
    own = ""
    if local_row is not None and np.isfinite(local_row.max_rel_error):
        own = f", max rel error {_fmt_err(local_row.max_rel_error)}"
    return Finding("upstream", row.layer, row.param, (
        f"{where}: this layer's own derivative is right (checked alone "
        f"against a random upstream gradient it passes{own}), but the "
        f"gradient it received, dL/dy, is wrong: {got}. {blame}{passed} "
        f"Hint: {hint}"), suspect=suspect)


def diagnose(report):
    """Name what each disagreement in a report looks like.

    Parameters
    ----------
    report : GradReport
        From :func:`gradcheck` or :func:`check_layer`.

    Returns
    -------
    Findings
        A list of :class:`Finding`, empty for a report that is ok. For a
        failing row of a gradcheck report: if the layer passes its own
        check, the finding is ``upstream`` (the gradient it received is
        wrong; the suspect is the first later layer whose own input
        gradient is wrong, or the loss). Otherwise the layer's own
        derivative is wrong and the finding names the pattern, read from
        the layer's own check where there is one: ``wrong-shape``
        (possibly with ``summed-over-outputs`` or ``transposed``),
        ``zero``, ``sign-flipped``, ``scaled``, ``transposed``,
        ``summed-over-outputs`` or ``unknown``. A layer whose own
        derivative is wrong is never blamed on upstream. Layers not
        reached because a later backward raised get no finding of their
        own. A later layer whose input gradient is wrong, but that no
        ``upstream`` finding already names, gets a finding for
        ``"input"``.
    """
    if not isinstance(report, GradReport):
        raise InputError(f"diagnose: expected the report of gradcheck or "
                         f"check_layer, got {_type_name(report)}")
    findings = Findings()
    floor = report.floor
    if report.kind == "check_layer":
        for row in report.rows:
            if not row.ok:
                findings += _row_findings(report, row, None, report.grad_out,
                                          floor)
        return findings

    suspects = set()
    for row in report.rows:
        if row.ok or row.status == "not reached":
            continue
        local = report.local_checks.get(row.layer)
        local_row = None
        if local is not None:
            try:
                local_row = local.row(row.layer, row.param)
            except KeyError:
                local_row = None
        if local_row is not None and local_row.ok:
            rec = report.received.get(row.layer)
            if rec is not None and rec.ok and row.status != "raised":
                findings.append(_inconsistent(report, row))
                continue
            finding = _upstream(report, row, local_row)
            suspects.add(finding.suspect)
            findings.append(finding)
            continue
        findings += _row_findings(report, row, local_row,
                                  None if local is None else local.grad_out,
                                  floor)
    for k, local in sorted(report.local_checks.items()):
        if k == 0 or k in suspects:
            continue
        try:
            row = local.row(k, "input")
        except KeyError:
            continue
        if not row.ok:
            findings += _row_findings(report, row, None, local.grad_out,
                                      floor, alone=True)
    return findings


def _row_findings(report, row, local_row, grad_out, floor, alone=False):
    """Findings for a row whose layer's own derivative is wrong."""
    where = report._where(row)
    found = []
    if row.backprop is not None and row.grad_shape != row.shape:
        found.append(_shape_finding(row, where, floor, grad_out))
        if "local Jacobian" in found[0].message:
            return found
    # The layer's own check isolates its bug from anything it received.
    source = row
    if local_row is not None and local_row.backprop is not None:
        source = local_row
    alone = alone or source is not row
    prefix = where + (" (checked alone)" if alone else "")
    if source.backprop is None:
        if found:
            return found
        if source.status == "missing":
            return [Finding("unknown", row.layer, row.param, (
                f"{prefix}: backward left no gradient for "
                f"{row.param!r}: its grads dict has no entry (or None) "
                f"for it. Hint: backward must set grads[{row.param!r}] "
                f"on every call, shaped like the parameter "
                f"{_fmt_shape(row.shape)}."))]
        text = source.problem or "there is no gradient"
        return [Finding("unknown", row.layer, row.param, (
            f"{prefix}: {text}. Hint: run check_layer on this layer and "
            "read the error; backward must accept any gradient shaped "
            "like the output and return one shaped like the input."))]
    if row.param == "input" and not found and grad_out is not None \
            and source.grad_shape == _shape(grad_out) \
            and _close(np.asarray(source.backprop, float),
                       np.asarray(grad_out, float), floor):
        return [Finding("unknown", row.layer, row.param, (
            f"{prefix}: the input gradient is wrong (max rel error "
            f"{_fmt_err(source.max_rel_error)})." + _PASSED_THROUGH))]
    patterns = _value_patterns(source, prefix, floor)
    if found:
        patterns = [f for f in patterns if f.kind != "unknown"]
    return found + patterns


def _inconsistent(report, row):
    where = report._where(row)
    return Finding("unknown", row.layer, row.param, (
        f"{where}: checked alone this layer passes, and the gradient it "
        "received is right, yet its gradient in the network is wrong "
        f"(max rel error {_fmt_err(row.max_rel_error)}). Hint: does "
        "backward depend on state left by an earlier call, or on "
        "something other than the gradient it receives?"))


# -- step sizes ------------------------------------------------------------

class StepSweep:
    """Errors of numeric gradients over a range of steps.

    Attributes
    ----------
    steps : ndarray (S,)
    central : ndarray (S,)
        ``|numeric - reference| / |reference|`` (2-norm over every
        parameter) for centred differences at each step.
    complex : ndarray (S,)
        The same for the complex step; NaN where it could not run.
    dtype : str
        The precision the differences were taken in.
    complex_note : str or None
        Why the complex step could not run, if it could not.
    errors : dict of str -> ndarray (S,)
        Both curves by method name (``methods``), as the plots take them.
    best_step : float
        The step with the smallest central-difference error.
    """

    def __init__(self, steps, central, complex_, dtype, complex_note):
        self.steps = steps
        self.central = central
        self.complex = complex_
        self.dtype = dtype
        self.complex_note = complex_note

    @property
    def methods(self):
        """Names of the two methods, in the order of :attr:`errors`."""
        return ("central differences", "complex step")

    @property
    def errors(self):
        """dict of method name -> errors (S,), for plotting."""
        return dict(zip(self.methods, (self.central, self.complex)))

    @property
    def best_step(self):
        """The step at which central differences err least."""
        return float(self.steps[int(np.nanargmin(self.central))])

    def _table(self):
        header = ("step", "central", "complex step")
        rows = [(f"{h:.0e}", _fmt_err(c), _fmt_err(z))
                for h, c, z in zip(self.steps, self.central, self.complex)]
        return header, rows

    @property
    def summary(self):
        """One line: the best step of each method and its error."""
        k = int(np.nanargmin(self.central))
        text = (f"{self.dtype}: central differences err least at step "
                f"{self.steps[k]:.0e} ({_fmt_err(self.central[k])})")
        if np.isfinite(self.complex).any():
            j = int(np.nanargmin(self.complex))
            text += (f"; complex step at {self.steps[j]:.0e} "
                     f"({_fmt_err(self.complex[j])})")
        return text

    def __str__(self):
        header, rows = self._table()
        lines = _text_table(header, rows, right={1, 2})
        if self.complex_note:
            lines.append(_wrap("note: " + self.complex_note))
        lines.append(_wrap(self.summary))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        header, rows = self._table()
        footer = self.summary
        if self.complex_note:
            footer = "note: " + self.complex_note + " " + footer
        return _html_table(header, rows, caption="error against backprop",
                           footer=footer)


def step_size_sweep(net, X, Y, *, steps=None, dtype=np.float64):
    """Measure how numeric gradients err as the step shrinks.

    For each step, every parameter's gradient is computed by centred
    differences of the loss and by the complex step, and compared with
    the network's backprop gradient (which must be right: use
    :class:`~backprop_lessons.Analytic` layers and check it first). The
    reference is computed in float64.

    Parameters
    ----------
    net : Network
    X : array (D,) or (N, D)
    Y : array (K,) or (N, K)
    steps : sequence of float, optional
        Default ``10.0 ** -arange(1, 21)``: 1e-1 down to 1e-20.
    dtype : float64 or float32
        Precision of the differences (complex128 or complex64 for the
        complex step), to show what single precision does to them.

    Returns
    -------
    StepSweep
        ``.steps``, ``.central`` and ``.complex`` arrays (S,), with a
        text and HTML table. Parameters are left bit-identical.

    Central differences err by about ``h**2`` (truncation) plus
    ``eps / h`` (rounding); the complex step has no subtraction and
    stays at machine precision down to tiny steps, but it needs every
    function on the way to be complex-analytic (``relu`` is not).
    """
    where = "step_size_sweep"
    layers = _check_net(net, where)
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise InputError(f"{where}: dtype must be float64 or float32, got "
                         f"{dtype}")
    if steps is None:
        steps = 10.0 ** -np.arange(1, 21)
    steps = np.array([_positive(h, "every step", where)
                      for h in np.ravel(steps)])
    X_given = X
    X = _real_array(X, "X", where)
    Y = _real_array(Y, "Y", where)

    with _ParamGuard(layers):
        trace = _Trace(net, layers, X, Y)
        if trace.failure:
            raise InputError(f"{where}: layer {trace.failure[0]}'s backward "
                             f"raised {trace.failure[1]}; the sweep needs "
                             "a correct backprop gradient")
        ref = []
        for i, layer in enumerate(layers):
            for name, p in layer.params.items():
                g = trace.grads[i][name]
                if g is None or g.shape != p.shape:
                    raise ShapeError(
                        f"{where}: layer {i} {name}: the backprop gradient "
                        f"has shape {_fmt_shape(_shape(g))}, the parameter "
                        f"{shape_str(p.shape)}; the sweep needs a correct "
                        "backprop gradient (run gradcheck first)")
                ref.append(np.asarray(g, np.float64).ravel())
        ref = np.concatenate(ref) if ref else np.zeros(0)
    scale = max(float(np.linalg.norm(ref)), 1e-300)

    Xd, Yd = X.astype(dtype), Y.astype(dtype)

    def loss():
        return net.loss.value(net.forward(Xd), Yd)

    central = np.empty(len(steps))
    with _ParamGuard(layers, dtype=dtype, force=True):
        for k, h in enumerate(steps):
            num = [_numeric(loss, p, h).ravel()
                   for layer in layers for p in layer.params.values()]
            diff = np.concatenate(num) - ref if num else ref
            central[k] = np.linalg.norm(diff) / scale

    complex_ = np.full(len(steps), np.nan)
    note = None
    ctype = np.complex128 if dtype == np.float64 else np.complex64
    try:
        with _ParamGuard(layers, dtype=ctype, force=True), \
                warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            for k, h in enumerate(steps):
                num = [_numeric_complex(loss, p, h).ravel()
                       for layer in layers for p in layer.params.values()]
                diff = np.concatenate(num) - ref if num else ref
                complex_[k] = np.linalg.norm(diff) / scale
    except Exception as err:
        complex_[:] = np.nan
        note = (f"the complex step could not pass through this network: "
                f"{_error_text(err)}")
    _refresh(layers, lambda: net.forward(X_given), lambda: net.backward(Y))
    return StepSweep(steps, central, complex_, str(dtype), note)
