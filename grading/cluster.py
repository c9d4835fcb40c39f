"""Where students are graded: Dask distributed, on this machine or on a cluster.

Without an address, `connect` starts a `LocalCluster` of `jobs` worker processes (one
thread each) for this run; with one (`tcp://HOST:8786`), it joins a running scheduler
whose workers were started from checkouts of the course (book/instructors.md). Either
way the tasks and their results are the same (`grading.worker.grade_submission`), and a
worker that dies mid-student has its student graded again on another worker: Dask
reschedules a dead worker's tasks (up to `distributed.scheduler.allowed-failures` deaths
per task, default 3; after that the student gets no verdict and the next run retries).
"""

from __future__ import annotations

import logging
import re
import signal
import socket
import tempfile
import threading
from contextlib import contextmanager

from grading import worker
from grading.errors import GradingError

CONNECT_SECONDS = 10
_ADDRESS = re.compile(r"^((tcp|tls|ws|wss)://)?[\w.\-\[\]:]+:\d+$")
WAIT_FOR_WORKERS_SECONDS = 120


def start_here(address: str) -> str:
    """What to run to have a scheduler at `address` with workers: the one-line advice."""
    port = address.rsplit(":", 1)[-1] if address.count(":") > 1 else "8786"
    return (f"start one with `dask scheduler --port {port}` on that machine and workers with "
            f"`dask worker {address} --nworkers N --nthreads 1` from the course root, with "
            "the course's venv on PATH (see book/instructors.md, 'Grading on several machines')")


@contextmanager
def _deaf_to_ctrl_c():
    """Processes started meanwhile ignore SIGINT (it survives their exec): Ctrl-C reaches
    the whole terminal's process group, and this process, not its workers, should stop
    the run (closing the local cluster ends them), without a traceback from each one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def require_reachable(address: str) -> None:
    """Fail in a second, before any grading work, when nothing listens at `address`."""
    if not _ADDRESS.match(address):
        raise GradingError(f"--cluster {address}: expected a scheduler address such as "
                         "tcp://HOST:8786")
    host, port = address.split("://")[-1].rsplit(":", 1)
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        why = error.strerror or type(error).__name__
        raise GradingError(f"cannot reach a Dask scheduler at {address} ({why}): "
                         f"{start_here(address)}") from None


@contextmanager
def connect(address: str | None, jobs: int):
    """A Dask client with at least one worker: a local cluster of `jobs` processes, or the
    scheduler at `address`. An unreachable scheduler, or one without workers, is a
    one-line GradingError saying what to start."""
    from distributed import Client, LocalCluster

    if address is None:
        with tempfile.TemporaryDirectory(prefix="autograde-dask-") as scratch:
            with _deaf_to_ctrl_c():
                local = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                     dashboard_address=None, silence_logs=logging.ERROR,
                                     local_directory=scratch)
            with local, Client(local, set_as_default=False) as client:
                yield client
        return
    require_reachable(address)
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise GradingError(f"cannot reach a Dask scheduler at {address} "
                         f"({type(error).__name__}): {start_here(address)}") from None
    with client:
        if not client.scheduler_info(n_workers=0)["n_workers"]:
            print(f"waiting up to {WAIT_FOR_WORKERS_SECONDS} s for a worker to join {address}",
                  flush=True)
            try:
                client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_SECONDS)
            except TimeoutError:
                raise GradingError(f"the Dask scheduler at {address} has no workers: "
                                 f"{start_here(address)}") from None
        yield client


def threads(client) -> int:
    """How many students the cluster grades at once now."""
    return client.scheduler_info(n_workers=0)["total_threads"] or 1


def check_workers(client, sandboxed: bool, code: str) -> dict[str, str]:
    """{worker address: why it cannot grade} for the workers there now; a GradingError when
    none of them can (a worker that cannot is still sent students, who come back FAILED
    with that reason and are retried on the next run: workers may join later)."""
    answers = client.run(worker.worker_problem, sandboxed, code)
    problems = {address: problem for address, problem in answers.items() if problem}
    if problems and len(problems) == len(answers):
        raise GradingError("no worker can grade: " + "; ".join(sorted(set(problems.values()))))
    return problems
