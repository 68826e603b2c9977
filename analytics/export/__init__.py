"""Exports for analysts: any dataset to CSV, Parquet, JSON Lines or xlsx, streamed, audited, scheduled."""

from analytics.export.datasets import DATASETS, ExportRequest, get_dataset
from analytics.export.run import ExportResult, export_dataset

__all__ = ["DATASETS", "ExportRequest", "ExportResult", "export_dataset", "get_dataset"]
