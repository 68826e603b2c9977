"""Schema-driven fuzzing of the REST API from its own OpenAPI document (schemathesis, in process):
every operation, as an admin, a member and with no token, with data that fits the schema and data that
does not. No answer may be a 5xx; 4xx answers carry the one error shape and the security headers."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from api.jobs import JOBS
from tests.api.conftest import ApiEnv
from tests.api.openapi_paths import SPEC
from tests.api.seeded import seeded_api_env
from tests.hostile.test_hostile_payloads import assert_answered

OPERATIONS = [(method.upper(), path) for path, methods in SPEC["paths"].items() for method in methods]
EXAMPLES = {"admin": 10, "member": 6, None: 3}
"""Examples per operation and role (positive and negative mixed): about 90 s for all, on two cores."""


@pytest.fixture(scope="module")
def fuzzed(hostile_master, tmp_path_factory) -> Iterator[tuple[ApiEnv, schemathesis.BaseSchema]]:
    """The API over the small data set (background jobs accepted, never run) and its loaded schema."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JOBS, "_run", lambda job, work: None)
        for env in seeded_api_env(hostile_master, tmp_path_factory):
            yield env, schemathesis.openapi.from_asgi("/openapi.json", env.client.app)


@pytest.mark.slow
@pytest.mark.parametrize("role", EXAMPLES, ids=lambda role: role or "no token")
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_generated_request_gets_a_5xx(fuzzed, method, path, role):
    env, schema = fuzzed
    operation = schema[path][method]
    headers = env.headers(role)
    statuses: Counter[int] = Counter()
    started = time.perf_counter()

    @settings(
        max_examples=EXAMPLES[role],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(headers=headers)
        | operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, headers=headers)
    )
    def call(case):
        response = case.call()
        statuses[response.status_code] += 1
        assert_answered(response)

    call()
    print(
        f"figure: fuzz {method} {path} as {role or 'no token'}: {statuses.total()} requests in "
        f"{time.perf_counter() - started:.1f} s, statuses {dict(sorted(statuses.items()))}"
    )
