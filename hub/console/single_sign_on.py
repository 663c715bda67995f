"""Single sign-on: the user and their groups as an OpenID Connect proxy vouches for them.

With HUB_CONSOLE_TRUSTED_PROXY=1 the console takes the user from
`X-Forwarded-User` and the role from `X-Forwarded-Groups` (what oauth2-proxy
sends with `--pass-user-headers`), but only on requests from the proxy's own
address (127.0.0.1 or ::1: the console must listen on loopback behind it).
HUB_CONSOLE_GROUP_ROLES maps the identity provider's groups to roles, e.g.
`justice-hub-operators=operator,justice-hub-auditors=auditor`; a user in
several groups gets the first role listed that matches. No matching group: no
access, as for anyone the proxy did not vouch for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from hub.console.users import Role, User

USER_HEADER = "x-forwarded-user"
GROUPS_HEADER = "x-forwarded-groups"
PROXY_ADDRESSES = frozenset({"127.0.0.1", "::1"})
_USER_ID = re.compile(r"^[\w.@+-]{1,128}$")


class GroupRolesError(ValueError):
    """HUB_CONSOLE_GROUP_ROLES is malformed; the message quotes the bad entry."""


def group_roles(setting: str) -> tuple[tuple[str, Role], ...]:
    """`group=role,group=role` in the order given (the first match wins)."""
    pairs = []
    for entry in filter(None, (part.strip() for part in setting.split(","))):
        group, _, role = entry.partition("=")
        if not group or role not in set(Role):
            raise GroupRolesError(
                f"HUB_CONSOLE_GROUP_ROLES: {entry!r} must be GROUP=ROLE, ROLE one of "
                + ", ".join(Role)
            )
        pairs.append((group.strip(), Role(role)))
    return tuple(pairs)


def proxied_user(
    client_host: str | None, headers: Mapping[str, str], roles: Sequence[tuple[str, Role]]
) -> User | None:
    """The user the proxy signed in, or None when the request is not the proxy's or has none."""
    if client_host not in PROXY_ADDRESSES:
        return None
    user_id = headers.get(USER_HEADER, "")
    if not _USER_ID.match(user_id):
        return None
    groups = {group.strip() for group in headers.get(GROUPS_HEADER, "").split(",")}
    role = next((role for group, role in roles if group in groups), None)
    return None if role is None else User(user_id, role, password_hash="")
