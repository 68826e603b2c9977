"""Insights: ranked statements about the product (`product`) and one user (`personal`) that pass a
significance and size filter (`significance`), and Compass-style behaviour correlations (`correlations`).
"""

from analytics.insights.correlations import behaviour_correlations, metric_correlations
from analytics.insights.personal import personal_insights
from analytics.insights.product import product_insights
from analytics.insights.significance import Insight

__all__ = [
    "Insight",
    "behaviour_correlations",
    "metric_correlations",
    "personal_insights",
    "product_insights",
]
