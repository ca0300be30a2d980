import pytest

from ingest.normalize import date_only, params_absolute, params_from_millions, parse_number
from rules.corpora import from_leaderboard_tags as corpus_from_leaderboard_tags
from rules.corpora import from_timm_tag as corpus_from_timm_tag
from rules.metrics import check_value as check_metric_value
from rules.settings import setting_from_label


@pytest.mark.parametrize("raw,want", [("91.0%", 91.0), ("88.3", 88.3), (" 1,014.45 ", 1014.45),
                                      (92.4, 92.4), (2, 2.0), ("1e3", 1000.0)])
def test_parse_number(raw, want):
    assert parse_number(raw) == want


@pytest.mark.parametrize("raw", ["N/A", "—", "", None, "nan", "inf", True, "12.3.4"])
def test_parse_number_rejects(raw):
    with pytest.raises(ValueError):
        parse_number(raw)


def test_params_units():
    assert params_from_millions("660.29") == 660_290_000
    assert params_from_millions("1,014.45") == 1_014_450_000
    assert params_from_millions("") is None
    assert params_absolute(2100000000.0) == 2_100_000_000
    assert params_absolute(0) is None  # PWC writes 0 for unknown


def test_percent_range():
    assert check_metric_value("top1_acc", 100.0) == 100.0
    for bad in (101.0, -3.0):
        with pytest.raises(ValueError, match="outside 0..100"):
            check_metric_value("top1_acc", bad)


def test_corpora():
    assert corpus_from_timm_tag("eva02_large_patch14_448.mim_m38m_ft_in22k_in1k") == "Merged-38M"
    assert corpus_from_timm_tag("convnextv2_huge.fcmae_ft_in22k_in1k_512") == "ImageNet-22K"
    assert corpus_from_timm_tag("resnet50.a1_in1k") is None
    assert corpus_from_timm_tag("resnet50.a1_in1k", "ig1b-swsl") == "IG-1B"
    assert corpus_from_timm_tag("vit_base_patch16_clip_224.laion2b_ft_in1k") == "LAION-2B"
    assert corpus_from_leaderboard_tags(["Transformer", "JFT-3B"]) == "JFT-3B"
    assert corpus_from_leaderboard_tags(["ImageNet-1k only"]) is None


def test_setting_labels_and_dates():
    assert setting_from_label("CoCa (frozen)") == "linear_probe"
    assert setting_from_label("BASIC-L (Lion, fine-tuned)") == "finetuned"
    assert setting_from_label("CLIP zero-shot") == "zero_shot"
    assert setting_from_label("ViT-G/14") is None
    assert date_only("2022-05-04T00:00:00.000000") == "2022-05-04"
    assert date_only(None) is None
