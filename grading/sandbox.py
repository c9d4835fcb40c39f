"""Run each student's kernel inside bubblewrap, with limits, so student code can only
touch its own notebook's folder.

Autograding runs student code with the grader's rights. `SandboxedKernelManager` starts
the kernel under ``bwrap`` instead: no network (its own network namespace), its own PID
namespace (it cannot see or signal the grader), the system, the Python installation, the
virtual environment, the course's `helpers/` and the data read-only, a private ``/tmp``
of limited size, and one writable folder: a private copy of the one holding the notebook
being graded, seen at its path (nothing the kernel writes reaches the course), and the
exchange folder where it hands over its answers (grading/asking.py). The
course folder (`solutions/`, the gradebook, other submissions) and the home folder are
simply not there. Memory and processes are capped by a cgroup per kernel where the
machine lets us make one (cgroup v1 or v2, as root), else by ``prlimit``; single files
by ``prlimit --fsize``. A kernel that hits a limit dies, and `last_limit_hit` tells the
grader which limit it was.

nbgrader_config.py selects this manager for every route (`make grade`, `python -m
grading`, plain `nbgrader autograde`); without a working bwrap grading refuses to start
unless the sandbox is turned off (`--no-sandbox`, or ``COURSE_SANDBOX=off``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer

from grading.errors import GradingError

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024 ** 3
OFF_SWITCH = "COURSE_SANDBOX"  # "off" disables the sandbox (`--no-sandbox` sets it)
_CGROUP_ROOTS = {"pids": Path("/sys/fs/cgroup/pids"), "memory": Path("/sys/fs/cgroup/memory")}
_CGROUP2 = Path("/sys/fs/cgroup")  # where cgroup v2 lives on current Debian and Ubuntu
_PARENT = "course-grading"


class SandboxUnavailable(GradingError):
    """Grading would run student code unconfined: refuse, and say how to fix it."""


def enabled() -> bool:
    return os.environ.get(OFF_SWITCH, "").lower() not in ("off", "0", "no", "false")


@lru_cache(maxsize=1)
def problem() -> str | None:
    """Why bubblewrap cannot sandbox a kernel here, or None when it can."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return ("bubblewrap (bwrap) is not installed: run `make setup` as root (it installs "
                "Debian's bubblewrap) or `apt-get install bubblewrap`")
    probe = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent",
                            "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return (f"bubblewrap cannot create a sandbox here ({probe.stderr.strip()[:200]}); "
                "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone)")
    return None


def require() -> None:
    """Raise SandboxUnavailable unless the sandbox works or was turned off on purpose."""
    if enabled() and problem():
        raise SandboxUnavailable(
            f"refusing to run student code without a sandbox: {problem()}. To grade anyway "
            f"(trusted code only), pass --no-sandbox or set {OFF_SWITCH}=off.")


def _read_only_paths() -> list[Path]:
    """What a kernel needs to read: the system, Python, the venv, helpers/, the data."""
    paths = [Path(p) for p in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc")]
    paths += [Path(sys.base_prefix), Path(sys.prefix), ROOT / "helpers"]
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    paths += [keras_home] + ([Path(os.environ["FASHION_MNIST_DIR"])]
                             if os.environ.get("FASHION_MNIST_DIR") else [])
    kept = []
    for path in paths:
        if path.exists() and not path.is_symlink() and not any(
                path.resolve().is_relative_to(k) for k in kept):
            kept.append(path.resolve())
    return kept


def _system_links() -> list[str]:
    """/bin, /lib... are links into /usr on merged-/usr systems: recreate the links."""
    args = []
    for name in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
        if Path(name).is_symlink():
            args += ["--symlink", os.readlink(name), name]
    return args


def prlimit() -> str:
    return shutil.which("prlimit") or "prlimit"


def bwrap_command(command: list[str], *, cwd: Path, writable: list[Path],
                  tmp_bytes: int, read_only: list[Path] = (),
                  mapped: dict[Path, Path] | None = None) -> list[str]:
    """`command` run by bubblewrap: read-only system and `read_only` folders, `writable`
    folders, each writable folder of `mapped` (host path -> path seen inside), nothing
    else."""
    args = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--die-with-parent",
            "--new-session", "--proc", "/proc", "--dev", "/dev"]
    # A private, sized /tmp first, everything else on top: mounted after the read-only
    # paths, it hid a checkout under /tmp (a batch job's scratch folder), helpers/ and all.
    home = Path(tempfile.gettempdir())
    args += ["--size", str(tmp_bytes), "--tmpfs", str(home)]
    for path in _read_only_paths():
        args += ["--ro-bind", str(path), str(path)]
    args += _system_links()
    for path in read_only:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    for host, inside in (mapped or {}).items():
        args += ["--bind", str(host), str(inside)]
    args += ["--remount-ro", "/", "--chdir", str(cwd),
             "--unsetenv", "JPY_PARENT_PID",  # its PID means nothing in the sandbox
             "--setenv", "HOME", str(home),
             # trained weights a notebook caches stay in its own /tmp
             "--setenv", "COURSE_CACHE_DIR", str(home / "course-cache"),
             "--setenv", "MPLCONFIGDIR", str(home / "mpl"),
             "--setenv", "KERAS_HOME",
             str(Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")))]
    return args + ["--"] + command


def cgroup_version(root: Path = _CGROUP2) -> str:
    """"v2" where a unified hierarchy offers memory and pids, "v1" where the v1 memory and
    pids hierarchies are mounted, else "none" (then only prlimit limits a kernel)."""
    try:
        if {"memory", "pids"} <= set((root / "cgroup.controllers").read_text().split()):
            return "v2"
    except OSError:
        pass
    if all((folder / "cgroup.procs").exists() for folder in _CGROUP_ROOTS.values()):
        return "v1"
    return "none"


def make_cgroup(memory_bytes: int, processes: int, version: str | None = None,
                v2_root: Path = _CGROUP2) -> dict[str, Path]:
    """One cgroup for one kernel, with its limits, as {controller: folder} (one folder for
    both on cgroup v2); {} where the machine does not let us make one."""
    version = version or cgroup_version(v2_root)
    name = uuid.uuid4().hex[:12]
    if version == "v2":
        return _make_cgroup2(v2_root, name, memory_bytes, processes)
    if version != "v1":
        return {}
    made = {}
    limits = {"pids": ("pids.max", processes), "memory": ("memory.limit_in_bytes", memory_bytes)}
    for controller, (knob, value) in limits.items():
        folder = _CGROUP_ROOTS[controller] / _PARENT / name
        try:
            folder.mkdir(parents=True)
            (folder / knob).write_text(str(value))
            if controller == "memory":  # no swapping around the limit where swap exists
                swap = folder / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(str(value))
            made[controller] = folder
        except OSError:
            if folder.exists():
                folder.rmdir()
    return made


def _make_cgroup2(root: Path, name: str, memory_bytes: int, processes: int) -> dict:
    """cgroup v2: a child of <root>/course-grading, whose parents delegate memory and pids
    (a v2 cgroup with children may hold no process itself, so the kernel gets a leaf)."""
    parent, folder = root / _PARENT, root / _PARENT / name
    try:
        parent.mkdir(exist_ok=True)
        for level in (root, parent):
            wanted = {"memory", "pids"} - set((level / "cgroup.subtree_control").read_text()
                                              .split())
            if wanted:
                (level / "cgroup.subtree_control").write_text(
                    " ".join(f"+{c}" for c in sorted(wanted)))
        folder.mkdir()
        (folder / "memory.max").write_text(str(memory_bytes))
        if (folder / "memory.swap.max").exists():  # no swapping around the limit
            (folder / "memory.swap.max").write_text("0")
        (folder / "pids.max").write_text(str(processes))
    except OSError:
        if folder.exists():
            folder.rmdir()
        return {}
    return {"memory": folder, "pids": folder}


def _count(path: Path, key: str) -> int:
    """The number after `key` in a "key value" file (memory.events, oom_control...)."""
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            return int(parts[1])
    return 0


def _cgroup_stat(cgroups: dict[str, Path]) -> str | None:
    """Which limit a kernel ran into, read from its cgroups (v1 or v2 files)."""
    memory = cgroups.get("memory")
    if memory:
        try:
            if (memory / "memory.events").exists():  # v2
                if _count(memory / "memory.events", "oom_kill") or _count(
                        memory / "memory.events", "max"):
                    return "memory"
            elif _count(memory / "memory.oom_control", "oom_kill") > 0 or int(
                    (memory / "memory.failcnt").read_text()) > 0:
                return "memory"
        except (OSError, ValueError):
            pass
    pids = cgroups.get("pids")
    if pids:
        try:
            if _count(pids / "pids.events", "max") > 0:
                return "processes"
        except (OSError, ValueError):
            pass
    return None


def remove_cgroups(cgroups: dict[str, Path]) -> None:
    """Kill what is left in the cgroups (a fork bomb's children) and remove them."""
    for folder in dict.fromkeys(cgroups.values()):  # v2: one folder for both controllers
        if (folder / "cgroup.kill").exists():
            try:
                (folder / "cgroup.kill").write_text("1")
            except OSError:
                pass
        for _ in range(50):
            try:
                pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
            except OSError:
                break
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        empty = folder / "memory.force_empty"  # v1 keeps page cache charged, and busy
        for _ in range(50):  # a killed task leaves its cgroup a moment later
            try:
                if empty.exists():
                    empty.write_text("1")
                folder.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.05)


_last: dict = {"limit": None, "cgroups": {}}
LIMIT_MESSAGES = {  # what the instructor reads in the status table
    "memory": "the student's code used more memory than the sandbox allows "
              "(SandboxedKernelManager.memory_gib); its kernel was stopped",
    "processes": "the student's code started more processes than the sandbox allows "
                 "(SandboxedKernelManager.max_processes)",
    "file size": "the student's code wrote a file larger than the sandbox allows "
                 "(SandboxedKernelManager.max_file_mib)",
}


def last_limit_hit() -> str | None:
    """'memory' or 'processes' when the last sandboxed kernel ran into that limit (its
    cgroups are read, and removed, here if the kernel's manager did not clean up)."""
    if _last["cgroups"]:
        _last["limit"] = _cgroup_stat(_last["cgroups"])
        remove_cgroups(_last["cgroups"])
        _last["cgroups"] = {}
    return _last["limit"]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel in bubblewrap, under limits."""

    sandbox = Bool(True, help="Run the kernel in bubblewrap (COURSE_SANDBOX=off disables)"
                   ).tag(config=True)
    memory_gib = Integer(4, help="Memory a student's kernel may use, GiB").tag(config=True)
    max_processes = Integer(256, help="Processes and threads a kernel may have"
                            ).tag(config=True)
    max_file_mib = Integer(1024, help="Largest file a kernel may write, MiB").tag(config=True)
    tmp_mib = Integer(512, help="Size of the kernel's private /tmp, MiB").tag(config=True)
    use_cgroups = Bool(True, help="Limit memory and processes with a cgroup (v1 or v2) "
                       "where the machine allows; else, or when False, with prlimit only"
                       ).tag(config=True)
    address_space_gib = Integer(8, help="Without a cgroup: the kernel's address space, GiB "
                                "(TensorFlow maps far more than it uses, see "
                                "book/instructors.md)").tag(config=True)
    # Where the kernel writes its answers for the checker (set by grading.asking).
    exchange: list[Path] = []

    def _active(self) -> bool:
        return self.sandbox and enabled()

    async def _async_pre_start_kernel(self, **kw):
        if self._active():
            require()
            # Unix sockets in a private folder: the sandbox has no network to the grader.
            self._private = Path(tempfile.mkdtemp(prefix="course-kernel-"))
            self.transport, self.ip = "ipc", str(self._private / "kernel")
            self.connection_file = str(self._private / "kernel.json")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self._active():
            cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
            self._cgroups = (make_cgroup(self.memory_gib * GIB, self.max_processes)
                             if self.use_cgroups else {})
            _last.update(limit=None, cgroups=self._cgroups)
            limits = [f"--fsize={self.max_file_mib * 1024 ** 2}", "--core=0"]
            if "pids" not in self._cgroups:
                limits.append(f"--nproc={self.max_processes}")  # no effect for root
            if "memory" not in self._cgroups:  # address space, with room for TF's mappings
                limits.append(f"--as={self.address_space_gib * GIB}")
            join = " ".join(f"echo $$ > {folder / 'cgroup.procs'} &&"
                            for folder in dict.fromkeys(self._cgroups.values()))
            # The kernel works on a copy of its notebook's folder, seen at the folder's
            # path: what it writes there (files, links to the course) never reaches the
            # autograded folder, which nbgrader's own tools then read, chmod and copy to
            # the feedback outside the sandbox.
            work = self._private / "work"
            shutil.copytree(cwd, work, symlinks=True)
            sandboxed = bwrap_command(
                [prlimit(), *limits, "--", *kernel_cmd], cwd=cwd,
                writable=[self._private, *self.exchange], mapped={work: cwd},
                tmp_bytes=self.tmp_mib * 1024 ** 2)
            kernel_cmd = ["sh", "-c", f'{join} exec "$@"', "sandbox", *sandboxed]
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_interrupt_kernel(self) -> None:
        """A signal from here cannot reach a kernel in its own PID namespace and session:
        ask the kernel to interrupt itself (the protocol's interrupt_request)."""
        if self._active() and self.has_kernel:
            self._connect_control_socket()
            self.session.send(self._control_socket,
                              self.session.msg("interrupt_request", content={}))
            return
        await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel  # AsyncKernelManager binds the base's

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        cgroups = getattr(self, "_cgroups", {})
        if cgroups:
            _last.update(limit=_cgroup_stat(cgroups), cgroups={})
            remove_cgroups(cgroups)
            self._cgroups = {}
        private = getattr(self, "_private", None)
        if private and not restart:
            shutil.rmtree(private, ignore_errors=True)
