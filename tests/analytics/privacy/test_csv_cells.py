"""Text a spreadsheet would run as a formula gets a leading apostrophe, in every form of the guard."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from analytics.privacy import (
    neutralise_csv_array,
    neutralise_csv_batch,
    neutralise_csv_cell,
    neutralise_csv_frame,
)

CASES = [
    ("=1+1", "'=1+1"),
    ("+49 30 1234", "'+49 30 1234"),
    ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("plain", "plain"),
    ("a=b", "a=b"),
    ("", ""),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_cell(value: object, expected: object) -> None:
    assert neutralise_csv_cell(value) == expected


@pytest.mark.parametrize("value", [-2, 3.5, True])
def test_numbers_are_never_touched(value: object) -> None:
    assert neutralise_csv_cell(value) == value


def test_frame_array_and_batch_agree_with_the_cell_rule() -> None:
    values = [value for value, _ in CASES]
    expected = [want for _, want in CASES]
    frame = pd.DataFrame({"text": values, "number": range(-5, 5)})

    neutralised = neutralise_csv_frame(frame)

    assert neutralised["text"].replace({float("nan"): None}).tolist() == expected
    assert neutralised["number"].tolist() == list(range(-5, 5))
    assert frame["text"].iloc[0] == "=1+1"  # the input is not modified
    assert neutralise_csv_array(pa.array(values)).to_pylist() == expected
    batch = neutralise_csv_batch(pa.RecordBatch.from_pandas(frame))
    assert batch.column("text").to_pylist() == expected
    assert batch.column("number").to_pylist() == list(range(-5, 5))


def test_object_columns_neutralise_text_only() -> None:
    frame = pd.DataFrame({"mixed": pd.Series(["=x", -1, None], dtype=object)})
    assert neutralise_csv_frame(frame)["mixed"].tolist() == ["'=x", -1, None]
