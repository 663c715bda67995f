"""How every reporting command speaks: a table for people, JSON for machines.

Commands build plain data (dicts and lists), then hand it here with a function
that renders it for people. `--json` prints the data as it is, one document on
stdout, so scripts never parse tables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

import click
import orjson
from rich.console import Console
from rich.table import Table

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document for machines."
)


_PIPED_WIDTH = 160  # rich assumes 80 columns when piped, which folds every table


def console() -> Console:
    """Console on stdout for readable output (no colour codes when piped)."""
    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(highlight=False, soft_wrap=True, width=_PIPED_WIDTH if piped else None)


def error_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def emit(data: Any, as_json: bool, render: Callable[[Console, Any], None]) -> None:
    """Print `data` as JSON when asked, otherwise with `render` for people."""
    if as_json:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        sys.stdout.flush()
    else:
        render(console(), data)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A plain table with `columns` and string-formatted `rows`."""
    result = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for column in columns:
        result.add_column(column)
    for row in rows:
        result.add_row(*("" if cell is None else str(cell) for cell in row))
    return result


def fail(message: str, as_json: bool = False, exit_code: int = 1, **details: Any) -> NoReturn:
    """Stop the command with a one-line error (and a JSON error document under --json)."""
    if as_json:
        payload = {"error": message, **details}
        sys.stdout.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n")
    error_console().print(f"[bold red]error:[/] {message}")
    raise SystemExit(exit_code)
