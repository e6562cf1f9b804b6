"""Upsert by key, all-or-nothing, and undo, on a real DuckDB file."""

import datetime as dt

import pytest

from cockpit import batches, schema, store


def _stores(*rows):
    return schema.frame("stores", [dict(store_id=i, store_name=n, store_type="direct") for i, n in rows])


def _names(con):
    return dict(store.fetchall(con, "SELECT store_id, store_name FROM stores ORDER BY 1"))


@pytest.fixture
def con(tmp_path):
    c = store.connect(tmp_path / "b.duckdb")
    yield c
    c.close()


def test_same_batch_twice_changes_nothing(con):
    batches.write_batch(con, "stores", _stores(("S1", "甲"), ("S2", "乙")), file_name="a")
    batches.write_batch(con, "stores", _stores(("S1", "甲"), ("S2", "乙")), file_name="a")
    assert _names(con) == {"S1": "甲", "S2": "乙"}
    assert store.scalar(con, "SELECT count(*) FROM import_batches") == 2


def test_newer_row_replaces_older_and_last_in_file_wins(con):
    batches.write_batch(con, "stores", _stores(("S1", "甲"), ("S2", "乙")), file_name="a")
    batches.write_batch(con, "stores", _stores(("S1", "甲2"), ("S1", "甲3")), file_name="b")
    assert _names(con) == {"S1": "甲3", "S2": "乙"}


def test_nullable_key_part_upserts(con):
    def ad(spend):
        return schema.frame("ad_spend", [dict(date=dt.date(2025, 6, 1), account_id="A1", live_id=None, spend=spend)])
    batches.write_batch(con, "ad_spend", ad("10"), file_name="a")
    batches.write_batch(con, "ad_spend", ad("12"), file_name="b")
    assert store.fetchall(con, "SELECT CAST(spend AS DOUBLE) FROM ad_spend") == [(12.0,)]


def test_failure_before_commit_leaves_nothing(con):
    batches.write_batch(con, "stores", _stores(("S1", "甲")), file_name="a")
    version = store.data_version(con)

    def boom():
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        batches.write_batch(con, "stores", _stores(("S1", "X"), ("S9", "Y")), file_name="b", before_commit=boom)
    assert _names(con) == {"S1": "甲"}
    assert store.scalar(con, "SELECT count(*) FROM import_batches") == 1
    assert store.data_version(con) == version


def test_undo_restores_replaced_rows_and_refuses_out_of_order(con):
    b1 = batches.write_batch(con, "stores", _stores(("S1", "甲"), ("S2", "乙")), file_name="a")
    b2 = batches.write_batch(con, "stores", _stores(("S1", "甲改"), ("S3", "丙")), file_name="b")
    with pytest.raises(batches.UndoError, match=f"batch {b2}"):
        batches.undo_batch(con, b1)
    assert batches.undo_batch(con, b2) == 2
    assert _names(con) == {"S1": "甲", "S2": "乙"}
    with pytest.raises(batches.UndoError, match="already undone"):
        batches.undo_batch(con, b2)
    assert batches.undo_batch(con, b1) == 2
    assert _names(con) == {}
    with pytest.raises(batches.UndoError, match="no import batch 99"):
        batches.undo_batch(con, 99)


def test_undo_refusals_in_both_languages(con):
    b1 = batches.write_batch(con, "stores", _stores(("S1", "甲")), file_name="a")
    b2 = batches.write_batch(con, "stores", _stores(("S1", "甲改")), file_name="b")
    with pytest.raises(batches.UndoError) as e:
        batches.undo_batch(con, b1)
    assert e.value.message("en") == (f"cannot undo batch {b1}: later imports replaced some of its rows "
                                     f"(batch {b2} (1 rows)); undo those first")
    assert e.value.message("zh") == f"不能撤销批次 {b1}：之后的导入替换了它的部分行（批次 {b2}，1 行）；请先撤销那些批次"
    with pytest.raises(batches.UndoError) as e:
        batches.undo_batch(con, 99)
    assert e.value.message("zh") == "没有导入批次 99"
