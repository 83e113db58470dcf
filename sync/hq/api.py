"""Head office's HTTP API (JSON for tills, see docs/sync.md) and its pages for people.

Workers are stateless: everything lives in the database, so several ``uvicorn`` workers (or
machines behind a load balancer) can serve one PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sync.hq import anchors, ingest, member_keys, pages, service, shield
from sync.hq import models as m
from sync.hq import wire_schemas as wire
from sync.hq.db import HqDatabase, utcnow
from sync.hq.errors import HqRefusal, log_refusal
from sync.hq.giftcard_balance import gift_balance
from sync.hq.shield import BodyLimit
from sync.protocol import API, AUTHORIZATION, SIGNATURE, TIMESTAMP

Clock = Callable[[], dt.datetime]
#: Every parameter bounded: out of range is a 422 that names it, never a 500 from the database.
TillNo = Annotated[int, Query(ge=1, le=99)]
Seq = Annotated[int, Query(ge=0, le=2**62)]
Limit = Annotated[int, Query(ge=1, le=5000)]
Cursor = Annotated[str, Query(max_length=200)]
CardNo = Annotated[str, Query(min_length=1, max_length=20)]


def create_app(url: str, *, clock: Clock = utcnow,
               body_seconds: float = shield.BODY_SECONDS,
               min_body_rate: int = shield.MIN_BODY_RATE) -> FastAPI:
    """The application over the database at ``url`` (migrated on start)."""
    hq = HqDatabase(url)
    app = FastAPI(title="storeapp head office", docs_url=None, redoc_url=None)
    app.state.hq = hq
    # outermost of the app's own: before anything reads a body or checks who sent it
    app.add_middleware(BodyLimit, body_seconds=body_seconds, min_rate=min_body_rate)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(_request: Request, exc: RequestValidationError) -> Response:
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                          for e in exc.errors())
        return JSONResponse({"error": "bad_request", "message": where}, status_code=422)

    async def signed(request: Request,
                     work: Callable[[m.Store, bytes], Any]) -> Response:
        client = f"ip:{request.client.host if request.client else '-'}"
        wait = await run_in_threadpool(shield.blocked, hq, [client], clock())
        if wait is not None:
            return JSONResponse({"error": "too_many_failures", "message": "too many refused "
                                 f"requests from this address: try again in {wait} s"},
                                status_code=429, headers={"Retry-After": str(wait)})
        body = await request.body()
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if b"\x00" in body or b"\\u0000" in body or "\x00" in unquote(path):
            # no text column takes a NUL (PostgreSQL refuses it): refused before anything
            return JSONResponse({"error": "bad_request", "message": "a NUL character is not "
                                 "allowed in a request"}, status_code=422)
        req = service.Request(
            method=request.method, path=path, body=body,
            authorization=request.headers.get(AUTHORIZATION, ""),
            timestamp=request.headers.get(TIMESTAMP, ""),
            signature=request.headers.get(SIGNATURE, ""))
        try:
            store = await run_in_threadpool(service.authenticate, hq, req, clock())
        except HqRefusal as refusal:
            await run_in_threadpool(shield.failed, hq, [client], clock())
            return JSONResponse(refusal.body(), status_code=refusal.status)
        try:
            result = await run_in_threadpool(work, store, body)
        except HqRefusal as refusal:
            return JSONResponse(refusal.body(), status_code=refusal.status)
        return JSONResponse(result)

    async def reading(request: Request,
                      query: Callable[[Session, m.Store], dict[str, Any]]) -> Response:
        """A signed request that only reads: ``query`` in one transaction."""
        def work(store: m.Store, _b: bytes) -> dict[str, Any]:
            with hq.transaction() as s:
                return query(s, store)
        return await signed(request, work)

    def parsed(body: bytes) -> dict[str, Any]:
        try:
            value = orjson.loads(body or b"{}")  # a batch is megabytes: orjson is ~4x faster
        except ValueError:
            raise HqRefusal(422, "bad_json", "the request body is not JSON") from None
        if not isinstance(value, dict):
            raise HqRefusal(422, "bad_json", "the request body must be a JSON object")
        return value

    @app.get(f"{API}/store")
    async def store_info(request: Request) -> Response:
        return await signed(request, lambda store, _b: service.store_info(hq, store, clock()))

    @app.get(f"{API}/acked")
    async def acked(request: Request, till_no: TillNo = 1) -> Response:
        return await reading(request, lambda s, store: ingest.where(s, store.id, till_no))

    @app.post(f"{API}/events", openapi_extra=wire.body(wire.EVENTS))
    async def events(request: Request) -> Response:
        def work(store: m.Store, body: bytes) -> dict[str, Any]:
            return ingest.ingest(hq, store, parsed(body), clock()).answer()
        return await signed(request, work)

    @app.get(f"{API}/events")
    async def own_events(request: Request, till_no: TillNo = 1, after: Seq = 0,
                         limit: Limit = 1000) -> Response:
        return await reading(request, lambda s, store: service.own_events(
            s, store, till_no, after, limit, keys=lambda ids: member_keys.kept(hq, s, ids)))

    @app.get(f"{API}/audit")
    async def own_audit(request: Request, till_no: TillNo = 1, after: Seq = 0,
                        limit: Limit = 2000) -> Response:
        return await reading(request, lambda s, store: service.own_audit(
            s, store, till_no, after, limit))

    @app.post(f"{API}/balances", openapi_extra=wire.body(wire.BALANCES))
    async def balances(request: Request) -> Response:
        return await signed(request, lambda store, body: anchors.compare_balances(
            hq, store, parsed(body), clock()))

    @app.get(f"{API}/changes")
    async def changes(request: Request, cursor: Cursor = "", limit: Limit = 1000,
                      till_no: TillNo = 1) -> Response:
        def work(store: m.Store, _b: bytes) -> dict[str, Any]:
            try:
                with hq.transaction() as s:
                    return service.changes(s, store, till_no, cursor, limit,
                                           keys=lambda ids: member_keys.kept(hq, s, ids))
            except HqRefusal as refusal:
                log_refusal(hq, store.code, refusal, clock())
                raise
        return await signed(request, work)

    @app.post(f"{API}/holds", openapi_extra=wire.body(wire.HOLD))
    async def holds(request: Request) -> Response:
        def work(store: m.Store, body: bytes) -> dict[str, Any]:
            data = parsed(body)
            try:
                key, member_id = str(data["key"]), str(data["member_id"])
                amount = int(data["amount_fen"])
                kind = str(data.get("kind") or "spend")
            except (KeyError, TypeError, ValueError):
                raise HqRefusal(422, "bad_hold", "key, member_id and amount_fen needed") from None
            return service.hold(hq, store, key, member_id, amount, clock(), kind=kind)
        return await signed(request, work)

    @app.post(f"{API}/holds/release", openapi_extra=wire.body(wire.RELEASE))
    async def release(request: Request) -> Response:
        return await signed(request, lambda store, body: service.release(
            hq, store, str(parsed(body).get("key", "")), clock()))

    @app.get(f"{API}/giftcard")
    async def giftcard(request: Request, card_no: CardNo) -> Response:
        return await reading(request, lambda s, _store: gift_balance(s, card_no, clock()))

    @app.post(f"{API}/day-totals", openapi_extra=wire.body(wire.DAY_TOTALS))
    async def day_totals(request: Request) -> Response:
        return await signed(request, lambda store, body: service.day_totals(
            hq, store, parsed(body), clock()))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    pages.mount(app, hq, clock)
    return app
