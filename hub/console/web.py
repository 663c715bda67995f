"""What every page shares: who is signed in, what they may do, CSRF and rendering.

Sessions are Starlette's signed cookies (itsdangerous): HttpOnly, SameSite
strict, Secure behind HTTPS. Each session holds a random CSRF token that every
form that changes something must send back; `checked_form` refuses the rest.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from hub.console.access import Permission, allows
from hub.console.single_sign_on import proxied_user
from hub.console.texts import DEFAULT_LANGUAGE, LANGUAGES, text
from hub.console.users import User

CSRF_FIELD = "csrf_token"
_NAV = (
    ("flow", "/flow", Permission.SEE_FLOW),
    ("work", "/work", Permission.SEE_WORK),
    ("case", "/case", Permission.SEE_CASE),
    ("audit", "/audit", Permission.VERIFY_AUDIT),
)


class SignInRequiredError(Exception):
    """No one is signed in: the page sends the browser to the sign-in form."""


@dataclass(frozen=True, slots=True)
class Operator:
    """The signed-in user as a page sees them."""

    user: User
    language: str

    def may(self, permission: Permission) -> bool:
        return allows(self.user.role, permission)


def language(request: Request) -> str:
    chosen = request.session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    accepted = request.headers.get("accept-language", "")
    return "en" if accepted.startswith("en") else DEFAULT_LANGUAGE


def proxied(request: Request) -> User | None:
    """The user a trusted single sign-on proxy vouches for, if the console trusts one."""
    config = request.app.state.config
    if not config.trusted_proxy:
        return None
    host = request.client.host if request.client else None
    return proxied_user(host, request.headers, config.group_roles)


def current_user(request: Request) -> User | None:
    users: dict[str, User] = request.app.state.users
    return proxied(request) or users.get(request.session.get("user", ""))


def require(request: Request, permission: Permission) -> Operator:
    """The signed-in operator if their role grants `permission`; 403 or sign-in otherwise."""
    user = current_user(request)
    if user is None:
        raise SignInRequiredError()
    if not allows(user.role, permission):
        raise HTTPException(403, text("forbidden_text", language(request)))
    return Operator(user, language(request))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The posted form, refused (403) unless it carries this session's CSRF token."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, str(expected))):
        raise HTTPException(403, text("csrf_refused", language(request)))
    return form


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the user, the navigation, the texts and a CSRF token."""
    templates: Jinja2Templates = request.app.state.templates
    lang = language(request)
    user = current_user(request)
    nav = [
        (text(key, lang), href, request.url.path.startswith(href))
        for key, href, permission in _NAV
        if user is not None and allows(user.role, permission)
    ]
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "lang": lang,
            "t": lambda key, **values: text(key, lang, **values),
            "csrf_field": CSRF_FIELD,
            "csrf": csrf_token(request),
            "nav": nav,
            **context,
        },
        status_code=status_code,
    )
