"""Head office's API over real HTTP: tokens, signatures, replays, conflicts and the ack.

Requests are built by hand here (not by the till's client) so that each refusal is provoked
exactly: a wrong or revoked token, an altered body, a stale send time, a replayed batch, a batch
carrying another store's events, an event id reused with other content.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from storeapp.rules import bonus_for
from sync.hq import models as m
from sync.hq import service
from sync.hq.db import utcnow
from sync.protocol import API, dumps, signed_headers
from tests.sync.conftest import LiveHq
from tests.sync.wire import DEFAULTS, MEMBER, batch, registration, sale, topup
from tests.sync.wire import event as wire_event


def send(hq: LiveHq, token: str, method: str, path: str, body: Any = None, *,
         sent_at: float | None = None, tamper: bytes | None = None) -> httpx.Response:
    raw = b"" if body is None else dumps(body)
    headers = signed_headers(token, method, API + path, raw, sent_at or time.time())
    return httpx.request(method, hq.url + API + path, content=tamper or raw, headers=headers,
                         timeout=10)


def counts(answer: httpx.Response) -> dict[str, int]:
    """The ack and counts of an upload's answer (it also carries the anchors: see
    test_hq_anchors)."""
    body = answer.json()
    return {k: body[k] for k in ("acked_seq", "stored", "duplicates")}


def refusals(hq: LiveHq) -> list[tuple[str | None, str]]:
    with hq.hq.transaction() as s:
        return [(r.store_code, r.reason) for r in s.scalars(select(m.Refusal)
                                                             .order_by(m.Refusal.id))]


def balance(hq: LiveHq, member_id: str = MEMBER) -> int:
    with hq.hq.transaction() as s:
        row = s.get(m.Member, member_id)
        return 0 if row is None else row.principal_fen + row.bonus_fen


def test_a_store_reads_who_it_is_with_its_own_token(live_hq: LiveHq) -> None:
    token = live_hq.add_store("0001", "人民路店")
    answer = send(live_hq, token, "GET", "/store")
    assert answer.status_code == 200
    assert answer.json()["store_code"] == "0001"
    assert answer.json()["name"] == "人民路店"


def test_wrong_revoked_unsigned_and_stale_requests_are_refused_and_logged(
        live_hq: LiveHq) -> None:
    token = live_hq.add_store("0001")
    assert send(live_hq, "not-a-token", "GET", "/store").json()["error"] == "bad_token"
    stale = send(live_hq, token, "GET", "/store", sent_at=time.time() - 3600)
    assert (stale.status_code, stale.json()["error"]) == (401, "stale_request")
    unsigned = httpx.get(live_hq.url + API + "/store",
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert unsigned.json()["error"] == "bad_signature"
    service.revoke_store(live_hq.hq, "0001", utcnow())
    revoked = send(live_hq, token, "GET", "/store")
    assert (revoked.status_code, revoked.json()["error"]) == (401, "revoked")
    assert refusals(live_hq) == [(None, "bad_token"), ("0001", "stale_request"),
                                 ("0001", "bad_signature"), ("0001", "revoked")]


def test_an_altered_batch_is_refused_and_changes_nothing(live_hq: LiveHq) -> None:
    token = live_hq.add_store("0001")
    body = batch(registration("0001", 1), topup("0001", 2, 10_000))
    altered = dumps(body).replace(b"10000", b"99999")
    answer = send(live_hq, token, "POST", "/events", body, tamper=altered)
    assert (answer.status_code, answer.json()["error"]) == (401, "bad_signature")
    assert balance(live_hq) == 0
    with live_hq.hq.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.Event)) == 0


def test_a_replayed_batch_is_refused_but_a_retry_of_its_events_is_a_harmless_duplicate(
        live_hq: LiveHq) -> None:
    token = live_hq.add_store("0001")
    body = batch(registration("0001", 1), topup("0001", 2, 10_000))
    first = send(live_hq, token, "POST", "/events", body)
    assert counts(first) == {"acked_seq": 2, "stored": 2, "duplicates": 0}
    replay = send(live_hq, token, "POST", "/events", body)
    assert (replay.status_code, replay.json()["error"]) == (409, "replayed_batch")
    retry = send(live_hq, token, "POST", "/events", {**body, "batch_id": str(uuid.uuid4())})
    assert counts(retry) == {"acked_seq": 2, "stored": 0, "duplicates": 2}
    assert balance(live_hq) == 10_000
    assert ("0001", "replayed_batch") in refusals(live_hq)


def test_an_event_id_with_other_content_is_refused_and_flagged(live_hq: LiveHq) -> None:
    token = live_hq.add_store("0001")
    original = topup("0001", 2, 10_000)
    send(live_hq, token, "POST", "/events", batch(registration("0001", 1), original))
    forged = {**topup("0001", 2, 50_000), "event_id": original["event_id"]}
    answer = send(live_hq, token, "POST", "/events", batch(forged))
    assert (answer.status_code, answer.json()["error"]) == (409, "event_conflict")
    assert balance(live_hq) == 10_000
    with live_hq.hq.transaction() as s:
        flagged = s.scalars(select(m.Exception_.kind)).all()
    assert flagged == ["event_conflict"]


def test_a_store_cannot_write_another_stores_events(live_hq: LiveHq) -> None:
    live_hq.add_store("0001")
    intruder = live_hq.add_store("0002")
    answer = send(live_hq, intruder, "POST", "/events", batch(registration("0001", 1)))
    assert (answer.status_code, answer.json()["error"]) == (403, "wrong_store")
    assert ("0002", "wrong_store") in refusals(live_hq)
    with live_hq.hq.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.Member)) == 0


def test_the_ack_names_the_highest_contiguous_sequence_and_waits_across_a_gap(
        live_hq: LiveHq) -> None:
    token = live_hq.add_store("0001")
    events = [registration("0001", 1)] + [topup("0001", seq, 100) for seq in range(2, 7)]
    gappy = send(live_hq, token, "POST", "/events", batch(events[0], events[1], events[3]))
    assert counts(gappy) == {"acked_seq": 2, "stored": 2, "duplicates": 0}
    assert send(live_hq, token, "GET", "/acked?till_no=1").json()["acked_seq"] == 2
    rest = send(live_hq, token, "POST", "/events", batch(*reversed(events)))
    assert counts(rest) == {"acked_seq": 6, "stored": 4, "duplicates": 2}
    assert balance(live_hq) == 500
    other_till = send(live_hq, token, "GET", "/acked?till_no=2").json()
    assert other_till["acked_seq"] == 0


def test_a_receipt_number_sent_twice_keeps_the_first_sale_and_never_fails_a_batch(
        live_hq: LiveHq) -> None:
    token = live_hq.add_store("0001")
    first = sale("0001", 3, "R0001010000001", wallet_fen=2_000, balance=(10_000, 0))
    again = sale("0001", 4, "R0001010000001", wallet_fen=1_000, balance=(8_000, 0))
    answer = send(live_hq, token, "POST", "/events",
                  batch(registration("0001", 1), topup("0001", 2, 10_000), first))
    assert counts(answer)["acked_seq"] == 3
    answer = send(live_hq, token, "POST", "/events", batch(again))
    assert answer.status_code == 200 and counts(answer)["acked_seq"] == 4
    assert balance(live_hq) == 7_000
    with live_hq.hq.transaction() as s:
        kept = s.scalars(select(m.Refundable)).all()
    assert [(r.ref, r.principal_fen) for r in kept if r.kind == "sale"] == [
        ("R0001010000001", 2_000)]


@pytest.mark.parametrize("fields", [
    {"gender": "male"}, {"gender": True}, {"card_no": "C" * 21}, {"birthday": "not a day"},
    {"name": ["张三"]}, {"phone": 13812345678}],
    ids=["gender_word", "gender_bool", "long_card", "bad_birthday", "name_list", "phone_number"])
def test_a_registration_no_till_could_write_is_held_not_a_failed_batch(
        live_hq: LiveHq, fields: dict[str, Any]) -> None:
    """A till's form allows only its genders, a card number of 20 characters and a date: a
    registration with anything else was written past the till. Head office holds it with its
    reason and goes on with the batch (it once failed the whole batch, PostgreSQL refusing the
    value, and the till could never upload again)."""
    token = live_hq.add_store("0001")
    bad = registration("0001", 1)
    body = {**json.loads(bad["payload"]), **fields}
    bad["payload"] = json.dumps(body, sort_keys=True)
    other = "0193a000-0000-7000-8000-000000000002"
    answer = send(live_hq, token, "POST", "/events",
                  batch(bad, registration("0001", 2, other, phone="13900000002"),
                        topup("0001", 3, 10_000, other)))
    assert answer.status_code == 200, answer.text
    assert counts(answer)["acked_seq"] == 3
    with live_hq.hq.transaction() as s:
        held = s.scalars(select(m.HeldEvent)).all()
        assert s.get(m.Member, MEMBER) is None
    assert [(h.seq, h.status) for h in held] == [(1, "open")]
    assert balance(live_hq, other) == 10_000 + bonus_for(DEFAULTS, 10_000)


@pytest.mark.parametrize("bad", ["profile", "long_member_id"])
def test_a_profile_change_or_money_for_an_id_no_till_could_write_is_held(
        live_hq: LiveHq, bad: str) -> None:
    token = live_hq.add_store("0001")
    if bad == "profile":
        event = wire_event("0001", 2, "member_profile_updated", member_id=MEMBER,
                           fields={"gender": "female"})
    else:
        event = topup("0001", 2, 10_000, "0193a000-0000-7000-8000-0000000000010000")
    answer = send(live_hq, token, "POST", "/events",
                  batch(registration("0001", 1), event, topup("0001", 3, 10_000)))
    assert answer.status_code == 200, answer.text
    assert counts(answer)["acked_seq"] == 3
    with live_hq.hq.transaction() as s:
        held = s.scalars(select(m.HeldEvent)).all()
        row = s.get(m.Member, MEMBER)
        assert row is not None and row.gender is None
    if bad == "profile":  # the member's later top-up waits behind the held change
        assert [(h.seq, h.status) for h in held] == [(2, "open"), (3, "waiting")]
        assert balance(live_hq) == 0
    else:
        assert [(h.seq, h.status) for h in held] == [(2, "open")]
        assert balance(live_hq) == 10_000 + bonus_for(DEFAULTS, 10_000)


def test_a_member_key_for_an_id_no_till_makes_is_refused_with_its_reason(
        live_hq: LiveHq) -> None:
    """Keys come before events (they open the events' sealed data): one for a member id longer
    than any till makes is refused as a bad key, not a server error, and nothing is stored."""
    token = live_hq.add_store("0001")
    sent = {**batch(registration("0001", 1)), "member_keys": {"x" * 37: "not a sealed key"}}
    answer = send(live_hq, token, "POST", "/events", sent)
    assert answer.status_code == 422 and answer.json()["error"] == "bad_member_key"
    with live_hq.hq.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.Event)) == 0
