"""Behind an OpenID Connect proxy: the user and role come from its headers, only from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from hub.console.app import create_app
from hub.console.config import ConsoleConfig
from hub.console.single_sign_on import GroupRolesError, group_roles
from hub.settings import KafkaSettings, SigningSettings

ROLES = "hub-auditors=auditor,hub-operators=operator,hub-viewers=viewer"


def _client(tmp_path: Path, host: str) -> TestClient:
    config = ConsoleConfig(
        users_file=tmp_path / "none.yaml",  # single sign-on only: no local users
        session_secret="unit-test-secret",
        secure_cookies=True,
        session_minutes=60,
        trace_url=None,
        kafka=KafkaSettings(bootstrap="127.0.0.1:9"),
        signing=SigningSettings(tmp_path, tmp_path),
        trusted_proxy=True,
        group_roles=group_roles(ROLES),
    )
    return TestClient(create_app(config), base_url="https://console.example", client=(host, 4180))


def _as(groups: str, user: str = "kari.nordby@justis.example") -> dict[str, str]:
    return {"X-Forwarded-User": user, "X-Forwarded-Groups": groups}


def test_the_proxys_user_gets_the_role_of_their_group(tmp_path: Path) -> None:
    client = _client(tmp_path, "127.0.0.1")
    response = client.get("/sign-in", headers=_as("staff,hub-viewers"), follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/flow")
    assert client.get("/work", headers=_as("hub-viewers")).status_code == 403
    assert client.get("/audit", headers=_as("hub-operators")).status_code == 403


def test_the_first_listed_role_wins_for_a_user_in_several_groups(tmp_path: Path) -> None:
    client = _client(tmp_path, "127.0.0.1")
    response = client.get(
        "/sign-in", headers=_as("hub-operators,hub-auditors"), follow_redirects=False
    )
    assert response.headers["location"] == "/work"
    headers = {**_as("hub-operators,hub-auditors"), "Accept-Language": "en"}
    page = client.get("/work/nowhere", headers=headers)
    assert "(role: auditor)" in page.text


@pytest.mark.parametrize(
    ("host", "headers"),
    [
        ("10.1.2.3", _as("hub-auditors")),  # not the proxy: its headers mean nothing
        ("127.0.0.1", _as("some-other-group")),  # the proxy's user, in no console group
        ("127.0.0.1", {}),  # the proxy sent nobody
    ],
)
def test_nobody_else_is_signed_in(tmp_path: Path, host: str, headers: dict[str, str]) -> None:
    client = _client(tmp_path, host)
    response = client.get("/flow", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")


def test_a_bad_group_mapping_is_named() -> None:
    with pytest.raises(GroupRolesError, match="'hub-admins=admin'"):
        group_roles("hub-viewers=viewer,hub-admins=admin")
