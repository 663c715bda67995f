"""What the demo shows: a timeline per case and a summary, checked rather than assumed."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from rich.console import Console

from hub.cli.output import table
from hub.demo.run import FINAL_ACTIONS, DemoRun, deliveries_and_confirmations, record_json
from hub.demo.victim_alerts import HUB_MADE, percentile, victim_alert_figures
from hub.pipeline.route import Routes

RECEIPT_TYPE = b"no.justice.hub.receipt"
ANSWERS = frozenset({"ACCEPTED", "REJECTED"})  # a receipt that settles what became of an event


def _timelines(run: DemoRun, final: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start: dict[bytes | None, int] = {}
    for record in run.ingress:
        start[record.key] = min(start.get(record.key, record.timestamp_ms), record.timestamp_ms)
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for audit in sorted(final, key=lambda a: (a["time_ms"], a["sequence"])):
        deliveries = audit.get("deliveries", [])
        by_case[audit["caseId"]].append(
            {
                "atMs": audit["time_ms"] - start.get(audit["caseId"].encode(), audit["time_ms"]),
                "from": (audit.get("source") or "?").rsplit(":", 1)[-1],
                "type": (audit.get("type") or "?").removeprefix("no.justice."),
                "action": audit["action"],
                "reason": audit.get("reason"),
                "to": sorted(
                    {d["recipient"] for d in deliveries if d["eventId"] == audit["eventId"]}
                ),
                "victimAlerts": sum(1 for d in deliveries if d["eventId"] != audit["eventId"]),
            }
        )
    return [{"caseId": case_id, "events": by_case.get(case_id, [])} for case_id in run.case_ids]


def _deliveries(run: DemoRun, final: dict[str, dict[str, Any]], routes: Routes) -> dict[str, Any]:
    """Deliveries counted against what the routes make due for every accepted event."""
    due = set()
    for record in run.ingress:
        outcome = final.get(f"{record.topic}/{record.partition}/{record.offset}")
        if outcome and outcome["action"] == "ACCEPT":
            type_name = outcome["type"].removeprefix("no.justice.")
            due |= {(r.agency, outcome["eventId"]) for r in routes.route_for(type_name).recipients}
    egress = [
        r
        for r in run.egress
        if r.topic.startswith("egress.") and r.header("ce_type") != RECEIPT_TYPE
    ]
    # Alerts, their repeats and escalations are the hub's own: counted in victim_alerts.py.
    made_by_hub = [r.header("ce_id") for r in egress if r.header("ce_type") in HUB_MADE]
    pairs = [
        (r.topic.removeprefix("egress."), (r.header("ce_id") or b"").decode())
        for r in egress
        if r.header("ce_type") not in HUB_MADE
    ]
    return {
        "events_delivered": len(pairs),
        "deliveries": dict(sorted(Counter(agency for agency, _ in pairs).items())),
        "lost": len(due - set(pairs)),
        "duplicates": len(pairs) - len(set(pairs)) + len(made_by_hub) - len(set(made_by_hub)),
        "unexpected_deliveries": len(set(pairs) - due),
    }


def _receipts(run: DemoRun, audits: list[dict[str, Any]]) -> dict[str, Any]:
    """Receipts counted per ingress event, and confirmations per delivery (the hub's own
    alert repeats and escalations too), from the audit log."""
    final = [a for a in audits if a["action"] in FINAL_ACTIONS]
    answered = sum(1 for a in final if any(r["status"] in ANSWERS for r in a.get("receipts", ())))
    delivered, confirmed = deliveries_and_confirmations(audits)
    rejections = [
        receipt
        for receipt in (record_json(r) for r in run.egress if r.header("ce_type") == RECEIPT_TYPE)
        if receipt["status"] == "REJECTED"
    ]
    return {
        "receipts": answered,
        "receipts_by_status": dict(
            sorted(Counter(r["status"] for a in final for r in a.get("receipts", ())).items())
        ),
        "rejections_naming_reason_and_actor": sum(
            1 for r in rejections if r.get("reason") and r.get("actionBy")
        ),
        "rejection_receipts": len(rejections),
        "deliveries_made": len(delivered),
        "deliveries_confirmed": len(confirmed & delivered),
    }


def summarise(run: DemoRun, routes: Routes) -> dict[str, Any]:
    """The demo's figures, and whether every event ended as it should."""
    audits = [record_json(r) for r in run.audit]
    final_list = [a for a in audits if a["action"] in FINAL_ACTIONS]
    final = {a["ingress"]: a for a in final_list}
    bad_ids = {item.event_id for item in run.bad_senders}
    wrong = sorted(
        {a["eventId"] for a in final_list if (a["action"] == "REJECT") != (a["eventId"] in bad_ids)}
    )
    unaccounted = sum(1 for r in run.ingress if f"{r.topic}/{r.partition}/{r.offset}" not in final)
    figures = _deliveries(run, final, routes)
    receipts = _receipts(run, audits)
    alerts = victim_alert_figures(run)
    dead_letters = [record_json(r) for r in run.egress if r.topic == "hub.dlq"]
    given, due = Counter(run.alerts_given), run.alerts_due
    alerts_right = (
        set(given) == due
        and all(n == 1 for n in given.values())
        and not alerts["victim_alert_problems"]
    )
    latency = list(run.latencies_ms)
    summary = {
        "bootstrap": run.bootstrap,
        "seed": run.seed,
        "cases": len(run.case_ids),
        "cases_completed": run.cases_ended,
        "events_published": len(run.ingress),
        "accepted": sum(1 for a in final_list if a["action"] == "ACCEPT"),
        "rejected": dict(sorted(Counter(r["reason"] for r in dead_letters).items())),
        "deduplicated": sum(1 for a in final_list if a["action"] == "DEDUPE"),
        "parked_then_settled": sum(1 for a in audits if a["action"] == "PARK"),
        **figures,
        **receipts,
        **alerts,
        "victim_alerts_expected": len(due),
        "victim_alerts_recorded_by_police": sum(given.values()),
        "latency_ms": {
            "p50": percentile(latency, 0.5),
            "p95": percentile(latency, 0.95),
            "p99": percentile(latency, 0.99),
            "max": max(latency, default=None),
        },
        "unaccounted": unaccounted,
        "not_as_expected": wrong,
        "seconds": round(run.seconds, 1),
    }
    summary["all_as_expected"] = (
        not wrong
        and unaccounted == 0
        and figures["lost"] == 0
        and figures["duplicates"] == 0
        and figures["unexpected_deliveries"] == 0
        and alerts_right
        and alerts["victim_alerts"] == len(due)
        and run.cases_ended == len(run.case_ids)
        and receipts["receipts"] == len(run.ingress)
        and receipts["deliveries_confirmed"] == receipts["deliveries_made"]
        and receipts["rejections_naming_reason_and_actor"] == receipts["rejection_receipts"]
    )
    summary["timelines"] = _timelines(run, final_list)
    return summary


# Confirmations are in the JSON; for people they would drown the case's story.
_QUIET_TYPES = frozenset({"delivery.confirmed"})


def render(out: Console, summary: dict[str, Any], timelines: int = 3) -> None:
    for case in summary["timelines"][:timelines]:
        story = [e for e in case["events"] if e["type"] not in _QUIET_TYPES]
        rows = [
            (
                f"+{e['atMs']} ms",
                e["from"],
                e["type"],
                e["action"] + (f" {e['reason']}" if e["reason"] else ""),
                ", ".join(e["to"]) or "-",
                e["victimAlerts"] or "",
            )
            for e in story
        ]
        columns = ["when", "from", "event", "hub", "delivered to", "victim alerts"]
        out.print(table(f"case {case['caseId']}", columns, rows))
        out.print()
    rejected = ", ".join(f"{n} {reason}" for reason, n in summary["rejected"].items()) or "none"
    delivered = ", ".join(f"{n} to {agency}" for agency, n in summary["deliveries"].items())
    latency = summary["latency_ms"]
    verdict = (
        "yes"
        if summary["all_as_expected"]
        else (
            f"NO: {len(summary['not_as_expected'])} events decided wrongly, "
            f"{summary['unaccounted']} unaccounted, "
            f"{len(summary['victim_alert_problems'])} victim alert problems"
        )
    )
    alert_latency = summary["victim_alert_latency_ms"]
    figures: list[tuple[str, Any]] = [
        ("cases at their end state", f"{summary['cases_completed']} of {summary['cases']}"),
        ("events published by the agencies", summary["events_published"]),
        ("accepted", summary["accepted"]),
        ("rejected (in hub.dlq)", f"{sum(summary['rejected'].values())}: {rejected}"),
        ("deduplicated resends", summary["deduplicated"]),
        ("deliveries", delivered),
        ("lost / duplicated deliveries", f"{summary['lost']} / {summary['duplicates']}"),
        (
            "receipts to senders",
            f"{summary['receipts']} of {summary['events_published']} events answered; "
            + ", ".join(f"{n} {status}" for status, n in summary["receipts_by_status"].items()),
        ),
        (
            "deliveries confirmed by recipients",
            f"{summary['deliveries_confirmed']} of {summary['deliveries_made']}",
        ),
        (
            "victim alerts",
            f"{summary['victim_alerts']} of {summary['victim_alerts_expected']} due "
            f"({summary['urgent_alerts']} urgent); {summary['victim_alert_notices']} notices, "
            "repeats included",
        ),
        (
            "how the victim alerts ended",
            f"{summary['victim_alerts_acknowledged']} acknowledged, "
            f"{summary['victim_alerts_escalated']} escalated to police, "
            f"{summary['victim_alerts_withdrawn']} withdrawn; "
            f"{summary['late_notices']} late notices",
        ),
        (
            "victims",
            f"{summary['victims_never_answering']} never answering, "
            f"{summary['consents_withdrawn']} withdrew their consent",
        ),
        (
            "trigger → first victim alert",
            f"p50 {alert_latency['p50']} ms, p99 {alert_latency['p99']} ms (wall time)",
        ),
        ("producer → consumer latency", f"p50 {latency['p50']} ms, p99 {latency['p99']} ms"),
        ("every event as expected", verdict),
        ("time", f"{summary['seconds']} s on {summary['bootstrap']}"),
    ]
    out.print(table("Summary", ["", ""], figures))
