"""Metric specs ('events', 'count:lesson', 'ratio:A/B', 'avg:accuracy' ...) and their time series."""

from analytics.metrics.series import metric_series
from analytics.metrics.spec import COMMON_METRICS, METRIC_HELP, MetricSpec, parse_metric

__all__ = ["COMMON_METRICS", "METRIC_HELP", "MetricSpec", "metric_series", "parse_metric"]
