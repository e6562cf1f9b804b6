"""企业工作台: data management, users and scopes, audit log (admins only)."""

import streamlit as st

from cockpit import auth, fmt, schema, ui
from cockpit.batches import UndoError
from cockpit.reports import workbench as wb

view = ui.current_view()
user = ui.current_user()
lang = view.lang
st.title(ui.t("nav.workbench"))

if not user.is_admin:
    st.warning(ui.t("wb.admin_only"))
    st.stop()

con = view.con
data_tab, users_tab, audit_tab = st.tabs([ui.t("wb.data"), ui.t("wb.users"), ui.t("wb.audit")])

UPLOADER_ZH = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {font-size: 0;}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after
  {content: "%s"; font-size: 0.875rem;}
[data-testid="stFileUploaderDropzoneInstructions"] span {font-size: 0;}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {content: "%s"; font-size: 0.8rem;}
</style>"""

with data_tab, ui.guarded():
    if lang == "zh":  # Streamlit has no setting for the uploader's own words
        st.html(UPLOADER_ZH % (ui.t("wb.upload_button"), ui.t("wb.upload_limit", mb=st.get_option("server.maxUploadSize"))))
    st.subheader(ui.t("wb.upload"))
    files = st.file_uploader(ui.t("wb.upload_hint"), type=["csv", "txt", "tsv", "xlsx", "parquet"],
                             accept_multiple_files=True, key="w_upload")
    tables = list(schema.TABLES)
    plan = []
    for i, f in enumerate(files or []):
        guess = wb.table_from_filename(f.name)
        table = st.selectbox(f"{fmt.md(f.name)} → {ui.t('wb.table')}", tables,
                             index=tables.index(guess) if guess else None, key=f"w_upload_table_{i}_{f.name}",
                             format_func=lambda n: f"{schema.TABLES[n].zh} ({n})" if lang == "zh" else n,
                             placeholder=ui.t("wb.pick_table"))
        plan.append((f, table))
    if plan and st.button(ui.t("wb.import"), type="primary", disabled=any(t is None for _, t in plan)):
        bar = st.progress(0.0)
        for n, (f, table) in enumerate(plan, start=1):
            bar.progress((n - 1) / len(plan), text=f"{fmt.md(f.name)} …")
            result = wb.import_uploaded(con, user, table, f.name, f.getvalue(), lang)
            (st.success if result.ok and not result.rows_rejected else st.warning if result.ok else st.error)(
                fmt.md(wb.summary(result, lang)))
        bar.progress(1.0, text=ui.t("wb.done"))

    st.divider()
    hist = wb.history(con, user, lang)
    picked = ui.table(hist, select=True, height=320)
    if picked is not None:
        batch_id = int(picked)
        c1, c2 = st.columns(2)
        rejects = wb.rejects_file(con, user, batch_id)
        if rejects:
            c1.download_button(ui.t("wb.rejects", batch=batch_id), rejects[1], file_name=rejects[0],
                               mime="text/csv", key=f"dl_rejects_{batch_id}")
        else:
            c1.caption(ui.t("wb.no_rejects", batch=batch_id))
        confirm = c2.checkbox(ui.t("wb.undo_confirm", batch=batch_id), key=f"w_undo_ok_{batch_id}")
        if c2.button(ui.t("wb.undo", batch=batch_id), disabled=not confirm, key=f"w_undo_{batch_id}"):
            try:
                removed = wb.undo(con, user, batch_id)
                st.success(ui.t("wb.undone", batch=batch_id, rows=removed))
            except UndoError as e:
                st.error(fmt.md(e.message(lang)))

with users_tab, ui.guarded():
    ui.table(wb.users_table(con, user, lang))
    choices = wb.grant_choices(con)
    roles = list(auth.ROLES)
    role_label = lambda r: auth.ROLE_LABELS[r][0 if lang == "zh" else 1]  # noqa: E731

    def grants_input(role, key, default=()):
        dim = auth.ROLES[role]
        if dim is None:
            return []
        return st.multiselect(ui.t(f"wb.grant_{dim}"), choices[dim], default=[d for d in default if d in choices[dim]],
                              key=key)

    with st.expander(ui.t("wb.add_user")):
        name = st.text_input(ui.t("auth.user"), key="w_new_name")
        display = st.text_input(ui.t("wb.display_name"), key="w_new_display")
        role = st.selectbox(ui.t("wb.role"), roles, format_func=role_label, key="w_new_role")
        grants = grants_input(role, "w_new_grants")
        pw = st.text_input(ui.t("auth.password"), type="password", key="w_new_pw")
        if st.button(ui.t("wb.create"), key="w_new_go"):
            try:
                auth.create_user(con, name, pw, role, grants, display_name=display or None, by=user.username)
                st.success(ui.t("wb.created", name=fmt.md(name)))
                st.rerun()
            except auth.AuthError as e:
                st.error(fmt.md(e.message(lang)))

    names = [r[0] for r in auth.list_users(con)]
    if names:
        with st.expander(ui.t("wb.edit_user")):
            who = st.selectbox(ui.t("auth.user"), names, key="w_edit_who")
            current = auth.get_user(con, who)
            row = next(r for r in auth.list_users(con) if r[0] == who)
            role = st.selectbox(ui.t("wb.role"), roles, index=roles.index(row[2]), format_func=role_label,
                                key=f"w_edit_role_{who}")
            grants = grants_input(role, f"w_edit_grants_{who}", current.grants if current else ())
            disabled = st.checkbox(ui.t("wb.disabled"), value=bool(row[3]), key=f"w_edit_disabled_{who}")
            if st.button(ui.t("wb.save"), key=f"w_edit_go_{who}"):
                try:
                    auth.update_user(con, who, role, grants, display_name=row[1], disabled=disabled, by=user.username)
                    st.success(ui.t("wb.saved", name=fmt.md(who)))
                except auth.AuthError as e:
                    st.error(fmt.md(e.message(lang)))
            new_pw = st.text_input(ui.t("wb.new_password"), type="password", key=f"w_edit_pw_{who}")
            if st.button(ui.t("wb.reset_password"), key=f"w_edit_pwgo_{who}"):
                try:
                    auth.set_password(con, who, new_pw, by=user.username)
                    st.success(ui.t("wb.saved", name=fmt.md(who)))
                except auth.AuthError as e:
                    st.error(fmt.md(e.message(lang)))

with audit_tab, ui.guarded():
    ui.table(wb.audit_table(con, user, lang), height=480)
