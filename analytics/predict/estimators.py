"""The scikit-learn pipelines the models share, and a stable split of users into parts.

Numeric features pass through as they are for gradient boosting (which handles NaN itself) and are
median-imputed, flagged when missing, and standardised for logistic regression; plan and platform are
one-hot encoded for both. Every estimator has a fixed random_state, so a run is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from analytics.predict.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

RANDOM_STATE = 0
MAX_TRAIN_ROWS = 60_000
"""Training rows kept per fit (a reproducible sample beyond this): bounds the batch's time; on the
demo data more rows move the validation ROC AUC by less than 0.002."""
BOOSTING = {
    "max_iter": 300,
    "learning_rate": 0.06,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "early_stopping": True,
    "validation_fraction": 0.15,
    "n_iter_no_change": 15,
    "random_state": RANDOM_STATE,
}


def model_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns every model reads, numeric ones as float."""
    inputs = frame[list(NUMERIC_FEATURES)].astype("float64")
    for column in CATEGORICAL_FEATURES:
        inputs[column] = frame[column].astype(str)
    return inputs


def _one_hot() -> OneHotEncoder:
    return OneHotEncoder(handle_unknown="ignore", sparse_output=False)


def logistic_regression(c: float = 0.3) -> Pipeline:
    """Regularised (L2, inverse strength `c`) logistic regression on standardised features."""
    numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    prepare = ColumnTransformer(
        [
            ("numeric", numeric, list(NUMERIC_FEATURES)),
            ("categorical", _one_hot(), list(CATEGORICAL_FEATURES)),
        ]
    )
    return make_pipeline(prepare, LogisticRegression(C=c, max_iter=2000))


def _boosting_inputs() -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("numeric", "passthrough", list(NUMERIC_FEATURES)),
            ("categorical", _one_hot(), list(CATEGORICAL_FEATURES)),
        ]
    )


def boosting_classifier() -> Pipeline:
    """Histogram gradient boosting with early stopping on an inner validation split."""
    return make_pipeline(_boosting_inputs(), HistGradientBoostingClassifier(**BOOSTING))


def boosting_regressor(loss: str = "squared_error") -> Pipeline:
    """Histogram gradient boosting regression (`loss` "poisson" for counts)."""
    return make_pipeline(_boosting_inputs(), HistGradientBoostingRegressor(loss=loss, **BOOSTING))


def user_part(user_ids: pd.Series, parts: int) -> np.ndarray:
    """A stable part number 0..parts-1 per user (from a hash of the id), the same in every window and run."""
    return (pd.util.hash_pandas_object(user_ids.astype(str), index=False).to_numpy() % parts).astype(int)


def capped(frame: pd.DataFrame, *, rows: int = MAX_TRAIN_ROWS) -> pd.DataFrame:
    """`frame` itself, or a reproducible random sample of `rows` of it when it is longer."""
    return frame if len(frame) <= rows else frame.sample(rows, random_state=RANDOM_STATE)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run model code on one OpenMP thread: on two busy cores, boosting's spinning worker threads made
    a 2,000-user run twenty times slower (and starved DuckDB after each fit)."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield
