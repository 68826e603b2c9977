"""Predictions about one user in plain words, each with its model's measured quality in small print.

A member reading their own page sees their level and engagement outlook framed as encouragement and
never their churn risk; people who look at other users (VIEW_OTHER_USER_ANALYTICS) see the churn band
too. Statements come from the latest batch run (`analytics.predict.store`); none refits a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from analytics.db import Database
from analytics.predict.store import read_predictions, read_quality
from analytics.viewer import SYSTEM, Viewer

ORDER = ("skill", "engagement", "performance", "churn")
SAME_AS_LAST_30 = "the next 30 days are like the last 30"
BASELINE_WORDS = {
    "active_days_30": SAME_AS_LAST_30,
    "accuracy_30": SAME_AS_LAST_30,
    "speed_s_30": SAME_AS_LAST_30,
}
"""Plain words for the baselines' feature names (others are shown as stored)."""


@dataclass(frozen=True)
class Outlook:
    """One statement: the prediction type it comes from, the words, and the model's quality in words."""

    kind: str
    text: str
    small_print: str


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _made(row: Any) -> str:
    return f"{row.model_version}, as of {row.as_of:%d %b %Y}"


def _regression_print(row: Any, figures: dict[str, Any], *, percent: bool = False) -> str:
    """The model's holdout error against its baseline's, and how often its stated range held."""
    mae = figures.get("mae", figures.get("mae_days"))
    baseline_mae = figures.get("baseline_mae", figures.get("baseline_mae_days"))
    if mae is None or baseline_mae is None:
        return f"Model {_made(row)}: its accuracy has not been measured yet (too little history)."
    unit, baseline = figures.get("unit", "days"), figures.get("baseline", "baseline")

    def shown(value: float) -> str:
        return f"{100 * value:.1f} points" if percent else f"{value:.1f} {unit}"

    coverage = figures.get("interval_coverage")
    held = "" if coverage is None else f"; the range held for {coverage:.0%} of them"
    return (
        f"Model {_made(row)}. On users it was checked on, it was off by {shown(mae)} on average, against "
        f"{shown(baseline_mae)} for the simple rule \u201c{BASELINE_WORDS.get(baseline, baseline)}\u201d{held}."
    )


def _skill(row: Any, quality: dict[str, Any], own: bool) -> list[Outlook]:
    data = row.prediction_data
    if own:
        words = data["words"]
        text = words[:1].upper() + words[1:] + "."
    else:
        expected, earliest, latest = (_day(data[key]) for key in ("expected_date", "earliest", "latest"))
        text = f"Level {data['next_level']} expected around {expected:%d %B %Y}"
        if earliest and latest:
            text += f" (likely {earliest:%d %b} to {latest:%d %b %Y})"
        text += "."
    return [Outlook("skill", text, _regression_print(row, quality.get("next_level", {})))]


def _engagement(row: Any, quality: dict[str, Any], own: bool) -> list[Outlook]:
    data = row.prediction_data
    days, low, high = data["active_days"], data["low"], data["high"]
    before = data["baseline_active_days"]
    likely = f"likely {low:.0f} to {high:.0f}"
    if not own:
        text = f"About {days:.1f} active days expected in the next 30 ({likely}); {before} in the last 30."
    elif round(days) >= before:
        text = (
            f"Keep it up: at this pace you will practise on about {days:.0f} days in the next 30 ({likely}), "
            f"as often as or more than in the last 30 days ({before})."
        )
    else:
        text = (
            f"At this pace you will practise on about {days:.0f} days in the next 30 ({likely}). "
            f"A short session on a few more days would match your last 30 days ({before})."
        )
    return [Outlook("engagement", text, _regression_print(row, quality.get("active_days", {})))]


def _performance(row: Any, quality: dict[str, Any], own: bool) -> list[Outlook]:
    data = row.prediction_data
    found = []
    if "accuracy" in data:
        values = data["accuracy"]
        lead = "Next month your accuracy should be" if own else "Accuracy next month:"
        text = (
            f"{lead} around {values['predicted']:.0%} (likely {values['low']:.0%} to {values['high']:.0%}; "
            f"{values['this_month']:.0%} in the last 30 days)."
        )
        found.append(
            Outlook("performance", text, _regression_print(row, quality.get("accuracy", {}), percent=True))
        )
    if "speed_s" in data:
        values = data["speed_s"]
        lead = "Next month you should take" if own else "Speed next month:"
        text = (
            f"{lead} around {values['predicted']:.0f} s per exercise (likely {values['low']:.0f} to "
            f"{values['high']:.0f} s; {values['this_month']:.0f} s in the last 30 days)."
        )
        found.append(Outlook("performance", text, _regression_print(row, quality.get("speed_s", {}))))
    return found


def _churn(row: Any, quality: dict[str, Any], own: bool) -> list[Outlook]:
    if own:
        return []
    data = row.prediction_data
    text = (
        f"Churn risk: {data['band']} ({data['probability']:.0%} chance of no activity in the next "
        f"{int(row.horizon_days)} days)."
    )
    if data.get("reasons"):
        text += f" Why: {'; '.join(data['reasons'])}."
    model, baseline = quality.get("model", {}), quality.get("baseline", {})
    if "roc_auc" in model and "roc_auc" in baseline:
        small = (
            f"Model {_made(row)} ({quality.get('chosen', '').replace('_', ' ')}). On held-out users: ROC AUC "
            f"{model['roc_auc']:.2f} against {baseline['roc_auc']:.2f} for days since the last event alone; "
            f"Brier score {model['brier']:.3f}."
        )
    else:
        small = f"Model {_made(row)}: its accuracy has not been measured yet."
    return [Outlook("churn", text, small)]


BUILDERS = {"skill": _skill, "engagement": _engagement, "performance": _performance, "churn": _churn}


def personal_outlook(db: Database, viewer: Viewer, user_id: str) -> list[Outlook]:
    """The latest predictions about `user_id` as statements, in ORDER (churn only for other people's users)."""
    rows = read_predictions(db, viewer, user_id=user_id)
    # Quality figures describe a model over all users, not any one of them, so they are read with the
    # system's rights: a member may see how good the models are that make predictions about them.
    models = (read_quality(db, SYSTEM) or {}).get("models", {})
    own = viewer.user_id == user_id
    rows = rows.assign(rank=rows["prediction_type"].map({kind: n for n, kind in enumerate(ORDER)}))
    found: list[Outlook] = []
    for row in rows.sort_values("rank", kind="stable").itertuples(index=False):
        build = BUILDERS.get(row.prediction_type)
        if build is not None:
            found.extend(build(row, models.get(row.prediction_type, {}), own))
    return found
