"""Sign-in: OIDC (st.login, e.g. Microsoft Entra ID) when configured in secrets.toml, else local users.

Without signing in a visitor is ANONYMOUS (groups ("public",)). OIDC group claims are mapped to our groups through
an explicit table in secrets.toml ([byraad_auth.group_map]); unmapped claim values grant nothing. An OIDC sign-in older
than `max_session_hours` (from the ID token's auth_time/iat) is refused.

A local sign-in and the conversation of every visitor (local, single sign-on or anonymous) survive a reload through a
signed session cookie (ui/sessions.py): read here from st.context.cookies, handed to the browser through ui/server.py's
route. A single-sign-on user's session holds only the conversation: who is signed in always comes from st.user.
"""

from __future__ import annotations

from typing import Any, Mapping

import json
import time

import streamlit as st

from byraad.access import ANONYMOUS, User
from ui import state
from ui.sessions import COOKIE, ROUTE, SessionStore

SESSION_ENDED = "Din session er udløbet eller ugyldig. Log ind igen."


def _secrets() -> Mapping[str, Any]:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # no secrets.toml at all: local users only
        return {}


def oidc_config(secrets: Mapping[str, Any]) -> dict | None:
    """The OIDC settings when st.login can work (an [auth] section with redirect_uri and cookie_secret)."""
    auth = secrets.get("auth")
    if not auth or not auth.get("redirect_uri") or not auth.get("cookie_secret"):
        return None
    extra = dict(secrets.get("byraad_auth", {}))
    providers = [k for k, v in auth.items() if isinstance(v, Mapping)]
    return {
        "provider": extra.get("provider") or (providers[0] if providers else None),
        "groups_claim": extra.get("groups_claim", "groups"),
        "group_map": {str(k): list(v) for k, v in dict(extra.get("group_map", {})).items()},
        "label": extra.get("label", "Log ind med Microsoft"),
        "max_session_hours": float(extra.get("max_session_hours", 12)),
    }


def user_from_claims(
    claims: Mapping[str, Any], group_map: Mapping[str, list[str]], groups_claim: str = "groups"
) -> User:
    """Our User from ID-token claims: name from preferred_username/email/name, groups through the mapping."""
    name = str(claims.get("preferred_username") or claims.get("email") or claims.get("name") or claims.get("sub") or "")
    raw = claims.get(groups_claim) or []
    raw = [raw] if isinstance(raw, str) else list(raw)
    if groups_claim != "roles":
        raw += list(claims.get("roles") or [])  # Entra app roles arrive in "roles"
    groups: list[str] = ["public"]
    for value in raw:
        for g in group_map.get(str(value), []):
            if g not in groups:
                groups.append(g)
    return User(name or "ukendt", tuple(groups))


def oidc_session_live(claims: Mapping[str, Any], max_hours: float, now: float | None = None) -> bool:
    """Whether an OIDC sign-in is recent enough: its auth_time (or the ID token's iat) within max_hours."""
    started = claims.get("auth_time") or claims.get("iat")
    if not isinstance(started, (int, float)):
        return False
    return (time.time() if now is None else now) - started <= max_hours * 3600


def resolve_user(res: "state.Resources") -> User:
    """The session's user: OIDC identity when logged in through it, else the local sign-in (restored from the
    session cookie on a new page load) or ANONYMOUS."""
    cfg = oidc_config(_secrets())
    oidc_user = None
    if cfg is not None:
        try:
            claims = st.user.to_dict() if st.user.is_logged_in else None
        except Exception:
            claims = None
        if claims is not None and not oidc_session_live(claims, cfg["max_session_hours"]):
            st.session_state["session_note"] = SESSION_ENDED
            claims = None
        if claims is not None:
            oidc_user = user_from_claims(claims, cfg["group_map"], cfg["groups_claim"])
            if state.current_user() != oidc_user:
                state.set_user(oidc_user)
        else:
            if st.session_state.get("session_kind") == "oidc":
                _end_session(res)  # signed out of OIDC elsewhere (or expired): its conversation is not shown
            if state.current_user().name != ANONYMOUS.name and not st.session_state.get("sid"):
                state.set_user(ANONYMOUS)  # nothing of the OIDC sign-in stays
    restore_session(res, oidc_user)
    return state.current_user()


# --- the session cookie --------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _session_store(data_dir: str) -> SessionStore:
    return SessionStore(data_dir)


def sessions(res: "state.Resources") -> SessionStore:
    return _session_store(str(res.settings.data_path))


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:
        value = None
    return value if isinstance(value, str) and value else None


def restore_session(res: "state.Resources", oidc_user: User | None = None) -> None:
    """Once per page load: the local user and the conversation of a valid session cookie. A tampered, expired or
    revoked cookie is refused (and cleared), and the visitor starts anonymous (with a note, except for a session that
    was signed out: the cookie a sign-out could not clear, as when st.logout navigates away). A single-sign-on user (`oidc_user`,
    whose identity comes from the provider's cookie) gets the conversation of the session cookie only when that
    session is their own single-sign-on session; otherwise a new one starts."""
    if st.session_state.get("session_checked"):
        return
    st.session_state["session_checked"] = True
    token = _cookie()
    store = sessions(res)
    sess = store.get(token) if token is not None else None
    if oidc_user is not None:
        if sess is None or sess.kind != "oidc" or sess.user != oidc_user.name:
            if sess is not None:  # another visitor's session in this browser ends with the sign-in
                store.revoke(sess.sid)
                _drop_conversations(res, sess.owner)
            _start_session(res, oidc_user.name, kind="oidc")
            return
    elif token is None:
        return
    user = res.users.get(sess.user) if sess is not None and sess.kind == "local" else None
    if sess is None or (sess.kind == "oidc" and oidc_user is None) or (sess.kind == "local" and user is None):
        if sess is not None:
            store.revoke(sess.sid)
        if sess is not None or not store.signed(token):  # a session that was signed out ends quietly
            st.session_state["session_note"] = SESSION_ENDED
        _send_cookie("")
        return
    if user is not None:
        state.set_user(user)
    st.session_state["sid"], st.session_state["session_owner"] = sess.sid, sess.owner
    st.session_state["session_conv"], st.session_state["session_kind"] = sess.conv_id, sess.kind
    turns = res.conversations.turns(sess.conv_id, sess.owner) if sess.conv_id else []
    if turns:
        st.session_state["conv_id"], st.session_state["turns"] = sess.conv_id, turns


def _drop_conversations(res: "state.Resources", owner: str) -> None:
    if owner.startswith("anon:"):  # an anonymous visitor's conversation ends with its session
        for c in res.conversations.list(owner, limit=1000):
            res.conversations.delete(c["id"], owner)


def _end_session(res: "state.Resources") -> None:
    """End this tab's session (server side at once; the cookie is cleared too)."""
    if st.session_state.get("sid"):
        sessions(res).revoke(st.session_state["sid"])
        _drop_conversations(res, st.session_state.get("session_owner") or "")
    for k in ("sid", "session_owner", "session_conv", "session_kind"):
        st.session_state.pop(k, None)
    _send_cookie("")


def _start_session(res: "state.Resources", user_name: str, kind: str = "") -> None:
    """A new session for this tab (the previous one, if any, ends) and its cookie on its way to the browser."""
    _end_session(res)
    store = sessions(res)
    for owner in store.purge():
        _drop_conversations(res, owner)
    sess, token = store.create(user_name, kind=kind)
    st.session_state["sid"], st.session_state["session_owner"] = sess.sid, sess.owner
    st.session_state["session_conv"], st.session_state["session_kind"] = None, sess.kind
    _send_cookie(store.handoff(token))


def _send_cookie(code: str) -> None:
    """Queue the script that exchanges a one-time code for the cookie ("" clears it); sent by flush_cookie()."""
    st.session_state["cookie_code"] = code


def flush_cookie() -> None:
    """Emit the queued cookie exchange (a same-origin POST; the cookie is HttpOnly, the page never sees it)."""
    code = st.session_state.pop("cookie_code", None)
    if code is None:
        return
    st.html(
        f"<script>fetch({json.dumps(ROUTE)}, {{method: 'POST', body: {json.dumps(code)}, "
        f"credentials: 'same-origin', cache: 'no-store'}});</script>",
        unsafe_allow_javascript=True,
    )


def conversation_owner(res: "state.Resources", user: User) -> str:
    """Who owns the conversation being written: a signed-in user by name; an anonymous visitor through a session
    started now (so the conversation survives a reload)."""
    if user.name != ANONYMOUS.name:
        return user.name
    if not st.session_state.get("session_owner"):
        _start_session(res, "")
    return st.session_state["session_owner"]


def remember_conversation(res: "state.Resources") -> None:
    """Keep the session's current conversation in step with the tab's (restored on the next page load)."""
    sid, conv = st.session_state.get("sid"), st.session_state.get("conv_id")
    if sid and st.session_state.get("session_conv") != conv:
        sessions(res).set_conversation(sid, conv)
        st.session_state["session_conv"] = conv


def sidebar(res: "state.Resources", user: User) -> None:
    """Sign-in form (or who is signed in and a sign-out button)."""
    flush_cookie()
    cfg = oidc_config(_secrets())
    if user.name != ANONYMOUS.name or user.groups != ANONYMOUS.groups:
        from ui.render import as_text

        st.markdown(f"Logget ind som **{as_text(user.name)}**")
        st.caption(as_text("Grupper: " + ", ".join(g for g in user.groups if g != "public")))
        if st.button("Log ud", key="logout"):
            _end_session(res)
            state.set_user(ANONYMOUS)
            if cfg is not None and getattr(st.user, "is_logged_in", False):
                flush_cookie()
                st.logout()  # queues the browser's redirect through the provider's sign-out
                st.stop()  # not st.rerun(): a rerun clears the message queue and can drop that redirect
            st.rerun()
        return
    if st.session_state.get("session_note"):
        st.warning(st.session_state.pop("session_note"))
    st.caption("Du er ikke logget ind og ser kun offentligt materiale.")
    if cfg is not None:
        if st.button(cfg["label"], key="oidc_login", type="primary"):
            st.login(cfg["provider"]) if cfg["provider"] else st.login()
    # With SSO configured the local form is secondary (folded away); without it, it is the way in.
    box = st.expander("Log ind med lokal bruger") if cfg is not None else st.container()
    with box:
        with st.form("login", clear_on_submit=True):
            name = st.text_input("Brugernavn", key="login_name")
            password = st.text_input("Adgangskode", type="password", key="login_password")
            submitted = st.form_submit_button("Log ind")
        if submitted:
            _local_login(res, name.strip(), password)


def client_address() -> str:
    """The client's address for the per-client lockout ("lokal" for connections from this machine)."""
    try:
        ip = st.context.ip_address
    except Exception:
        ip = None
    return ip if isinstance(ip, str) and ip else "lokal"


def wait_text(seconds: float) -> str:
    """30 → "30 sekunder", 120 → "2 minutter" (rounded up)."""
    s = max(1, int(-(-seconds // 1)))
    if s < 90:
        return f"{s} sekund" + ("er" if s != 1 else "")
    m = -(-s // 60)
    return f"{m} minutter"


def _local_login(res: "state.Resources", name: str, password: str) -> None:
    # Failures are counted in the users store (per name and per client), not in the tab: a reload does not reset them.
    u, wait = res.users.login(name, password, client_address())
    if u is None:
        if wait > 0:
            st.error(f"For mange mislykkede forsøg. Prøv igen om {wait_text(wait)}.")
        else:
            st.error("Forkert brugernavn eller adgangskode.")
        return
    state.set_user(u)
    _start_session(res, u.name)
    st.rerun()
