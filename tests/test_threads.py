"""Processes that share the cores split them: ecglib.core.threads."""
from __future__ import annotations

import pytest

from ecglib.core.threads import THREAD_VARIABLES, shared_cores_env


@pytest.fixture
def no_thread_settings(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_each_process_gets_its_share_of_the_cores(no_thread_settings):
    assert shared_cores_env(2, cores=2) == {name: "1" for name in THREAD_VARIABLES}
    assert shared_cores_env(3, cores=8) == {name: "2" for name in THREAD_VARIABLES}
    assert shared_cores_env(4, cores=2) == {name: "1" for name in THREAD_VARIABLES}


def test_one_process_alone_keeps_every_core(no_thread_settings):
    assert shared_cores_env(1, cores=2) == {}


def test_a_users_setting_wins(no_thread_settings, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    env = shared_cores_env(2, cores=2)
    assert env["OMP_NUM_THREADS"] == "2" and env["TF_NUM_INTRAOP_THREADS"] == "1"


def test_no_processes_is_an_error():
    with pytest.raises(ValueError, match="processes=0"):
        shared_cores_env(0)


def test_a_parallel_book_build_gives_each_chapter_its_share(no_thread_settings):
    from ecglib.book.build import chapter_env

    assert chapter_env("fast", jobs=2, cores=2) == {
        "ECGLIB_PROFILE": "fast", **{name: "1" for name in THREAD_VARIABLES}}
    assert chapter_env("default", jobs=1, cores=2) == {"ECGLIB_PROFILE": "default"}


def test_tensorflow_threads_follow_the_shared_setting(no_thread_settings, monkeypatch):
    from ecglib.core.threads import available_cores, tensorflow_threads

    assert tensorflow_threads() == str(available_cores())
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    assert tensorflow_threads() == "1"
