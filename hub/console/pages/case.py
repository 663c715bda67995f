"""Case: every event of a case as a timeline with each hop's timing, and its receipts."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.console.access import Permission
from hub.console.web import render, require
from hub.ops.receipts import delivery_states, read_receipts
from hub.ops.trace import trace_case


async def find_case(request: Request) -> Response:
    require(request, Permission.SEE_CASE)
    case_id = request.query_params.get("id", "").strip()
    if case_id:
        return RedirectResponse(f"/case/{case_id}", status_code=303)
    return render(request, "case.html", case_id=None, events=[], receipts=[])


async def show_case(request: Request) -> Response:
    require(request, Permission.SEE_CASE)
    case_id = request.path_params["case_id"]
    settings = request.app.state.config.kafka
    events = await run_in_threadpool(trace_case, settings, case_id)
    found = await run_in_threadpool(read_receipts, settings, case_id=case_id)
    return render(
        request,
        "case.html",
        case_id=case_id,
        events=events,
        receipts=delivery_states(found),
        trace_url=request.app.state.config.trace_url,
    )


routes = [Route("/case", find_case), Route("/case/{case_id}", show_case)]
