"""Folders as bytes, so a submission can travel to a worker on another machine and its
autograded notebooks come back; and content hashes, so an unchanged submission is known.

A bundle is a zip with fixed timestamps and sorted names: the same files always give the
same bytes, so the hash of a bundle is the hash of its content. Links are never followed
(a submission holding a link to the gradebook must not carry the gradebook away).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: mtimes would change the bytes
MIB = 1024 ** 2


def pack(folder: Path, *, max_file_bytes: int | None = None,
         skip=lambda path: False) -> tuple[bytes, list[str]]:
    """The files under `folder` as zip bytes, and notes on what was left out (links, files
    larger than `max_file_bytes`, files for which `skip(relative path)` is true)."""
    folder = Path(folder)
    buffer, notes = io.BytesIO(), []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_symlink():
                notes.append(f"left out the link {name}")
            elif not path.is_file() or skip(name):
                continue
            elif max_file_bytes is not None and path.stat().st_size > max_file_bytes:
                notes.append(f"left out {name}, {path.stat().st_size / MIB:.0f} MiB (more "
                             f"than {max_file_bytes / MIB:.0f} MiB)")
            else:
                archive.writestr(zipfile.ZipInfo(name, _EPOCH), path.read_bytes())
    return buffer.getvalue(), notes


def unpack(data: bytes, destination: Path) -> None:
    """Write a bundle's files under `destination`, refusing names that point outside it."""
    destination = Path(destination).resolve()
    destination.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            target = (destination / name).resolve()
            if not target.is_relative_to(destination) or target == destination:
                raise ValueError(f"a bundle entry points outside its folder: {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))


def digest(*parts: bytes | str) -> str:
    """SHA-256 of the parts, each length-prefixed so that no two splits collide."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big") + data)
    return sha.hexdigest()


def tree_digest(root: Path, patterns=("*.py",)) -> str:
    """One hash of every file matching `patterns` under `root` (names and contents)."""
    root = Path(root)
    files = sorted({p for pattern in patterns for p in root.rglob(pattern) if p.is_file()
                    and "__pycache__" not in p.parts})
    return digest(*(part for p in files
                    for part in (p.relative_to(root).as_posix(), p.read_bytes())))
