"""The console's settings, from the environment like the rest of the hub.

HUB_CONSOLE_USERS          the users file (default ~/.config/justice-hub/console-users.yaml)
HUB_CONSOLE_SECRET         the key that signs session cookies; without it a random one
                           is made at start, so sessions end when the console restarts
HUB_CONSOLE_SECURE_COOKIES 1 when the console is served over HTTPS (behind a proxy):
                           cookies are then sent over HTTPS only
HUB_CONSOLE_SESSION_MINUTES how long a sign-in lasts (default 480, one shift)
HUB_CONSOLE_TRACE_URL      a tracing backend's page for one trace, with `{traceId}`,
                           e.g. http://localhost:16686/trace/{traceId} (Jaeger)
HUB_CONSOLE_TRUSTED_PROXY  1: users come signed in from an OpenID Connect proxy on
                           this host (single_sign_on.py); the users file is optional
HUB_CONSOLE_GROUP_ROLES    with it: `group=role,...`, the identity provider's groups
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hub.console.single_sign_on import GroupRolesError, group_roles
from hub.console.users import Role
from hub.settings import KafkaSettings, SigningSettings, config_home


@dataclass(frozen=True)
class ConsoleConfig:
    users_file: Path
    session_secret: str = field(repr=False)
    secure_cookies: bool
    session_minutes: int
    trace_url: str | None
    kafka: KafkaSettings
    signing: SigningSettings
    trusted_proxy: bool = False
    group_roles: tuple[tuple[str, Role], ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ConsoleConfig:
        env = os.environ if env is None else env
        default_users = config_home(env) / "justice-hub" / "console-users.yaml"
        trusted = env.get("HUB_CONSOLE_TRUSTED_PROXY", "0") == "1"
        roles = group_roles(env.get("HUB_CONSOLE_GROUP_ROLES", ""))
        if trusted and not roles:
            raise GroupRolesError("HUB_CONSOLE_TRUSTED_PROXY=1 needs HUB_CONSOLE_GROUP_ROLES")
        return cls(
            users_file=Path(env.get("HUB_CONSOLE_USERS") or default_users),
            session_secret=env.get("HUB_CONSOLE_SECRET") or secrets.token_urlsafe(32),
            secure_cookies=env.get("HUB_CONSOLE_SECURE_COOKIES", "0") == "1",
            session_minutes=int(env.get("HUB_CONSOLE_SESSION_MINUTES", "480")),
            trace_url=env.get("HUB_CONSOLE_TRACE_URL") or None,
            kafka=KafkaSettings.from_env(env),
            signing=SigningSettings.from_env(env),
            trusted_proxy=trusted,
            group_roles=roles,
        )
