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
    sent_at = {r.header("ce_id"): r.timestamp_ms for r in run.ingress}
    deliveries = [r for r in run.egress if r.topic.startswith("egress.")]
    alerts = [r for r in deliveries if r.header("ce_type") == ALERT_TYPE]
    latencies = [
        float(r.timestamp_ms - sent_at[r.header("ce_id")])
        for r in deliveries
        if r.header("ce_id") in sent_at
    ]
    rejected = Counter(_json(r)["reason"] for r in run.egress if r.topic == "hub.dlq")
    return {
        "bootstrap": run.bootstrap,
        "seed": run.seed,
        "cases": len({s.case_id for s in run.sent}),
        "events": len(run.sent),
        "accepted": sum(1 for a in final if a["action"] == "ACCEPT"),
        "rejected": dict(sorted(rejected.items())),
        "deduplicated": sum(1 for a in final if a["action"] == "DEDUPE"),
        "parked_then_settled": sum(1 for a in audits if a["action"] == "PARK"),
        "deliveries": dict(
            sorted(Counter(r.topic.removeprefix("egress.") for r in deliveries).items())
        ),
        "victim_alerts": len(alerts),
        "urgent_alerts": sum(1 for r in alerts if _json(r)["urgency"] == "URGENT"),
        "latency_ms": {
            "p50": _percentile(latencies, 0.5),
            "p95": _percentile(latencies, 0.95),
            "max": max(latencies, default=None),
            "mean": round(statistics.fmean(latencies), 1) if latencies else None,
        },
        "unaccounted": len(run.sent) - len(final),
        "not_as_expected": unexpected,
        "all_as_expected": not unexpected and len(final) == len(run.sent),
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
        ("events sent by the agencies", summary["events"]),
        ("accepted", summary["accepted"]),
        ("rejected (in hub.dlq)", f"{sum(summary['rejected'].values())}: {rejected}"),
        ("deduplicated resends", summary["deduplicated"]),
        ("deliveries", delivered),
        ("victim alerts", f"{summary['victim_alerts']} ({summary['urgent_alerts']} urgent)"),
        ("ingress → egress latency", f"p50 {latency['p50']} ms, p95 {latency['p95']} ms"),
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
