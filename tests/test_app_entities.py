"""The store / account page through the real app entry with Streamlit's AppTest."""

import pytest

from cockpit import store
from apptest_util import app_test, june_params, tiny_copy  # noqa: F401  (fixtures)


pytestmark = pytest.mark.engines  # every page on the tiny group in DuckDB and in chDB

def card(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_lists_then_one_store_then_back(app_test, tiny_copy):  # noqa: F811
    at = june_params(app_test(tiny_copy))
    at.run()
    at.switch_page("views/entities.py").run()
    assert not at.exception and not at.error
    frames = {d.value.columns[0]: d.value for d in at.dataframe}
    assert frames["店铺"]["店铺ID"].to_list() == ["S1", "S2", "S3"]
    assert frames["店铺"]["成交金额 (元)"].to_list() == [600.0, 380.0, 270.0]
    assert frames["账号"]["账号ID"].to_list() == ["D1", "A1", "A2", "A3"]
    at.session_state["tbl_stores"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.subheader[0].value == "山野茶官方旗舰店  ·  S1"
    assert card(at, "成交金额") == "¥600"
    assert card(at, "直播成交金额") == "¥550"
    assert at.query_params.get("entity") in ("store:S1", ["store:S1"])
    at.button(key="ent_back").click().run()
    assert not at.exception
    assert not at.subheader and len(at.dataframe) == 2


def test_entity_from_the_url_and_filters(app_test, tiny_copy):  # noqa: F811
    at = june_params(app_test(tiny_copy), entity="account:D1")
    at.run()
    at.switch_page("views/entities.py").run()
    assert not at.exception and not at.error
    assert at.subheader[0].value == "达人小鹿  ·  D1"
    assert card(at, "成交金额") == "¥330"
    sessions = next(d.value for d in at.dataframe if d.value.columns[0] == "直播场次")
    assert sessions["直播场次ID"].to_list() == ["L4"]


def test_unknown_entity_is_a_warning_not_a_traceback(app_test, tiny_copy):  # noqa: F811
    at = june_params(app_test(tiny_copy), entity="store:NOPE")
    at.run()
    at.switch_page("views/entities.py").run()
    assert not at.exception and not at.error
    assert any("NOPE" in w.value for w in at.warning)


def test_empty_database(app_test, tmp_path):  # noqa: F811
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    at = june_params(app_test(path))
    at.run()
    at.switch_page("views/entities.py").run()
    assert not at.exception
    assert any("cockpit demo" in i.value for i in at.info)
