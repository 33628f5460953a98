"""Shared fixtures."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tiny  # noqa: E402

# charts drawn by the tests are cached in a folder of the test run, not the user's cache
os.environ.setdefault("SCRISK_CACHE_DIR", tempfile.mkdtemp(prefix="scrisk-test-cache-"))


@pytest.fixture(scope="session")
def shipped(_shipped_dataset_loaded_once):
    """The shipped dataset, loaded once per worker (see the root ``conftest.py``)."""
    from scrisk.data.load import load_dataset

    return load_dataset()


@pytest.fixture(scope="session")
def tiny_ds(tmp_path_factory):
    """The tiny hand-computable dataset of tests/tiny.py."""
    return tiny.dataset(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def example_dir(tmp_path_factory):
    """The tiny dataset with the five candidates of the optimisation worked example."""
    from test_optimize_portfolio import example_candidates

    frames = tiny.tables()
    frames["candidates"] = example_candidates()
    return tiny.write(tmp_path_factory.mktemp("example"), frames)


@pytest.fixture(scope="module")
def example(example_dir):
    """The worked-example dataset, loaded."""
    return tiny.load_dataset(example_dir)


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli("metrics", "concentration", ...)``: the CLI in-process (see ``cli_runner.py``)."""
    from cli_runner import InProcessCli

    return InProcessCli(monkeypatch, capsys)
