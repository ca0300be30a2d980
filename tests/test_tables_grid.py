"""Unit tests of the table grid, the cell reader and the row layout (ingest.table_grid,
ingest.table_cells, ingest.table_layout) on small LaTeXML-like snippets written for these tests."""
from __future__ import annotations

import lxml.html
import pytest

from ingest.table_cells import (clean_model, parse_flops, parse_pair, parse_params, parse_resolution_cell,
                                parse_value, resolution_in_text)
from ingest.table_grid import build_grid, read_cell
from ingest.table_layout import read_layout


def grid_of(markup: str):
    return build_grid(lxml.html.fragment_fromstring(markup))


def texts(grid) -> list[list[str]]:
    return [[c.text if c else None for c in row] for row in grid.cells]


# --- grid ----------------------------------------------------------------------------------
def test_rowspan_repeats_the_cell_down_and_shifts_later_cells():
    g = grid_of('<table class="ltx_tabular"><tbody class="ltx_tbody">'
                '<tr class="ltx_tr"><td class="ltx_td" rowspan="2">Swin-B</td><td>224</td><td>83.5</td></tr>'
                '<tr class="ltx_tr"><td>384</td><td>84.5</td></tr>'
                '<tr class="ltx_tr"><td>Swin-L</td><td>384</td><td>87.3</td></tr></tbody></table>')
    assert texts(g) == [["Swin-B", "224", "83.5"], ["Swin-B", "384", "84.5"], ["Swin-L", "384", "87.3"]]
    assert g.cells[1][0] is g.cells[0][0] and g.origin(1, 0) is None and g.origin(0, 0) is not None


def test_colspan_and_two_header_rows_join_top_down():
    g = grid_of('<table class="ltx_tabular"><thead class="ltx_thead">'
                '<tr class="ltx_tr"><th rowspan="2">Model</th><th colspan="2">ImageNet-1K</th><th rowspan="2">#Params</th></tr>'
                '<tr class="ltx_tr"><th>top-1</th><th>top-5</th></tr></thead><tbody class="ltx_tbody">'
                '<tr class="ltx_tr"><td>EfficientNet-B0</td><td>77.1</td><td>93.3</td><td>5.3M</td></tr></tbody></table>')
    assert g.width == 4 and g.head_rows == {0, 1}
    layout = read_layout(g)
    assert layout.kinds == ["header", "header", "data"]
    assert layout.blocks[0].headers == ["Model", "ImageNet-1K top-1", "ImageNet-1K top-5", "#Params"]


def test_span_based_tabular_of_a_resizebox_reads_like_a_table():
    g = grid_of('<span class="ltx_tabular ltx_align_middle"><span class="ltx_tbody">'
                '<span class="ltx_tr"><span class="ltx_td" colspan="2">Top-1</span></span>'
                '<span class="ltx_tr"><span class="ltx_td">a</span><span class="ltx_td">80.1</span></span>'
                '</span></span>')
    assert texts(g) == [["Top-1", "Top-1"], ["a", "80.1"]]


def test_ragged_rows_are_padded_and_hostile_spans_are_capped():
    g = grid_of('<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td rowspan="99999">x</td></tr></table>')
    assert g.width == 3 and texts(g)[1] == ["x", None, None]
    assert len(g.cells) == 2


def test_header_rows_inside_tbody_and_group_rows_and_a_second_block():
    g = grid_of('<table class="ltx_tabular"><tbody class="ltx_tbody">'
                '<tr><td>method</td><td>#param.</td><td>top-1 acc.</td></tr>'
                '<tr><td colspan="3">ImageNet-22K pre-trained</td></tr>'
                '<tr><td>ViT-L/16</td><td>307M</td><td>85.2</td></tr>'
                '<tr><th class="ltx_th_row">Backbone</th><td>AP<sup>box</sup></td><td>AP<sup>mask</sup></td></tr>'
                '<tr><td>Swin-T</td><td>50.5</td><td>43.7</td></tr></tbody></table>')
    layout = read_layout(g)
    assert layout.kinds == ["header", "group", "data", "header", "data"]
    first, second = layout.blocks
    assert first.group_of == {2: 1} and first.headers[2] == "top-1 acc."
    assert second.headers[1] == "APbox" and second.data_rows == [4]


def test_numbers_under_a_carried_down_header_cell_are_a_header_row():
    g = grid_of('<table><tr><td rowspan="2">Method</td><td colspan="2">Label fraction</td></tr>'
                '<tr><td>1%</td><td>10%</td></tr><tr><td>SimCLR</td><td>48.3</td><td>65.6</td></tr></table>')
    layout = read_layout(g)
    assert layout.kinds == ["header", "header", "data"]
    assert layout.blocks[0].headers[1:] == ["Label fraction 1%", "Label fraction 10%"]


# --- cell text -----------------------------------------------------------------------------
def test_cell_text_skips_mathml_annotations_and_keeps_cites_out_of_core():
    el = lxml.html.fragment_fromstring(
        '<td class="ltx_td"><span class="ltx_text ltx_font_bold">OpenCLIP-H\u00a0</span><cite class="ltx_cite">'
        '[<a class="ltx_ref" href="#bib.bib15">15</a>]</cite><sup class="ltx_sup">†</sup> '
        '<math><semantics><mo>↑</mo><annotation-xml><ci>↑</ci></annotation-xml>'
        '<annotation encoding="application/x-tex">\\uparrow</annotation></semantics></math></td>')
    cell = read_cell(el)
    assert cell.text == "OpenCLIP-H [15]† ↑"
    assert cell.core == "OpenCLIP-H ↑" and cell.marks == "†"
    assert cell.cited and cell.bold and not cell.underline


def test_background_colour_marks_a_shaded_cell():
    shaded = read_cell(lxml.html.fragment_fromstring('<td style="background-color:#E6E6E6;">x</td>'))
    white = read_cell(lxml.html.fragment_fromstring('<td style="background-color:#FFFFFF;">x</td>'))
    assert shaded.shaded and not white.shaded


@pytest.mark.parametrize("text, number", [
    ("83.1", 83.1), ("83.1†", 83.1), ("82.3%", 82.3), ("84.0 (+1.3)", 84.0), ("76.2\u00a0(−1.1)", 76.2),
    ("85.2*", 85.2), ("*85.2", 85.2), ("76.2±0.1", 76.2), ("80.6 ‡", 80.6), ("88.2\\%", 88.2), (".5", 0.5),
])
def test_values_are_read_with_their_marks_stripped(text, number):
    value = parse_value(text)
    assert value.kind == "value" and value.number == number and value.raw in text


@pytest.mark.parametrize("text, kind", [
    ("-", "empty"), ("–", "empty"), ("—", "empty"), ("/", "empty"), ("N/A", "empty"), ("", "empty"),
    ("↑0.2%", "change"), ("+0.3", "change"), ("-1.1", "change"),
    ("0.6B", "text"), ("224²", "text"), ("ViT-B", "text"), ("79.1/94.4", "text"),
])
def test_placeholders_changes_and_text_are_not_values(text, kind):
    assert parse_value(text).kind == kind


def test_a_slash_pair_is_two_values():
    top1, top5 = parse_pair("84.0 / 96.9")
    assert (top1.number, top5.number) == (84.0, 96.9)
    assert parse_pair("84.0") is None


@pytest.mark.parametrize("raw, clean", [
    ("QLIP-B (ours)", "QLIP-B"), ("EVA-CLIP †", "EVA-CLIP"), ("DeiT-S (Touvron et al., 2021)", "DeiT-S"),
    ("DeiT-S Touvron et al. (2021a)", "DeiT-S"), ("ResNet-50 [12]", "ResNet-50"),
    ("VILA-U (SO400M)", "VILA-U (SO400M)"), ("DINO ViT-B (patch size 8)", "DINO ViT-B (patch size 8)"),
])
def test_model_names_lose_citations_markers_and_marks(raw, clean):
    assert clean_model(raw) == clean


def test_sizes_follow_the_header_unit_or_their_own_suffix():
    assert parse_params("0.6B", "#Param") == 600_000_000
    assert parse_params("86", "Params (M)") == 86_000_000
    assert parse_params("1.8", "Params (B)") == 1_800_000_000
    assert parse_params("-", "Params (M)") is None
    assert parse_flops("4.5G", "FLOPs") == 4.5 and parse_flops("15.4", "GFLOPs") == 15.4
    assert parse_flops("0.39B", "#FLOPs") == 0.39


def test_resolutions_in_cells_and_names():
    assert parse_resolution_cell("384²") == 384 and parse_resolution_cell("224×224") == 224
    assert parse_resolution_cell("ViT-B") is None
    assert resolution_in_text("ViT-L/16@384") == 384 and resolution_in_text("Swin-B 384×384") == 384
    assert resolution_in_text("DINO ViT-B (patch size 8)") is None and resolution_in_text("ViT-H/14") is None


def test_subscripts_are_written_after_an_underscore_and_row_colour_shades_its_cells():
    cell = read_cell(lxml.html.fragment_fromstring('<td>ViT-H/16<sub class="ltx_sub">448</sub></td>'))
    math = read_cell(lxml.html.fragment_fromstring(
        '<td>AP<math><semantics><msub><mi></mi><mn>50</mn></msub><annotation>_{50}</annotation></semantics></math></td>'))
    assert cell.core == "ViT-H/16_448" and resolution_in_text(cell.core) == 448
    assert math.core == "AP_50"
    g = grid_of('<table><tr style="background-color:#BFBFBF;"><td>16</td><td>81.4</td></tr></table>')
    assert g.cells[0][0].shaded and g.cells[0][1].shaded


def test_a_first_row_of_numbers_under_a_column_name_is_the_header():
    g = grid_of('<table><tr><td>Method</td><td>Arch</td><td>1%</td><td>10%</td></tr>'
                '<tr><td>SimCLR</td><td>R50</td><td>48.3</td><td>65.6</td></tr></table>')
    layout = read_layout(g)
    assert layout.kinds == ["header", "data"] and layout.blocks[0].headers[2:] == ["1%", "10%"]
