"""Debian's Chromium driven by Playwright's sync API, one fresh browser context per user.

Every test in this folder is marked `browser` and `e2e`. Chromium comes from Debian's package
(`make chromium`), never from `playwright install` (TRAPS.md, Browser tests).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Root needs --no-sandbox; without the background-networking switches Chromium keeps
# calling out, and the closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark this folder's tests (this hook sees the whole session's items: filter by path)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the tests of this folder.

    Package scope, not session: between its calls sync Playwright leaves its own event loop
    marked as running in this thread, so pytest-asyncio's tests in later folders could not
    run their loop while it lives. It stops after this folder's last test. For the same
    reason a browser test cannot run asyncio code in the main thread (use a thread).
    """
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium package)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class PageOpener:
    """Opens pages, each in a browser context of its own: its own cookies, one per user."""

    def __init__(self, browser: Browser, screenshots: Path) -> None:
        self._browser = browser
        self._screenshots = screenshots
        self.contexts: list[BrowserContext] = []

    def __call__(self, **context_options: Any) -> Page:
        """A page in a new context; `context_options` go to new_context (base_url, locale)."""
        context = self._browser.new_context(**context_options)
        self.contexts.append(context)
        return context.new_page()

    def screenshot_all(self) -> list[Path]:
        """Each open page as it is now, for the report of a failed test."""
        self._screenshots.mkdir(parents=True, exist_ok=True)
        paths = []
        for number, context in enumerate(self.contexts, start=1):
            for index, page in enumerate(context.pages, start=1):
                path = self._screenshots / f"context{number}-page{index}.png"
                page.screenshot(path=path, full_page=True)
                paths.append(path)
        return paths

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def new_page(browser: Browser, tmp_path: Path) -> Iterator[PageOpener]:
    """Call `new_page(**context_options)` once per user: two operators are two calls."""
    opener = PageOpener(browser, tmp_path / "failure-screenshots")
    yield opener
    opener.close()


@pytest.fixture
def page(new_page: PageOpener) -> Page:
    """One page in a fresh browser context, for a test with a single user."""
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test's report lists screenshots of its pages as they were."""
    report = yield
    opener = getattr(item, "funcargs", {}).get("new_page")
    if report.failed and call.when == "call" and isinstance(opener, PageOpener):
        try:
            shots = "\n".join(str(path) for path in opener.screenshot_all())
        except Exception as error:  # the browser may be what failed
            shots = f"no screenshots: {error}"
        report.sections.append(("browser screenshots", shots))
    return report
