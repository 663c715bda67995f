"""The console's users file: argon2id hashes only, and clear errors for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.console.users import (
    Role,
    User,
    UsersFileError,
    check_password,
    hash_password,
    load_users,
    save_user,
)


def test_a_saved_user_signs_in_with_their_password_only(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    save_user(path, User("kari.operator", Role.OPERATOR, hash_password("correct horse battery")))
    users = load_users(path)
    assert check_password(users["kari.operator"], "correct horse battery")
    assert not check_password(users["kari.operator"], "correct horse battery!")
    assert not check_password(None, "correct horse battery")
    assert "correct horse" not in path.read_text()
    assert path.stat().st_mode & 0o077 == 0  # only its owner reads the hashes


def test_a_short_password_is_refused() -> None:
    with pytest.raises(ValueError, match="12 characters"):
        hash_password("short")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("users: []", "non-empty list"),
        ("users:\n  - id: Kari Nordmann\n    role: operator\n    password: $argon2id$x", "id must"),
        ("users:\n  - id: kari\n    role: admin\n    password: $argon2id$x", "role must"),
        ("users:\n  - id: kari\n    role: viewer\n    password: secret", "argon2 hash"),
        ("users: [", "not YAML"),
    ],
)
def test_a_bad_users_file_names_what_is_wrong(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "users.yaml"
    path.write_text(content)
    with pytest.raises(UsersFileError, match=problem):
        load_users(path)


def test_a_missing_users_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(UsersFileError, match="hub console add-user"):
        load_users(tmp_path / "nobody.yaml")


def test_hub_console_add_user_writes_a_hash_and_refuses_a_short_password(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    runner = CliRunner()
    env = {"HUB_CONSOLE_USERS": str(path)}
    added = runner.invoke(
        main,
        ["console", "add-user", "ola.operator", "--role", "operator", "--password-stdin"],
        input="a long enough night-shift password\n",
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert load_users(path)["ola.operator"].role is Role.OPERATOR
    short = runner.invoke(
        main,
        ["console", "add-user", "kari", "--role", "viewer", "--password-stdin"],
        input="short\n",
        env=env,
    )
    assert short.exit_code == 1
    assert "12 characters" in short.output
    assert "kari" not in load_users(path)
