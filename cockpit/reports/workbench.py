"""企业工作台: users, roles and scopes; data management; the audit log.

Admin only.  Every function checks the acting user itself, so reaching the page by URL
or calling the core directly gives a non-admin nothing.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import polars as pl

from cockpit import auth, batches, i18n, importer, schema, store
from cockpit.tables import DisplayTable
from cockpit.engine import Database


class NotAllowed(Exception):
    """The acting user may not do this."""


def require_admin(user: auth.User) -> None:
    if not user.is_admin:
        raise NotAllowed("only an admin can manage users and data")


def table_from_filename(name: str) -> str | None:
    """`orders-2025-06.csv`, `live_minutes_x.xlsx`, `订单-6月.csv` -> the canonical table."""
    stem = Path(name).name.lower()
    for t in sorted(schema.TABLES.values(), key=lambda t: -len(t.name)):
        if re.match(rf"{re.escape(t.name)}([-_.\s]|$)", stem) or stem.startswith(t.zh):
            return t.name
    return None


def import_uploaded(con: Database, user: auth.User, table: str, name: str,
                    data: bytes, lang: str = "zh") -> importer.FileResult:
    """Import one uploaded file through the same importer as `cockpit import`; its
    summary and the rejects file's reasons in ``lang`` (the UI's language)."""
    require_admin(user)
    with tempfile.TemporaryDirectory(prefix="cockpit-upload-") as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        return importer.import_file(con, table, path, imported_by=user.username, source="upload", lang=lang)


# import_batches.status / .source and audit_log.action as words of the UI language
_WORDS = {
    "committed": ("已导入", "Imported"), "undone": ("已撤销", "Undone"),
    "inbox": ("收件箱（实时数据）", "Inbox (live data)"), "upload": ("页面上传", "Upload"), "cli": ("命令行", "Command line"),
    "demo": ("演示数据", "Demo data"), "test": ("测试", "Test"),
    "signin.ok": ("登录", "Signed in"), "signin.fail": ("登录失败", "Sign-in failed"),
    "signin.locked": ("登录被锁定", "Sign-in locked"), "signin.sso": ("企业账号登录", "Signed in with SSO"),
    "signout": ("退出登录", "Signed out"), "signout.timeout": ("超时退出", "Signed out (timeout)"),
    "user.create": ("新增用户", "User created"), "user.delete": ("删除用户", "User removed"),
    "user.password": ("重置密码", "Password reset"), "scope.change": ("修改权限", "Scope changed"),
    "import": ("导入", "Import"), "undo": ("撤销导入", "Import undone"), "export": ("导出", "Export"),
}


def word(code: str | None, lang: str) -> str | None:
    """A status, source or audit action in the UI language (unknown codes as they are)."""
    if code is None or code not in _WORDS:
        return code
    return _WORDS[code][0 if lang == "zh" else 1]


def _words(col: str, lang: str) -> pl.Expr:
    return pl.col(col).map_elements(lambda v: word(v, lang), return_dtype=pl.Utf8)


def summary(result: importer.FileResult, lang: str) -> str:
    """The importer's own one-line result, in the UI language when it offers one."""
    try:
        return result.summary_line(lang=lang)
    except TypeError:  # an importer whose line has no language yet
        return result.summary_line()


def history(con, user: auth.User, lang: str, limit: int = 500) -> DisplayTable:
    require_admin(user)
    df = store.fetch_pl(
        con,
        "SELECT batch_id, file_name, table_name, rows_read, rows_accepted, rows_rejected, rows_duplicate, imported_by, source, "
        "started_at, finished_at, status, rejects_path FROM import_batches ORDER BY batch_id DESC LIMIT $limit",
        {"limit": limit},
    )
    labels = {
        "batch_id": ("批次", "Batch"), "file_name": ("文件", "File"), "table_name": ("数据表", "Table"),
        "rows_read": ("读取行数", "Rows read"), "rows_accepted": ("导入行数", "Accepted"),
        "rows_rejected": ("拒绝行数", "Rejected"), "rows_duplicate": ("文件内重复", "Duplicates"),
        "imported_by": ("导入人", "By"), "source": ("来源", "Source"),
        "started_at": ("开始时间", "Started"), "finished_at": ("完成时间", "Finished"), "status": ("状态", "Status"),
    }
    tables = {n: (t.zh if lang == "zh" else n) for n, t in schema.TABLES.items()}
    df = df.with_columns(pl.col("table_name").replace(tables), _words("status", lang), _words("source", lang))
    frame = df.select([pl.col(c).alias(zh if lang == "zh" else en) for c, (zh, en) in labels.items()])
    return DisplayTable("import_history", i18n.t("wb.history", lang), frame,
                        key_column="批次" if lang == "zh" else "Batch")


def rejects_file(con, user: auth.User, batch_id: int) -> tuple[str, bytes] | None:
    """The rejected rows of a batch, as the CSV the importer wrote."""
    require_admin(user)
    path = store.scalar(con, "SELECT rejects_path FROM import_batches WHERE batch_id = ?", [batch_id])
    if not path or not Path(path).exists():
        return None
    auth.audit(con, user.username, "export", f"batch {batch_id} rejects: {Path(path).name}")
    return Path(path).name, Path(path).read_bytes()


def undo(con, user: auth.User, batch_id: int) -> int:
    require_admin(user)
    return batches.undo_batch(con, batch_id, by=user.username)


def audit_table(con, user: auth.User, lang: str, limit: int = 500) -> DisplayTable:
    require_admin(user)
    df = store.fetch_pl(con, 'SELECT "at", username, action, detail FROM audit_log ORDER BY "at" DESC LIMIT $limit',
                        {"limit": limit}).with_columns(_words("action", lang))
    names = ["时间", "用户", "操作", "详情"] if lang == "zh" else ["When", "User", "Action", "Detail"]
    return DisplayTable("audit_log", i18n.t("wb.audit", lang), df.rename(dict(zip(df.columns, names))))


def users_table(con, user: auth.User, lang: str) -> DisplayTable:
    require_admin(user)
    rows = auth.list_users(con)
    role = lambda r: auth.ROLE_LABELS[r][0 if lang == "zh" else 1]  # noqa: E731
    names = (["用户名", "显示名", "角色", "可见范围", "已停用", "最近登录"] if lang == "zh"
             else ["User", "Name", "Role", "Scope", "Disabled", "Last sign-in"])
    frame = pl.DataFrame(
        {
            names[0]: [r[0] for r in rows], names[1]: [r[1] for r in rows], names[2]: [role(r[2]) for r in rows],
            names[3]: [r[6] or ("全部" if lang == "zh" else "everything") for r in rows],
            names[4]: [bool(r[3]) for r in rows], names[5]: [r[4] for r in rows],
        },
        schema={names[0]: pl.Utf8, names[1]: pl.Utf8, names[2]: pl.Utf8, names[3]: pl.Utf8, names[4]: pl.Boolean,
                names[5]: pl.Datetime("us")},
    )
    return DisplayTable("users", i18n.t("wb.users", lang), frame, key_column=names[0])


def grant_choices(con) -> dict[str, list[str]]:
    """What a scope can name: brands, stores and agencies that exist."""
    return {
        "brand": [r[0] for r in store.fetchall(con, "SELECT DISTINCT brand FROM stores WHERE brand IS NOT NULL ORDER BY 1")],
        "store": [r[0] for r in store.fetchall(con, "SELECT store_id FROM stores ORDER BY 1")],
        "agency": [r[0] for r in store.fetchall(con, "SELECT DISTINCT agency FROM accounts WHERE agency IS NOT NULL ORDER BY 1")],
    }
