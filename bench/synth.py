"""Synthetic results shaped like the real ones (timm CSV rows, PWC leaderboard records).

Deterministic (seeded): the same `n` always gives the same items. `timm_items` and `pwc_items`
yield the dicts a spider writes to `items.jsonl` (what `ingest.load.save_items` reads), with the
real sources' key formats, model-name shapes, value ranges and evidence sizes.
"""
from __future__ import annotations

import json
import random
from typing import Iterator

FETCHED_AT = "2026-01-15T03:15:00+00:00"
TIMM_URL = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/{}"
PWC_URL = "https://web.archive.org/web/20231214000000id_/https://paperswithcode.com/sota/{}"
TIMM_FILES = {"imagenet-1k": "results-imagenet.csv", "imagenet-real": "results-imagenet-real.csv",
              "imagenet-v2": "results-imagenetv2-matched-frequency.csv",
              "imagenet-sketch": "results-sketch.csv", "imagenet-r": "results-imagenet-r.csv",
              "imagenet-r-clean": "results-imagenet-r-clean.csv", "imagenet-a": "results-imagenet-a.csv",
              "imagenet-a-clean": "results-imagenet-a-clean.csv"}
ARCHS = ("resnet", "convnext", "vit", "eva02", "deit3", "beit", "swin", "efficientnet", "regnety",
         "maxvit", "coatnet", "levit", "mobilenetv3", "caformer", "convformer", "dm_nfnet",
         "tf_efficientnetv2", "xcit", "volo", "edgenext", "fastvit", "hiera", "mambaout", "nextvit")
SIZES = ("tiny", "small", "base", "medium", "large", "huge", "giant")
TAGS = ("in1k", "in22k_ft_in1k", "fb_in22k_ft_in1k", "mim_in22k_ft_in1k", "sw_in12k_ft_in1k",
        "a1_in1k", "ra_in1k", "clip_laion2b_ft_in1k", "mim_m38m_ft_in22k_in1k", "ap_in1k")
CORPORA = {"in1k": None, "in22k_ft_in1k": "ImageNet-22K", "fb_in22k_ft_in1k": "ImageNet-22K",
           "mim_in22k_ft_in1k": "ImageNet-22K", "sw_in12k_ft_in1k": "ImageNet-12K", "a1_in1k": None,
           "ra_in1k": None, "clip_laion2b_ft_in1k": "LAION-2B", "mim_m38m_ft_in22k_in1k": "Merged-38M",
           "ap_in1k": None}
RESOLUTIONS = (160, 224, 256, 288, 320, 384, 448, 512)
PWC_PAGES = (("image-classification-on-imagenet", None),
             ("self-supervised-image-classification-on-imagenet", "linear_probe"),
             ("zero-shot-transfer-image-classification-on-imagenet", "zero_shot"))
PWC_WORDS = ("Vision", "Transformer", "Scaling", "Masked", "Contrastive", "Efficient", "Sparse",
             "Hierarchical", "Learning", "Networks", "Attention", "Convolutional", "Pre-training",
             "Representations", "Self-supervised", "Distillation", "Mixture", "Experts")


def timm_model(i: int) -> tuple[str, str]:
    """(timm checkpoint name, pretrain tag), the name distinct for every i:
    `convnext_base_patch12.fb_in22k_ft_in1k_17`."""
    arch = ARCHS[i % len(ARCHS)]
    size = SIZES[(i // len(ARCHS)) % len(SIZES)]
    tag = TAGS[(i // (len(ARCHS) * len(SIZES))) % len(TAGS)]
    serial = i // (len(ARCHS) * len(SIZES) * len(TAGS))
    return f"{arch}_{size}_patch{8 + i % 9}.{tag}" + (f"_{serial}" if serial else ""), tag


def timm_items(n: int, seed: int = 1, datasets: tuple[str, ...] = tuple(TIMM_FILES),
               source: str = "timm") -> Iterator[dict]:
    """n timm-like results: every model × dataset × (top1, top5), as the spider yields them."""
    rng = random.Random(seed)
    made = model_index = 0
    while made < n:
        model, tag = timm_model(model_index)
        model_index += 1
        res = RESOLUTIONS[model_index % len(RESOLUTIONS)]
        params = rng.randint(2_000, 1_000_000) * 1000
        corpus = CORPORA[tag]
        for dataset in datasets:
            top1 = round(rng.uniform(20.0, 90.0), 3)
            top5 = round(min(99.99, top1 + rng.uniform(3.0, 15.0)), 3)
            evidence = (f"{model},{res},{top1:.3f},{100 - top1:.3f},{top5:.3f},{100 - top5:.3f},"
                        f"{params / 1e6:.2f},{rng.choice((0.875, 0.9, 0.95, 1.0)):.3f},bicubic")
            for metric, value in (("top1_acc", top1), ("top5_acc", top5)):
                if made >= n:
                    return
                made += 1
                yield {"source": source, "key": f"{source}|{dataset}|{model}|{res}|{metric}",
                       "model": model, "dataset": dataset, "metric": metric, "value": value,
                       "raw_value": f"{value:.3f}",
                       "source_url": TIMM_URL.format(TIMM_FILES.get(dataset, f"results-{dataset}.csv")),
                       "fetched_at": FETCHED_AT, "evidence": evidence, "kind": "measured",
                       "setting": None, "extra_data": corpus is not None, "extra_data_corpus": corpus,
                       "params": params, "resolution": res, "published": None, "date_precision": None,
                       "flags": None, "paper": None, "confidence": None, "evidence_start": None,
                       "evidence_end": None, "record": "result"}


def pwc_name(rng: random.Random, i: int) -> tuple[str, str]:
    """(method name, paper slug) like the PWC tables: "ViT-L/16 (JFT-300M, fine-tuned)"."""
    base = f"{rng.choice(ARCHS).replace('_', '-').upper()}-{rng.choice('TSBLHG')}"
    detail = rng.choice(("", " (JFT-300M)", " (fine-tuned)", " (384 res)", f" ({rng.randint(2, 64)})"))
    slug = "-".join(rng.sample(PWC_WORDS, 4)).lower() + f"-{i // 2}"
    return f"{base}{detail} #{i}", slug


def pwc_items(n: int, seed: int = 2, dataset: str = "imagenet-1k", source: str = "pwc",
              metrics: tuple[str, ...] = ("top1_acc", "top5_acc"), start_year: int = 2012,
              years: int = 12, first_row: int = 10_000) -> Iterator[dict]:
    """n PWC-like reported results: dated, with a paper reference and the JSON record as evidence.
    Keys are `source|leaderboard slug|row id|metric`; row ids count from `first_row`."""
    rng = random.Random(seed)
    pages = PWC_PAGES if dataset == "imagenet-1k" else (
        (f"image-classification-on-{dataset}", None), (f"zero-shot-transfer-image-classification-on-{dataset}", "zero_shot"))
    for i in range(n):
        slug, setting = pages[i % len(pages)]
        metric = metrics[(i // len(pages)) % len(metrics)]
        method, paper_slug = pwc_name(rng, i)
        if metric.endswith("_err"):
            value = round(rng.uniform(1.0, 30.0), 2)
        else:
            value = round(rng.uniform(60.0, 92.5) if metric == "top1_acc" else rng.uniform(85.0, 99.0), 2)
        published = f"{start_year + rng.randrange(years)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        row_id = first_row + i
        record = {"evaluation_date": published, "external_source_url": None, "method": method,
                  "method_details": None, "method_short": method.split(" (")[0],
                  "metrics": {"Top 1 Accuracy": f"{value}%", "Number of params": f"{rng.randint(5, 2000)}M"},
                  "paper": {"code": rng.random() < 0.5, "id": 1_000_000 + i, "published": f"{published}T00:00:00.000000",
                            "title": paper_slug.replace("-", " ").title(), "url": f"/paper/{paper_slug}"},
                  "rank": i + 1, "row_id": row_id, "table_id": 116, "tags": [],
                  "uses_additional_data": rng.random() < 0.3}
        yield {"source": source, "key": f"{source}|{slug}|{row_id}|{metric}", "model": method,
               "dataset": dataset, "metric": metric, "value": value, "raw_value": f"{value}%",
               "source_url": PWC_URL.format(slug), "fetched_at": FETCHED_AT,
               "evidence": json.dumps(record), "kind": "reported", "setting": setting,
               "extra_data": record["uses_additional_data"], "extra_data_corpus": None,
               "params": rng.randint(5, 2000) * 1_000_000, "resolution": None, "published": published,
               "date_precision": None, "flags": "withdrawn" if rng.random() < 0.002 else None,
               "paper": {"id": f"pwc:{paper_slug}", "arxiv_id": None,
                         "title": paper_slug.replace("-", " ").title(),
                         "url": f"https://paperswithcode.com/paper/{paper_slug}", "published": published},
               "confidence": None, "evidence_start": None, "evidence_end": None, "record": "result"}
