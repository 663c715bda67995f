"""The operations console in Debian's Chromium, against the real broker.

A night shift: a viewer watches the flow fill while the demo runs; an operator
finds a rejected police event, locks it, corrects it and re-drives it, and sees
it delivered; a second operator finds it locked; an auditor reveals one masked
field, and the reveal is in the audit log. Every page passes axe-core, and no
name or identity number reaches a viewer's or an operator's screen.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from playwright.sync_api import Page, expect

from hub.settings import KafkaSettings
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import PageOpener
from tests.browser.console_server import PASSWORD, Console, running_console, write_users
from tests.events import event, example, new_case_id
from tests.integration.conftest import running_hub, topics

__all__ = ["topics"]  # the session's topology, as in the integration tests
from tests.kafka_io import collect, send

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Where screenshots go: a temporary folder, or docs/console when they are being refreshed.
SCREENSHOTS = os.environ.get("HUB_CONSOLE_SCREENSHOTS")
IDENTITY_NUMBER = re.compile(r"(?<!\d)\d{11}(?!\d)")


@pytest.fixture(scope="module")
def console(topics: KafkaSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    users = write_users(tmp_path_factory.mktemp("console") / "users.yaml")
    with running_console(users, {"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}) as running:
        yield running


def _signed_in(new_page: PageOpener, console: Console, user: str) -> Page:
    page = new_page(base_url=console.url, locale="en-GB")
    page.goto("/sign-in")
    page.get_by_label("User id").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {user}")).to_be_visible()
    return page


def _screenshot(page: Page, name: str, tmp_path: Path) -> None:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _personal_values(data: object) -> set[str]:
    """The names and identity numbers in an event: what no viewer or operator may see."""
    found: set[str] = set()

    def walk(node: object, key: str | None) -> None:
        if isinstance(node, dict):
            for child_key, child in node.items():
                walk(child, child_key)
        elif isinstance(node, list):
            for child in node:
                walk(child, key)
        elif isinstance(node, str) and (
            key in {"givenName", "middleName", "familyName"} or IDENTITY_NUMBER.fullmatch(node)
        ):
            found.add(node)

    walk(data, None)
    return found


def _assert_shows_no_personal_data(page: Page, personal: set[str]) -> None:
    html = page.content()
    shown = sorted(value for value in personal if value in html)
    assert not shown, f"{page.url} shows personal data: {len(shown)} values"


def test_a_viewer_sees_the_flow_fill_while_the_demo_runs_and_nothing_more(
    new_page: PageOpener, console: Console, topics: KafkaSettings, tmp_path: Path
) -> None:
    page = _signed_in(new_page, console, "vera.viewer")
    assert page.url.endswith("/flow")
    before = int(page.locator("#total-in").inner_text())
    demo = subprocess.Popen(
        [sys.executable, "-m", "hub", "demo", "--cases", "3", "--seed", "5", "--json"],
        env={**os.environ, "HUB_KAFKA_BOOTSTRAP": topics.bootstrap},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The page fetches its live part every 5 s by itself: no reload here.
        page.wait_for_function(
            f"() => Number(document.querySelector('#total-in').textContent) > {before + 5}",
            timeout=90_000,
        )
        _screenshot(page, "flow", tmp_path)  # while the demo's hub instance runs
    finally:
        output, errors = demo.communicate(timeout=240)
    assert demo.returncode == 0, errors[-3000:]
    summary = orjson.loads(output)
    assert summary["events_published"] > 3 * 3
    assert int(page.locator("#total-delivered").inner_text()) > 0
    assert_accessible(page, "flow")
    assert not IDENTITY_NUMBER.search(page.content()), "an identity number on the flow page"
    for path in ("/work", "/work/dlq/0/0", "/case", "/audit"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
    assert_accessible(page, "403")


def test_the_sign_in_page_speaks_norwegian_by_default_and_passes_axe(
    new_page: PageOpener, console: Console
) -> None:
    page = new_page(base_url=console.url, locale="nb-NO")
    page.goto("/flow")  # not signed in: sent to the sign-in form, and back after it
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert_accessible(page, "sign-in (nb)")
    # By keyboard alone: the skip link first, then the form, submitted with Enter.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hopp til innholdet")).to_be_focused()
    page.get_by_label("Bruker-id").focus()
    page.keyboard.type("vera.viewer")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Passord")).to_be_focused()
    page.keyboard.type("not the password at all")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Feil bruker-id eller passord.")
    page.get_by_label("Passord").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Flyt")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Flow")


def _rejected_police_case(kafka: KafkaSettings) -> tuple[str, dict[str, object]]:
    """Police send a case whose chargeKind is no code of the list: rejected, in hub.dlq."""
    case_id = new_case_id()
    data = example("case.registered", 2, "domestic-abuse-and-threats", case_id)
    send(kafka, [event("case.registered", 2, "police", {**data, "chargeKind": "NOT_A_KIND"})])
    assert collect(kafka, "hub.dlq", {case_id.encode()}, 1), "the broken case was not rejected"
    return case_id, data


def _open_entry(page: Page, case_id: str) -> None:
    page.goto("/work")
    page.get_by_label("Agency").select_option("police")
    page.get_by_label("Reason").select_option("SCHEMA_INVALID")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("#rejects tbody tr", has_text=case_id)
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rejected event")


def _audit_records(kafka: KafkaSettings, case_id: str, count: int) -> list[dict[str, object]]:
    records = collect(kafka, "hub.audit", {case_id.encode()}, count)
    return [orjson.loads(r.value or b"{}") for r in records]


def _reload_until(page: Page, shown: Callable[[], bool], seconds: int = 30) -> None:
    """Reload until the page shows what the hub has decided meanwhile (it reads Kafka anew)."""
    for _ in range(seconds):
        if shown():
            return
        page.wait_for_timeout(1000)
        page.reload()


def _lock_while_another_operator_looks_on(
    new_page: PageOpener, console: Console, page: Page, case_id: str
) -> None:
    page.get_by_role("button", name="Lock", exact=True).click()
    expect(page.locator("#lock")).to_contain_text("ola.operator")
    # Another operator on the same shift sees who holds it and cannot take it.
    other_page = _signed_in(new_page, console, "kari.operator")
    _open_entry(other_page, case_id)
    expect(other_page.locator("#lock")).to_contain_text("ola.operator")
    other_page.get_by_role("button", name="Lock", exact=True).click()
    expect(other_page.locator("#problem")).to_contain_text("ola.operator")


def _correct_and_redrive(page: Page) -> None:
    """A correction that still breaks the schema is refused before sending; the fix goes."""
    editor = page.get_by_label("Corrected payload (JSON)")
    draft = editor.input_value()
    assert '"NOT_A_KIND"' in draft
    assert "Jonas" not in draft
    broken = draft.replace('"chargeKind": "NOT_A_KIND"', '"chargeKind": "NOT A CODE"')
    editor.fill(broken)
    page.get_by_role("button", name="Correct and re-drive").click()
    expect(page.locator("#problem")).to_contain_text("/chargeKind")
    editor.fill(draft.replace('"chargeKind": "NOT_A_KIND"', '"chargeKind": "CHARGE"'))
    page.get_by_role("button", name="Correct and re-drive").click()
    expect(page.locator("#state")).to_have_text(re.compile("REDRIVEN|DELIVERED"))
    _reload_until(page, lambda: page.locator("#state").inner_text() == "DELIVERED")
    expect(page.locator("#state")).to_have_text("DELIVERED")
    expect(page.locator("#outcome")).to_contain_text("courts")


def test_an_operator_locks_corrects_and_redrives_a_police_reject_until_it_is_delivered(
    new_page: PageOpener, console: Console, topics: KafkaSettings, tmp_path: Path
) -> None:
    with running_hub(topics):
        case_id, data = _rejected_police_case(topics)
        personal = _personal_values(data)
        assert len(personal) >= 4
        page = _signed_in(new_page, console, "ola.operator")
        _open_entry(page, case_id)
        _assert_shows_no_personal_data(page, personal)
        assert_accessible(page, "work list entry")
        _lock_while_another_operator_looks_on(new_page, console, page, case_id)
        _correct_and_redrive(page)
        _assert_shows_no_personal_data(page, personal)
        _screenshot(page, "work-entry", tmp_path)

        # Delivered: gone from the open work list, and courts got the corrected case.
        page.goto("/work?agency=police&reason=SCHEMA_INVALID")
        expect(page.locator("#rejects tbody tr", has_text=case_id)).to_have_count(0)
        _assert_shows_no_personal_data(page, personal)
        assert_accessible(page, "work list")
        _screenshot(page, "work-list", tmp_path)
        delivered = collect(topics, "egress.courts", {case_id.encode()}, 1)
        assert orjson.loads(delivered[0].value or b"{}")["chargeKind"] == "CHARGE"
        page.goto(f"/case/{case_id}")
        expect(page.locator("#receipts")).to_contain_text("ACCEPTED")
        _assert_shows_no_personal_data(page, personal)
        assert_accessible(page, "case")
        _screenshot(page, "case", tmp_path)
        for path in ("/work/parked", "/work/alerts", "/flow"):
            page.goto(path)
            _assert_shows_no_personal_data(page, personal)
            assert_accessible(page, path)
        audit = _audit_records(topics, case_id, 3)
    locks = [a for a in audit if a.get("operatorAction") == "LOCK"]
    assert [(a["action"], a["operator"]) for a in locks] == [("OPERATOR", "ola.operator")]
    redriven = [a for a in audit if a.get("redriveBy") == "ola.operator"]
    assert [a["action"] for a in redriven] == ["ACCEPT"]


def test_a_form_without_its_csrf_token_is_refused(new_page: PageOpener, console: Console) -> None:
    page = _signed_in(new_page, console, "ola.operator")
    for token in ({}, {"csrf_token": "forged"}):
        response = page.request.post(f"{console.url}/work/dlq/0/0/lock", form=token)
        assert response.status == 403
        assert "CSRF" in response.text()
    response = page.request.post(f"{console.url}/sign-out", form={})
    assert response.status == 403


def test_an_auditor_reveals_one_masked_field_and_the_reveal_is_audited(
    new_page: PageOpener, console: Console, topics: KafkaSettings, tmp_path: Path
) -> None:
    with running_hub(topics):
        case_id, data = _rejected_police_case(topics)
        page = _signed_in(new_page, console, "aud.auditor")
        _open_entry(page, case_id)
        expect(page.get_by_role("button", name="Lock", exact=True)).to_have_count(0)
        pointer = "/suspect/nationalIdentityNumber"
        secret = data["suspect"]["nationalIdentityNumber"]  # type: ignore[index]
        assert secret not in page.content()
        page.get_by_role("button", name=f"Reveal {pointer}").click()
        expect(page.locator("#payload")).to_contain_text(secret)
        assert_accessible(page, "revealed entry")
        _screenshot(page, "reveal", tmp_path)
        page.goto("/audit")
        page.get_by_role("button", name="Verify now").click()
        expect(page.locator("#verdict")).to_be_visible(timeout=120_000)
        # The shift log, from the audit chain: the reveal, by whom, on which field.
        revealed = page.locator("#actions tbody tr", has_text=pointer)
        _reload_until(page, lambda: revealed.count() == 1)
        expect(revealed).to_contain_text("aud.auditor")
        assert_accessible(page, "audit")
        _screenshot(page, "audit", tmp_path)
        audit = _audit_records(topics, case_id, 2)
    reveals = [a for a in audit if a.get("operatorAction") == "REVEAL"]
    assert [(a["operator"], a["field"]) for a in reveals] == [("aud.auditor", pointer)]
    assert secret not in orjson.dumps(audit).decode()
