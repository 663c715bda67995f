"""The browser tools on the real Chromium: pages, forms, users apart, screenshots, axe-core.

A local http.server serves small pages, among them one that breaks two WCAG rules on purpose:
the accessibility check must pass the good pages and fail that one, naming both rules.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible, axe_violations
from tests.browser.conftest import PageOpener


def _document(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body>{body}</body></html>"
    )


SHIFT_FORM = _document(
    "Night shift",
    '<main><h1>Night shift</h1><form action="/greeting" method="get">'
    '<label for="operator">Operator</label> <input id="operator" name="operator">'
    ' <button type="submit">Start shift</button></form></main>',
)
# An unlabelled field (axe `label`, critical) and an image without a text (`image-alt`, critical).
BROKEN = _document(
    "Broken",
    '<main><h1>Broken</h1><input type="text" name="case"><img src="/pixel.png"></main>',
)
# Only moderate findings: no level-one heading, content outside any landmark.
MODERATE = _document("Moderate", "<p>Text outside any landmark and no heading.</p>")
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
CSP = "default-src 'self'; script-src 'self'"


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if url.path in ("/", "/strict"):
            body = SHIFT_FORM
            if url.path == "/strict":
                headers["Content-Security-Policy"] = CSP
        elif url.path == "/broken":
            body = BROKEN
        elif url.path == "/moderate":
            body = MODERATE
        elif url.path == "/greeting":
            operator = query.get("operator", [""])[0]
            body = _document("Shift", f"<main><h1>Shift started by {operator}</h1></main>")
        elif url.path == "/sign-in":
            headers["Set-Cookie"] = f"operator={query['operator'][0]}; Path=/; HttpOnly"
            body = _document("Signed in", "<main><h1>Signed in</h1></main>")
        elif url.path == "/who":
            cookie = self.headers.get("Cookie") or "nobody"
            body = _document("Who", f'<main><h1 id="who">{cookie}</h1></main>')
        elif url.path == "/pixel.png":
            self._answer(200, {"Content-Type": "image/png"}, PIXEL_PNG)
            return
        else:
            self._answer(404, headers, b"not found")
            return
        self._answer(200, headers, body.encode())

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the pages are the test's, their requests need no log."""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, name="pages", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_page_with_labels_and_landmarks_passes_the_accessibility_check(
    page: Page, site: str
) -> None:
    page.goto(f"{site}/")
    assert_accessible(page, "night shift form")


def test_an_unlabelled_field_and_an_image_without_text_fail_naming_both_rules(
    page: Page, site: str
) -> None:
    page.goto(f"{site}/broken")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "broken page")
    message = str(failure.value)
    assert "on broken page" in message
    assert "- label [critical]" in message
    assert "- image-alt [critical]" in message
    assert '<input type="text" name="case">' in message
    assert '<img src="/pixel.png">' in message


def test_moderate_findings_are_reported_by_axe_but_do_not_fail(page: Page, site: str) -> None:
    page.goto(f"{site}/moderate")
    found = {violation["id"]: violation["impact"] for violation in axe_violations(page)}
    assert found.get("page-has-heading-one") == "moderate"
    assert_accessible(page, "page with moderate findings only")


def test_the_check_runs_under_a_content_security_policy_that_refuses_inline_scripts(
    page: Page, site: str
) -> None:
    response = page.goto(f"{site}/strict")
    assert response is not None
    assert response.headers["content-security-policy"] == CSP
    assert_accessible(page, "night shift form under a strict policy")


def test_filling_a_form_and_clicking_submit_reaches_the_next_page(page: Page, site: str) -> None:
    page.goto(f"{site}/")
    page.get_by_label("Operator").fill("operator-7")
    page.get_by_role("button", name="Start shift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shift started by operator-7")
    assert page.url == f"{site}/greeting?operator=operator-7"


def test_two_users_at_once_do_not_share_cookies(new_page: PageOpener, site: str) -> None:
    first, second = new_page(base_url=site), new_page(base_url=site)
    first.goto("/sign-in?operator=first")
    second.goto("/sign-in?operator=second")
    first.goto("/who")
    second.goto("/who")
    expect(first.locator("#who")).to_have_text("operator=first")
    expect(second.locator("#who")).to_have_text("operator=second")
    assert new_page(base_url=site).goto("/who") is not None
    expect(new_page.contexts[-1].pages[0].locator("#who")).to_have_text("nobody")


def test_a_screenshot_is_written_as_a_png_of_the_viewport(
    page: Page, site: str, tmp_path: pytest.TempPathFactory
) -> None:
    page.set_viewport_size({"width": 800, "height": 600})
    page.goto(f"{site}/")
    shot = tmp_path / "night-shift.png"
    page.screenshot(path=shot)
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") == 800
    assert int.from_bytes(header[20:24], "big") == 600
