"""Signing in, roles, CSRF and cookies, checked without a broker (Starlette's TestClient)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from hub.console.app import create_app
from hub.console.config import ConsoleConfig
from hub.settings import KafkaSettings, SigningSettings
from tests.browser.console_server import PASSWORD, write_users

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = tmp_path_factory.mktemp("console")
    config = ConsoleConfig(
        users_file=write_users(folder / "users.yaml"),
        session_secret="unit-test-secret",
        secure_cookies=False,
        session_minutes=60,
        trace_url=None,
        kafka=KafkaSettings(bootstrap="127.0.0.1:9"),  # never reached by these pages
        signing=SigningSettings(folder, folder),
    )
    return TestClient(create_app(config), base_url="http://127.0.0.1")


def _token(client: TestClient, path: str = "/sign-in") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def _sign_in(client: TestClient, user: str, password: str = PASSWORD) -> int:
    client.cookies.clear()
    form = {"csrf_token": _token(client), "user": user, "password": password}
    return client.post("/sign-in", data=form, follow_redirects=False).status_code


def test_pages_send_whoever_is_not_signed_in_to_the_sign_in_form(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/work", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/work"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: TestClient,
) -> None:
    assert _sign_in(client, "ola.operator", "wrong password!!") == 401
    assert _sign_in(client, "nobody.here", PASSWORD) == 401


def test_the_session_cookie_is_signed_http_only_and_same_site(client: TestClient) -> None:
    client.cookies.clear()
    form = {"csrf_token": _token(client), "user": "ola.operator", "password": PASSWORD}
    response = client.post("/sign-in", data=form, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("vera.viewer", "/work"),
        ("vera.viewer", "/work/parked"),
        ("vera.viewer", "/case/123"),
        ("vera.viewer", "/audit"),
        ("ola.operator", "/audit"),
    ],
)
def test_a_role_without_the_permission_gets_403(client: TestClient, user: str, path: str) -> None:
    assert _sign_in(client, user) == 303
    assert client.get(path).status_code == 403


def test_a_viewer_may_not_act_even_with_a_valid_token(client: TestClient) -> None:
    assert _sign_in(client, "vera.viewer") == 303
    token = CSRF.search(client.get("/sign-in").text)
    assert token is not None
    response = client.post("/work/dlq/0/0/lock", data={"csrf_token": token.group(1)})
    assert response.status_code == 403


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_form_without_this_sessions_token_is_refused(
    client: TestClient, token: str | None
) -> None:
    assert _sign_in(client, "ola.operator") == 303
    form = {} if token is None else {"csrf_token": token}
    response = client.post("/work/dlq/0/0/lock", data=form)
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_sign_in_goes_back_only_to_a_page_of_this_console(client: TestClient) -> None:
    client.cookies.clear()
    for target, expected in (
        ("/case", "/case"),
        ("//evil.example", "/work"),
        ("https://x", "/work"),
    ):
        form = {
            "csrf_token": _token(client),
            "user": "ola.operator",
            "password": PASSWORD,
            "next": target,
        }
        response = client.post("/sign-in", data=form, follow_redirects=False)
        assert response.headers["location"] == expected
