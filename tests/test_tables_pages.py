"""Page-level tests of the table extractor (ingest.table_claims) and of `sota extract-tables`.

The real pages are read in place from ../shared/data/arxiv_html; our own fixture pages live in
tests/fixtures/arxiv_html. Both are compared with the hand labels in
tests/labels/arxiv_html_labels.json."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, shared_path

from bench.tables import is_top1, match
from ingest.table_claims import VALUE_KEYS, extract_table_values
from sota.cli import cli

LABELS = json.loads((Path(__file__).parent / "labels" / "arxiv_html_labels.json").read_text("utf-8"))
REAL = ("2502.05178", "2503.06626", "2503.10622", "2504.10462")
FIXTURE_IDS = sorted(p for p in LABELS["pages"] if p.startswith("fx-"))
FIGURE_ID_RE = re.compile(r'<figure class="ltx_table[^"]*" id="([^"]+)"')


def real_page(paper: str) -> str:
    return shared_path("data", "arxiv_html", f"{paper}.html").read_text("utf-8")


def fixture_page(paper: str) -> str:
    return (ROOT / LABELS["pages"][paper]).read_text("utf-8")


def labels_of(paper: str) -> list[dict]:
    return [c for c in LABELS["cells"] if c["id"] == paper]


def check_contract(records: list[dict], html: str) -> None:
    figures = set(FIGURE_ID_RE.findall(html))
    for r in records:
        assert set(VALUE_KEYS) <= set(r)
        assert isinstance(r["value"], float) and 0 < r["value"] <= 100
        assert r["raw_value"] in r["evidence"] and float(r["raw_value"]) == r["value"]
        assert r["role"] in ("proposed", "baseline", "variant")
        assert r["metric"] in ("top1_acc", "top5_acc")
        assert r["dataset"] is None or r["dataset"].startswith("imagenet")
        if figures and r["table_id"].split(".")[-1].startswith("T"):
            assert r["table_id"] in figures


# --- the real pages -------------------------------------------------------------------------
def test_real_pages_against_the_labels():
    gold = [c for c in LABELS["cells"] if c["id"] in REAL]
    pred = []
    for paper in REAL:
        html = real_page(paper)
        records = extract_table_values(html, paper)
        check_contract(records, html)
        pred += [r for r in records if is_top1(r)]
    pairs = match(pred, gold, ("id", "table_id", "value"))
    assert len(pairs) / len(pred) >= 0.95 and len(pairs) / len(gold) >= 0.90
    assert sum(p["role"] == g["role"] for p, g in pairs) / len(pairs) >= 0.95
    assert len(match(pred, gold, ("id", "table_id", "row", "col", "value"))) == len(pairs)


def test_nothing_from_the_look_alike_table_without_an_imagenet_column():
    assert extract_table_values(real_page("2503.06626"), "2503.06626") == []


def test_an_accuracy_column_of_an_unnamed_dataset_is_kept_without_a_dataset():
    records = extract_table_values(real_page("2502.05178"), "2502.05178")
    assert records and all(r["dataset"] is None and r["setting"] == "zero_shot" for r in records)
    ours = {r["model"]: r["role"] for r in records if r["role"] == "proposed"}
    assert set(ours) == {"QLIP-B", "QLIP-L"}                       # "(ours)" rows; grey rows are not ours
    assert {r["extra_data"] for r in records if r["model"] == "QLIP-L"} == {"DataComp-1B"}


def test_the_caption_naming_imagenet_makes_the_same_column_count():
    html = real_page("2502.05178").replace("Table 2: Comparison", "Table 2: Zero-shot accuracy on ImageNet-1K. Comparison")
    records = extract_table_values(html, "x")
    assert len([r for r in records if is_top1(r)]) == 18


def test_method_columns_take_their_role_from_the_caption_subject():
    records = extract_table_values(real_page("2503.10622"), "2503.10622")
    roles = {(r["table_id"], r["model"]): r["role"] for r in records}
    assert roles[("S5.T1", "ViT-B (DyT)")] == "proposed" and roles[("S5.T1", "ViT-B (LN)")] == "baseline"
    assert not any("change" in r["header"] for r in records)


# --- our fixtures -----------------------------------------------------------------------------
@pytest.mark.parametrize("paper", FIXTURE_IDS)
def test_fixture_pages_give_exactly_their_labels(paper):
    html = fixture_page(paper)
    records = extract_table_values(html, paper)
    check_contract(records, html)
    got = {(r["table_id"], r["row"], r["col"]): r for r in records if is_top1(r)}
    want = {(c["table_id"], c["row"], c["col"]): c for c in labels_of(paper)}
    assert sorted(got) == sorted(want)
    for key, label in want.items():
        fields = ("value", "model", "setting", "extra_data") + (() if label.get("known_miss") == "role" else ("role",))
        assert {f: got[key][f] for f in fields} == {f: label[f] for f in fields}, key


def test_fixture_side_facts_params_resolution_top5_and_variants():
    swin = extract_table_values(fixture_page("fx-swin"), "fx-swin")
    big = [r for r in swin if r["model"] == "Swin-B" and r["extra_data"] == "ImageNet-22K"]
    assert [(r["resolution"], r["params"], r["flops"]) for r in big] == [(224, 88_000_000, 15.4), (384, 88_000_000, 47.0)]
    eff = extract_table_values(fixture_page("fx-efficientnet"), "fx-efficientnet")
    assert {(r["model"], r["value"]) for r in eff if r["metric"] == "top5_acc"} >= {("EfficientNet-B7", 97.0)}
    eva = extract_table_values(fixture_page("fx-evaclip"), "fx-evaclip")
    assert {r["dataset"] for r in eva} == {"imagenet-1k", "imagenet-v2", "imagenet-a", "imagenet-r", "imagenet-sketch"}
    assert not [r for r in eva if r["table_id"] == "S4.T3" and r["dataset"] == "imagenet-1k"]


def test_a_column_named_only_by_the_text_around_counts_only_with_that_text():
    html = fixture_page("fx-maskfeat")
    assert [r for r in extract_table_values(html) if r["table_id"] == "S5.p3.1"]
    without = html.replace("accuracy on ImageNet-1K of the ViT-B models", "accuracy of the ViT-B models")
    assert not [r for r in extract_table_values(without) if r["table_id"] == "S5.p3.1"]


def test_equation_tables_and_nested_tabulars_are_not_result_tables():
    html = ('<html><body><table class="ltx_equation ltx_eqn_table" id="S2.E1"><tr><td>top-1 = 81.0</td></tr></table>'
            '<figure class="ltx_table" id="S3.T1"><figcaption>Table 1: Results on ImageNet-1K.</figcaption>'
            '<table class="ltx_tabular" id="S3.T1.1"><tr><td>Model</td><td><span class="ltx_tabular"><span class="ltx_tr">'
            '<span class="ltx_td">Top-1</span></span><span class="ltx_tr"><span class="ltx_td">(%)</span></span></span>'
            '</td></tr><tr><td>X</td><td>80.1</td></tr></table></figure></body></html>')
    records = extract_table_values(html.encode("utf-8"), "p")
    assert [(r["table_id"], r["value"], r["header"]) for r in records] == [("S3.T1", 80.1, "Top-1 (%)")]


# --- the command line ---------------------------------------------------------------------------
def _lines(*pages) -> str:
    return "".join(json.dumps({"id": pid, "html": html}) + "\n" for pid, html in pages)


def test_cli_writes_one_line_per_value_with_the_contract_keys():
    html = fixture_page("fx-efficientnet")
    result = CliRunner().invoke(cli, ["extract-tables"], input=_lines(("fx-efficientnet", html)))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 14 and all(set(VALUE_KEYS) <= set(r) for r in rows)
    assert {r["table_id"] for r in rows} == {"S4.T2"} and {r["id"] for r in rows} == {"fx-efficientnet"}


def test_cli_names_a_bad_line_goes_on_and_exits_1():
    good = fixture_page("fx-convnext")
    text = _lines(("a", good)) + '{"id": "broken", "html": \n' + '{"id": "nohtml"}\n' + _lines(("b", good))
    result = CliRunner().invoke(cli, ["extract-tables"], input=text)
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert len(errors) == 2 and errors[0].startswith("sota extract-tables: line 2: invalid JSON")
    assert errors[1] == 'sota extract-tables: line 3: no "html" string'
    ids = {json.loads(line)["id"] for line in result.stdout.splitlines()}
    assert ids == {"a", "b"}


def test_cli_rejects_an_empty_page_with_one_line():
    result = CliRunner().invoke(cli, ["extract-tables"], input=_lines(("e", "   ")))
    assert result.exit_code == 1 and result.stderr.strip() == "sota extract-tables: line 1: empty HTML"


def test_fixtures_dir_is_where_the_labels_point():
    assert all((ROOT / LABELS["pages"][p]).parent == FIXTURES / "arxiv_html" for p in FIXTURE_IDS)


# --- how the caption names the dataset of an unnamed accuracy column ----------------------------
def one_table(caption: str, header: list[str], *rows: list[str]) -> str:
    def tr(cells):
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    return (f'<html><body><figure class="ltx_table" id="S1.T1"><figcaption>Table 1: {caption}</figcaption>'
            f'<table class="ltx_tabular" id="S1.T1.1">{tr(header)}{"".join(tr(r) for r in rows)}</table></figure></body></html>')


def datasets_by_column(html: str) -> dict[int, str]:
    return {r["col"]: r["dataset"] for r in extract_table_values(html)}


def test_variants_named_by_their_own_headers_leave_the_caption_to_the_plain_column():
    html = one_table("Top-1 accuracy on ImageNet, ImageNet-ReaL and ImageNet-V2.", ["Model", "Top-1", "ReaL", "V2"],
                     ["ViT-B/16", "84.0", "88.4", "73.6"])
    assert datasets_by_column(html) == {1: "imagenet-1k", 2: "imagenet-real", 3: "imagenet-v2"}


def test_dense_task_sets_beside_imagenet_do_not_take_the_accuracy_column():
    html = one_table("ImageNet-1K classification, COCO detection and ADE20K segmentation.",
                     ["Backbone", "Top-1", "AP<sup>b</sup>", "mIoU"], ["Swin-T", "81.3", "46.0", "44.5"])
    assert datasets_by_column(html) == {1: "imagenet-1k"}


def test_the_corner_header_may_name_the_dataset():
    assert datasets_by_column(one_table("Main results.", ["ImageNet-1K", "Top-1"], ["DeiT-B", "81.8"])) == {
        1: "imagenet-1k"}


def test_imagenet_named_as_pretraining_data_is_not_the_evaluation_set():
    for caption in ("Transfer of ImageNet-1K pre-trained models to CIFAR-100.",
                    "Fine-tuning on CIFAR-100 of models pre-trained on ImageNet."):
        assert datasets_by_column(one_table(caption, ["Model", "Top-1"], ["ViT-B/16", "91.9"])) == {}


def test_a_table_with_models_across_the_top_is_read_transposed_with_page_coordinates():
    html = one_table("Comparison with other encoders on several benchmarks.",
                     ["Benchmark", 'CLIP-L <cite class="ltx_cite">[3]</cite>', "SigLIP-L <cite>[7]</cite>", "Ours-L"],
                     ["ImageNet top-1", "75.5", "80.5", "81.0"], ["COCO AP", "40.1", "41.0", "43.2"],
                     ["ImageNet-V2", "69.9", "74.0", "74.6"])
    records = extract_table_values(html, "p")
    got = {(r["row"], r["col"], r["model"], r["dataset"], r["role"]) for r in records}
    assert got == {(1, 1, "CLIP-L", "imagenet-1k", "baseline"), (1, 2, "SigLIP-L", "imagenet-1k", "baseline"),
                   (1, 3, "Ours-L", "imagenet-1k", "proposed"), (3, 1, "CLIP-L", "imagenet-v2", "baseline"),
                   (3, 2, "SigLIP-L", "imagenet-v2", "baseline"), (3, 3, "Ours-L", "imagenet-v2", "proposed")}


def test_average_and_gain_rows_and_setting_numbers_are_not_results():
    html = one_table("Top-1 accuracy on ImageNet-1K.", ["Model", "Top-1"], ["DeiT-S", "79.8"], ["Average", "80.1"],
                     ["Δ", "1.2"])
    assert [r["model"] for r in extract_table_values(html)] == ["DeiT-S"]
    settings = one_table("Fine-tuning accuracy on ImageNet-1K and its recipe.", ["config", "ViT-B", "ViT-L"],
                         ["epochs", "100", "50"], ["layer decay", "0.65", "0.75"])
    assert extract_table_values(settings) == []


def test_check_mark_columns_are_not_part_of_the_model_and_may_name_its_extra_data():
    html = one_table("Top-1 accuracy on ImageNet-1K.", ["Model", "IN-22K", "Top-1"], ["ViT-L/16", "✓", "85.2"],
                     ["DeiT-B", "✗", "81.8"])
    got = {(r["model"], r["extra_data"]) for r in extract_table_values(html)}
    assert got == {("ViT-L/16", "ImageNet-22K"), ("DeiT-B", None)}


def test_a_caption_about_our_models_makes_uncited_unmarked_rows_the_papers_own():
    ours = one_table("ImageNet-1K top-1 accuracy of our models at three sizes.", ["Model", "Top-1"],
                     ["S", "80.1"], ["B", "82.6"], ["L", "84.0"])
    assert {r["role"] for r in extract_table_values(ours)} == {"proposed"}
    mixed = one_table("ImageNet-1K top-1 accuracy of our models and baselines.", ["Model", "Top-1"],
                      ["DeiT-B <cite>[4]</cite>", "81.8"], ["Ours-B", "82.6"])
    assert {(r["model"], r["role"]) for r in extract_table_values(mixed)} == {("DeiT-B", "baseline"),
                                                                             ("Ours-B", "proposed")}


def test_method_columns_under_an_imagenet_caption_without_another_quantity():
    header = ["model", "LN", "DyT"]
    assert len(extract_table_values(one_table("Comparison of normalization layers on ImageNet-1K.", header,
                                              ["ViT-B", "82.3", "82.5"]))) == 2
    assert extract_table_values(one_table("Training time on ImageNet-1K (hours).", header,
                                          ["ViT-B", "31.2", "29.8"])) == []
