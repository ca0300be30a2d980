"""Model identity on the real replay data: the labelled pairs, scored on the real reconcile."""
import pytest

from conftest import shared_path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from bench.identity import build

    shared_path("replay")
    db = tmp_path_factory.mktemp("identity") / "identity.db"
    build(db, quick=True)
    return db


def test_every_name_mapped_and_labelled_pairs_scored(crawled):
    from bench.identity import key_map, load_pairs, score, unmapped

    assert unmapped(crawled) == 0
    pairs = load_pairs()
    keys = key_map(crawled)
    assert score(keys, pairs)["missing_names"] == 0        # every labelled name is in the replay
    held_out = score(keys, [p for p in pairs if p["split"] == "heldout"])
    # a regression guard below the figures bench.identity reports (not the target)
    assert held_out["precision"] >= 0.98 and held_out["recall"] >= 0.9, held_out["wrong"]
