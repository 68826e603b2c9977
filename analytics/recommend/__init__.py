"""Recommendations: items from implicit feedback (`implicit`), advice against peers (`coaching`), their
measured quality (`evaluate`) and the table that keeps them (`store`); `generate` runs one batch.
"""

from analytics.recommend.evaluate import RecommenderQuality, evaluate_recommender
from analytics.recommend.generate import RecommendationBatch, build_recommendations, generate_recommendations
from analytics.recommend.store import MODEL_VERSION, STATUSES, read_recommendations, set_recommendation_status

__all__ = [
    "MODEL_VERSION",
    "STATUSES",
    "RecommendationBatch",
    "RecommenderQuality",
    "build_recommendations",
    "evaluate_recommender",
    "generate_recommendations",
    "read_recommendations",
    "set_recommendation_status",
]
