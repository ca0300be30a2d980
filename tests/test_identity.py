"""Model identity: names parse into fields, fields and papers decide merges, decisions persist.

Pure parsing on names the sources really write; matching and reconcile on small real SQLite
databases built from a handful of result rows (no crawl).
"""
import json

import pytest

from conftest import ROOT
from db.connect import open_db
from db.migrations import ensure_db_shape
from ingest.identity import parse_name
from ingest.identity_timm import parse_timm
from ingest.reconcile import decide_reviews, reconcile


def fields(identity) -> dict:
    return {k: v for k, v in identity.__dict__.items() if v not in ("", None, (), False)}


@pytest.mark.parametrize("name,expected", [
    ("MAE (ViT-H, 448)", {"family": "vit", "size": "h", "resolution": 448, "method": "mae", "wrapper": "mae"}),
    ("ConvNeXt V2-Huge", {"family": "convnextv2", "size": "h"}),
    ("GhostNet ×1.0", {"family": "ghostnet", "width": "100"}),
    ("RegNetY-4.0GF", {"family": "regnety", "size": "4000mf"}),
    ("RegNetY-400MF", {"family": "regnety", "size": "400mf"}),
    ("NFNet-F4+", {"family": "nfnet", "size": "f4", "marks": "+"}),
    ("UniRepLKNet-B++", {"family": "unireplknet", "size": "b", "marks": "++"}),
    ("CAFormer-B36 (384 res, 21K)", {"family": "caformer", "size": "b36", "resolution": 384,
                                     "corpus": "ImageNet-21K", "extra_data": True}),
    ("ViT-B @224 (DeiT III, 21k)", {"family": "deit3", "arch": "vit", "size": "b", "resolution": 224,
                                    "corpus": "ImageNet-21K", "extra_data": True}),
    ("TinyViT-21M-384-distill (384 res, 21k)", {"family": "tinyvit", "size": "21m", "resolution": 384,
                                                "corpus": "ImageNet-21K", "extra_data": True, "distilled": True}),
    ("ResNeXt-101 32×16d", {"family": "resnext", "size": "10132x16d"}),
    ("Model soups (ViT-G/14)", {"family": "vit", "size": "g", "patch": 14, "wrapper": "soups"}),
    ("DaViT-Gaint", {"family": "davit", "size": "g"}),
    ("CoCa (finetuned)", {"family": "coca"}),
    ("BASIC-L (Lion, fine-tuned)", {"family": "basic", "size": "l", "recipe": ("lion",)}),
    ("CaiT-M-48-448", {"family": "cait", "size": "m48", "resolution": 448, "distilled": True}),
    ("MobileNet V3-Large 1.0", {"family": "mobilenetv3", "size": "l", "width": "100"}),
    ("ResNet50 (A1)", {"family": "resnet", "size": "50", "recipe": ("a1",)}),
    ("DiNAT-Large (11x11ks; 384res; Pretrained on IN22K@224)",
     {"family": "dinat", "size": "l", "resolution": 384, "corpus": "ImageNet-22K", "extra_data": True,
      "recipe": ("11x11ks",)}),
    ("MOAT-4 22K+1K", {"family": "moat", "size": "4", "corpus": "ImageNet-22K", "extra_data": True}),
    ("CLIP（ViT-L/14-336px）", {"family": "vit", "size": "l", "patch": 14, "resolution": 336,
                              "method": "clip", "wrapper": "clip"}),
    ("T2T-ViT-14|384", {"family": "t2tvit", "size": "14", "resolution": 384}),
    ("ConvMixer-1536/20", {"family": "convmixer", "size": "153620"}),
    ("ViT-L/16 Dosovitskiy et al. (2021)", {"family": "vit", "size": "l", "patch": 16}),
    ("ResNeXt-101 32x8d (semi-weakly sup.)", {"family": "resnext", "size": "10132x8d",
                                              "method": "swsl"}),
])
def test_written_names_parse_into_fields(name, expected):
    assert fields(parse_name(name)) == expected


def test_case_and_marks_are_kept_apart_from_papers():
    """`ViT-H/14` and `VIT-H/14` parse alike: only their papers keep them apart (see below)."""
    assert parse_name("ViT-H/14") == parse_name("VIT-H/14")
    assert parse_name("ConViT-B+") != parse_name("ConViT-B")
    assert parse_name("MOAT-0 1K only").extra_data is False


@pytest.mark.parametrize("name,expected", [
    ("vit_huge_patch14_clip_336.laion2b_ft_in12k_in1k",
     {"family": "vit", "size": "h", "patch": 14, "resolution": 336, "corpus": "LAION-2B", "extra_data": True,
      "method": "clip"}),
    ("dm_nfnet_f0.dm_in1k", {"family": "nfnet", "size": "f0", "origin": "authors",
                             "papers": ("High-Performance Large-Scale Image Recognition Without Normalization",)}),
    ("ghostnet_100.in1k", {"family": "ghostnet", "width": "100", "origin": "authors"}),
    ("regnety_040.pycls_in1k", {"family": "regnety", "size": "4000mf", "origin": "authors",
                                "papers": ("Designing Network Design Spaces",)}),
    ("regnety_040.ra3_in1k", {"family": "regnety", "size": "4000mf", "origin": "timm", "recipe": ("ra3",)}),
    ("resnest50d.in1k", {"family": "resnest", "size": "50", "origin": "authors"}),
    ("deit_base_distilled_patch16_224.fb_in1k",
     {"family": "deit", "size": "b", "patch": 16, "resolution": 224, "distilled": True, "origin": "authors",
      "papers": ("Training data-efficient image transformers & distillation through attention",)}),
    ("resnet50.tv_in1k", {"family": "resnet", "size": "50", "origin": "torchvision"}),
    ("edgenext_x_small.in1k", {"family": "edgenext", "size": "xs", "origin": "authors"}),
    ("swinv2_base_window12to24_192to384.ms_in22k_ft_in1k",
     {"family": "swinv2", "size": "b", "resolution": 384, "corpus": "ImageNet-22K", "extra_data": True,
      "origin": "authors"}),
])
def test_timm_names_parse_into_fields(name, expected):
    assert fields(parse_timm(name)) == expected


def test_timm_prefix_changes_a_tags_meaning():
    """`ra` on timm's own EfficientNet is timm's recipe; on a `tf_` port it is Google's RandAugment release."""
    assert parse_timm("efficientnet_b3.ra2_in1k").origin == "timm"
    ported = parse_timm("tf_efficientnet_b7.ra_in1k")
    assert ported.origin == "authors" and ported.papers == (
        "RandAugment: Practical automated data augmentation with a reduced search space",)


# --- reconcile on small databases built from names --------------------------------------------

SOURCES = (("pwc", 1, "reported"), ("arxiv", 3, "reported"), ("eff", 1, "reported"), ("timm", None, "measured"))
TITLES = {"2301.00808": "ConvNeXt V2: Co-designing and Scaling ConvNets with Masked Autoencoders",
          "2111.06377": "Masked Autoencoders Are Scalable Vision Learners",
          "2203.05482": "Model soups: averaging weights of multiple fine-tuned models improves accuracy",
          "2010.11929": "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
          "2101.03961": "Scaling Vision with Sparse Mixture of Experts",
          "1906.06423": "Fixing the train-test resolution discrepancy",
          "1805.00932": "Exploring the Limits of Weakly Supervised Pretraining",
          "pwc:ghostnet": "GhostNet: More Features from Cheap Operations",
          "pwc:a": "Paper A", "pwc:b": "Paper B", "pwc:c": "Paper C"}


def build(path, rows):
    """rows: (source, model, value, paper or None, setting or None[, resolution])."""
    db = open_db(path)
    ensure_db_shape(db)
    db["sources"].insert_all([{"name": n, "tier": t, "kind": k} for n, t, k in SOURCES], pk="name")
    db["papers"].insert_all([{"id": p, "arxiv_id": p if p[0].isdigit() else None, "title": t}
                             for p, t in TITLES.items()], pk="id")
    add(db, rows)
    return db


def add(db, rows):
    db["models"].insert_all([{"name": r[1]} for r in rows], pk="name", ignore=True)
    db["results"].insert_all([{
        "key": f"{r[0]}|{r[1]}|{r[3]}|{r[4]}|{r[5] if len(r) > 5 else ''}", "model": r[1],
        "dataset": "imagenet-1k", "metric": "top1_acc", "value": r[2], "raw_value": str(r[2]),
        "setting": r[4], "paper_id": r[3], "source": r[0], "source_url": "u", "fetched_at": "t",
        "kind": "measured" if r[0] == "timm" else "reported",
        "resolution": r[5] if len(r) > 5 else None} for r in rows], pk="id")


def keys(db) -> dict:
    return {(r["source"], r["model"]): r["canonical_key"] for r in db.query("SELECT * FROM model_map")}


def test_paper_weights_and_value_decide(tmp_path):
    db = build(tmp_path / "t.db", [
        ("arxiv", "ConvNeXt V2-Huge", 88.9, "2301.00808", None),
        ("timm", "convnextv2_huge.fcmae_ft_in22k_in1k_512", 88.86, None, None, 512),
        ("timm", "convnextv2_huge.fcmae_ft_in22k_in1k_384", 88.666, None, None, 384),
        ("timm", "convnextv2_huge.fcmae_ft_in1k", 86.26, None, None, 224),
        ("arxiv", "ViT-Huge", 87.8, "2111.06377", None),
        ("pwc", "MAE (ViT-H, 448)", 87.8, "2111.06377", None),
        ("pwc", "MAE (ViT-H)", 86.9, "2111.06377", None),
        ("timm", "vit_huge_patch14_clip_336.laion2b_ft_in12k_in1k", 88.6, None, None, 336),
        ("arxiv", "ViT-G", 90.94, "2203.05482", "finetuned"),
        ("pwc", "Model soups (ViT-G/14)", 90.94, "2203.05482", None),
        ("pwc", "ViT-H/14", 88.55, "2010.11929", None),
        ("pwc", "VIT-H/14", 88.08, "2101.03961", None),
        ("arxiv", "ResNeXt-101 32x48d", 86.4, "1906.06423", "finetuned"),
        ("pwc", "ResNeXt-101 32x48d", 85.4, "1805.00932", None),
        ("pwc", "GhostNet ×1.0", 73.9, "pwc:ghostnet", None),
        ("pwc", "GhostNet ×1.3", 75.7, "pwc:ghostnet", None),
        ("timm", "ghostnet_100.in1k", 73.97, None, None, 224),
    ])
    reconcile(db)
    k = keys(db)
    # the paper's number picks the checkpoint: the 512 IN-22K fine-tune, not its siblings
    assert k[("arxiv", "ConvNeXt V2-Huge")] == k[("timm", "convnextv2_huge.fcmae_ft_in22k_in1k_512")]
    assert len({k[("timm", n)] for n in ("convnextv2_huge.fcmae_ft_in22k_in1k_512",
                                         "convnextv2_huge.fcmae_ft_in22k_in1k_384",
                                         "convnextv2_huge.fcmae_ft_in1k")}) == 3
    # same paper, same value: the abstract's ViT-Huge is the 448 model; a CLIP ViT-H is not MAE's
    assert k[("arxiv", "ViT-Huge")] == k[("pwc", "MAE (ViT-H, 448)")] != k[("pwc", "MAE (ViT-H)")]
    assert k[("arxiv", "ViT-Huge")] != k[("timm", "vit_huge_patch14_clip_336.laion2b_ft_in12k_in1k")]
    assert k[("arxiv", "ViT-G")] == k[("pwc", "Model soups (ViT-G/14)")]
    # one name, two papers: two models
    assert k[("pwc", "ViT-H/14")] != k[("pwc", "VIT-H/14")]
    assert k[("arxiv", "ResNeXt-101 32x48d")] != k[("pwc", "ResNeXt-101 32x48d")]
    # a family rename and a width written two ways meet; another width does not
    assert k[("pwc", "GhostNet ×1.0")] == k[("timm", "ghostnet_100.in1k")] != k[("pwc", "GhostNet ×1.3")]
    reasons = dict(((r["source"], r["model"]), r["reason"]) for r in db.query("SELECT * FROM model_map"))
    assert reasons[("timm", "ghostnet_100.in1k")].startswith("released weights")
    assert reasons[("arxiv", "ViT-G")].startswith("same paper + same value")
    family = dict(db.execute("SELECT key, family FROM canonical_models").fetchall())
    assert family[k[("arxiv", "ViT-Huge")]] == family[k[("timm", "vit_huge_patch14_clip_336.laion2b_ft_in12k_in1k")]] == "ViT-H"


def test_a_name_several_papers_use_is_one_model_per_paper(tmp_path):
    db = build(tmp_path / "t.db", [("arxiv", "ResNet-50", 80.4, "pwc:a", None), ("arxiv", "ResNet-50", 79.8, "pwc:b", None),
                                   ("pwc", "ResNet-50", 80.4, "pwc:a", None)])
    reconcile(db)
    k = keys(db)
    assert k[("arxiv", "ResNet-50")] != k[("pwc", "ResNet-50")]   # the arXiv name is two papers' models
    per_paper = dict(((r["paper"]), r["canonical_key"]) for r in db.query("SELECT * FROM model_paper_map"))
    assert per_paper["pwc:a"] == k[("pwc", "ResNet-50")] != per_paper["pwc:b"]
    board = {(r["canonical_key"], r["value"]) for r in db.query("SELECT canonical_key, value FROM results_canonical")}
    assert (per_paper["pwc:b"], 79.8) in board and (per_paper["pwc:a"], 80.4) in board


def test_review_decisions_survive_reconcile_and_rebuilt_results(tmp_path):
    rows = [("arxiv", "MSN", 72.4, "pwc:c", None), ("pwc", "MSN (ViT-L/7)", 80.7, "pwc:c", "linear_probe"),
            ("arxiv", "PoolFormer", 82.1, "pwc:a", None), ("pwc", "PoolFormer-M48", 77.2, "pwc:a", "linear_probe")]
    db = build(tmp_path / "t.db", rows)
    reconcile(db)
    pending = {r["model"]: r for r in db.query("SELECT rowid AS n, * FROM merge_reviews WHERE status = 'pending'")}
    assert set(pending) == {"MSN", "PoolFormer"}
    assert pending["MSN"]["target_model"] == "MSN (ViT-L/7)" and "80.7" in pending["MSN"]["evidence"]
    decide_reviews(db, accept=(pending["PoolFormer"]["n"],), reject=(pending["MSN"]["n"],))
    assert keys(db)[("arxiv", "PoolFormer")] == keys(db)[("pwc", "PoolFormer-M48")]
    # results are rebuilt from the archive: every row goes and comes back with new ids
    db.execute("DELETE FROM results")
    add(db, rows)
    reconcile(db)
    k = keys(db)
    assert k[("arxiv", "PoolFormer")] == k[("pwc", "PoolFormer-M48")]
    assert k[("arxiv", "MSN")] != k[("pwc", "MSN (ViT-L/7)")]
    assert [r["reason"] for r in db.query("SELECT reason FROM model_map WHERE model = 'PoolFormer'")][0].startswith("reviewer")
    assert db.execute("SELECT count(*) FROM merge_reviews WHERE status = 'pending'").fetchone()[0] == 0


def test_labelled_pairs_are_facts_with_both_splits():
    pairs = json.loads((ROOT / "tests" / "labels" / "identity_pairs.json").read_text("utf-8"))["pairs"]
    assert len(pairs) >= 250
    assert {p["split"] for p in pairs} == {"dev", "heldout"}
    assert {True, False} == {p["same"] for p in pairs}
    sources = {p[s]["source"] for p in pairs for s in ("a", "b")}
    assert {"timm", "pwc", "arxiv", "eff"} <= sources
    assert all(p["why"] and p["a"] != p["b"] for p in pairs)
    assert len({frozenset((tuple(p["a"].values()), tuple(p["b"].values()))) for p in pairs}) == len(pairs)
