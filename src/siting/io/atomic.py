"""The one atomic writer: a file or a whole folder appears complete or not at all.

* :func:`atomic_write` — write a file through a callback into a temporary sibling, fsync it,
  then :func:`os.replace` it onto the target;
* :func:`atomic_write_text` — the same for a string;
* :func:`atomic_folder` — build a folder in a temporary sibling and swap it into place at the
  end (an earlier folder is replaced only once the new one is complete).

A failure or Ctrl-C removes the temporary file or folder and leaves the target as it was.
Files and folders end up with the permissions the user's umask gives (``mkstemp`` /
``mkdtemp`` create them private, 0600 / 0700; they are opened up to 0666 / 0777 minus the
umask before they are moved into place), so colleagues on a shared drive can read a plan.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def current_umask() -> int:
    """The process's umask (read without changing it where ``/proc`` allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (not thread-safe, but brief)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` to write a temporary sibling of ``path``, then move it onto ``path``.

    Parameters
    ----------
    path : the target file; its folder must exist.
    write : writes the whole file to the path it is given (e.g. ``lambda p: df.to_csv(p)``).

    Returns
    -------
    ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.resolve().parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp creates 0600; outputs are not secret
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


@contextmanager
def atomic_folder(out: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder of ``out``; when the block ends without an error it
    becomes ``out`` (an existing ``out`` is replaced only then), otherwise it is removed."""
    out = Path(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.resolve().parent))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp creates 0700
        yield tmp
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, out: Path) -> None:
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
