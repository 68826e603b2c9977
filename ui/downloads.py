"""CSV downloads from pages: cells that a spreadsheet would run as formulas are neutralised first."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd

from analytics.privacy.csv_cells import safe_csv_text


def csv_download(frame: pd.DataFrame) -> Callable[[], str]:
    """`frame` as CSV text with a header row, safe to open in a spreadsheet, for `st.download_button`:
    built when the button is clicked, not on every run of the page (5% of the server's GIL under load)."""
    return functools.partial(safe_csv_text, frame)
