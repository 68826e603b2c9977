"""Anonymised output holds no raw user id, email, name or full IP, and pseudonyms are stable per key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analytics.errors import AnalyticsError
from analytics.privacy import (
    anonymisation_key,
    anonymise_batch,
    anonymise_frame,
    anonymise_reader,
    anonymised_schema,
)
from analytics.privacy.anonymise import truncate_ips

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
PSEUDONYM = re.compile(r"^anon_[0-9a-f]{16}$")


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["user-1001", "user-1002", "user-1001", None],
            "referrer_user_id": ["user-1002", None, "user-1003", "user-1001"],
            "email": ["ann@example.com", "ben@example.com", "ann@example.com", None],
            "display_name": ["Ann Lee", "Ben Ng", "Ann Lee", None],
            "ip_address": ["203.0.113.45", "2001:db8:abcd:12::1", "198.51.100.200", "not an ip"],
            "properties": [
                json.dumps({"contact": "ann@example.com", "score": 3}),
                json.dumps({"inner": json.dumps({"cc": ["ben@example.com", "x@y.io"]})}),
                "write to Ann.Lee+news@mail.example.co.uk today",
                None,
            ],
            "score": [1.5, 2.0, 3.0, None],
        },
        index=[7, 8, 9, 10],
    )


def test_output_holds_no_raw_id_email_name_or_full_ip() -> None:
    text = anonymise_frame(sample(), key=KEY).to_csv(index=False)

    for secret in (
        "user-100",
        "@example",
        "@mail",
        "x@y.io",
        "Ann Lee",
        "Ben Ng",
        "203.0.113.45",
        "abcd:12::1",
    ):
        assert secret not in text
    assert "203.0.113.0" in text and "2001:db8:abcd::" in text


def test_columns_rows_and_index_are_kept_except_names_and_emails() -> None:
    frame = sample()
    anonymised = anonymise_frame(frame, key=KEY)

    assert list(anonymised.columns) == ["user_id", "referrer_user_id", "ip_address", "properties", "score"]
    assert list(anonymised.index) == [7, 8, 9, 10]
    pd.testing.assert_series_equal(anonymised["score"], frame["score"])
    assert frame["user_id"].iloc[0] == "user-1001"  # the input is not modified


def test_pseudonyms_are_stable_within_an_export_and_nulls_stay_null() -> None:
    anonymised = anonymise_frame(sample(), key=KEY)
    ids = anonymised["user_id"]

    assert all(PSEUDONYM.match(value) for value in ids.dropna())
    assert ids.iloc[0] == ids.iloc[2] != ids.iloc[1]
    assert pd.isna(ids.iloc[3])
    # the same user in another id column gets the same pseudonym
    assert anonymised["referrer_user_id"].iloc[0] == ids.iloc[1]
    assert anonymised["referrer_user_id"].iloc[3] == ids.iloc[0]


def test_another_key_gives_other_pseudonyms() -> None:
    first = anonymise_frame(sample(), key=KEY)["user_id"].dropna()
    second = anonymise_frame(sample(), key=OTHER_KEY)["user_id"].dropna()
    assert set(first).isdisjoint(second)


def test_chunks_of_a_streamed_export_agree_with_the_whole_frame() -> None:
    frame = sample()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1))

    streamed = anonymise_reader(reader, key=KEY).read_all()

    assert streamed.schema == anonymised_schema(table.schema)
    assert streamed.num_rows == 4
    whole = anonymise_frame(frame, key=KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(streamed.to_pandas(), whole, check_dtype=False)
    assert anonymise_batch(table.to_batches()[0], key=KEY).schema.names == list(whole.columns)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.45", "203.0.113.0"),
        ("10.0.0.1", "10.0.0.0"),
        ("255.255.255.255", "255.255.255.0"),
        ("0.0.0.0", "0.0.0.0"),
        (" 192.0.2.7 ", "192.0.2.0"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::"),
        ("2001:0db8:0000:ffff:1:2:3:4", "2001:db8::"),
        ("2001:db8:abcd:ffff:ffff:ffff:ffff:ffff", "2001:db8:abcd::"),
        ("::1", "::"),
        ("::ffff:198.51.100.23", "198.51.100.0"),
        ("fe80::1%eth0", "fe80::"),
        ("[2001:db8::1]", None),
        ("256.1.1.1", None),
        ("01.2.3.4", None),
        ("1.2.3", None),
        ("1.2.3.4.5", None),
        ("2001:db8::g", None),
        ("not an ip", None),
        ("", None),
        (None, None),
    ],
)
def test_ip_truncation(address: str | None, expected: str | None) -> None:
    assert truncate_ips(pa.array([address], pa.string())).to_pylist() == [expected]


def test_emails_in_nested_json_are_scrubbed_and_the_json_stays_valid() -> None:
    properties = anonymise_frame(sample(), key=KEY)["properties"]

    assert json.loads(properties.iloc[0]) == {"contact": "[email]", "score": 3}
    inner = json.loads(json.loads(properties.iloc[1])["inner"])
    assert inner == {"cc": ["[email]", "[email]"]}
    assert properties.iloc[2] == "write to [email] today"


def test_parsed_json_and_lists_in_object_columns_are_scrubbed_as_json_text() -> None:
    frame = pd.DataFrame(
        {
            "attributes": [{"email": "a@b.io", "n": 1}, None],
            "features": [np.array(["c@d.io", "quiz"]), np.array([])],
            "tags": pd.Categorical(["e@f.io", "g"]),
        }
    )
    anonymised = anonymise_frame(frame, key=KEY)
    assert anonymised["attributes"].iloc[0] == '{"email": "[email]", "n": 1}'
    assert pd.isna(anonymised["attributes"].iloc[1])
    assert anonymised["features"].tolist() == ['["[email]", "quiz"]', "[]"]
    assert anonymised["tags"].tolist() == ["[email]", "g"]


def test_arrow_lists_of_text_are_scrubbed_in_place() -> None:
    batch = pa.RecordBatch.from_pydict({"features": pa.array([["c@d.io", "quiz"], None, []])})
    anonymised = anonymise_batch(batch, key=KEY)
    assert anonymised.column("features").to_pylist() == [["[email]", "quiz"], None, []]


def test_key_comes_from_the_secrets_file(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('anonymisation_key = "a-long-enough-secret-key"\n')
    assert anonymisation_key(secrets) == b"a-long-enough-secret-key"


def test_without_a_secret_each_export_gets_a_fresh_random_key(tmp_path: Path) -> None:
    missing = tmp_path / "secrets.toml"
    first, second = anonymisation_key(missing), anonymisation_key(missing)
    assert len(first) == 32 and first != second
    missing.write_text('other = "x"\n')
    assert len(anonymisation_key(missing)) == 32


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("anonymisation_key = 'short'\n")
    with pytest.raises(
        AnalyticsError, match="'anonymisation_key' secret in .* must be a string of at least 16"
    ):
        anonymisation_key(secrets)
