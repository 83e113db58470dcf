"""schemathesis against head office's own OpenAPI document, every request signed with a real
store token (and some sent unsigned), on SQLite and PostgreSQL: whatever it sends, head office
answers 2xx, 4xx or 429 — never a server error.

Run it longer by hand (both databases)::

    HQ_FUZZ_EXAMPLES=1000 scripts/test tests/sync/test_hq_schemathesis.py

or point the schemathesis CLI at a running head office (unsigned: every answer is a 401)::

    schemathesis run http://127.0.0.1:8600/openapi.json
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from sync.hq import shield
from sync.protocol import signed_headers
from tests.sync.conftest import LiveHq


class Signed(requests.auth.AuthBase):
    """The till's signature over exactly what goes on the wire (sync.protocol)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body or b""
        raw = body.encode() if isinstance(body, str) else body
        r.headers.update({k: v for k, v in signed_headers(
            self.token, str(r.method), str(r.path_url), raw, time.time()).items()
            if k != "Content-Type"})
        return r


#: Examples per operation (a longer hunt: HQ_FUZZ_EXAMPLES=1000)
EXAMPLES = int(os.environ.get("HQ_FUZZ_EXAMPLES", "40"))


@dataclass
class Target:
    url: str
    token: str


@pytest.fixture
def target(live_hq: LiveHq, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    # the fuzzer's refused requests must not make the throttle answer everything with 429
    monkeypatch.setattr(shield, "FREE_FAILURES", 10**9)
    token = live_hq.add_store("0001")
    yield Target(live_hq.url, token)


def test_head_office_never_answers_with_a_server_error(target: Target) -> None:
    schema = schemathesis.openapi.from_url(f"{target.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9  # every endpoint a till uses

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def no_server_error(case: schemathesis.Case) -> None:
            response = case.call(base_url=target.url, auth=Signed(target.token))
            assert response.status_code < 500, (case.method, case.path, response.text[:500])
            unsigned = case.call(base_url=target.url)
            assert unsigned.status_code in (401, 413, 422, 429), unsigned.text[:300]

        no_server_error()
