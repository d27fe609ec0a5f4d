"""How many threads each of several processes that share the machine's cores may use.

scikit-learn's gradient boosting (OpenMP) and TensorFlow each start one thread per core. Two
such processes side by side (two chapters of a book build, two test workers) then run
twice as many busy threads as there are cores, and OpenMP's waiting threads spin, so a
gradient-boosting fit can take several times longer than with one thread per process
(``benchmarks/shared_cores.py`` measures it).
"""
from __future__ import annotations

import os

#: the variables that set the thread pools: OpenMP (scikit-learn, NumPy's BLAS) and
#: TensorFlow's two pools
THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def tensorflow_threads() -> str:
    """The threads one TensorFlow operation may use: ``$TF_NUM_INTRAOP_THREADS`` (which
    :func:`shared_cores_env` sets), else one per available core."""
    return os.environ.get("TF_NUM_INTRAOP_THREADS") or str(available_cores())


def thread_settings() -> dict[str, str | int | None]:
    """What sets this process's thread counts: each of :data:`THREAD_VARIABLES` as set (or
    None) and the available cores; a measured speed is only comparable under the same."""
    return {"cores": available_cores(),
            **{name: os.environ.get(name) for name in THREAD_VARIABLES}}


def shared_cores_env(processes: int, cores: int | None = None) -> dict[str, str]:
    """The thread-count variables for one of ``processes`` processes sharing ``cores``
    (default: the cores this process may run on): ``cores // processes`` threads each, at
    least one. Variables already set in the environment are kept (the user's choice wins);
    one process alone gets nothing set."""
    if processes < 1:
        raise ValueError(f"processes={processes}: at least one")
    cores = cores or available_cores()
    if processes == 1:
        return {}
    share = str(max(1, cores // processes))
    return {name: os.environ.get(name, share) for name in THREAD_VARIABLES}
