"""Contract paths: JSON pointers with `*` for every element, and what they find."""

from __future__ import annotations

import pytest

from hub.contracts.paths import (
    PointerError,
    dotted_path,
    leaf_pointers,
    locate,
    projection_covers,
)
from hub.pipeline.project import compile_projection

pytestmark = pytest.mark.contract

JUDGMENT = {
    "caseId": "25000001",
    "verdicts": [{"offenceId": "1", "result": "GUILTY"}, {"offenceId": "2"}],
    "sentence": {"kind": "FINE"},
}


@pytest.mark.parametrize(
    ("pointer", "dotted"),
    [
        ("/caseId", "caseId"),
        ("/sentence/kind", "sentence.kind"),
        ("/verdicts/*/result", "verdicts[].result"),
        ("/verdicts/*", "verdicts[]"),
    ],
)
def test_a_pointer_reads_as_the_routes_dotted_path(pointer: str, dotted: str) -> None:
    assert dotted_path(pointer) == dotted


@pytest.mark.parametrize("pointer", ["caseId", "/", "/a//b", "/*/a", "/a/*/*"])
def test_what_is_not_a_pointer_to_a_field_is_refused(pointer: str) -> None:
    with pytest.raises(PointerError):
        dotted_path(pointer)


def test_locate_finds_every_element_and_names_the_one_that_misses() -> None:
    located = locate(JUDGMENT, "/verdicts/*/result")

    assert located.found == ("/verdicts/0/result",)
    assert located.missing == ("/verdicts/1/result",)


def test_an_empty_array_misses_nothing_and_an_absent_one_misses_itself() -> None:
    assert locate({"victims": []}, "/victims/*/victimId").missing == ()
    assert locate({}, "/victims/*/victimId").missing == ("/victims",)
    assert locate({"victims": "none"}, "/victims/*/victimId").missing == ("/victims",)


def test_a_projection_covers_a_field_only_when_it_keeps_all_of_it() -> None:
    projection = compile_projection(["caseId", "verdicts[].result", "conditions.contactBan"])

    assert projection_covers(projection, "/caseId")
    assert projection_covers(projection, "/verdicts/*/result")
    assert projection_covers(projection, "/conditions/contactBan/until")
    assert not projection_covers(projection, "/verdicts/*/offenceId")
    assert not projection_covers(projection, "/conditions")
    assert not projection_covers(projection, "/sentence/kind")


def test_leaf_pointers_name_every_scalar() -> None:
    assert list(leaf_pointers(JUDGMENT)) == [
        "/caseId",
        "/verdicts/0/offenceId",
        "/verdicts/0/result",
        "/verdicts/1/offenceId",
        "/sentence/kind",
    ]
