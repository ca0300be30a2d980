"""One model, many sources: map every source's model name to a canonical model.

Names are matched on a normalised key, never on values: setting words in
parentheses are dropped ("CoCa (finetuned)" → "CoCa"), size words become
letters ("ConvNeXt V2-Huge" and timm's `convnextv2_huge.fcmae_ft_in22k_in1k_512`
→ `convnextv2h`), and the person-edited rules in `rules/aliases.toml` come first.
Papers link across sources by title (a PWC paper gets its arXiv id). A claim
whose name matches nothing but whose paper's leaderboard rows contain it is
proposed for review (`merge_reviews`), and merged only once accepted.

`reconcile(db)` is idempotent and writes only what changed.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from sqlite_utils import Database

from db.runs import get_state, now_iso, set_state
from ingest.conflicts import save_conflicts
from rules.aliases import aliases, timm_families
from rules.files import fingerprint
from rules.settings import is_setting_phrase

SIZES = {"tiny": "t", "small": "s", "base": "b", "medium": "m", "large": "l", "huge": "h",
         "giant": "g", "gigantic": "g", "enormous": "e"}
_PARENS = re.compile(r"\(([^()]*)\)")
_TIMM = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)?$")
_TIMM_ARCH = re.compile(r"^([a-z0-9]+?)_(%s)(?:_|$)" % "|".join(SIZES))
MEASURED_TIER = 9


def strip_setting(name: str) -> str:
    """Drop protocol words from parenthesised details: "BASIC-L (Lion, fine-tuned)" → "BASIC-L (Lion)"."""
    def keep(match: re.Match) -> str:
        parts = [p.strip() for p in match.group(1).split(",")]
        parts = [p for p in parts if p and not is_setting_phrase(p)]
        return f"({', '.join(parts)})" if parts else ""
    return re.sub(r"\s+", " ", _PARENS.sub(keep, name)).strip()


def timm_display(model: str) -> str:
    """`eva02_large_patch14_448.mim_m38m_ft_in22k_in1k` → "EVA-02-L"; unknown shapes keep the arch."""
    arch = model.split(".", 1)[0]
    match = _TIMM_ARCH.match(arch)
    if not match:
        return arch
    family = timm_families().get(match.group(1), match.group(1))
    return f"{family}-{SIZES[match.group(2)].upper()}"


def display_name(source: str, model: str) -> str:
    """The name a canonical model would show, before choosing among sources."""
    alias = aliases()
    if model.lower() in alias:
        return alias[model.lower()]
    name = timm_display(model) if source == "timm" and _TIMM.match(model) else strip_setting(model)
    return alias.get(name.lower(), name)


def name_key(name: str) -> str:
    """Normalised matching key: lower case, size words as letters, only letters and digits."""
    tokens = re.findall(r"[a-z]+|\d+", name.lower())
    return "".join(SIZES.get(t, t) for t in tokens)


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


def reconcile(db: Database) -> dict:
    """Recompute the model map; write only the rows that changed. Returns counts."""
    linked = link_papers(db)
    tiers = {r["name"]: r["tier"] if r["tier"] is not None else MEASURED_TIER
             for r in db.query("SELECT name, tier FROM sources")}
    pairs = list(db.query(
        "SELECT r.source, r.model, min(coalesce(p.arxiv_id, r.paper_id)) AS paper "
        "FROM results r LEFT JOIN papers p ON p.id = r.paper_id GROUP BY r.source, r.model"))
    keyed = {(p["source"], p["model"]): name_key(display_name(p["source"], p["model"])) for p in pairs}
    decisions = {(r["source"], r["model"]): r for r in db.query("SELECT * FROM merge_reviews")}
    proposals = _paper_proposals(pairs, keyed)
    for pair, target in proposals.items():
        decided = decisions.get(pair)
        if decided and decided["status"] == "accepted":
            keyed[pair] = decided["canonical_key"]
    names: dict[str, Counter] = defaultdict(Counter)
    for (source, model), key in keyed.items():
        names[key][(tiers.get(source, MEASURED_TIER), display_name(source, model))] += 1
    canonical = {key: _choose_name(counter) for key, counter in names.items()}
    written = _write(db, canonical, keyed, proposals, decisions)
    conflicts = save_conflicts(db)
    return {"models": len(canonical), "names": len(keyed), "papers_linked": linked,
            "conflicts": conflicts, **written}


def _choose_name(counter: Counter) -> str:
    """Best tier first (a paper's own spelling beats timm's), then most used, then shortest."""
    (tier, name), _ = min(counter.items(), key=lambda kv: (kv[0][0], -kv[1], len(kv[0][1]), kv[0][1]))
    return name


def _paper_proposals(pairs: list[dict], keyed: dict) -> dict:
    """Names found in one source only whose key sits inside exactly one key that another
    source gives the same paper ("ViT-G" in an abstract, "Model soups (ViT-G/14)" on PWC).

    Variants within one source ("CAFormer-B36 (224 res)" / "(384 res)") are never proposed.
    """
    by_paper: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for p in pairs:
        if p["paper"]:
            by_paper[p["paper"]][keyed[(p["source"], p["model"])]].add(p["source"])
    sources_of_key: dict[str, set] = defaultdict(set)
    for (source, _), key in keyed.items():
        sources_of_key[key].add(source)
    proposals = {}
    for p in pairs:
        key = keyed[(p["source"], p["model"])]
        if len(sources_of_key[key]) > 1 or not p["paper"] or len(key) < 3:
            continue
        hosts = [k for k, srcs in by_paper[p["paper"]].items()
                 if k != key and key in k and p["source"] not in srcs]
        if len(hosts) == 1:
            proposals[(p["source"], p["model"])] = hosts[0]
    return proposals


def _write(db: Database, canonical: dict, keyed: dict, proposals: dict, decisions: dict) -> dict:
    stored = {r["key"]: r["name"] for r in db.query("SELECT key, name FROM canonical_models")}
    models = [{"key": k, "name": n} for k, n in canonical.items() if stored.get(k) != n]
    if models:
        db["canonical_models"].upsert_all(models, pk="key")
    gone = set(stored) - set(canonical)
    mapped = {(r["source"], r["model"]): r["canonical_key"] for r in db.query("SELECT * FROM model_map")}
    changes = [{"source": s, "model": m, "canonical_key": k} for (s, m), k in keyed.items()
               if mapped.get((s, m)) != k]
    if changes:
        db["model_map"].upsert_all(changes, pk=("source", "model"))
    for pair in set(mapped) - set(keyed):
        db.execute("DELETE FROM model_map WHERE source = ? AND model = ?", list(pair))
    for key in gone:
        db.execute("DELETE FROM canonical_models WHERE key = ?", [key])
    new_reviews = [{"source": s, "model": m, "canonical_key": k, "status": "pending",
                    "reason": f"same paper; '{m}' is part of the name of that paper's model"}
                   for (s, m), k in proposals.items() if (s, m) not in decisions]
    if new_reviews:
        db["merge_reviews"].insert_all(new_reviews, pk=("source", "model"))
    return {"models_written": len(models), "map_written": len(changes), "reviews_added": len(new_reviews)}


def decide_reviews(db: Database, accept: tuple[int, ...], reject: tuple[int, ...]) -> int:
    """Record decisions on merge reviews (by rowid), then reconcile again."""
    now = now_iso()
    n = 0
    for status, ids in (("accepted", accept), ("rejected", reject)):
        for rowid in ids:
            n += db.execute("UPDATE merge_reviews SET status = ?, decided_at = ? WHERE rowid = ?",
                            [status, now, rowid]).rowcount
    reconcile(db)
    return n


def reconcile_if_needed(db: Database, changed: bool) -> dict | None:
    """`reconcile(db)` when results changed or the alias rules changed since the last time
    (a rules edit reaches the model map at the next run); None when nothing needed doing."""
    rules_now = fingerprint(("aliases",))
    if not changed and get_state(db, "reconciled_with") == rules_now:
        return None
    counts = reconcile(db)
    set_state(db, "reconciled_with", rules_now)
    return counts
