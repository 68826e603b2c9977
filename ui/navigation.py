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
        "pages/realtime.py",
        "Real time",
        ":material/bolt:",
        "Dashboards",
        (Permission.VIEW_USER_ENGAGEMENT, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/user_explorer.py",
        "User explorer",
        ":material/person_search:",
        "Dashboards",
        (Permission.VIEW_USER_ANALYTICS, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        # Before every other page a member may open, so it is the first of their menu and where they land.
        "pages/my_insights.py",
        "My insights",
        ":material/self_improvement:",
        "Me",
        (Permission.VIEW_USER_INSIGHTS,),
    ),
    PageSpec(
        "pages/my_dashboard.py",
        "My dashboard",
        ":material/push_pin:",
        "Dashboards",
        (Permission.VIEW_USER_ENGAGEMENT,),
    ),
    PageSpec(
        "pages/forecasts.py",
        "Forecasts & trends",
        ":material/insights:",
        "Intelligence",
        (Permission.VIEW_USER_TRENDS, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/alerts.py",
        "Alerts",
        ":material/notifications:",
        "Intelligence",
        (Permission.VIEW_USER_TRENDS, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/insights.py",
        "Insights",
        ":material/lightbulb:",
        "Intelligence",
        (Permission.VIEW_USER_INSIGHTS, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/compare.py",
        "Compare users",
        ":material/compare_arrows:",
        "Intelligence",
        (Permission.COMPARE_USERS, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec(
        "pages/predictions.py",
        "Predictions",
        ":material/online_prediction:",
        "Intelligence",
        (Permission.VIEW_PREDICTIONS, Permission.VIEW_OTHER_USER_ANALYTICS),
    ),
    PageSpec("pages/export.py", "Export", ":material/download:", "Data", (Permission.EXPORT_ANALYTICS,)),
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
    PageSpec(
        "pages/pulse_usage.py",
        "Pulse usage",
        ":material/query_stats:",
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
    return st.navigation(sections, expanded=True)


def require_page(path: str, viewer: Viewer) -> None:
    """Each page's own check: stop with 'not allowed' if the viewer may not open `path`."""
    spec = next(spec for spec in PAGES if spec.path == path)
    missing = [need for need in spec.needs if not viewer.can(need)]
    if missing:
        st.error(f"Not allowed: this page needs the {', '.join(missing)} permission.")
        st.stop()
