"""Per-user predictions (churn, engagement, performance, skill), each beside its naive baseline.

Every model sees only data up to the end of its as-of day, is fitted on earlier windows and judged on
a later one; `batch.run_batch` runs them all and writes the `predictions` table; `store` reads it back.
"""

from analytics.predict.batch import BatchProgress, BatchSummary, run_batch, start_batch
from analytics.predict.churn import churn_scores
from analytics.predict.store import churn_risk_list, read_predictions, read_quality

__all__ = [
    "BatchProgress",
    "BatchSummary",
    "churn_risk_list",
    "churn_scores",
    "read_predictions",
    "read_quality",
    "run_batch",
    "start_batch",
]
