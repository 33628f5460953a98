"""Test-session set-up shared by the doctests in ``src/`` and the tests in ``tests/``.

Loading and validating the shipped dataset takes seconds, and about a hundred doctests and
tests ask for it with ``load_dataset()``. During a test session the call without arguments
(the shipped folder, no overlay) is loaded once per worker and the same read-only
:class:`~scrisk.data.load.Dataset` is handed out again; any other call (a path, an
overlay, ``$SCRISK_DATA`` pointing elsewhere) loads for real. The first load is the full
load and validation. At the end of the session the shared dataset is checked against a
fingerprint taken when it was loaded, so a test that changed it in place fails the run
instead of silently changing what later tests see.
"""

from __future__ import annotations

import functools
import hashlib
import sys

import pytest


def _fingerprint(dataset) -> str:
    """Digest of every table's columns, dtypes, index and values (and the file lists)."""
    import pandas as pd

    digest = hashlib.sha256(repr((dataset.path, dataset.overlay, dict(dataset.files))).encode())
    for name in dataset.table_names:
        frame = dataset._tables[name]
        digest.update(repr((name, list(frame.columns), [str(t) for t in frame.dtypes],
                            frame.attrs)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


class _ShippedOnce:
    """``load_dataset`` that loads the shipped folder once and passes other calls through."""

    def __init__(self, real, shipped_folder):
        self.real = real
        self.folder = shipped_folder
        self.dataset = None
        self.fingerprint = None
        self.loads = 0

    def wrapper(self):
        real = self.real

        @functools.wraps(real)
        def load_dataset(*args, **kwargs):
            from scrisk.data.load import shipped_data_path

            default = all(a is None for a in args) and all(v is None for v in kwargs.values())
            if not default or shipped_data_path().resolve() != self.folder:
                return real(*args, **kwargs)
            if self.dataset is None:
                self.dataset = real(*args, **kwargs)
                self.fingerprint = _fingerprint(self.dataset)
                self.loads += 1
            return self.dataset

        return load_dataset


@pytest.fixture(scope="session", autouse=True)
def _shipped_dataset_loaded_once(request):
    """Hand out one shipped dataset per worker; fail the session if a test changed it."""
    import scrisk.data.load as load

    real = load.load_dataset
    once = _ShippedOnce(real, load.shipped_data_path().resolve())
    memo = once.wrapper()
    patch = pytest.MonkeyPatch()
    patch.setattr(load, "load_dataset", memo)
    # modules (scrisk's and the tests') that bound the name at import time
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if isinstance(namespace, dict) and namespace.get("load_dataset") is real:
            patch.setattr(module, "load_dataset", memo)
    # doctests run in a copy of their module's globals taken at collection
    for item in request.session.items:
        globs = getattr(getattr(item, "dtest", None), "globs", None)
        if globs is not None and globs.get("load_dataset") is real:
            patch.setitem(globs, "load_dataset", memo)
    yield once
    patch.undo()
    if once.dataset is not None and _fingerprint(once.dataset) != once.fingerprint:
        pytest.fail("a test changed the shared shipped dataset in place (its tables differ "
                    "from when it was loaded); tests must treat a Dataset as read-only",
                    pytrace=False)



# Test files that take longest, started first. `make test` hands whole files to the two
# workers (``--dist loadfile``, so a module-scoped fixture is built once, not once per
# worker) in collection order (``--no-loadscope-reorder``): a long file started last
# would leave one worker running it alone at the end.
SLOWEST_FILES = ("tests/test_report.py", "tests/test_notebooks.py")


def pytest_collection_modifyitems(config, items):
    """Move the items of :data:`SLOWEST_FILES` to the front, keeping every other order."""
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}

    def key(item):
        path = item.nodeid.split("::", 1)[0]
        return rank.get(path, len(rank))

    items.sort(key=key)  # stable: within a file, and among the rest, the order is kept
