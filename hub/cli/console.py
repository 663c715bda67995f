"""`hub console`: the operations console in a browser; `hub console add-user`: who may sign in."""

from __future__ import annotations

import sys

import click

from hub.cli.output import console as stdout_console
from hub.cli.output import fail
from hub.console.config import ConsoleConfig
from hub.console.single_sign_on import GroupRolesError
from hub.console.users import Role, User, UsersFileError, hash_password, save_user


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int)
@click.pass_context
def console(ctx: click.Context, host: str, port: int) -> None:
    """The operations console: flow, work lists, cases and audit, in a browser.

    Listens on 127.0.0.1 unless told otherwise: put an HTTPS proxy (and single
    sign-on, see docs/OPERATIONS.md) in front of it before opening it wider.
    """
    if ctx.invoked_subcommand is not None:
        return
    # Imported here: the web stack costs every other `hub` command nothing.
    import uvicorn  # noqa: PLC0415

    from hub.console.app import create_app  # noqa: PLC0415

    try:
        config = ConsoleConfig.from_env()
        app = create_app(config)
    except (UsersFileError, GroupRolesError) as error:
        fail(str(error))
    out = stdout_console()
    out.print(f"console on http://{host}:{port}/ (users: {config.users_file}; Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@console.command("add-user")
@click.argument("user_id")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (scripts) instead of asking for it.",
)
def add_user(user_id: str, role: str, password_stdin: bool) -> None:
    """Add USER_ID (or change their role and password) in the console's users file."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        config = ConsoleConfig.from_env()
        save_user(config.users_file, User(user_id, Role(role), hash_password(password)))
    except (ValueError, UsersFileError) as error:
        fail(str(error))
    stdout_console().print(f"{user_id} ({role}) saved in {config.users_file}")
