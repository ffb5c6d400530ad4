"""The app as Streamlit serves it (`byraad serve` runs `streamlit run ui/server.py`, an st.App): ui/app.py plus a
route that gives the browser its session cookie (see ui/sessions.py) and the route serving access-checked originals
of cited documents (GET /original/<token>, see ui/files.py).

POST /_byraad/session with a one-time code in the body → `Set-Cookie: byraad_session=…; HttpOnly; SameSite=Strict`;
with an empty body → the cookie is cleared. Requests from another origin are refused.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from byraad.settings import Settings  # noqa: E402
from ui import files  # noqa: E402
from ui.sessions import COOKIE, ROUTE, SessionStore  # noqa: E402

_store: SessionStore | None = None


def _sessions() -> SessionStore:
    global _store
    if _store is None:
        _store = SessionStore(Settings.load(None, None, os.environ).data_path)
    return _store


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # browsers send Origin on every cross-origin POST; its absence means same-origin
        return True
    return origin.split("://", 1)[-1] == request.headers.get("host", "")


async def session_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return Response("forkert oprindelse", status_code=403)
    code = (await request.body())[:200].decode("ascii", "replace").strip()
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if not code:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=secure)
        return response
    got = _sessions().redeem(code)
    if got is None:
        return Response("ugyldig eller brugt kode", status_code=400)
    token, max_age = got
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="strict", secure=secure)
    return response


app = st.App("app.py", routes=[Route(ROUTE, session_cookie, methods=["POST"]), *files.routes()])
