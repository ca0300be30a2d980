"""One trained model, many sources: map every source's model name to a canonical model.

Each name is parsed into identity fields (`ingest.identity`, `ingest.identity_timm`) and the
names are grouped by the rules of `ingest.identity_match`: reported names join only within one
paper (same value or fully stated equal fields), a timm checkpoint joins a paper's model only as
that paper's released weights, and a reviewer's decision on a pair of names overrides both.
Every map row says why (`model_map.reason`); every canonical model has a `family` for browsing
("ViT-H": MAE's ViT-H, OpenCLIP's ViT-H, ...). A name several papers use ("ResNet-50") keeps a
key of its own in `model_map` and one model per paper in `model_paper_map`.

`reconcile(db)` is idempotent, writes only what changed, and reads nothing but `results`,
`papers`, `sources` and the reviewers' decisions, so rebuilt results reconcile the same way.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict

from sqlite_utils import Database

from db.runs import now_iso
from ingest.confirm import save_confirmations
from ingest.conflicts import save_conflicts
from ingest.identity import Identity, normalise_text, parse_name, spelled, with_data
from ingest.identity_match import UNSTATED, Matching, Unit, match
from ingest.identity_timm import is_timm_name, parse_timm
from rules import identity as vocab
from rules.corpora import names as corpus_names
from rules.settings import is_setting_phrase, protocol_of

MEASURED_TIER = 9
_PARENS = re.compile(r"\(([^()]*)\)")
_ERR = {"top1_err": "top1_acc", "top5_err": "top5_acc"}


def strip_setting(name: str) -> str:
    """Drop protocol words from parenthesised details: "BASIC-L (Lion, fine-tuned)" → "BASIC-L (Lion)"."""
    def keep(m: re.Match) -> str:
        parts = [p.strip() for p in m.group(1).split(",")]
        parts = [p for p in parts if p and not is_setting_phrase(p)]
        return f"({', '.join(parts)})" if parts else ""
    return re.sub(r"\s+", " ", _PARENS.sub(keep, name)).strip()


def display_name(source: str, model: str) -> str:
    """The name a canonical model would show: timm checkpoints as timm names them (unless an
    alias names them), others after rules/aliases.toml and without protocol words."""
    if source == "timm" and is_timm_name(model):
        return spelled(model)
    return strip_setting(normalise_text(spelled(model)))


def name_key(name: str) -> str:
    """Lower case, only letters and digits: the readable part of a canonical key."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def title_key(title: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (title or "").lower())


def link_papers(db: Database) -> int:
    """Give leaderboard papers the arXiv id of the arXiv paper with the same title."""
    arxiv = {title_key(r["title"]): r["arxiv_id"] for r in db.query(
        "SELECT title, arxiv_id FROM papers WHERE arxiv_id IS NOT NULL AND id = arxiv_id")}
    updates = [(arxiv[title_key(r["title"])], r["id"]) for r in db.query(
        "SELECT id, title FROM papers WHERE arxiv_id IS NULL AND title IS NOT NULL")
        if title_key(r["title"]) in arxiv]
    for arxiv_id, pid in updates:
        db.execute("UPDATE papers SET arxiv_id = ? WHERE id = ?", [arxiv_id, pid])
    return len(updates)


def load_units(db: Database) -> list[Unit]:
    """One unit per (source, name, paper), with its identity and its values."""
    tiers = {r["name"]: r["tier"] if r["tier"] is not None else MEASURED_TIER
             for r in db.query("SELECT name, tier FROM sources")}
    known_corpora = set(corpus_names())
    rows = db.execute(
        "SELECT r.source, r.model, coalesce(p.arxiv_id, r.paper_id, '') AS paper, p.title, r.kind, "
        "r.dataset, r.metric, r.value, r.raw_value, r.setting, r.extra_data, r.extra_data_corpus "
        "FROM results r LEFT JOIN papers p ON p.id = r.paper_id "
        "ORDER BY r.source, r.model, paper, r.id")
    units: dict[tuple, Unit] = {}
    data: dict[tuple, list] = defaultdict(list)
    protocols: dict = {}
    for source, model, paper, title, kind, dataset, metric, value, raw, setting, extra_data, corpus in rows:
        k = (source, model, paper)
        unit = units.get(k)
        if unit is None:
            unit = units[k] = Unit(source, model, paper, title, Identity(), measured=kind == "measured",
                                   tier=tiers.get(source, MEASURED_TIER))
        raw = raw or str(value)
        if metric in _ERR:
            places = len(raw.strip().rstrip("%").split(".", 1)[1]) if "." in raw else 0
            metric, value = _ERR[metric], round(100 - value, 6)
            raw = f"{value:.{places}f}"
        protocol = protocols.get(setting)
        if protocol is None:
            try:
                protocol = protocols[setting] = protocol_of(setting) if setting else UNSTATED
            except KeyError:
                protocol = protocols[setting] = setting
        unit.values.setdefault((dataset, metric, protocol), []).append((value, raw))
        data[k].append((corpus if corpus in known_corpora else None,
                        None if extra_data is None else bool(extra_data)))
    for k, unit in units.items():
        if unit.measured and is_timm_name(unit.model):
            unit.identity = parse_timm(unit.model)
        else:
            unit.identity = parse_name(unit.model, unit.title)
        unit.signature = unit.identity
        corpus = next((c for c, _ in data[k] if c), None)
        # a leaderboard's "no additional data" is often just unflagged: only a yes is evidence
        extra = True if corpus or any(e for _, e in data[k]) else None
        unit.no_extra = not extra and any(e is False for _, e in data[k])
        if not unit.measured:
            unit.identity = with_data(unit.identity, corpus, extra)
    return list(units.values())


def decisions(db: Database) -> list[dict]:
    """Reviewers' decisions on pairs of names (accepted / rejected), whatever the keys are now."""
    return [r for r in db.query(
        "SELECT source, model, target_source, target_model, status FROM merge_reviews "
        "WHERE status IN ('accepted', 'rejected') AND target_source IS NOT NULL")]


def reconcile(db: Database) -> dict:
    """Recompute the model map; write only the rows that changed. Returns counts."""
    linked = link_papers(db)
    with vocab.pinned():
        units = load_units(db)
        result = match(units, decisions(db))
        models, names, papers = _canonical(units, result)
    written = _write(db, units, result, models, names, papers)
    conflicts = save_conflicts(db)
    confirmations = save_confirmations(db)
    return {"models": len(models), "names": len(names), "papers_linked": linked,
            "conflicts": conflicts, "confirmations": confirmations, **written}


def _choose_name(counter: Counter) -> str:
    """Best tier first (a leaderboard's spelling beats an abstract's), then most used, then shortest."""
    (tier, name), _ = min(counter.items(), key=lambda kv: (kv[0][0], -kv[1], len(kv[0][1]), kv[0][1]))
    return name


def family_label(identity: Identity) -> str:
    """The browsing level above a model: architecture and size ("ViT-H", "ConvNeXt V2-H")."""
    fam = identity.compare_family
    if not fam:
        return ""
    display = vocab.family(fam).get("display") or fam
    size = identity.size.upper() if len(identity.size) <= 3 else identity.size
    width = f" x{int(identity.width) / 100:.2f}".rstrip("0").rstrip(".") if identity.width else ""
    return f"{display}-{size}{width}" if size else f"{display}{width}"


def _canonical(units: list[Unit], result: Matching):
    """Canonical models {key: row}, the name map {(source, model): (key, reason)} and the
    per-paper map {(source, model, paper): (key, reason)} for names used by several papers."""
    models: dict[str, dict] = {}
    unit_key: dict[int, str] = {}
    for members in sorted(result.groups, key=lambda m: min(m)):
        reported = [units[i] for i in members if not units[i].measured]
        if reported:
            counter = Counter((u.tier, display_name(u.source, u.model)) for u in reported)
            name = _choose_name(counter)
            anchor = min(reported, key=lambda u: (u.tier, u.source, u.model))
            scope = anchor.paper or anchor.source
            base = f"{name_key(name) or name_key(anchor.model)}@{scope}"
            ident = anchor.identity
        else:
            name = display_name(units[members[0]].source, units[members[0]].model)
            anchor = units[members[0]]
            base, ident = f"{anchor.source}:{anchor.model}", anchor.identity
        k = base
        if k in models:
            digest = hashlib.sha1("|".join(sorted(f"{units[i].source}:{units[i].model}" for i in members))
                                  .encode()).hexdigest()[:6]
            k = f"{base}~{digest}"
        models[k] = {"key": k, "name": name, "family": family_label(ident) or None,
                     "paper": anchor.paper or None}
        for i in members:
            unit_key[i] = k
    by_name: dict[tuple, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        by_name[u.name].append(i)
    names: dict[tuple, tuple] = {}
    papers: dict[tuple, tuple] = {}
    for (source, model), idx in by_name.items():
        if len(idx) == 1:
            names[(source, model)] = (unit_key[idx[0]], result.reasons.get(idx[0], "own name"))
            continue
        k = f"{source}:{model}"
        models[k] = {"key": k, "name": display_name(source, model),
                     "family": family_label(units[idx[0]].identity) or None, "paper": None}
        names[(source, model)] = (k, f"name used by {len(idx)} papers: one model per paper (model_paper_map)")
        for i in idx:
            papers[(source, model, units[i].paper)] = (unit_key[i], result.reasons.get(i, "own name in this paper"))
    return models, names, papers


def _write(db: Database, units, result: Matching, models: dict, names: dict, papers: dict) -> dict:
    stored = {r["key"]: r for r in db.query("SELECT key, name, family, paper FROM canonical_models")}
    changed_models = [m for k, m in models.items() if stored.get(k) != m]
    if changed_models:
        db["canonical_models"].upsert_all(changed_models, pk="key")
    mapped = {(r["source"], r["model"]): (r["canonical_key"], r["reason"])
              for r in db.query("SELECT source, model, canonical_key, reason FROM model_map")}
    changes = [{"source": s, "model": m, "canonical_key": k, "reason": why}
               for (s, m), (k, why) in names.items() if mapped.get((s, m)) != (k, why)]
    if changes:
        db["model_map"].upsert_all(changes, pk=("source", "model"))
    for pair in set(mapped) - set(names):
        db.execute("DELETE FROM model_map WHERE source = ? AND model = ?", list(pair))
    per_paper = {(r["source"], r["model"], r["paper"]): (r["canonical_key"], r["reason"])
                 for r in db.query("SELECT * FROM model_paper_map")}
    paper_changes = [{"source": s, "model": m, "paper": p, "canonical_key": k, "reason": why}
                     for (s, m, p), (k, why) in papers.items() if per_paper.get((s, m, p)) != (k, why)]
    if paper_changes:
        db["model_paper_map"].upsert_all(paper_changes, pk=("source", "model", "paper"))
    for triple in set(per_paper) - set(papers):
        db.execute("DELETE FROM model_paper_map WHERE source = ? AND model = ? AND paper = ?", list(triple))
    for k in set(stored) - set(models):
        db.execute("DELETE FROM canonical_models WHERE key = ?", [k])
    reviews = _write_reviews(db, units, result, names, papers)
    return {"models_written": len(changed_models), "map_written": len(changes) + len(paper_changes),
            "reviews_added": reviews}


def _write_reviews(db: Database, units, result: Matching, names: dict, papers: dict) -> int:
    """Pending reviews follow the matcher (stale ones go); decided ones are never touched."""
    decided = {(r["source"], r["model"]) for r in db.query(
        "SELECT source, model FROM merge_reviews WHERE status != 'pending'")}
    pending = {(r["source"], r["model"]): r for r in db.query(
        "SELECT * FROM merge_reviews WHERE status = 'pending'")}
    wanted = {}
    for review in result.reviews:
        unit, target = units[review.unit], units[review.target]
        if unit.name in decided or unit.name in wanted:
            continue
        key = papers.get((*target.name, target.paper), names.get(target.name))[0]
        wanted[unit.name] = {"source": unit.source, "model": unit.model, "canonical_key": key,
                             "status": "pending", "reason": review.reason, "decided_at": None,
                             "target_source": target.source, "target_model": target.model,
                             "evidence": review.evidence}
    fresh = [row for name, row in wanted.items()
             if {k: pending.get(name, {}).get(k) for k in row} != row]
    if fresh:
        db["merge_reviews"].upsert_all(fresh, pk=("source", "model"))
    for name in set(pending) - set(wanted):
        db.execute("DELETE FROM merge_reviews WHERE source = ? AND model = ? AND status = 'pending'", list(name))
    return len([n for n in wanted if n not in pending])


def decide_reviews(db: Database, accept: tuple[int, ...], reject: tuple[int, ...]) -> int:
    """Record decisions on merge reviews (by rowid), then reconcile again. A decision is kept
    as a rule on the pair of names: it outlives keys, reprocessing and rebuilt results."""
    now = now_iso()
    n = 0
    for status, ids in (("accepted", accept), ("rejected", reject)):
        for rowid in ids:
            n += db.execute("UPDATE merge_reviews SET status = ?, decided_at = ? WHERE rowid = ?",
                            [status, now, rowid]).rowcount
    reconcile(db)
    return n
