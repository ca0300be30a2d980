"""Nine real versions of timm's ImageNet results file, 2019 → 2025, replayed in date order.

Each version comes from git history at run time (`git show <commit>:results/results-imagenet.csv`,
`results-all.csv` before 2020; nothing of it is stored here), is served at the production URL
from a scratch mirror, and is crawled into one database, as the daemon would have seen timm's
file change under its URL. Figures: per version its rows, what the load inserted, updated
(a value change, the old version kept in results_history) and left unchanged, and how many
rows it flagged `delisted` or listed again; then the check that matters: after the newest
version, the timm rows without an active flag are exactly the newest file's rows, and the
leaderboard no longer shows a checkpoint twice under its old and new names.

    python -m bench.timm_history [--repo PATH] [--versions 9]

PATH: a clone of huggingface/pytorch-image-models (default: $TIMM_REPO, else the fetched
mirror at ../.mirror/huggingface+pytorch-image-models/repo beside the checkout).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import REPO
from bench.env_rig import expected_keys
from bench.faults import TIMM_CSV

DEFAULT_REPO = Path(os.environ.get("TIMM_REPO")
                    or REPO.parent / ".mirror" / "huggingface+pytorch-image-models" / "repo")
PATH = "results/results-imagenet.csv"


def git(repo: Path, *args: str) -> bytes:
    """Output of `git -C repo ARGS` (a bare mirror or a clone)."""
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout


def versions(repo: Path, count: int) -> list[tuple[str, str, str]]:
    """(commit, date, path) of `count` versions of the file, evenly spread over its history
    (renames followed), oldest first, always including the first and the newest."""
    out = git(repo, "log", "--follow", "--name-only", "--format=COMMIT %H %ad", "--date=short", "--", PATH).decode()
    found, commit = [], None
    for line in out.splitlines():
        if line.startswith("COMMIT "):
            commit = line.split()[1:3]
        elif line.strip() and commit:
            found.append((commit[0], commit[1], line.strip()))
            commit = None
    found.reverse()
    if len(found) <= count:
        return found
    picks = sorted({round(i * (len(found) - 1) / (count - 1)) for i in range(count)})
    return [found[i] for i in picks]


def run(repo: Path, count: int = 9) -> dict:
    from db.connect import open_db
    from runs.crawl import crawl

    work = Path(tempfile.mkdtemp(prefix="sota-timm-history-"))
    db = work / "history.db"
    target = work / "mirror" / TIMM_CSV.removeprefix("https://")
    target.parent.mkdir(parents=True)
    table, newest = [], b""
    try:
        for commit, date, path in versions(repo, count):
            body = git(repo, "show", f"{commit}:{path}")
            target.write_bytes(body)
            [outcome] = crawl(db, ["timm"], [TIMM_CSV], str(work / "mirror"))
            conn = open_db(db)
            cleared = conn.execute("SELECT count(*) FROM flags WHERE cleared_run = ?", [outcome.run_id]).fetchone()[0]
            conn.close()
            table.append({"date": date, "commit": commit[:10], "rows": body.count(b"\n") - 1,
                          "status": outcome.status, "inserted": outcome.counts.inserted,
                          "updated": outcome.counts.updated, "unchanged": outcome.counts.unchanged,
                          "delisted": outcome.flagged, "listed again": cleared})
            newest = body
        conn = open_db(db)
        q = lambda sql: conn.execute(sql).fetchone()[0]   # noqa: E731
        unflagged = {r[0] for r in conn.execute(
            "SELECT key FROM results r WHERE source = 'timm' AND NOT EXISTS (SELECT 1 FROM flags f "
            "WHERE f.result_id = r.id AND f.cleared_at IS NULL)")}
        want = expected_keys(newest)
        figures = {
            "versions": table,
            "results": q("SELECT count(*) FROM results WHERE source = 'timm'"),
            "history (value changes kept)": q("SELECT count(*) FROM results_history h JOIN results r "
                                              "ON r.id = h.result_id WHERE r.source = 'timm'"),
            "delisted now": q("SELECT count(*) FROM flags WHERE flag = 'delisted' AND cleared_at IS NULL"),
            "delisted model@resolution": q("SELECT count(DISTINCT r.model || '@' || r.resolution) FROM flags f "
                                           "JOIN results r ON r.id = f.result_id WHERE f.flag = 'delisted' "
                                           "AND f.cleared_at IS NULL"),
            "unflagged": len(unflagged), "newest file's results": len(want),
            "unflagged == newest file": unflagged == want,
            "leaderboard: l2_ns beside l2": q(
                "SELECT count(*) FROM leaderboard WHERE dataset = 'imagenet-1k' AND metric = 'top1_acc' "
                "AND measured_model = 'tf_efficientnet_l2_ns'"),
        }
        conn.close()
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(figures: dict) -> str:
    cols = ("date", "commit", "rows", "status", "inserted", "updated", "unchanged", "delisted", "listed again")
    lines = ["  ".join(f"{c:>12}" for c in cols)]
    for v in figures["versions"]:
        lines.append("  ".join(f"{str(v[c]):>12}" for c in cols))
    lines += [f"{k}: {v}" for k, v in figures.items() if k != "versions"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.timm_history", description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO)
    parser.add_argument("--versions", type=int, default=9)
    args = parser.parse_args(argv)
    if not args.repo.exists():
        print(f"{args.repo}: no clone of huggingface/pytorch-image-models (set --repo or $TIMM_REPO)", file=sys.stderr)
        return 2
    figures = run(args.repo, args.versions)
    print(report(figures))
    return 0 if figures["unflagged == newest file"] else 1


if __name__ == "__main__":
    sys.exit(main())
