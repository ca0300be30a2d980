"""Unit tests of the column classifier, dataset and setting words, and role inference
(ingest.table_vocab, ingest.table_columns, ingest.table_roles), on header texts and captions
written the way papers write them."""
from __future__ import annotations

import lxml.html
import pytest

from ingest.table_columns import classify_columns, label_columns
from ingest.table_grid import build_grid
from ingest.table_layout import read_layout
from ingest.table_roles import (abstract_names, caption_subjects, is_ablation, ours_name, row_role,
                                title_names)
from ingest.table_vocab import Words, column_kind, datasets_in, header_datasets


@pytest.mark.parametrize("header, kind", [
    ("Top-1 (%)", "top1"), ("top-1 acc.", "top1"), ("Acc@1", "top1"), ("ImageNet-1K top-5", "top5"),
    ("Top-1 / Top-5 (%)", "top1/top5"), ("IN-1K Acc.", "acc"), ("0-shot Acc.↑", "acc"),
    ("Top-1 err.", "err"), ("AP<sup>box</sup>", "metric"), ("APbox", "metric"), ("mIoU", "metric"),
    ("rFID↓", "metric"), ("change", "change"), ("Δ Top-1", "change"), ("#Params", "params"),
    ("Params (M)", "params"), ("GFLOPs", "flops"), ("FLOPs (G)", "flops"), ("image size", "res"),
    ("Res.", "res"), ("throughput (image / s)", "other"), ("Epochs", "other"), ("Pre-train data", "data"),
    ("Seen Data", "data"), ("Method", "label"), ("Backbone", "label"), ("ImageNet-1K", None), ("LN", None),
    ("DyT", None), ("Classification Top-1", "top1"), ("8-bit Top-1", "top1"), ("# bits", "other"),
    ("Segmentation mAcc", "metric"), ("Scene Matching Recall top-1", "metric"), ("Detection AP", "metric"),
])
def test_column_kind_from_header_words(header, kind):
    assert column_kind(header) == kind


@pytest.mark.parametrize("text, found", [
    ("ImageNet-1K", ("imagenet-1k",)), ("IN-1K Acc.", ("imagenet-1k",)), ("ImageNet", ("imagenet-1k",)),
    ("ImageNet V2", ("imagenet-v2",)), ("IN-A", ("imagenet-a",)), ("ImageNet-R", ("imagenet-r",)),
    ("IN-Sketch", ("imagenet-sketch",)), ("ImageNet ReaL", ("imagenet-real",)), ("ILSVRC-2012", ("imagenet-1k",)),
    ("ImageNet-22K pre-trained", ("pretrain",)), ("pre-trained on ImageNet-1K", ("pretrain",)),
    ("Tiny-ImageNet", ("other:tiny-imagenet",)), ("CIFAR-100", ("other:cifar",)), ("ADE20K", ("other:ade20k",)),
    ("ImageNet accuracy", ("imagenet-1k",)), ("trained in a day", ()), ("Method", ()),
])
def test_datasets_named_in_text(text, found):
    assert datasets_in(text) == found


def test_bare_variant_letters_need_an_imagenet_sibling():
    assert header_datasets("V2") == ("imagenet-v2",) and header_datasets("ReaL") == ("imagenet-real",)
    assert header_datasets("A") == () and header_datasets("A", letters=True) == ("imagenet-a",)


@pytest.mark.parametrize("text, setting", [
    ("Zero-shot top-1 accuracy on ImageNet", "zero_shot"), ("0-shot Acc.", "zero_shot"), ("ZS", "zero_shot"),
    ("Linear", "linear_probe"), ("linear probing", "linear_probe"), ("LP", "linear_probe"),
    ("Fine-tune", "finetuned"), ("FT", "finetuned"), ("k-NN", "frozen"), ("10-shot", "few_shot"),
    ("trained from scratch", "from_scratch"), ("Linear Probing and Few-Shot", None),
    ("Supervised classification accuracy", None), ("", None),
])
def test_settings_read_with_the_rule_words(text, setting):
    assert Words().setting_in(text) == setting


def test_corpora_only_through_the_rules():
    words = Words()
    assert words.corpus_in("(b) ImageNet-22K pre-trained models") == "ImageNet-22K"
    assert words.corpus_in("DC-1B") == "DataComp-1B" and words.corpus_in("WIT-400M") == "OpenAI WIT-400M"
    assert words.corpus_in("IN-1k") is None and words.corpus_in("ViT-B") is None


def _columns(markup: str):
    grid = build_grid(lxml.html.fragment_fromstring(markup))
    block = read_layout(grid).blocks[0]
    return classify_columns(grid, block, Words())


def test_column_roles_of_a_comparison_table():
    cols = _columns('<table><tr><td>Pretraining</td><td>Model</td><td>#Data</td><td>#Param</td><td>ImageNet-1K</td>'
                    '<td>ADE20K</td><td>Top-1</td><td>LN</td><td>change</td><td>Avg.</td></tr>'
                    '<tr><td>CC3M</td><td>CLIP [1]</td><td>2B</td><td>0.6B</td><td>84.4</td><td>39.3†</td><td>80.1</td>'
                    '<td>82.3%</td><td>↑0.2%</td><td>63.8</td></tr></table>')
    assert [c.role for c in cols] == ["data", "label", "skip", "params", "implicit", "implicit", "value", "name",
                                      "skip", "skip"]
    assert cols[4].datasets == ("imagenet-1k",) and cols[5].datasets == ("other:ade20k",)
    assert cols[7].label == "LN" and cols[6].label == ""
    assert label_columns(cols) == [1]


def test_label_columns_join_method_and_backbone_before_the_numbers():
    cols = _columns('<table><tr><td>Method</td><td>Backbone</td><td>Top-1</td></tr>'
                    '<tr><td>MAE</td><td>ViT-B</td><td>83.6</td></tr></table>')
    assert label_columns(cols) == [0, 1]


# --- roles -------------------------------------------------------------------------------
def test_method_names_from_title_abstract_and_ours_rows():
    assert title_names("QLIP: Text-Aligned Visual Tokenization") == ["QLIP"]
    assert title_names("Swin Transformer: Hierarchical Vision Transformer") == ["Swin Transformer", "Swin"]
    assert title_names("Transformers without Normalization") == []
    assert title_names("Going Deeper with Image Transformers: a study of depth") == []
    assert abstract_names("We introduce Dynamic Tanh (DyT), an element-wise operation.") == ["DyT"]
    assert abstract_names("We arrive at a family of pure ConvNet models dubbed ConvNeXt.") == ["ConvNeXt"]
    assert abstract_names("Vision Transformers (ViTs) are strong. We show they need registers.") == []
    assert ours_name("QLIP-B") == "QLIP" and ours_name("EVA-02-CLIP-L/14") == "EVA-02-CLIP-L"
    assert ours_name("Ours") == ""


def test_caption_subjects_must_also_name_a_cell_of_the_table():
    caption = "DyT achieves better or similar performance than LN. Sail, with less data, achieves competitive results."
    assert caption_subjects(caption, "ViT-B | LN | DyT") == ["DyT"]
    assert caption_subjects(caption, "OpenCLIP-H | Sail") == ["Sail"]
    assert caption_subjects("We compare CLIP and DiffCLIP on nine tasks.", "CLIP | DiffCLIP") == []


def test_row_role_order_marker_citation_ablation_name_emphasis():
    base = dict(marked=False, cited=False, named=False, emphasised=False, comparison=False, own_table=False,
                ablation=False)
    assert row_role(**base) == "baseline"
    assert row_role(**{**base, "marked": True, "cited": True}) == "proposed"
    assert row_role(**{**base, "cited": True, "named": True}) == "baseline"
    assert row_role(**{**base, "named": True}) == "proposed"
    assert row_role(**{**base, "emphasised": True}) == "baseline"
    assert row_role(**{**base, "emphasised": True, "comparison": True}) == "proposed"
    assert row_role(**{**base, "ablation": True, "named": True}) == "variant"
    assert row_role(**{**base, "ablation": True, "marked": True}) == "proposed"
    assert row_role(**{**base, "own_table": True}) == "proposed"
    assert row_role(**{**base, "own_table": True, "ablation": True}) == "variant"
    assert is_ablation("Ablation of the modernisation steps") and is_ablation("Effect of the kernel size")
    assert not is_ablation("Comparison with the state of the art")


def test_caption_claims_inside_sentences_and_after_our():
    table = "CLIP | SigLIP-B | QLIP-B | LN | DyT"
    assert caption_subjects("Compared with LN, DyT consistently outperforms it.", table) == ["DyT"]
    assert caption_subjects("The table shows that our QLIP-B matches the encoders.", table) == ["QLIP-B"]
    assert caption_subjects("CLIP falls behind SigLIP-B, which outperforms nothing.", table) == []
    assert caption_subjects("It achieves less than SigLIP-B outperforms.", table) == []
