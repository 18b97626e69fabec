"""Shared pytest setup: mark the notebook items so they can be selected.

``pytest -m notebooks`` runs only the lessons under strict nbval;
``pytest -m "not notebooks and not browser"`` runs the fast unit tests.
"""

import pytest


def pytest_collection_modifyitems(config, items):
    """Give every nbval cell item the ``notebooks`` marker."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebooks)
