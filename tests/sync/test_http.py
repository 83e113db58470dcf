"""The till's HTTP client: every request signed as head office checks it, and every failure
either "try again later" (HqUnreachable) or "head office said no" (HqRefused)."""

from __future__ import annotations

import json

import httpx
import pytest

from storeapp.errors import InvalidInput
from sync import protocol
from sync.http import HqClient, HqRefused, HqUnreachable
from tests.sync.fake_hq import TOKEN, URL, FakeHq

NOW = 1_773_108_000.0


def recorder(answer: httpx.Response) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return seen, httpx.MockTransport(handle)


def test_every_request_is_signed_over_time_method_path_query_and_body() -> None:
    seen, transport = recorder(httpx.Response(200, json={"members": [], "rules": [],
                                                         "cursor": "5:ab:1", "more": False}))
    client = HqClient(URL + "/", TOKEN, transport=transport, now=lambda: NOW)

    client.changes("4:a b/c:1", 100, till_no=2)
    client.hold("key-1", "member-1", 1_250)

    get, post = seen
    for request in seen:
        path = request.url.raw_path.decode()
        assert request.headers[protocol.AUTHORIZATION] == f"Bearer {TOKEN}"
        assert request.headers[protocol.TIMESTAMP] == str(int(NOW))
        assert protocol.signature_ok(TOKEN, str(int(NOW)), request.method, path,
                                     request.content, request.headers[protocol.SIGNATURE])
        assert not protocol.signature_ok("another-token", str(int(NOW)), request.method, path,
                                         request.content, request.headers[protocol.SIGNATURE])
    assert get.url.path == "/api/v1/changes"
    assert (get.url.params["cursor"], get.url.params["till_no"]) == ("4:a b/c:1", "2")
    assert get.content == b""
    assert json.loads(post.content) == {"key": "key-1", "member_id": "member-1",
                                        "amount_fen": 1_250, "kind": "spend"}


def test_a_tampered_body_no_longer_matches_its_signature() -> None:
    seen, transport = recorder(httpx.Response(200, json={"acked_seq": 1, "stored": 1,
                                                         "duplicates": 0}))
    HqClient(URL, TOKEN, transport=transport, now=lambda: NOW).post_events(
        {"batch_id": "b", "till_no": 1, "events": []})
    request = seen[0]
    assert not protocol.signature_ok(TOKEN, str(int(NOW)), "POST", request.url.raw_path.decode(),
                                     request.content.replace(b'"till_no":1', b'"till_no":2'),
                                     request.headers[protocol.SIGNATURE])


def test_the_fake_head_office_accepts_the_signatures() -> None:
    hq = FakeHq()
    with hq.client() as client:
        assert client.store()["store_code"] == "0002"
        assert client.acked(1) == 0


@pytest.mark.parametrize("failure", ["down", 500, 503])
def test_no_answer_or_a_server_error_is_unreachable(failure: object) -> None:
    hq = FakeHq(failing={"/store": failure})
    with pytest.raises(HqUnreachable), hq.client() as client:
        client.store()


def test_a_timeout_is_unreachable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(HqUnreachable, match="in time"):
        HqClient(URL, TOKEN, transport=httpx.MockTransport(slow)).store()


def test_a_refusal_carries_head_office_code_message_and_status() -> None:
    _, transport = recorder(httpx.Response(
        409, json={"error": "insufficient_balance", "message": "the chain balance is ¥3.00"}))
    with pytest.raises(HqRefused) as refused:
        HqClient(URL, TOKEN, transport=transport).hold("k", "m", 500)
    assert (refused.value.code, refused.value.message, refused.value.status) == (
        "insufficient_balance", "the chain balance is ¥3.00", 409)


def test_a_wrong_token_is_refused_not_unreachable() -> None:
    hq = FakeHq()
    with pytest.raises(HqRefused) as refused:
        HqClient(URL, "not-the-token", transport=hq.transport()).store()
    assert (refused.value.code, refused.value.status) == ("bad_token", 401)


def test_an_answer_that_is_not_head_office_is_unreachable() -> None:
    """A captive portal or a wrong address answering 200 with a web page."""
    _, transport = recorder(httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(HqUnreachable, match="is the address right"):
        HqClient(URL, TOKEN, transport=transport).store()


def test_a_refusal_without_our_shape_still_reads() -> None:
    _, transport = recorder(httpx.Response(404, json={"detail": "Not Found"}))
    with pytest.raises(HqRefused) as refused:
        HqClient(URL, TOKEN, transport=transport).store()
    assert refused.value.code == "http_404" and "Not Found" in refused.value.message


def test_an_address_that_is_not_http_is_refused_before_sending() -> None:
    with pytest.raises(InvalidInput) as refused:
        HqClient("hq.example.com", TOKEN)
    assert refused.value.code == "bad_url"


@pytest.mark.parametrize("url", ["http://hq.example.com", "http://10.0.0.5:8600",
                                 "http://127.anything.example", "http://127.0.0.1.nip.io:8600",
                                 "http://localhost.example.com", "http://[::2]:8600"])
def test_plain_http_is_refused_off_loopback_because_the_token_would_travel_in_clear(
        url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        HqClient(url, TOKEN)
    assert refused.value.code == "bad_url" and "https" in refused.value.message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8600", "http://localhost:8600",
                                 "http://127.8.9.10:8600", "http://[::1]:8600",
                                 "https://hq.example.com"])
def test_https_anywhere_and_http_on_loopback_are_accepted(url: str) -> None:
    HqClient(url, TOKEN).close()
