"""What the demo shows: a timeline per case and a summary, checked against expectations."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

import orjson
from rich.console import Console

from hub.cli.output import table
from hub.demo.run import FINAL_ACTIONS, DemoRun
from hub.kafka.io import ConsumedRecord

ALERT_TYPE = b"no.justice.victim.alert"


def _json(record: ConsumedRecord) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(record.value or b"{}")
    return loaded


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def _timelines(run: DemoRun, final: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start = {r.key: r.timestamp_ms for r in sorted(run.ingress, key=lambda r: -r.timestamp_ms)}
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
    order = list(dict.fromkeys(s.case_id for s in run.sent))
    return [{"caseId": case_id, "events": by_case.get(case_id, [])} for case_id in order]


def _delivery_figures(run: DemoRun) -> dict[str, Any]:
    """Deliveries compared with what the routes make due: lost, duplicated, unexpected."""
    deliveries = [r for r in run.egress if r.topic.startswith("egress.")]
    alerts = [r for r in deliveries if r.header("ce_type") == ALERT_TYPE]
    pairs = [
        (r.topic.removeprefix("egress."), (r.header("ce_id") or b"").decode())
        for r in deliveries
        if r.header("ce_type") != ALERT_TYPE
    ]
    alert_ids = [r.header("ce_id") for r in alerts]
    due = run.expected.deliveries
    sent_at = {r.header("ce_id"): r.timestamp_ms for r in run.ingress}
    latencies = [
        float(r.timestamp_ms - sent_at[r.header("ce_id")])
        for r in deliveries
        if r.header("ce_id") in sent_at
    ]
    ended = {event_id for agency, event_id in pairs if event_id in run.expected.case_ends}
    return {
        "events_delivered": len(pairs),
        "deliveries": dict(sorted(Counter(agency for agency, _ in pairs).items())),
        "lost": len(due - set(pairs)),
        "duplicates": len(pairs) - len(set(pairs)) + len(alert_ids) - len(set(alert_ids)),
        "unexpected_deliveries": len(set(pairs) - due),
        "victim_alerts": len(alerts),
        "victim_alerts_expected": run.expected.victim_alerts,
        "urgent_alerts": sum(1 for r in alerts if _json(r)["urgency"] == "URGENT"),
        "cases_completed": len(ended),
        "latency_ms": {
            "p50": _percentile(latencies, 0.5),
            "p95": _percentile(latencies, 0.95),
            "p99": _percentile(latencies, 0.99),
            "max": max(latencies, default=None),
            "mean": round(statistics.fmean(latencies), 1) if latencies else None,
        },
    }


def summarise(run: DemoRun) -> dict[str, Any]:
    """The demo's figures, and whether every event ended as the scenario expected."""
    audits = [_json(r) for r in run.audit]
    final = [a for a in audits if a["action"] in FINAL_ACTIONS]
    actions_by_event: dict[str, Counter[str]] = defaultdict(Counter)
    for audit in final:
        actions_by_event[audit["eventId"]][audit["action"]] += 1
    expected_by_event: dict[str, Counter[str]] = defaultdict(Counter)
    for sent in run.sent:
        expected_by_event[sent.event.event_id][sent.event.expect] += 1
    unexpected = sorted(e for e in expected_by_event if expected_by_event[e] != actions_by_event[e])
    rejected = Counter(_json(r)["reason"] for r in run.egress if r.topic == "hub.dlq")
    figures = _delivery_figures(run)
    cases = len({s.case_id for s in run.sent})
    as_expected = (
        not unexpected
        and len(final) == len(run.sent)
        and figures["lost"] == 0
        and figures["duplicates"] == 0
        and figures["unexpected_deliveries"] == 0
        and figures["victim_alerts"] == figures["victim_alerts_expected"]
        and figures["cases_completed"] == cases
    )
    return {
        "bootstrap": run.bootstrap,
        "seed": run.seed,
        "cases": cases,
        "events_published": len(run.sent),
        "accepted": sum(1 for a in final if a["action"] == "ACCEPT"),
        "rejected": dict(sorted(rejected.items())),
        "deduplicated": sum(1 for a in final if a["action"] == "DEDUPE"),
        "parked_then_settled": sum(1 for a in audits if a["action"] == "PARK"),
        **figures,
        "unaccounted": len(run.sent) - len(final),
        "not_as_expected": unexpected,
        "all_as_expected": as_expected,
        "seconds": round(run.seconds, 1),
        "timelines": _timelines(run, final),
    }


def render(out: Console, summary: dict[str, Any], timelines: int = 3) -> None:
    for case in summary["timelines"][:timelines]:
        rows = [
            (
                f"+{e['atMs']} ms",
                e["from"],
                e["type"],
                e["action"] + (f" {e['reason']}" if e["reason"] else ""),
                ", ".join(e["to"]) or "-",
                e["victimAlerts"] or "",
            )
            for e in case["events"]
        ]
        out.print(
            table(
                f"case {case['caseId']}",
                ["when", "from", "event", "hub", "delivered to", "victim alerts"],
                rows,
            )
        )
        out.print()
    rejected = ", ".join(f"{n} {reason}" for reason, n in summary["rejected"].items()) or "none"
    delivered = ", ".join(f"{n} to {agency}" for agency, n in summary["deliveries"].items())
    latency = summary["latency_ms"]
    figures: list[tuple[str, Any]] = [
        ("cases", summary["cases"]),
        ("cases at their end state", f"{summary['cases_completed']} of {summary['cases']}"),
        ("events sent by the agencies", summary["events_published"]),
        ("accepted", summary["accepted"]),
        ("rejected (in hub.dlq)", f"{sum(summary['rejected'].values())}: {rejected}"),
        ("deduplicated resends", summary["deduplicated"]),
        ("deliveries", delivered),
        ("lost / duplicated deliveries", f"{summary['lost']} / {summary['duplicates']}"),
        (
            "victim alerts",
            f"{summary['victim_alerts']} of {summary['victim_alerts_expected']} due "
            f"({summary['urgent_alerts']} urgent)",
        ),
        ("ingress → egress latency", f"p50 {latency['p50']} ms, p99 {latency['p99']} ms"),
        (
            "every event as expected",
            "yes"
            if summary["all_as_expected"]
            else f"NO: {len(summary['not_as_expected'])} events differ, "
            f"{summary['unaccounted']} unaccounted",
        ),
        ("time", f"{summary['seconds']} s on {summary['bootstrap']}"),
    ]
    out.print(table("Summary", ["", ""], figures))
