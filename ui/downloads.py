"""CSV downloads from pages: cells that a spreadsheet would run as formulas are neutralised first."""

from __future__ import annotations

import pandas as pd

from analytics.privacy.csv_cells import safe_csv_text


def safe_csv(frame: pd.DataFrame) -> str:
    """`frame` as CSV text with a header row, safe to open in a spreadsheet."""
    return safe_csv_text(frame)
