"""Who may sign in to the console: ids, roles and argon2id password hashes.

Users live in a YAML file (HUB_CONSOLE_USERS; `hub console add-user` writes
it), never in code. Only hashes are stored; argon2-cffi checks them and tells
when a hash should be upgraded to today's parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # argon2id with argon2-cffi's current defaults
_USER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Checked against when the user is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class Role(StrEnum):
    VIEWER = "viewer"  # the flow and its counts
    OPERATOR = "operator"  # the work lists: lock, correct, re-drive, close
    AUDITOR = "auditor"  # case timelines, audit verification, revealing masked fields


class UsersFileError(Exception):
    """The users file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class User:
    id: str
    role: Role
    password_hash: str


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise ValueError("a console password needs at least 12 characters")
    return _HASHER.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """True when `password` is the user's; an unknown user costs as much as a wrong password."""
    try:
        return _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _user(path: Path, index: int, entry: object) -> User:
    where = f"{path}: users[{index}]"
    if not isinstance(entry, Mapping):
        raise UsersFileError(f"{where} must be a mapping with id, role and password")
    user_id, role, hashed = entry.get("id"), entry.get("role"), entry.get("password")
    if not isinstance(user_id, str) or not _USER_ID.match(user_id):
        raise UsersFileError(f"{where}: id must be 2-64 of a-z, 0-9, '.', '_', '-'")
    if role not in set(Role):
        raise UsersFileError(f"{where} ({user_id}): role must be one of {', '.join(Role)}")
    if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
        raise UsersFileError(f"{where} ({user_id}): password must be an argon2 hash")
    return User(user_id, Role(role), hashed)


def load_users(path: Path) -> dict[str, User]:
    """Every user of the file by id; raises UsersFileError naming what is wrong."""
    if not path.is_file():
        raise UsersFileError(
            f"no console users file at {path}: add one with `hub console add-user ID --role ROLE`"
        )
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UsersFileError(f"{path}: not YAML: {error}") from error
    entries = document.get("users") if isinstance(document, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise UsersFileError(f"{path}: expected a non-empty list under `users:`")
    users = [_user(path, index, entry) for index, entry in enumerate(entries)]
    by_id = {user.id: user for user in users}
    if len(by_id) != len(users):
        raise UsersFileError(f"{path}: a user id appears twice")
    return by_id


def save_user(path: Path, user: User) -> None:
    """Add or replace one user in the file (created, mode 0600, if missing)."""
    if not _USER_ID.match(user.id):
        raise ValueError(f"user id {user.id!r}: use 2-64 of a-z, 0-9, '.', '_', '-'")
    users = load_users(path) if path.is_file() else {}
    users[user.id] = user
    document = {
        "users": [
            {"id": u.id, "role": str(u.role), "password": u.password_hash}
            for u in sorted(users.values(), key=lambda u: u.id)
        ]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(
        "# hub console users (hub console add-user); argon2id hashes only\n"
        + yaml.safe_dump(document, sort_keys=False),
        encoding="utf-8",
    )
