"""Signing in and out, and choosing the language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.console.access import Permission, allows
from hub.console.texts import LANGUAGES
from hub.console.users import check_password
from hub.console.web import checked_form, csrf_token, current_user, proxied, render

PROXY_SIGN_OUT = "/oauth2/sign_out"


def _local(target: str | None, fallback: str) -> str:
    """Only a path on this console: never an address elsewhere (open redirects)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return fallback


def _home(request: Request) -> str:
    user = current_user(request)
    return "/work" if user and allows(user.role, Permission.SEE_WORK) else "/flow"


async def show_sign_in(request: Request) -> Response:
    if proxied(request) is not None:  # signed in by the single sign-on proxy already
        return RedirectResponse(_home(request), status_code=303)
    return render(request, "sign_in.html", next=request.query_params.get("next", ""))


async def sign_in(request: Request) -> Response:
    form = await checked_form(request)
    user_id, password = str(form.get("user", "")), str(form.get("password", ""))
    user = request.app.state.users.get(user_id)
    if not check_password(user, password):
        return render(
            request, "sign_in.html", 401, failed=True, next=form.get("next", ""), user_id=user_id
        )
    language = request.session.get("lang")
    request.session.clear()  # a new session on sign-in: no fixation
    request.session.update({"user": user_id, **({"lang": language} if language else {})})
    csrf_token(request)
    return RedirectResponse(_local(str(form.get("next", "")), _home(request)), status_code=303)


async def sign_out(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    # Behind oauth2-proxy, signing out is the proxy's: its own sign-out address.
    target = PROXY_SIGN_OUT if proxied(request) is not None else "/sign-in"
    return RedirectResponse(target, status_code=303)


async def choose_language(request: Request) -> Response:
    form = await checked_form(request)
    if form.get("lang") in LANGUAGES:
        request.session["lang"] = form["lang"]
    return RedirectResponse(_local(str(form.get("next", "")), "/"), status_code=303)


async def home(request: Request) -> Response:
    if current_user(request) is None:
        return RedirectResponse("/sign-in", status_code=303)
    return RedirectResponse(_home(request), status_code=303)


routes = [
    Route("/", home),
    Route("/sign-in", show_sign_in, methods=["GET"]),
    Route("/sign-in", sign_in, methods=["POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
    Route("/language", choose_language, methods=["POST"]),
]
