"""CSV formula-injection guard shared by every CSV Pulse writes.

A spreadsheet runs a cell that starts with = + - @ (or tab / carriage return, which some strip first)
as a formula, so such text cells get a leading apostrophe, which spreadsheets show as plain text.
Numbers are never touched: only text cells can carry a formula.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = "^[=+\\-@\t\r]"


def neutralise_csv_cell(value: object) -> object:
    """`value` with an apostrophe in front if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_csv_array(values: pa.Array) -> pa.Array:
    """The vectorised `neutralise_csv_cell` for an Arrow text array (streamed exports)."""
    risky = pc.match_substring_regex(values, _FORMULA_START)
    if not pc.any(risky).as_py():
        return values
    quote = pa.scalar("'", values.type)
    return pc.if_else(risky, pc.binary_join_element_wise(quote, values, pa.scalar("", values.type)), values)


def neutralise_csv_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` with every text column neutralised; other columns unchanged."""
    columns = [neutralise_csv_array(column) if _is_text(column.type) else column for column in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def neutralise_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and column name neutralised; numbers and dates unchanged."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.CategoricalDtype):  # its categories are text cells too
            column = column.astype(object)
        if column.dtype == object:
            out[name] = column.map(neutralise_csv_cell)
        elif pd.api.types.is_string_dtype(column.dtype):
            out[name] = column.where(~column.str.startswith(FORMULA_PREFIXES).fillna(False), "'" + column)
    # Pivoted tables name their columns after data (activity types, segment values).
    out.columns = [neutralise_csv_cell(name) for name in out.columns]
    return out


def safe_csv_text(frame: pd.DataFrame) -> str:
    """`frame` as CSV text (header row, CRLF line ends) that is safe to open in a spreadsheet.

    Besides neutralising formulas, every cell holding a CR or LF is quoted: unquoted, a spreadsheet
    starts a new row at a bare CR, and the text after it would be a cell of its own, formula and all.
    Python's CSV writer quotes only cells holding characters of its line terminator, hence CRLF.
    """
    return neutralise_csv_frame(frame).to_csv(index=False, lineterminator="\r\n")


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
