"""The playground in a real browser: JupyterLab in headless Chromium.

Widgets that work in a Python test can still fail in the page ("Error
displaying widget"), so this test opens ``notebooks/playground.ipynb``
in JupyterLab, runs it, moves the learning-rate slider and then the
width slider, and checks after each move that the picture changed and
that no widget error is shown.

It uses the system's Chromium (``/usr/bin/chromium``), never a browser
downloaded by Playwright. Without Chromium or Playwright it is skipped
with the reason; under CI (``CI=true``) it fails instead.
"""

import contextlib
import io
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = pathlib.Path("/usr/bin/chromium")
NOTEBOOK = (pathlib.Path(__file__).resolve().parents[1] / "notebooks"
            / "playground.ipynb")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--no-first-run"]
WIDGET_ERROR = "Error displaying widget"


def _unavailable(reason):
    """Skip for a missing browser, except under CI, where it fails."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url, token, proc, timeout=60):
    request = urllib.request.Request(
        url + "/api/status", headers={"Authorization": f"token {token}"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(request, timeout=2) as reply:
                if reply.status == 200:
                    return
        time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer within {timeout} s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server with its own token and config dirs, serving a
    copy of the playground (so the stored notebook is never saved over).
    Yields (base URL, token); stops the server by its PID."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    env = dict(os.environ)
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"),
                      ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"),
                      ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                      ("IPYTHONDIR", "ipython")):
        (home / sub).mkdir()
        env[name] = str(home / sub)
    port = _free_port()
    token = secrets.token_hex(16)
    log = (home / "lab.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser",
         "--ip", "127.0.0.1", "--port", str(port),
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--allow-root"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(url, token, proc)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, headless."""
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (on Debian or Ubuntu: "
                     "apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e "
                     "'.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM),
                                     args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _wait_idle(page, timeout=30):
    # The status bar, not the toolbar dot: the dot reports idle early.
    page.wait_for_function(
        r"""() => {
            const bar = document.querySelector('#jp-main-statusbar');
            return bar && /\|\s*Idle/.test(bar.textContent);
        }""", timeout=timeout * 1000)


def _pixels(png):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"),
                      dtype=np.int16)


def _settled_picture(image, quiet=1.0, timeout=30):
    """Screenshot the picture once it has not changed for ``quiet`` s.

    Every update gives the image a new blob URL, so the pixels are what
    can be compared."""
    deadline = time.monotonic() + timeout
    last = image.screenshot()
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        shot = image.screenshot()
        if shot != last:
            last, since = shot, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return _pixels(last)
    raise AssertionError(f"the picture kept changing for {timeout} s")


def _no_widget_error(page, output):
    assert page.get_by_text(WIDGET_ERROR).count() == 0, (
        f"the page shows {WIDGET_ERROR!r}")
    # The widget and nothing else: a callback that printed or drew
    # would add outputs to the cell.
    children = output.locator(".jp-OutputArea-child")
    assert children.count() == 1, children.all_inner_texts()
    errors = output.locator(
        '[data-mime-type="application/vnd.jupyter.stderr"], '
        ".jp-OutputArea-output[data-mime-type*='error']")
    assert errors.count() == 0, errors.all_inner_texts()


def _set_slider(page, output, description, value):
    """Type ``value`` into the readout of the slider ``description``:
    one change, one redraw."""
    slider = output.locator(".widget-slider").filter(
        has=page.locator(".widget-label", has_text=description))
    assert slider.count() == 1, f"no slider named {description!r}"
    readout = slider.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")


def _changed(before, after):
    assert before.shape == after.shape
    return float((np.abs(before - after).sum(axis=2) > 30).mean())


def test_playground_sliders_redraw_in_jupyterlab(browser, lab):
    url, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    page.goto(f"{url}/lab/tree/{NOTEBOOK.name}?token={token}&reset")
    _wait_idle(page, timeout=45)

    page.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
    page.locator(".lm-MenuBar-item", has_text="Run").click()
    page.locator('[data-command="runmenu:run-all"]').click()

    output = page.locator(".jp-CodeCell .jp-OutputArea").first
    image = output.locator("img.widget-image")
    image.wait_for(state="visible")
    _wait_idle(page)
    status = output.locator(".widget-label", has_text="final loss")
    status.wait_for(state="visible")
    picture = _settled_picture(image)
    assert picture.std() > 10, "the picture is blank"
    _no_widget_error(page, output)

    for description, value in (("learning rate", 0.01),
                               ("hidden width", 12)):
        _set_slider(page, output, description, value)
        _wait_idle(page)
        moved = _settled_picture(image)
        assert _changed(picture, moved) > 0.01, (
            f"moving {description!r} did not redraw the picture")
        _no_widget_error(page, output)
        picture = moved
    page.close()
