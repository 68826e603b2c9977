"""My dashboard: the charts this account pinned, in its order, drawn again with current data."""

from datetime import timedelta

import streamlit as st

from analytics.dashboard import list_pins, move_pin, remove_pin
from analytics.periods import today_in_zone
from analytics.users import latest_day
from config.settings import load_settings
from ui.auth import current_viewer
from ui.navigation import require_page
from ui.pins import render_pin
from ui.state import database, shown_errors

viewer = current_viewer()
require_page("pages/my_dashboard.py", viewer)
db = database()
st.title("My dashboard")

with shown_errors():
    pins = list_pins(db, viewer)
    last_day = latest_day(db)
if pins.empty:
    st.info(
        "Nothing pinned yet. Use **Pin to my dashboard** next to a chart to keep it here with its filters; "
        "pins whose period ends on the last day with data move along as new data arrives."
    )
    st.stop()
if last_day is None:
    st.info("No events yet. Import data with `python -m analytics import FILE --kind events`.")
    st.stop()
# Periods after the last day with data count as in progress, so a stale data set shows no false zeros.
today = min(today_in_zone(load_settings().reporting_timezone), last_day + timedelta(days=1))

for number, pin in enumerate(pins.itertuples()):
    with st.container(border=True):
        head, up, down, drop = st.columns([12, 1, 1, 1], vertical_alignment="center")
        head.subheader(pin.title)
        moves = (
            (up, "up", ":material/arrow_upward:", "Move up", number == 0),
            (down, "down", ":material/arrow_downward:", "Move down", number == len(pins) - 1),
        )
        for column, direction, label, help_text, at_end in moves:
            if column.button(label, key=f"pin-{direction}-{pin.pin_id}", help=help_text, disabled=at_end):
                with shown_errors():
                    move_pin(db, viewer, pin.pin_id, direction)
                st.rerun()
        if drop.button(":material/delete:", key=f"pin-remove-{pin.pin_id}", help="Unpin this chart"):
            with shown_errors():
                remove_pin(db, viewer, pin.pin_id)
            st.rerun()
        render_pin(db, viewer, pin.chart, pin.params, last_day=last_day, today=today, key=f"pin-{pin.pin_id}")
