"""Shared fixtures: an isolated cache, the real MIT-BIH folder (or a clear skip)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecglib.core.threads import shared_cores_env

os.environ.setdefault("MPLBACKEND", "Agg")
# parallel workers (pytest-xdist) split the cores, before any test starts a thread pool;
# the notebooks' kernels and the book build's inherit it
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    os.environ.update(shared_cores_env(int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Every test session gets its own ecglib cache, unless CI points one out; the workers
    of one parallel session (pytest-xdist) share theirs."""
    if "ECGLIB_CACHE_DIR" not in os.environ:
        root = tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):
            root = root.parent                   # one folder above every worker's own
        os.environ["ECGLIB_CACHE_DIR"] = str(root / "ecglib-cache")
    yield


@pytest.fixture(scope="session")
def mitdb_dir() -> Path:
    """The real MIT-BIH folder under $ECGLIB_DATA_DIR; skips the test when it is absent."""
    env = os.environ.get("ECGLIB_DATA_DIR")
    if not env:
        pytest.skip("real data: ECGLIB_DATA_DIR is not set")
    for cand in (Path(env) / "mitdb", Path(env)):
        if (cand / "RECORDS").exists() and (cand / "100.dat").exists():
            return cand
    pytest.skip(f"real data: no MIT-BIH database under ECGLIB_DATA_DIR={env}")


@pytest.fixture(scope="session")
def mitdb_table(mitdb_dir):
    """The full MIT-BIH beat table (built once per session, cached)."""
    from ecglib.data.build import build_table

    return build_table("mitdb", data_dir=mitdb_dir, progress=False)


@pytest.fixture(scope="session")
def synthetic_table():
    from ecglib.data.build import build_table

    return build_table("synthetic", n_synthetic=6, seed=3, progress=False)
