"""Pulse's privacy functions: anonymisation, consent, retention, erasure and the right of access.

Each lives in a module of its own; the public names are gathered here for callers.
"""

from analytics.privacy.access import export_user_data
from analytics.privacy.anonymise import (
    anonymisation_key,
    anonymise_batch,
    anonymise_frame,
    anonymise_reader,
    anonymised_schema,
)
from analytics.privacy.consent import set_consent, withdrawn_users
from analytics.privacy.csv_cells import (
    neutralise_csv_array,
    neutralise_csv_batch,
    neutralise_csv_cell,
    neutralise_csv_frame,
)
from analytics.privacy.erasure import ErasureReport, erase_user
from analytics.privacy.retention import RetentionReport, apply_retention

__all__ = [
    "ErasureReport",
    "RetentionReport",
    "anonymisation_key",
    "anonymise_batch",
    "anonymise_frame",
    "anonymise_reader",
    "anonymised_schema",
    "apply_retention",
    "erase_user",
    "export_user_data",
    "neutralise_csv_array",
    "neutralise_csv_batch",
    "neutralise_csv_cell",
    "neutralise_csv_frame",
    "set_consent",
    "withdrawn_users",
]
