"""`make lab`: JupyterLab with nbgrader's Validate button, for working on the exercises.

Listens on localhost only, on a free port, with a fresh random token, and opens no
browser (it prints the address to open instead), so it works the same on a laptop, a
remote machine reached through an SSH tunnel, and in the tests.
Run from the repository root: nbgrader's Validate reads nbgrader_config.py from there.
"""

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lab_command(notebook_dir: Path, port: int, token: str) -> list[str]:
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
               f"--ServerApp.root_dir={notebook_dir}", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:  # containers often run as root; Jupyter refuses without this
        command.append("--allow-root")
    return command


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook-dir", type=Path, default=ROOT / "exercises",
                        help="folder JupyterLab shows (default: exercises/)")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args(argv)
    if not args.notebook_dir.is_dir():
        parser.error(f"{args.notebook_dir} is not a folder")
    port, token = args.port or free_port(), secrets.token_hex(24)
    print(f"JupyterLab for {args.notebook_dir}: open "
          f"http://127.0.0.1:{port}/lab?token={token}", flush=True)
    os.chdir(ROOT)
    os.execv(sys.executable, lab_command(args.notebook_dir.resolve(), port, token))


if __name__ == "__main__":
    main()
