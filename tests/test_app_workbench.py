"""Sign-in and the 企业工作台 page through Streamlit's AppTest, on a real database file."""


import pytest
from streamlit.testing.v1 import AppTest

from cockpit import auth, store
from cockpit.reports import workbench as wb
from tests.apptest_util import signed_in
from tests.conftest import APP

pytestmark = pytest.mark.engines  # every page on the tiny group in DuckDB and in chDB

PW = "correct horse 1"


@pytest.fixture
def db(app_db):
    return app_db


def _app():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = "custom"
    at.query_params["start"] = "2025-06-01"
    at.query_params["end"] = "2025-06-30"
    return at


def _add_users(path):
    con = store.connect(path)
    auth.create_user(con, "boss", PW, "admin")
    auth.create_user(con, "dealer_b", PW, "store_operator", ["S3"])
    con.close()


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [m.label + " " + m.value for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_local_mode_shows_workbench_without_sign_in(db):
    at = _app().run()
    assert not at.exception
    at.switch_page("views/workbench.py").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["数据管理", "用户与权限", "审计日志"]


def test_sign_in_is_required_once_an_admin_exists(db):
    _add_users(db)
    at = _app().run()
    assert not at.exception
    assert not at.metric  # nothing of the cockpit before sign-in
    assert "请先登录" in at.info[0].value
    assert '/signin?lang=zh&amp;next=' in at.get("html")[0].proto.body
    at = signed_in(_app(), db, "boss").run()
    assert not at.exception
    assert at.metric, "the overview shows with a session"


def test_non_admin_cannot_reach_user_management(db):
    _add_users(db)
    at = signed_in(_app(), db, "dealer_b")
    at.run()
    assert not at.exception
    # the page is not even registered for a non-admin: no URL reaches it
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/workbench.py")
    con = store.connect(db)
    with pytest.raises(wb.NotAllowed):
        wb.users_table(con, auth.get_user(con, "dealer_b"), "zh")
    with pytest.raises(wb.NotAllowed):
        wb.undo(con, auth.get_user(con, "dealer_b"), 1)
    con.close()


def test_session_times_out(db):
    _add_users(db)
    at = signed_in(_app(), db, "boss")
    con = store.connect(db)
    con.execute("UPDATE web_sessions SET last_seen = last_seen - INTERVAL 3 HOUR WHERE true")  # (ClickHouse: a WHERE)
    con.close()
    at.run()
    assert "登录已超时" in at.info[0].value
    assert not at.metric


def test_upload_history_rejects_and_undo(db, tmp_path):
    con = store.connect(db)
    admin = auth.LOCAL_USER
    data = '订单编号,支付时间,店铺ID,成交渠道,买家ID,实付金额\nO20,2025/6/20 10:00,S1,商城,B9,"￥1,234.50"\nO21,2025/6/21,S1,商城,B9,-5\n'
    res = wb.import_uploaded(con, admin, "orders", "orders-upload.csv", data.encode("gb18030"), "en")
    assert res.ok and (res.rows_accepted, res.rows_rejected) == (1, 1)
    assert store.scalar(con, "SELECT CAST(paid_amount AS DOUBLE) FROM orders WHERE order_id = 'O20'") == 1234.5
    name, content = wb.rejects_file(con, admin, res.batch_id)
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("3,paid_amount (实付金额): negative amount of money '-5',O21")
    hist = wb.history(con, admin, "en")
    assert hist.frame.row(0, named=True)["File"] == "orders-upload.csv"
    assert [hist.frame.row(0, named=True)[c] for c in ("Rows read", "Accepted", "Rejected", "Duplicates")] == [2, 1, 1, 0]
    zh = wb.import_uploaded(con, admin, "orders", "orders-upload.csv", data.encode("gb18030"), "zh")
    assert zh.summary_line().startswith("orders-upload.csv → orders：读取 2 行，导入 1 行，拒绝 1 行，文件内重复 0 行")
    assert wb.rejects_file(con, admin, zh.batch_id)[1].decode("utf-8-sig").splitlines()[1].startswith(
        "3,paid_amount (实付金额)：金额为负数“-5”,O21")
    wb.undo(con, admin, zh.batch_id)
    assert wb.undo(con, admin, res.batch_id) == 1
    assert store.scalar(con, "SELECT count(*) FROM orders WHERE order_id = 'O20'") == 0
    actions = [r[0] for r in store.fetchall(con, 'SELECT action FROM audit_log ORDER BY "at"')]
    assert {"import", "export", "undo"} <= set(actions)
    con.close()


def test_table_from_filename():
    assert wb.table_from_filename("live_minutes-20261125.csv") == "live_minutes"
    assert wb.table_from_filename("orders_june.xlsx") == "orders"
    assert wb.table_from_filename("订单-6月.csv") == "orders"
    assert wb.table_from_filename("report.csv") is None
