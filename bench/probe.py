"""Run the `sota` CLI in this process, then report its peak memory and its children's.

    python -m bench.probe REPORT.json sota-args...

Equivalent to `sota sota-args...` (the same click entry point, the same process start-up),
followed by `REPORT.json`:

- `peak_self`: this process's VmHWM (peak resident set of its own address space);
- `peak_child`: the largest VmHWM of any descendant process, polled from /proc every 20 ms while
  they live (VmHWM only grows, so the last reading is a child's peak to within 20 ms);
- `maxrss_self`, `maxrss_children`: getrusage's ru_maxrss, for reference only. Linux carries a
  parent's high-water mark into a child across fork/vfork + exec, so a probe started by a big
  process (the bench, after building a million rows) reports that process's peak there.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import threading


def _hwm(pid: int | str) -> int:
    """VmHWM of a process in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _ppids() -> dict[int, int]:
    """pid -> parent pid of every process (from /proc/<pid>/stat)."""
    out: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        out[int(name)] = int(stat[stat.rindex(b")") + 2:].split(None, 2)[1])
    return out


class ChildPeaks(threading.Thread):
    """Polls the VmHWM of this process's descendants until stopped."""

    def __init__(self, interval: float = 0.02):
        super().__init__(daemon=True)
        self.interval, self.peaks, self.done = interval, {}, threading.Event()

    def run(self) -> None:
        me = os.getpid()
        if not os.path.isdir("/proc"):
            return
        while not self.done.wait(self.interval):
            parents = _ppids()
            family, grew = {me}, True
            while grew:  # descendants of this process, at any depth
                more = {pid for pid, ppid in parents.items() if ppid in family} - family
                family |= more
                grew = bool(more)
            for pid in family - {me}:
                self.peaks[pid] = max(self.peaks.get(pid, 0), _hwm(pid))


def main() -> int:
    report, args = sys.argv[1], sys.argv[2:]
    poller = ChildPeaks()
    poller.start()
    from sota.cli import cli

    code = 0
    try:
        cli.main(args=args, prog_name="sota", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        poller.done.set()
        poller.join()
        scale = 1 if sys.platform == "darwin" else 1024
        maxrss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
        maxrss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
        with open(report, "w", encoding="utf-8") as fh:  # no /proc (not Linux): getrusage's
            json.dump({"exit": code, "peak_self": _hwm("self") or maxrss_self,
                       "peak_child": max(poller.peaks.values(), default=0) or maxrss_children,
                       "children": len(poller.peaks), "maxrss_self": maxrss_self,
                       "maxrss_children": maxrss_children}, fh)
    return code


if __name__ == "__main__":
    sys.exit(main())
