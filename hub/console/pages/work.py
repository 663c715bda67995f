"""Work lists: rejected events per owning agency, parked events, victim alerts waiting.

An operator locks a rejected event, corrects and re-drives it (or re-drives it
unchanged), or closes it with a note; an auditor reveals one masked field at a
time. Each of these is a record on hub.redrive that the hub writes to its
audit chain with the operator's id (hub/ops/worklist.py).
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.catalogue.validation import UnknownEventTypeError, UnsupportedVersionError
from hub.console.access import Permission
from hub.console.masking import CorrectionError, mask, with_masked_values_kept
from hub.console.texts import text
from hub.console.web import Operator, checked_form, render, require
from hub.envelope import EnvelopeError, from_headers
from hub.kafka.io import publish
from hub.kafka.topology import AGENCIES
from hub.ops.dlq import redrive_record
from hub.ops.operator_actions import OperatorAction, operator_action_record
from hub.ops.parked import parked_events
from hub.ops.victims import alert_states, pending
from hub.ops.worklist import WorkItem, WorkState, lock_problem, work_item, work_items
from hub.pipeline.reasons import RejectReason
from hub.signing import HUB_ORG, KeyFileError, load_signer


def _now_ms() -> int:
    return int(time.time() * 1000)


def _filters(request: Request) -> dict[str, Any]:
    query = request.query_params
    older = query.get("older", "")
    states = [s for s in query.getlist("state") if s in set(WorkState)]
    return {
        "agency": query.get("agency") or None,
        "reason": query.get("reason") or None,
        "type_": query.get("type") or None,
        "older_than_s": int(older) * 60 if older.isdigit() else None,
        "states": [WorkState(s) for s in states] or None,
    }


async def show_rejects(request: Request) -> Response:
    require(request, Permission.SEE_WORK)
    filters = _filters(request)
    items = await run_in_threadpool(work_items, request.app.state.config.kafka, **filters)
    return render(
        request,
        "work.html",
        items=[item.summary() for item in items],
        filters=request.query_params,
        agencies=AGENCIES,
        reasons=[reason.value for reason in RejectReason],
        states=[state.value for state in WorkState],
        now_ms=_now_ms(),
    )


async def show_parked(request: Request) -> Response:
    require(request, Permission.SEE_WORK)
    parked = await run_in_threadpool(parked_events, request.app.state.config.kafka)
    return render(request, "parked.html", parked=parked)


async def show_alerts(request: Request) -> Response:
    require(request, Permission.SEE_WORK)
    states = await run_in_threadpool(alert_states, request.app.state.config.kafka)
    waiting = pending(states, _now_ms())
    waiting.sort(key=lambda alert: alert["state"] != "ESCALATED")  # escalated first
    return render(request, "alerts.html", alerts=waiting)


def _position(request: Request) -> str:
    return f"{request.path_params['partition']}/{request.path_params['offset']}"


async def _item(request: Request) -> WorkItem:
    item = await run_in_threadpool(work_item, request.app.state.config.kafka, _position(request))
    if item is None:
        raise HTTPException(404, f"no rejected event at hub.dlq/{_position(request)}")
    return item


def _payload(request: Request, item: WorkItem, reveal: str | None) -> dict[str, Any]:
    raw = item.letter.original_value or b""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"readable": False, "bytes": len(raw)}
    shown, masked = mask(data, request.app.state.personal, reveal)
    pretty = orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode()
    return {"readable": True, "text": pretty, "masked": masked, "revealed": reveal}


async def _show_entry(
    request: Request,
    operator: Operator,
    *,
    reveal: str | None = None,
    problem: str | None = None,
    draft: str | None = None,
    status_code: int = 200,
) -> Response:
    item = await _item(request)
    return render(
        request,
        "entry.html",
        status_code,
        item=item.summary(),
        payload=_payload(request, item, reveal),
        mine=_holds(item, operator),
        may_act=operator.may(Permission.ACT),
        may_reveal=operator.may(Permission.REVEAL),
        problem=problem,
        draft=draft,
        done=request.query_params.get("done"),
    )


async def show_entry(request: Request) -> Response:
    return await _show_entry(request, require(request, Permission.SEE_WORK))


def _back(request: Request, done: str) -> Response:
    return RedirectResponse(f"/work/dlq/{_position(request)}?done={done}", status_code=303)


def _refusal(item: WorkItem, operator: Operator, *, locking: bool = False) -> str | None:
    """Why `operator` may not act on `item`: someone else holds it, it is done, or (for
    anything but taking the lock) they have not locked it first."""
    problem = lock_problem(item, operator.user.id, _now_ms())
    if problem is None and not locking and not _holds(item, operator):
        problem = text("lock_first", operator.language)
    return problem


async def _act(request: Request, action: OperatorAction, note: str | None = None) -> Response:
    operator = require(request, Permission.ACT)
    item = await _item(request)
    if (problem := _refusal(item, operator, locking=action is OperatorAction.LOCK)) is not None:
        return await _show_entry(request, operator, problem=problem, status_code=409)
    record = operator_action_record(item.letter, action, operator.user.id, note=note)
    await run_in_threadpool(publish, request.app.state.config.kafka, [record])
    return _back(request, action.value.lower())


def _holds(item: WorkItem, operator: Operator) -> bool:
    return item.lock is not None and item.lock.operator == operator.user.id


async def lock(request: Request) -> Response:
    await checked_form(request)
    return await _act(request, OperatorAction.LOCK)


async def unlock(request: Request) -> Response:
    await checked_form(request)
    return await _act(request, OperatorAction.UNLOCK)


async def close(request: Request) -> Response:
    form = await checked_form(request)
    note = str(form.get("note", "")).strip()
    if not note:
        operator = require(request, Permission.ACT)
        return await _show_entry(
            request, operator, problem=text("note_required", operator.language), status_code=400
        )
    return await _act(request, OperatorAction.CLOSE, note)


def _corrected(request: Request, item: WorkItem, draft: str) -> bytes:
    """The corrected value, masked values restored, checked against its schema."""
    try:
        corrected = orjson.loads(draft)
        original = orjson.loads(item.letter.original_value or b"null")
    except orjson.JSONDecodeError as error:
        raise CorrectionError(f"the corrected payload is not JSON: {error}") from None
    value = with_masked_values_kept(corrected, original)
    try:
        envelope = from_headers(item.letter.original_headers)
    except EnvelopeError as error:
        raise CorrectionError(
            f"its envelope is unreadable ({error}); the sender must resend"
        ) from None
    try:
        violation = request.app.state.validators.violation(
            envelope.event_type, envelope.schema_version, value
        )
    except (UnknownEventTypeError, UnsupportedVersionError) as error:
        raise CorrectionError(f"no schema for {error}; the sender must resend") from None
    if violation is not None:
        raise CorrectionError(f"{violation.path or '/'}: {violation.message}")
    return orjson.dumps(value)


async def redrive(request: Request) -> Response:
    """Re-drive unchanged, or (with a `payload` field) corrected, once it passes its schema."""
    form = await checked_form(request)
    operator = require(request, Permission.ACT)
    item = await _item(request)
    problem = _refusal(item, operator)
    draft = str(form["payload"]) if "payload" in form else None
    fixed, signer = None, None
    try:
        if problem is None and draft is not None:
            fixed = _corrected(request, item, draft)
            signer = load_signer(request.app.state.config.signing.private_dir, HUB_ORG)
    except (CorrectionError, KeyFileError) as error:
        problem = str(error)
    if problem is not None:
        return await _show_entry(request, operator, problem=problem, draft=draft, status_code=409)
    record = redrive_record(item.letter, operator.user.id, fixed, signer)
    await run_in_threadpool(publish, request.app.state.config.kafka, [record])
    return _back(request, "redriven")


async def reveal(request: Request) -> Response:
    """Show one masked field to an auditor, after the reveal is on its way to the audit log."""
    form = await checked_form(request)
    operator = require(request, Permission.REVEAL)
    item = await _item(request)
    field = str(form.get("field", ""))
    record = operator_action_record(
        item.letter, OperatorAction.REVEAL, operator.user.id, field=field
    )
    await run_in_threadpool(publish, request.app.state.config.kafka, [record])
    return await _show_entry(request, operator, reveal=field)


_ENTRY = "/work/dlq/{partition:int}/{offset:int}"
routes = [
    Route("/work", show_rejects),
    Route("/work/parked", show_parked),
    Route("/work/alerts", show_alerts),
    Route(_ENTRY, show_entry),
    Route(f"{_ENTRY}/lock", lock, methods=["POST"]),
    Route(f"{_ENTRY}/unlock", unlock, methods=["POST"]),
    Route(f"{_ENTRY}/close", close, methods=["POST"]),
    Route(f"{_ENTRY}/redrive", redrive, methods=["POST"]),
    Route(f"{_ENTRY}/reveal", reveal, methods=["POST"]),
]
