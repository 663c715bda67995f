"""axe-core in the page: serious and critical WCAG 2.1 A/AA findings fail a browser test.

Norway's universal design regulation follows WCAG 2.1 AA; axe-core (Deque, from the npm
registry, pinned by package-lock.json and installed by `make axe-core`) checks the page as the
browser rendered it, contrast included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
NODES_SHOWN = 5
SNIPPET_CHARS = 160

# The script runs as page.evaluate's own expression: an inline <script> (page.add_script_tag)
# and eval() in the page are refused by a Content-Security-Policy that allows only 'self', as
# the console's should be; the debugging protocol's evaluation is not.
_RUN = (
    "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now, of any impact."""
    if not AXE_SCRIPT.is_file():
        raise AssertionError(f"{AXE_SCRIPT} is missing: run `make axe-core` (npm ci)")
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    results: dict[str, Any] = page.evaluate(_RUN, list(AXE_TAGS))
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def assert_accessible(page: Page, label: str) -> None:
    """Fail, listing each one, when axe-core finds a serious or critical violation on the page.

    `label` names the page in the message (for example "work list, police, operator").
    Moderate and minor findings do not fail; `axe_violations` returns them all.
    """
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        raise AssertionError(describe_violations(label, page.url, blocking))


def describe_violations(label: str, url: str, violations: list[dict[str, Any]]) -> str:
    """One readable block per violated rule: id, impact, help, and the elements at fault."""
    lines = [f"axe-core: {len(violations)} serious or critical rule(s) violated on {label} ({url})"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation['impact']}]: {violation['help']}")
        lines.append(f"    {violation['helpUrl'].split('?')[0]}")
        nodes = violation["nodes"]
        for node in nodes[:NODES_SHOWN]:
            target = " ".join(str(selector) for selector in node["target"])
            lines.append(f"    at {target}: {_snippet(node['html'])}")
        if len(nodes) > NODES_SHOWN:
            lines.append(f"    ... and {len(nodes) - NODES_SHOWN} more element(s)")
    return "\n".join(lines)


def _snippet(html: str) -> str:
    flat = " ".join(html.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 3] + "..."
