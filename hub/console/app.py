"""The console as one Starlette application: pages, sessions and security headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.catalogue.catalogue import Catalogue, default_schemas_dir, load_catalogue
from hub.catalogue.validation import SchemaValidators
from hub.console.config import ConsoleConfig
from hub.console.masking import personal_fields
from hub.console.pages import audit, case, flow, sign_in, work
from hub.console.users import load_users
from hub.console.web import SignInRequiredError, render
from hub.kafka.io import KafkaUnreachableError
from hub.ops.times import utc_text
from hub.pipeline.route import default_routes_path, load_routes

_HERE = Path(__file__).parent
# No inline script or style, no framing, forms post only here.
_SECURITY_HEADERS = {
    b"content-security-policy": b"default-src 'self'; img-src 'self' data:; "
    b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    b"cache-control": b"no-store",  # pages may hold revealed personal data
}


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI: no body buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name for name, _ in headers}
                headers += [(k, v) for k, v in _SECURITY_HEADERS.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _sign_in_first(request: Request, _: Exception) -> Response:
    return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return render(
        request, "error.html", error.status_code, status=error.status_code, detail=error.detail
    )


async def _kafka_unreachable(request: Request, error: Exception) -> Response:
    """Kafka not answering is the one failure an operator can expect at night: say so."""
    return render(request, "error.html", 503, status=503, detail=str(error))


def _utc(milliseconds: int | None) -> str:
    if milliseconds is None:
        return "-"
    return utc_text(milliseconds)


def create_app(config: ConsoleConfig, catalogue: Catalogue | None = None) -> Starlette:
    """The console for `config`; users are read now, so a bad users file fails at start."""
    catalogue = catalogue or load_catalogue(default_schemas_dir())
    app = Starlette(
        routes=[
            *sign_in.routes,
            *flow.routes,
            *work.routes,
            *case.routes,
            *audit.routes,
            Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=config.session_secret,
                session_cookie="hub_console",
                max_age=config.session_minutes * 60,
                same_site="strict",
                https_only=config.secure_cookies,
            ),
        ],
        exception_handlers={
            SignInRequiredError: _sign_in_first,
            HTTPException: _http_error,
            KafkaUnreachableError: _kafka_unreachable,
        },
    )
    state: Any = app.state
    state.config = config
    # Behind a single sign-on proxy, local users are optional (a break-glass account).
    sso_only = config.trusted_proxy and not config.users_file.is_file()
    state.users = {} if sso_only else load_users(config.users_file)
    state.catalogue = catalogue
    state.validators = SchemaValidators(catalogue)
    state.personal = personal_fields(catalogue)
    state.routes = load_routes(default_routes_path(), catalogue)
    state.templates = Jinja2Templates(directory=_HERE / "templates")
    state.templates.env.filters["utc"] = _utc
    state.last_audit = None  # the latest audit verification this console ran
    return app
