"""Alert rules: a metric, segment and grain, a condition on its latest complete period, and channels.

Conditions: `threshold` (the value is above/below `threshold`), `change` (the value rose/fell by more
than `threshold` percent against the previous period) and `anomaly` (detect_anomalies flags the period;
`direction` optionally keeps only rises or only drops). Every alert shows on the Alerts page; a rule may
also post it to a webhook, signed with its secret. Seeing rules needs VIEW_USER_TRENDS on product-wide
data; creating, changing and deleting them needs GENERATE_PREDICTIONS as well.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from analytics import audit
from analytics.db import Database
from analytics.errors import AnalyticsError, NotFoundError, ValidationError
from analytics.filters import GRAINS, Grain, check_segment, parse_segment
from analytics.metrics import METRIC_HELP, MetricSpec, parse_metric
from analytics.viewer import Viewer
from analytics.webhooks import check_url
from config.permissions import Permission

CONDITIONS = ("threshold", "change", "anomaly")
CONDITION_HELP = (
    "threshold: the value is above/below the threshold; change: it rose/fell by more than the threshold in "
    "percent against the previous period; anomaly: it lies outside the range its history leads one to expect"
)
DIRECTIONS = ("above", "below")
MAX_NAME_CHARS = 100
MIN_SECRET_CHARS = 16
RULE_COLUMNS = (
    "rule_id, name, metric, segment, grain, condition, direction, threshold, channel, enabled, "
    "created_by, created_at, last_evaluated_at, last_error"
)


@dataclass(frozen=True)
class AlertRule:
    """One stored rule; `segment` is sorted (key, value) pairs, `threshold` a value or a percent."""

    rule_id: str
    name: str
    metric: str
    condition: str
    grain: Grain = "day"
    direction: str | None = None
    threshold: float | None = None
    segment: tuple[tuple[str, str], ...] = field(default=())
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    enabled: bool = True
    created_by: str = "system"
    created_at: datetime | None = None
    last_evaluated_at: datetime | None = None
    last_error: str | None = None

    @property
    def spec(self) -> MetricSpec:
        """The parsed metric."""
        return parse_metric(self.metric)

    @property
    def condition_text(self) -> str:
        """The condition in words, e.g. 'falls more than 20% against the previous period'."""
        if self.condition == "threshold":
            return f"{self.direction} {self.threshold:,.6g}"
        if self.condition == "change":
            verb = "rises" if self.direction == "above" else "falls"
            return f"{verb} more than {self.threshold:,.6g}% against the previous period"
        side = {"above": "above the expected range", "below": "below the expected range"}
        return f"anomaly ({side.get(self.direction or '', 'either direction')})"


def create_rule(
    db: Database,
    viewer: Viewer,
    *,
    name: str,
    metric: str,
    condition: str,
    grain: str = "day",
    direction: str | None = None,
    threshold: float | None = None,
    segment: str | tuple[tuple[str, str], ...] = (),
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    source: str | None = None,
) -> AlertRule:
    """Validate and store a new enabled rule; the creation is audited."""
    _require_editor(viewer)
    rule = validated(
        AlertRule(
            rule_id=uuid.uuid4().hex[:16],
            name=name,
            metric=metric,
            condition=condition,
            grain=grain,
            direction=direction,
            threshold=threshold,
            segment=segment,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            created_by=viewer.account,
            created_at=_now(),
        )
    )
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            f"INSERT INTO alert_rules ({RULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            [rule.rule_id, *_stored(rule), rule.created_by, rule.created_at],
        )
        audit.record(
            cursor,
            viewer.account,
            "alert_rule_created",
            target=rule.rule_id,
            detail=_described(rule),
            source=source,
        )
    return rule


def list_rules(db: Database, viewer: Viewer) -> list[AlertRule]:
    """Every rule, newest first."""
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    return [
        _from_row(row) for row in db.rows(f"SELECT {RULE_COLUMNS} FROM alert_rules ORDER BY created_at DESC")
    ]


def enabled_rules(db: Database) -> list[AlertRule]:
    """The enabled rules, oldest first (for the evaluation job, which runs as the system)."""
    return [
        _from_row(row)
        for row in db.rows(f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE enabled ORDER BY created_at")
    ]


def get_rule(db: Database, viewer: Viewer, rule_id: str) -> AlertRule:
    """The rule `rule_id`; NotFoundError if there is none."""
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    found = db.rows(f"SELECT {RULE_COLUMNS} FROM alert_rules WHERE rule_id = ?", [rule_id])
    if not found:
        raise NotFoundError(
            f"There is no alert rule {rule_id!r}; list them with `python -m analytics alerts list`."
        )
    return _from_row(found[0])


def update_rule(
    db: Database, viewer: Viewer, rule_id: str, *, source: str | None = None, **changes: Any
) -> AlertRule:
    """Change fields of a rule (e.g. enabled=False, threshold=25); the result is validated and audited."""
    _require_editor(viewer)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise AnalyticsError(
            f"Alert rules have no editable field {unknown}; editable: {', '.join(sorted(EDITABLE))}."
        )
    if "webhook_url" in changes and not changes["webhook_url"]:
        changes.setdefault("webhook_secret", None)  # removing the webhook removes its secret too
    rule = validated(replace(get_rule(db, viewer, rule_id), **changes))
    with db.transaction(data_changed=False) as cursor:
        cursor.execute(
            "UPDATE alert_rules SET name = ?, metric = ?, segment = ?, grain = ?, condition = ?, direction = ?, "
            "threshold = ?, channel = ?, enabled = ?, last_error = NULL WHERE rule_id = ?",
            [*_stored(rule), rule_id],
        )
        detail = {key: value for key, value in changes.items() if key != "webhook_secret"}
        audit.record(
            cursor, viewer.account, "alert_rule_updated", target=rule_id, detail=detail, source=source
        )
    return rule


def delete_rule(db: Database, viewer: Viewer, rule_id: str, *, source: str | None = None) -> None:
    """Delete a rule; its alerts stay in the history (with their feedback), pending webhooks stop."""
    _require_editor(viewer)
    rule = get_rule(db, viewer, rule_id)
    with db.transaction(data_changed=False) as cursor:
        cursor.execute("DELETE FROM alert_rules WHERE rule_id = ?", [rule_id])
        audit.record(
            cursor,
            viewer.account,
            "alert_rule_deleted",
            target=rule_id,
            detail=_described(rule),
            source=source,
        )


EDITABLE = frozenset(
    {
        "name",
        "metric",
        "condition",
        "grain",
        "direction",
        "threshold",
        "segment",
        "webhook_url",
        "webhook_secret",
        "enabled",
    }
)


def validated(rule: AlertRule) -> AlertRule:
    """The rule with normalised fields, or ValidationError listing every bad field and what is allowed."""
    problems: list[dict[str, object]] = []

    def bad(name: str, reason: str) -> None:
        problems.append({"field": name, "reason": reason})

    name = (rule.name or "").strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        bad("name", f"must be 1-{MAX_NAME_CHARS} characters, got {len(name)}")
    metric = rule.metric
    try:
        metric = parse_metric(rule.metric).text
    except AnalyticsError as exc:
        bad("metric", str(exc))
    segment = rule.segment
    try:
        segment = _segment(rule.segment)
    except AnalyticsError as exc:
        bad("segment", str(exc))
    if rule.grain not in GRAINS:
        bad("grain", f"must be one of {', '.join(GRAINS)}, got {rule.grain!r}")
    direction = rule.direction or None
    threshold = rule.threshold
    if rule.condition not in CONDITIONS:
        bad("condition", f"must be one of {', '.join(CONDITIONS)}, got {rule.condition!r}")
    elif rule.condition == "anomaly":
        if direction not in (None, *DIRECTIONS):
            bad("direction", f"must be above, below or empty (either) for an anomaly rule, got {direction!r}")
        if threshold is not None:
            bad(
                "threshold",
                f"must be empty for an anomaly rule (detect_anomalies sets the band), got {threshold!r}",
            )
    else:
        if direction not in DIRECTIONS:
            bad("direction", f"must be above or below for a {rule.condition} rule, got {direction!r}")
        threshold = _number(threshold)
        if threshold is None:
            bad("threshold", f"must be a finite number for a {rule.condition} rule, got {rule.threshold!r}")
        elif rule.condition == "change" and threshold <= 0:
            bad(
                "threshold",
                f"must be a percent > 0 for a change rule (the size of the rise or fall), got {threshold:g}",
            )
    url = (rule.webhook_url or "").strip() or None
    secret = (rule.webhook_secret or "").strip() or None
    if url is not None:
        try:
            check_url(url)
        except AnalyticsError as exc:
            bad("webhook_url", str(exc))
        if secret is None or len(secret) < MIN_SECRET_CHARS:
            bad(
                "webhook_secret",
                f"must be at least {MIN_SECRET_CHARS} characters when a webhook URL is set (it signs each body)",
            )
    elif secret is not None:
        bad("webhook_secret", "must be empty when no webhook URL is set")
    if problems:
        listed = "; ".join(f"{p['field']}: {p['reason']}" for p in problems)
        raise ValidationError(f"The alert rule is not valid. {listed}. Metrics: {METRIC_HELP}.", problems)
    return replace(
        rule,
        name=name,
        metric=metric,
        segment=segment,
        direction=direction,
        threshold=threshold,
        webhook_url=url,
        webhook_secret=secret,
    )


def _segment(segment: str | tuple[tuple[str, str], ...] | list) -> tuple[tuple[str, str], ...]:
    if isinstance(segment, str):
        return tuple(parse_segment(segment)) if segment.strip() else ()
    pairs = tuple(sorted((str(key), str(value)) for key, value in segment))
    for key, value in pairs:
        check_segment(key, value)
    return pairs


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _require_editor(viewer: Viewer) -> None:
    viewer.require_aggregate(Permission.VIEW_USER_TRENDS)
    viewer.require(Permission.GENERATE_PREDICTIONS)


def _stored(rule: AlertRule) -> list[object]:
    """Column values from name to enabled, in RULE_COLUMNS order."""
    channel = (
        {"webhook_url": rule.webhook_url, "webhook_secret": rule.webhook_secret} if rule.webhook_url else None
    )
    return [
        rule.name,
        rule.metric,
        json.dumps(dict(rule.segment)) if rule.segment else None,
        rule.grain,
        rule.condition,
        rule.direction,
        rule.threshold,
        json.dumps(channel) if channel else None,
        rule.enabled,
    ]


def _described(rule: AlertRule) -> dict[str, object]:
    """The rule for the audit log, without its webhook secret."""
    return {
        "name": rule.name,
        "metric": rule.metric,
        "segment": dict(rule.segment),
        "grain": rule.grain,
        "condition": rule.condition,
        "direction": rule.direction,
        "threshold": rule.threshold,
        "webhook_url": rule.webhook_url,
    }


def _from_row(row: tuple) -> AlertRule:
    rule_id, name, metric, segment, grain, condition, direction, threshold, channel, *rest = row
    enabled, created_by, created_at, last_evaluated_at, last_error = rest
    hook = json.loads(channel) if channel else {}
    return AlertRule(
        rule_id=rule_id,
        name=name,
        metric=metric,
        condition=condition,
        grain=grain,
        direction=direction,
        threshold=threshold,
        segment=tuple(sorted(json.loads(segment).items())) if segment else (),
        webhook_url=hook.get("webhook_url"),
        webhook_secret=hook.get("webhook_secret"),
        enabled=enabled,
        created_by=created_by,
        created_at=created_at,
        last_evaluated_at=last_evaluated_at,
        last_error=last_error,
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
