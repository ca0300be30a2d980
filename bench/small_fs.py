"""A small file system for disk-full and read-only faults: a tmpfs mounted on a folder.

Mounting needs root (CAP_SYS_ADMIN); where we may not mount, `SmallFs.mount` returns False
and the scenarios that need one say they were skipped (a file-size limit, RLIMIT_FSIZE,
cannot stand in here: SQLite grows its WAL, not the database file, so a load under the
limit still commits, and the crawl child would inherit the limit and fail first).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path


class SmallFs:
    def __init__(self, path: Path, size_kb: int):
        self.path, self.size_kb, self.mounted = path, size_kb, False

    def _mount(self, *options: str) -> bool:
        opts = ",".join(options)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(self.path)],
                              capture_output=True, text=True)
        return proc.returncode == 0

    def mount(self) -> bool:
        """Mount a tmpfs of `size_kb` on `path` (made if missing); False when we may not."""
        self.path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            return False
        self.mounted = self._mount(f"size={self.size_kb}k")
        return self.mounted

    def remount(self, *options: str) -> None:
        """e.g. remount("size=65536k") when space returns, remount("ro") / remount("rw")."""
        proc = subprocess.run(["mount", "-o", ",".join(("remount",) + options), str(self.path)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise OSError(f"remount {options} of {self.path} failed: {proc.stderr.strip()}")

    def free_bytes(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, leave_bytes: int) -> Path:
        """A filler file that leaves about `leave_bytes` free; delete it to give the space back."""
        filler = self.path / "filler"
        with open(filler, "ab") as fh:
            chunk = b"\0" * 65536
            while self.free_bytes() - len(chunk) > leave_bytes:
                fh.write(chunk)
                fh.flush()
            rest = self.free_bytes() - leave_bytes
            if rest > 0:
                fh.write(b"\0" * rest)
        return filler

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
            self.mounted = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.unmount()
