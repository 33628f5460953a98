"""Threads of the numerical libraries.

scrisk parallelises by process (the report's forked workers, Dask workers),
one per core. BLAS libraries (OpenBLAS, MKL) start their own thread per core
besides, which helps large dense products but not the small ones scrisk
makes: on two cores, the report's computations took 14.7 s instead of 21.2 s
with BLAS held to one thread, because the workers' BLAS threads spun while
waiting for each other (``benchmarks/bench_report.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Hold BLAS to one thread inside the block (also usable as a decorator).

    Processes forked inside the block inherit the limit.

    Examples
    --------
    >>> import numpy as np
    >>> with single_blas_thread():
    ...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
    9.0
    """
    # threadpoolctl reaches only the libraries loaded when the limit is set: load
    # numpy's and scipy's own OpenBLAS copies first
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
