"""Which pages exist and which permission opens each; app.py builds st.navigation from this."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from analytics.viewer import Viewer
from config.permissions import Permission


@dataclass(frozen=True)
class PageSpec:
    """One page: its file, title, menu section and the permissions a viewer needs to open it."""

    path: str
    title: str
    icon: str
    section: str
    needs: tuple[Permission, ...]


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/overview.py",
        "Overview",
        ":material/dashboard:",
        "Dashboards",
        (Permission.VIEW_USER_ENGAGEMENT, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/engagement.py",
        "Engagement",
        ":material/group:",
        "Dashboards",
        (Permission.VIEW_USER_ENGAGEMENT, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/behaviour.py",
        "Behaviour",
        ":material/schedule:",
        "Dashboards",
        (Permission.VIEW_USER_BEHAVIOR, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/performance.py",
        "Performance",
        ":material/trending_up:",
        "Dashboards",
        (Permission.VIEW_USER_PERFORMANCE, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/funnels.py",
        "Funnels",
        ":material/filter_alt:",
        "Dashboards",
        (Permission.VIEW_USER_BEHAVIOR, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/paths.py",
        "Paths",
        ":material/route:",
        "Dashboards",
        (Permission.VIEW_USER_BEHAVIOR, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/forecasts.py",
        "Forecasts & trends",
        ":material/insights:",
        "Intelligence",
        (Permission.VIEW_USER_TRENDS, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/health.py",
        "Health",
        ":material/monitor_heart:",
        "Admin",
        (Permission.VIEW_ANALYTICS_HEALTH,),
    ),
    PageSpec(
        "pages/admin_accounts.py",
        "Accounts",
        ":material/manage_accounts:",
        "Admin",
        (Permission.MANAGE_ACCOUNTS,),
    ),
    PageSpec(
        "pages/audit.py",
        "Audit log",
        ":material/policy:",
        "Admin",
        (Permission.MANAGE_ACCOUNTS,),
    ),
    PageSpec("pages/account.py", "My account", ":material/account_circle:", "Account", ()),
)


def allowed_pages(viewer: Viewer) -> list[PageSpec]:
    """The pages `viewer` may open, in menu order."""
    return [spec for spec in PAGES if all(viewer.can(need) for need in spec.needs)]


def build_navigation(viewer: Viewer) -> StreamlitPage:
    """st.navigation over the allowed pages only, so the others cannot be reached by URL either."""
    sections: dict[str, list[st.Page]] = {}
    for spec in allowed_pages(viewer):
        sections.setdefault(spec.section, []).append(st.Page(spec.path, title=spec.title, icon=spec.icon))
    return st.navigation(sections)


def require_page(path: str, viewer: Viewer) -> None:
    """Each page's own check: stop with 'not allowed' if the viewer may not open `path`."""
    spec = next(spec for spec in PAGES if spec.path == path)
    missing = [need for need in spec.needs if not viewer.can(need)]
    if missing:
        st.error(f"Not allowed: this page needs the {', '.join(missing)} permission.")
        st.stop()
