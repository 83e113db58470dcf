"""A head office in a few dozen lines, behind ``httpx.MockTransport``: it checks every request's
signature the way the real server does, keeps what tills send, and serves queued download pages.

For the till's side only (what it sends, how it resumes, what it does when head office is away);
the real server (``sync.hq``) is exercised end to end in ``test_end_to_end.py``.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from storeapp.continuity import GENESIS, chain_next, event_digest
from storeapp.identity import make_card_no
from storeapp.pii import new_keypair
from sync import protocol
from sync.http import HqClient

URL = "https://hq.test"
TOKEN = "store-token-0002"
_cards = itertools.count(9000)


#: the key pair members' keys are sealed to (head office's real one lives in its key store)
MEMBER_KEY_PRIVATE, MEMBER_KEY_PUBLIC = new_keypair()


@dataclass
class FakeHq:
    store_code: str = "0002"
    name: str = "二号店 Store 2"
    token: str = TOKEN
    #: The chain's QR secret ``GET /store`` gives (head office's own is made once, at random).
    qr_secret: str = "fake-chain-qr-secret"
    acked_seq: int = 0
    #: The running hash of the stored events (storeapp.continuity), as the real one keeps it.
    chain: str = GENESIS
    #: Audit rows taken (not checked here: the real head office recomputes their hashes).
    audit_seq: int = 0
    #: Events stored, in order (the payload as the till sent it).
    events: list[dict[str, Any]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    #: Pages ``GET /changes`` answers with, one per request (then an empty last page).
    pages: list[dict[str, Any]] = field(default_factory=list)
    cursors_asked: list[str] = field(default_factory=list)
    day_totals: list[dict[str, Any]] = field(default_factory=list)
    holds: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ``hold`` answers: None = hold it, else (status, error code).
    hold_refusal: tuple[int, str] | None = None
    #: Store at most this many events per batch (None = all), to make the till loop.
    store_at_most: int | None = None
    #: Paths that fail: "down" = connection refused, an int = that HTTP status.
    failing: dict[str, Any] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def client(self, **kwargs: Any) -> HqClient:
        return HqClient(URL, self.token, transport=self.transport(), **kwargs)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(protocol.API)
        failure = self.failing.get(path)
        if failure == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if isinstance(failure, int):
            return httpx.Response(failure, text="upstream trouble")
        refusal = self._check_signature(request)
        if refusal is not None:
            return refusal
        body = json.loads(request.content) if request.content else {}
        handler = getattr(self, "_" + path.strip("/").replace("/", "_").replace("-", "_"))
        status, answer = handler(request, body)
        return httpx.Response(status, json=answer)

    def _check_signature(self, request: httpx.Request) -> httpx.Response | None:
        auth = request.headers.get(protocol.AUTHORIZATION, "")
        if auth != f"Bearer {self.token}":
            return httpx.Response(401, json={"error": "bad_token", "message": "unknown token"})
        path = request.url.raw_path.decode("ascii")
        if not protocol.signature_ok(self.token, request.headers[protocol.TIMESTAMP],
                                     request.method, path, request.content,
                                     request.headers[protocol.SIGNATURE]):
            return httpx.Response(401, json={"error": "bad_signature", "message": "no match"})
        return None

    # -- endpoints --------------------------------------------------------------------------

    def _store(self, _r: httpx.Request, _b: Any) -> tuple[int, Any]:
        return 200, {"store_code": self.store_code, "name": self.name,
                     "server_time": "2026-03-10T02:00:00", "qr_secret": self.qr_secret,
                     "member_key_public": base64.urlsafe_b64encode(MEMBER_KEY_PUBLIC).decode()}

    def _acked(self, _r: httpx.Request, _b: Any) -> tuple[int, Any]:
        return 200, {"acked_seq": self.acked_seq, "chain": self.chain,
                     "audit_seq": self.audit_seq, "audit_hash": "", "flag": ""}

    def _events(self, _r: httpx.Request, body: dict[str, Any]) -> tuple[int, Any]:
        self.batches.append(body)
        stored = duplicates = 0
        for event in body["events"]:
            if event["seq"] <= self.acked_seq:
                duplicates += 1
            elif event["seq"] == self.acked_seq + 1 and (
                    self.store_at_most is None or stored < self.store_at_most):
                self.events.append(event)
                self.acked_seq += 1
                self.chain = chain_next(self.chain, event_digest(
                    event["seq"], event["event_id"], event["type"], event["payload"]))
                stored += 1
        audit = body.get("audit") or {"from": [self.audit_seq], "rows": []}
        if audit["from"][0] == self.audit_seq:
            for row in audit["rows"]:
                if row[0] == self.audit_seq + 1:
                    self.audit_seq += 1
        return 200, {"acked_seq": self.acked_seq, "stored": stored, "duplicates": duplicates,
                     "chain": self.chain, "audit_seq": self.audit_seq, "flag": "", "check": {}}

    def _changes(self, request: httpx.Request, _b: Any) -> tuple[int, Any]:
        cursor = request.url.params["cursor"]
        assert int(request.url.params["till_no"]) >= 1  # "mine" is per till
        self.cursors_asked.append(cursor)
        if self.pages:
            return 200, self.pages.pop(0)
        return 200, {"members": [], "rules": [], "cursor": cursor, "more": False}

    def _holds(self, _r: httpx.Request, body: dict[str, Any]) -> tuple[int, Any]:
        if self.hold_refusal is not None:
            status, code = self.hold_refusal
            return status, {"error": code, "message": f"refused: {code}"}
        self.holds[body["key"]] = body
        return 200, {"held": True, "available_fen": 0}

    def _holds_release(self, _r: httpx.Request, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"released": self.holds.pop(body["key"], None) is not None}

    def _day_totals(self, _r: httpx.Request, body: dict[str, Any]) -> tuple[int, Any]:
        self.day_totals.append(body)
        return 200, {"stored": sum(len(d["accounts"]) for d in body["days"])}


def remote_member(member_id: str, *, phone: str = "13900000001", name: str = "外店会员",
                  card_no: str | None = None, principal_fen: int = 0, bonus_fen: int = 0,
                  points: int = 0, mine: tuple[int, int, int] = (0, 0, 0),
                  **fields: Any) -> dict[str, Any]:
    """A downloaded member as head office sends it (docs/sync.md)."""
    return {
        "member_id": member_id, "card_no": card_no or make_card_no("0001", 1, next(_cards)),
        "phone": phone, "name": name,
        "birthday": None, "gender": None, "tier": "regular", "status": "active",
        "home_store": "0001", "principal_fen": principal_fen, "bonus_fen": bonus_fen,
        "points": points,
        "mine": {"principal_fen": mine[0], "bonus_fen": mine[1], "points": mine[2]},
        "wallet_blocked": False, "merged_into": None, **fields,
    }


def page(*members: dict[str, Any], rules: list[dict[str, Any]] | None = None,
         cursor: str = "1::0", more: bool = False) -> dict[str, Any]:
    return {"members": list(members), "rules": rules or [], "cursor": cursor, "more": more}
