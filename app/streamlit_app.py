"""Brand Cockpit web app: the link and sign-in, the page the user chose, its sidebar."""

from pathlib import Path

import streamlit as st

from cockpit import ui

st.set_page_config(page_title="品牌驾驶舱 · Brand Cockpit", page_icon=str(Path(__file__).with_name("icon.png")), layout="wide")

view = ui.bootstrap()
pages = [
    st.Page("views/overview.py", title=ui.t("nav.overview"), icon=":material/dashboard:", url_path="home", default=True),
    # the default page lives at "/"; a link to /overview opens it too
    st.Page("views/overview.py", title=ui.t("nav.overview"), url_path="overview", visibility="hidden"),
    st.Page("views/live.py", title=ui.t("nav.live"), icon=":material/live_tv:", url_path="live"),
    st.Page("views/sessions.py", title=ui.t("nav.sessions"), icon=":material/analytics:", url_path="sessions"),
    st.Page("views/review.py", title=ui.t("nav.review"), icon=":material/troubleshoot:", url_path="review"),
    st.Page("views/entities.py", title=ui.t("nav.entities"), icon=":material/storefront:", url_path="entities"),
    st.Page("views/growth.py", title=ui.t("nav.growth"), icon=":material/trending_up:", url_path="growth"),
    st.Page("views/alerts.py", title=ui.t("nav.alerts"), icon=":material/notifications:", url_path="alerts"),
]
if ui.current_user().is_admin:  # not even routable for anyone else
    pages.append(st.Page("views/workbench.py", title=ui.t("nav.workbench"), icon=":material/admin_panel_settings:",
                         url_path="workbench"))
page = st.navigation(pages)
ui.sidebar(view, page.url_path)
page.run()
