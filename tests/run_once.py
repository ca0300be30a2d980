"""One expensive artefact per test run, however many pytest-xdist workers share the run.

`once(factory, name, build)` returns the JSON-able record that `build(folder)` made. The first
process of the run to ask builds it in `<run temp>/<name>/` under a file lock, and writes the
record beside it; every other process (and every later ask in the same one) waits on the lock,
then reads the record. A build that raised is recorded too, and re-raised to every asker: a
broken build costs one attempt, not one per worker.

`start_early(...)` runs the same `once` on a background thread, so that the build overlaps the
tests that do not need it instead of stalling the first test that does.

The run's common folder is pytest's base temp dir, or its parent under xdist (each worker has
a base temp of its own inside it): the recipe of pytest-xdist's documentation.
"""
from __future__ import annotations

import json
import os
import threading
import traceback
from pathlib import Path
from typing import Callable

from filelock import FileLock


def run_folder(factory) -> Path:
    """The folder every process of this test run shares."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(factory, name: str, build: Callable[[Path], dict]) -> dict:
    """`build(folder)`'s record, built by the first process of the run to ask."""
    folder = run_folder(factory) / name
    record = folder.with_name(name + ".json")
    with FileLock(str(folder) + ".lock"):
        if not record.exists():
            folder.mkdir(exist_ok=True)
            try:
                made = {"ok": build(folder)}
            except BaseException:   # recorded for the other askers, then raised here
                made = {"error": traceback.format_exc()}
                record.write_text(json.dumps(made))
                raise
            record.write_text(json.dumps(made))
    made = json.loads(record.read_text())
    if "error" in made:
        raise RuntimeError(f"building {name} failed (its first attempt, maybe in another worker):\n"
                           f"{made['error']}")
    return made["ok"]


def start_early(factory, name: str, build: Callable[[Path], dict]) -> threading.Thread:
    """`once(...)` on a daemon thread; its failure is left for the asker to raise."""
    run_folder(factory)   # here, not on the thread: pytest makes (and first empties) the base
                          # temp dir on its first use, which must not race the test's own tmp_path

    def run() -> None:
        try:
            once(factory, name, build)
        except BaseException:   # recorded by once(); the fixture that asks re-raises it
            pass

    thread = threading.Thread(target=run, name=f"build {name}", daemon=True)
    thread.start()
    return thread
