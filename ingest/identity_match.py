"""Which names are the same trained model: matching on identity fields, paper first.

Input: one `Unit` per (source, name, paper) — a name used by two papers is two units, since
"ResNet-50" in two papers is two models — with its parsed `Identity` and its values. Output:
groups of units (one group = one trained model) with the reason each unit joined, and the
uncertain pairs to put before a reviewer. The rules, in order:

1. A reported name joins another reported name only inside one paper: the same name (protocol
   words aside) in one source; across sources, compatible fields plus the same value (within
   rounding) for the same dataset, metric and protocol, or fully specified equal fields and no
   value that disagrees. An unsure pair is proposed for review, never merged.
2. A reviewer's decision on a pair (accepted / rejected) overrides 1 and survives reprocessing.
3. A timm checkpoint joins a paper's model only when it is that paper's released weights (origin
   "authors" and the paper among its papers, from rules/identity.toml), its fields agree, and its
   measured top-1 lies within the tolerance of the paper's number; of several such checkpoints
   the nearest wins. Everything else stays a model of its own.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ingest.identity import Identity, key
from rules import identity as vocab

SUPERVISED_TOP1 = (("imagenet-1k", "top1_acc", "supervised"), ("imagenet-1k", "top1_acc", "unstated"))
UNSTATED = "unstated"   # the protocol of a number whose source names none (an abstract's "84.4%")


@dataclass
class Unit:
    source: str
    model: str
    paper: str                    # paper id ('' when the row names none)
    title: str | None
    identity: Identity            # from the name, with what the source's rows say about extra data
    values: dict = field(default_factory=dict)   # (dataset, metric, protocol) -> [(value, raw)]
    signature: Identity | None = None            # from the name alone (one source's spellings)
    measured: bool = False
    tier: int = 9
    no_extra: bool = False        # a leaderboard row says "no additional data" (weak: often unflagged)

    @property
    def name(self) -> tuple[str, str]:
        return (self.source, self.model)


@dataclass
class Review:
    unit: int                     # the name a reviewer decides on (unit index)
    target: int                   # the name it would join (unit index)
    reason: str
    evidence: str


@dataclass
class Matching:
    groups: list[list[int]]       # unit indexes per trained model
    reasons: dict[int, str]       # unit index -> why it joined its group
    reviews: list[Review]


def _decimals(raw: str) -> int:
    text = str(raw).strip().rstrip("%").strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def same_value(a: tuple, b: tuple) -> bool:
    """Two (value, raw) pairs agree within the rounding of the coarser one."""
    places = min(_decimals(a[1]), _decimals(b[1]))
    return abs(a[0] - b[0]) <= 0.5 * 10 ** -places + 1e-9


def value_relation(a: Unit, b: Unit) -> str:
    """'equal' when some (dataset, metric, protocol) has a value in common — a number with no
    stated protocol may meet any protocol — 'differ' when both state one protocol and none
    agree, 'none' otherwise."""
    for (ds, metric, protocol), xs in a.values.items():
        for (ds2, metric2, protocol2), ys in b.values.items():
            if (ds, metric) == (ds2, metric2) and UNSTATED in (protocol, protocol2) or protocol == protocol2:
                if (ds, metric) == (ds2, metric2) and any(same_value(x, y) for x in xs for y in ys):
                    return "equal"
    comparable = {(UNSTATED, UNSTATED), (UNSTATED, "supervised"), ("supervised", UNSTATED)}
    for (ds, metric, protocol) in a.values:
        for (ds2, metric2, protocol2) in b.values:
            if (ds, metric) == (ds2, metric2) and (protocol == protocol2 or (protocol, protocol2) in comparable):
                return "differ"
    return "none"


def _corpus(name: str | None) -> str | None:
    return vocab.corpus_equivalents().get(name, name) if name else None


def same_corpus(a: str | None, b: str | None) -> bool:
    """Two stated corpora are the same data: equal (after equivalents), or one names the other's
    family without its size ("JFT" and "JFT-3B")."""
    x, y = _corpus(a), _corpus(b)
    if x == y:
        return True
    families = vocab.corpus_families()
    return y in families.get(x, ()) or x in families.get(y, ())


def compare(a: Identity, b: Identity) -> tuple[bool, list[str]]:
    """(compatible, the fields one side leaves unstated). Stated fields must agree."""
    loose: list[str] = []
    if a.title_name or b.title_name:
        return True, ["family"]
    fa, fb = a.compare_family, b.compare_family
    if fa != fb:
        if not (a.size or b.size) or not ((not a.size and fa in (b.wrapper, b.method))
                                         or (not b.size and fb in (a.wrapper, a.method))):
            return False, []
        loose.append("family")
    for name in ("size", "width", "patch", "resolution"):
        x, y = getattr(a, name), getattr(b, name)
        if x and y and x != y:
            return False, []
        if bool(x) != bool(y) and name != "patch":
            loose.append(name)
    if a.corpus and b.corpus and not same_corpus(a.corpus, b.corpus):
        return False, []
    if a.extra_data is not None and b.extra_data is not None and a.extra_data != b.extra_data:
        return False, []
    if a.method and b.method and a.method != b.method:
        return False, []
    if a.distilled != b.distilled or a.marks != b.marks or set(a.extras) != set(b.extras):
        return False, []
    if a.recipe and b.recipe and set(a.recipe) != set(b.recipe):
        return False, []
    if bool(a.recipe) != bool(b.recipe):
        loose.append("recipe")
    if _ensemble(a) != _ensemble(b):
        loose.append("ensemble")    # "ViT-G" in the soup paper's abstract is the soup: values decide
    if a.wrapper != b.wrapper:
        loose.append("wrapper")
    return True, loose


def _ensemble(ident: Identity) -> bool:
    """A soup, an ensemble or a combination of models: never the same model as one member."""
    words = vocab.words("ensemble")
    text = " ".join((ident.wrapper, ident.family, *ident.recipe, *ident.extras))
    return any(w in text for w in words)


class _Groups:
    """Union-find over unit indexes that keeps track of which sources each group holds."""

    def __init__(self, units: list[Unit]):
        self.parent = list(range(len(units)))
        self.sources = [{u.source} for u in units]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int, allow_same_source: bool = False) -> bool:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return False
        if not allow_same_source and self.sources[ri] & self.sources[rj]:
            return False
        self.parent[rj] = ri
        self.sources[ri] |= self.sources[rj]
        return True


def match(units: list[Unit], decisions: list[dict] | None = None) -> Matching:
    """Group `units` into trained models (see the module docstring for the rules)."""
    groups = _Groups(units)
    reasons: dict[int, str] = {}
    reviews: list[Review] = []
    rejected, accepted = _decided(units, decisions or [])
    by_paper: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        if not u.measured and u.paper:
            by_paper[u.paper].append(i)
    for members in by_paper.values():
        _within_paper(units, members, groups, reasons, reviews, rejected)
    for i, j in accepted:
        if groups.union(i, j, allow_same_source=True):
            reasons[j] = f"reviewer: accepted as the same model as {units[i].source} '{units[i].model}'"
    _attach_timm(units, groups, reasons, reviews, rejected, accepted)
    out: dict[int, list[int]] = defaultdict(list)
    for i in range(len(units)):
        out[groups.find(i)].append(i)
    decided = rejected | {frozenset(p) for p in accepted}
    seen: set = set()
    kept = []
    for r in reviews:
        pair = frozenset((r.unit, r.target))
        if pair not in decided and pair not in seen and groups.find(r.unit) != groups.find(r.target):
            seen.add(pair)
            kept.append(r)
    reviews = kept
    return Matching(groups=list(out.values()), reasons=reasons, reviews=reviews)


def _decided(units: list[Unit], decisions: list[dict]) -> tuple[set, list]:
    """Reviewer decisions on (name, name) pairs as unit index pairs: rejected set, accepted list."""
    index: dict[tuple, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        index[u.name].append(i)
    rejected, accepted = set(), []
    for d in decisions:
        a = index.get((d["source"], d["model"]), [])
        b = index.get((d["target_source"], d["target_model"]), [])
        pairs = [(i, j) for i in a for j in b if units[i].paper == units[j].paper or units[j].measured
                 or units[i].measured]
        for i, j in pairs:
            if d["status"] == "rejected":
                rejected.add(frozenset((i, j)))
            elif d["status"] == "accepted":
                accepted.append((j, i))
    return rejected, accepted


def _within_paper(units, members, groups, reasons, reviews, rejected) -> None:
    # 1. One source, the same fields: one name written two ways ("CoCa", "CoCa (finetuned)").
    by_sig: dict[tuple, list[int]] = defaultdict(list)
    for i in members:
        by_sig[(units[i].source, units[i].signature or units[i].identity)].append(i)
    for same in by_sig.values():
        for j in same[1:]:
            if groups.union(same[0], j, allow_same_source=True):
                reasons[j] = f"same fields as '{units[same[0]].model}' in {units[j].source} (protocol words aside)"
    # 1b. One source, one model under two protocols: the zero-shot "Florence-CoSwin-H (@384pix)"
    # and the fine-tuned "Florence-CoSwin-H" — compatible fields, no protocol in common, and
    # each the other's only such name.
    by_root: dict[int, list[int]] = defaultdict(list)
    for i in members:
        by_root[groups.find(i)].append(i)
    partners: dict[int, list[int]] = defaultdict(list)
    roots = sorted(by_root)
    for x in roots:
        for y in roots:
            if x < y and _one_model_two_protocols(units, by_root[x], by_root[y], rejected):
                partners[x].append(y)
                partners[y].append(x)
    for x, ys in partners.items():
        y = ys[0]
        if len(ys) == 1 and len(partners[y]) == 1 and x < y and groups.union(x, y, allow_same_source=True):
            reasons[y] = f"same paper and source as '{units[x].model}': one model under two protocols"
    # 2. Across sources: each name's best match per other source, kept only when unique and
    # mutual; strongest first, one group of a source per model.
    best: dict[tuple, tuple] = {}
    for i in members:
        for source in sorted({units[j].source for j in members} - {units[i].source}):
            by_group: dict[int, tuple] = {}
            for j in members:
                if units[j].source == source and frozenset((i, j)) not in rejected:
                    strength, why = _strength(units[i], units[j])
                    root = groups.find(j)
                    if strength and strength > by_group.get(root, (0,))[0]:
                        by_group[root] = (strength, why, j)
            if not by_group:
                continue
            top_strength = max(v[0] for v in by_group.values())
            top = [v for v in by_group.values() if v[0] == top_strength]
            best[(i, source)] = (top_strength, top)
    edges = []
    for (i, source), (strength, top) in best.items():
        j = top[0][2]
        back = best.get((j, units[i].source))
        mutual = back is not None and len(back[1]) == 1 and groups.find(back[1][0][2]) == groups.find(i)
        if strength >= 2 and len(top) == 1 and mutual:
            edges.append((strength, i, j, top[0][1]))
        elif strength >= 1 and (i < j or not back):
            reviews.append(Review(i, j, "same paper; the names may be one model",
                                  _evidence(units[i], units[j], [units[t] for _, _, t in top])))
    # the less canonical name (an abstract's) joins the more canonical one and carries the reason
    for strength, i, j, why in sorted(edges, key=lambda e: (-e[0], -units[e[1]].tier, e[1], e[2])):
        if groups.union(j, i):
            reasons.setdefault(i, f"{why} as {units[j].source} '{units[j].model}'")


def _one_model_two_protocols(units: list[Unit], xs: list[int], ys: list[int], rejected: set) -> bool:
    """Two groups of one source's names: no protocol in common, the same pre-training method,
    and every pair of names compatible."""
    if {units[i].source for i in xs} != {units[j].source for j in ys} or len({units[i].source for i in xs}) != 1:
        return False
    if {p for i in xs for p in _protocols(units[i])} & {p for j in ys for p in _protocols(units[j])}:
        return False
    for i in xs:
        for j in ys:
            a, b = units[i].signature or units[i].identity, units[j].signature or units[j].identity
            if frozenset((i, j)) in rejected or a.method != b.method or not compare(a, b)[0]:
                return False
    return True


def _protocols(u: Unit) -> set[str]:
    """The protocols a unit's numbers were obtained under (unstated counts as supervised)."""
    return {"supervised" if p == UNSTATED else p for _, _, p in u.values}


def _strength(a: Unit, b: Unit) -> tuple[int, str]:
    """3: compatible and the same value; 2: all fields stated and equal, no value disagrees;
    1: compatible but unsure (for review); 0: different."""
    ok, loose = compare(a.identity, b.identity)
    if not ok:
        return 0, ""
    relation = value_relation(a, b)
    if relation == "equal":
        return 3, "same paper + same value"
    if a.identity.title_name or b.identity.title_name or "ensemble" in loose:
        return 0, ""    # a paper's title or a soup / ensemble name meets a model by its value only
    if not loose and relation == "none":
        return 2, "same paper + same fields"
    if relation == "differ" and loose:
        return 0, ""
    return 1, "same paper, unsure"


def _evidence(u: Unit, target: Unit, candidates: list[Unit]) -> str:
    def show(x: Unit) -> str:
        vals = "; ".join(f"{m}/{p} {', '.join(r for _, r in v)}" for (d, m, p), v in sorted(x.values.items()))
        return f"{x.source} '{x.model}' [{vals}]"
    others = [show(c) for c in candidates if c is not target]
    return " | ".join([show(u), show(target)] + (["also: " + ", ".join(others)] if others else []))


def _paper_matches(refs: tuple, unit: Unit) -> bool:
    title = key(unit.title or "")
    return any(r == unit.paper or (title and key(r) == title) for r in refs)


def _family_papers(unit: Unit, timm: Unit) -> bool:
    """The timm checkpoint's paper is this unit's paper: by rule, else by a title that is the
    family's own name ("GhostNet: More Features from Cheap Operations" for ghostnet)."""
    ident = timm.identity
    if ident.origin != "authors":
        return False
    if ident.papers:
        return _paper_matches(ident.papers, unit)
    rule = vocab.family(ident.family)
    head = key((unit.title or "").split(":")[0])
    names = {key(ident.family), key(rule.get("display", ""))} | {key(n) for n in rule.get("names", ())}
    return bool(head) and head in names


def _top1(u: Unit) -> list[tuple]:
    return [v for k in SUPERVISED_TOP1 for v in u.values.get(k, [])]


def _timm_fits(g: Identity, t: Identity) -> bool:
    """The checkpoint's fields agree with the paper's model (a model named without any size —
    "GhostNetV2" in an abstract — fits every size; its number decides, see `_attach_timm`)."""
    if g.compare_family != t.compare_family:
        return False
    for name in ("size", "width"):
        if getattr(g, name) != getattr(t, name) and (g.size or g.width):
            return False
    for name in ("patch", "resolution"):
        x, y = getattr(g, name), getattr(t, name)
        if x and y and x != y:
            return False
    if g.extra_data is False and t.corpus:
        return False
    if g.corpus and (not t.corpus or not same_corpus(g.corpus, t.corpus)):
        return False
    if g.method and g.method != t.method:
        return False
    if g.distilled != t.distilled or g.marks != t.marks:
        return False
    if set(g.extras) - set(t.recipe) - {t.method} != set(t.extras):    # "ViT-B/16-SAM": recipe `sam`
        return False
    if _ensemble(g) != _ensemble(t):
        return False
    return set(g.recipe) <= set(t.recipe) | {t.method}


def _merged_identity(units: list[Unit], members: list[int]) -> Identity:
    """The most specific statement of a reported group's fields (first member stating each)."""
    ordered = sorted(members, key=lambda i: (units[i].tier, i))
    base = units[ordered[0]].identity
    changes = {}
    for name in ("size", "width", "patch", "resolution", "corpus", "extra_data", "method", "recipe"):
        if not getattr(base, name) and getattr(base, name) is not False:
            for i in ordered[1:]:
                value = getattr(units[i].identity, name)
                if value or value is False:
                    changes[name] = value
                    break
    return base if not changes else Identity(**{**base.__dict__, **changes})


def _attach_timm(units, groups, reasons, reviews, rejected, accepted) -> None:
    tolerance = vocab.measured_tolerance()
    timm_by_family: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        if u.measured:
            timm_by_family[u.identity.compare_family].append(i)
    accepted_timm = {j for pair in accepted for j in pair if units[j].measured}
    members: dict[int, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        if not u.measured:
            members[groups.find(i)].append(i)
    claims: list[tuple[float, int, int]] = []
    all_timm = [t for ts in timm_by_family.values() for t in ts]
    for root, idx in members.items():
        ident = _merged_identity(units, idx)
        reported = [v for i in idx for v in _top1(units[i])]
        anchor = units[idx[0]]
        if not reported or not anchor.paper or not (ident.compare_family or ident.title_name):
            continue
        no_extra = any(units[i].no_extra for i in idx)
        scored = []
        # a name that is its paper's title stands for the paper's headline model: any checkpoint
        # released with that paper may be it, and only the value can say which
        pool = all_timm if ident.title_name else timm_by_family.get(ident.compare_family, [])
        for t in pool:
            if t in accepted_timm or any(frozenset((i, t)) in rejected for i in idx):
                continue
            tid = units[t].identity
            if not ident.title_name and not _timm_fits(ident, tid):
                continue
            if not _family_papers(anchor, units[t]):
                continue
            diff = min(abs(m[0] - r[0]) for m in _top1(units[t]) for r in reported) if _top1(units[t]) else 99
            if diff <= tolerance:
                doubted = (no_extra and tid.corpus and not ident.corpus and not tid.tagged_paper
                           and not (ident.method and ident.method == tid.method))
                scored.append((diff, t, doubted))
        scored.sort()
        sizeless = not (ident.size or ident.width or ident.title_name)
        exact: list = []
        if sizeless:
            exact = [x for x in scored if not (units[x[1]].identity.size or units[x[1]].identity.width)]
            distinct = {round(v[0], 1) for v in reported}
            if exact:
                scored = exact
            elif len(scored) > 1 or len(distinct) > 1:
                continue    # a name without a size fits only one checkpoint near its one number
        # the leaderboard says IN-1K only; neither the name nor the tag's paper says otherwise
        scored = [(d, t) for d, t, doubted in scored if not doubted]
        if len(scored) > 1 and scored[1][0] - scored[0][0] < 0.05:
            reviews.append(Review(scored[0][1], idx[0], "released weights; two checkpoints fit",
                                  _evidence(units[scored[0][1]], anchor, [units[scored[1][1]]])))
            continue
        if scored:
            claims.append((sizeless and not exact, scored[0][0], root, scored[0][1]))
    taken: set[int] = set()
    for _, diff, root, t in sorted(claims):    # names that state a size claim first
        if t in taken:
            continue
        taken.add(t)
        anchor = units[min(members[root], key=lambda i: (units[i].tier, i))]
        if groups.union(root, t):
            reasons[t] = (f"released weights: {units[t].identity.origin} checkpoint of '{anchor.title or anchor.paper}', "
                          f"top-1 within {diff:.2f} of {anchor.source} '{anchor.model}'")
