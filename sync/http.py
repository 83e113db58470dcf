"""The till's HTTP client for head office: one method per endpoint of docs/sync.md, every request
signed, every failure one of two exceptions.

:class:`HqUnreachable` means "try again later" (no answer, a timeout, a 5xx); :class:`HqRefused`
means head office answered and said no (a 4xx with ``{"error", "message"}``). Nothing here
touches the till's database: ``sync.client`` decides what an answer means for the till.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

from storeapp.errors import InvalidInput, Param, Refused
from sync import protocol

Json = dict[str, Any]


class HqUnreachable(Exception):
    """No usable answer from head office: not connected, timed out, or a server error (5xx)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HqRefused(Refused):
    """Head office answered and refused: ``code`` is its ``error`` (e.g. ``bad_token``),
    ``params`` the values its message names when it sends them."""

    def __init__(self, code: str, message: str, status: int, **params: Param) -> None:
        super().__init__(code, message or f"Head office refused the request ({code})",
                         variant="", **params)
        self.status = status




def check_url(url: str) -> None:
    """Head office over TLS: the token travels in every request. Plain http only on loopback
    (a head office on this very machine, or a TLS-terminating proxy in front of it)."""
    parsed = httpx.URL(url.strip()) if "://" in url else None
    if parsed is None or parsed.scheme not in ("http", "https"):
        raise InvalidInput("bad_url", f"Head office's address must start with https://, "
                           f"not {url!r}", url=url)
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise InvalidInput("bad_url", f"Head office must be reached over https:// (the store "
                           f"token would travel in clear): {url!r}", variant="plain_http",
                           url=url)


def is_loopback(host: str) -> bool:
    """A loopback address written as one (127.0.0.0/8, ::1) or the name ``localhost``: never a
    name that merely starts like one (``127.anything.example`` is somebody's server)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class HqClient:
    """Head office's API for one store token. ``transport`` replaces the network (tests run the
    server in-process with ``httpx.ASGITransport`` or ``httpx.MockTransport``); ``now`` is the
    clock requests are signed with (unix seconds)."""

    def __init__(self, url: str, token: str, *, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None,
                 now: Callable[[], float] = time.time) -> None:
        check_url(url)
        self.url = url.strip().rstrip("/")
        self._token = token
        self._now = now
        self._http = httpx.Client(base_url=self.url + protocol.API, timeout=timeout,
                                  transport=transport, follow_redirects=False)

    def __enter__(self) -> HqClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- endpoints (docs/sync.md, "Wire protocol") -----------------------------------------------

    def store(self) -> Json:
        """``{"store_code", "name", "server_time", "qr_secret"}`` of the token's store (the
        chain's QR secret: never show or log this answer whole)."""
        return self.request("GET", "/store")

    def acked(self, till_no: int) -> int:
        """The highest contiguous outbox sequence head office has stored from this till."""
        return int(self.where(till_no)["acked_seq"])

    def where(self, till_no: int) -> Json:
        """What head office holds of this till: ``{"acked_seq", "chain", "audit_seq",
        "audit_hash", "flag"}``."""
        return self.request("GET", "/acked", params={"till_no": till_no})

    def post_events(self, batch: Json) -> Json:
        """``{"acked_seq", "stored", "duplicates", "chain", "audit_seq", "flag", "check"}`` for
        ``{"batch_id", "till_no", "events", "continuity", "audit", "check"}``."""
        return self.request("POST", "/events", batch, timeout=protocol.UPLOAD_SECONDS)

    def own_events(self, till_no: int, after: int, limit: int = 1000) -> Json:
        """``{"events", "more"}``: this till's events head office holds after ``after``."""
        return self.request("GET", "/events",
                            params={"till_no": till_no, "after": after, "limit": limit})

    def own_audit(self, till_no: int, after: int, limit: int = 2000) -> Json:
        """``{"rows", "more"}``: this till's audit rows head office holds after ``after``."""
        return self.request("GET", "/audit",
                            params={"till_no": till_no, "after": after, "limit": limit})

    def post_balances(self, page: Json) -> Json:
        """``{"compared", "differ"}`` for ``{"till_no", "after", "to", "members"}``."""
        return self.request("POST", "/balances", page)

    def changes(self, cursor: str, limit: int, *, till_no: int) -> Json:
        """One page ``{"members", "rules", "cursor", "more"}`` after ``cursor``; each member's
        ``mine`` is what till ``till_no`` itself contributed."""
        return self.request("GET", "/changes",
                            params={"till_no": till_no, "cursor": cursor, "limit": limit})

    def hold(self, key: str, member_id: str, amount_fen: int, *, kind: str = "spend") -> Json:
        return self.request("POST", "/holds", {"key": key, "member_id": member_id,
                                               "amount_fen": amount_fen, "kind": kind})

    def release(self, key: str) -> bool:
        return bool(self.request("POST", "/holds/release", {"key": key}).get("released"))

    def day_totals(self, till_no: int, days: list[Json]) -> Json:
        return self.request("POST", "/day-totals", {"till_no": till_no, "days": days})

    # -- one signed request ----------------------------------------------------------------------

    def request(self, method: str, path: str, body: Json | None = None, *,
                params: dict[str, Any] | None = None, timeout: float | None = None) -> Json:
        """Send one signed request; the answer's JSON object, or HqUnreachable / HqRefused.
        ``timeout``: seconds to wait for the answer, if not the client's own."""
        content = protocol.dumps(body) if body is not None else b""
        request = self._http.build_request(
            method, path, params=params, content=content,
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else httpx.Timeout(
                self._http.timeout.connect, read=timeout))
        # Sign exactly what goes on the wire: the encoded path with its query string.
        signed_path = request.url.raw_path.decode("ascii")
        request.headers.update(
            protocol.signed_headers(self._token, method, signed_path, content, self._now()))
        try:
            response = self._http.send(request)
        except httpx.TimeoutException:
            raise HqUnreachable(f"Head office ({self.url}) did not answer in time") from None
        except httpx.TransportError as exc:
            raise HqUnreachable(f"Cannot reach head office ({self.url}): {exc}") from None
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> Json:
        status = response.status_code
        if status >= 500:
            raise HqUnreachable(f"Head office had a problem (HTTP {status}); try again later")
        if 300 <= status < 400:
            where = response.headers.get("location", "?")
            raise HqRefused("redirected", f"The head-office address redirects to {where}: "
                            "join again with that address", status, location=where)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if status >= 400:
            if isinstance(answer, dict) and isinstance(answer.get("error"), str):
                raise HqRefused(answer["error"], str(answer.get("message") or ""), status,
                                **_params(answer.get("params")))
            raise HqRefused(f"http_{status}", _detail(answer), status)
        if not isinstance(answer, dict):
            raise HqUnreachable(f"{self.url} did not answer like head office (no JSON object): "
                                "is the address right?")
        return answer


def _detail(answer: Any) -> str:
    """A readable message from a refusal without our ``{"error"}`` shape (FastAPI's own 404/422
    answers carry ``{"detail": ...}``)."""
    if isinstance(answer, dict) and "detail" in answer:
        return f"Head office refused the request: {answer['detail']}"
    return ""


def _params(sent: Any) -> dict[str, Param]:
    """The values a refusal names (``{"params": {...}}``), only names and plain values kept."""
    if not isinstance(sent, dict):
        return {}
    return {name: value for name, value in sent.items() if isinstance(name, str)
            and name.isidentifier() and isinstance(value, int | str)
            and not isinstance(value, bool)}
