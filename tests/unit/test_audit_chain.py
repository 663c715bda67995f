"""The audit chain: an untouched log verifies; a forged or altered record breaks at its sequence."""

from __future__ import annotations

import orjson

from hub.kafka.io import ConsumedRecord
from hub.ops.audit import chain_breaks
from hub.pipeline.audit import AuditChain


def _chain(partition: int, length: int) -> list[ConsumedRecord]:
    chain = AuditChain(partition)
    records = []
    for offset in range(length):
        fields = {
            "eventId": f"e{offset}",
            "caseId": "12345678",
            "ingress": f"ingress.police/0/{offset}",
        }
        out = chain.append("ACCEPT", fields, 1_000 + offset)
        records.append(ConsumedRecord("hub.audit", partition, offset, out.key, out.value, (), 0))
    return records


def _edited(record: ConsumedRecord, **changes: object) -> ConsumedRecord:
    body = {**orjson.loads(record.value or b"{}"), **changes}
    return ConsumedRecord(
        record.topic, record.partition, record.offset, record.key, orjson.dumps(body), (), 0
    )


def test_an_untouched_chain_verifies() -> None:
    assert chain_breaks(_chain(0, 5) + _chain(1, 3)) == []


def test_an_altered_record_breaks_the_chain_at_its_sequence_number() -> None:
    records = _chain(2, 5)
    records[3] = _edited(records[3], caseId="87654321")

    [problem] = chain_breaks(records)

    assert (problem.partition, problem.sequence) == (2, 3)
    assert "does not match its content" in problem.message


def test_a_removed_record_is_found_by_the_gap_in_sequence_numbers() -> None:
    records = _chain(0, 5)
    del records[2]

    [problem] = chain_breaks(records)

    assert problem.sequence == 3
    assert "sequence 3 follows 1" in problem.message


def test_a_forged_record_with_a_fresh_hash_does_not_link_to_the_one_before() -> None:
    records = _chain(0, 4)
    forger = AuditChain(0, next_sequence=2)  # knows the format, not the real previous hash
    forged = forger.append("ACCEPT", {"eventId": "forged", "caseId": "12345678"}, 5)
    records[2] = ConsumedRecord("hub.audit", 0, 2, forged.key, forged.value, (), 0)

    [problem] = chain_breaks(records)

    assert problem.sequence == 2
    assert "previous hash" in problem.message


def test_each_partition_is_its_own_chain_and_reports_its_own_first_break() -> None:
    first, second = _chain(0, 3), _chain(1, 3)
    second[1] = _edited(second[1], action="REJECT")

    problems = chain_breaks(first + second)

    assert [(p.partition, p.sequence) for p in problems] == [(1, 1)]
