"""Audit: run `hub audit verify` from the console and keep its latest result."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.console.access import Permission
from hub.console.web import checked_form, render, require
from hub.ops.audit import AuditReport, verify_audit
from hub.ops.shift_log import operator_actions

SHIFT_LOG_HOURS = 24


@dataclass(frozen=True, slots=True)
class AuditRun:
    at_ms: int
    by: str
    report: AuditReport


async def show_audit(request: Request) -> Response:
    """The latest verification, and what operators did in the last 24 hours (the shift log)."""
    require(request, Permission.VERIFY_AUDIT)
    since_ms = int((time.time() - SHIFT_LOG_HOURS * 3600) * 1000)
    actions = await run_in_threadpool(
        operator_actions, request.app.state.config.kafka, since_ms=since_ms
    )
    return render(
        request,
        "audit.html",
        last_audit=request.app.state.last_audit,
        actions=actions,
        hours=SHIFT_LOG_HOURS,
    )


async def verify(request: Request) -> Response:
    await checked_form(request)
    operator = require(request, Permission.VERIFY_AUDIT)
    state = request.app.state
    report = await run_in_threadpool(verify_audit, state.config.kafka, state.routes)
    state.last_audit = AuditRun(int(time.time() * 1000), operator.user.id, report)
    return RedirectResponse("/audit", status_code=303)


routes = [Route("/audit", show_audit), Route("/audit/verify", verify, methods=["POST"])]
