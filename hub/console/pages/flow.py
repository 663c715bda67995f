"""Flow: what came in, was delivered, rejected and parked; lag; the hub's instances."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.console import chart
from hub.console.access import Permission
from hub.console.web import render, require
from hub.ops.flow import flow_summary

MINUTES = 15


async def _context(request: Request) -> dict[str, Any]:
    summary = await run_in_threadpool(flow_summary, request.app.state.config.kafka, minutes=MINUTES)
    return {
        "summary": summary,
        "bars": chart.bars(summary["perMinute"]),
        "chart": chart.size(),
        "series": chart.SERIES,
        "minute_label": chart.minute_label,
        "minutes": MINUTES,
        "last_audit": request.app.state.last_audit,
    }


async def show_flow(request: Request) -> Response:
    require(request, Permission.SEE_FLOW)
    return render(request, "flow.html", **await _context(request))


async def live_part(request: Request) -> Response:
    """The part of the flow page that the page's script fetches again every few seconds."""
    require(request, Permission.SEE_FLOW)
    return render(request, "flow_live.html", **await _context(request))


routes = [Route("/flow", show_flow), Route("/flow/live", live_part)]
