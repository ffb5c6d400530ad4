"""Sign-in: OIDC (st.login, e.g. Microsoft Entra ID) when configured in secrets.toml, else local users.

Without signing in a visitor is ANONYMOUS (groups ("public",)). OIDC group claims are mapped to our groups through
an explicit table in secrets.toml ([byraad_auth.group_map]); unmapped claim values grant nothing.
"""

from __future__ import annotations

from typing import Any, Mapping

import streamlit as st

from byraad.access import ANONYMOUS, User
from ui import state


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
    return {"provider": extra.get("provider") or (providers[0] if providers else None),
            "groups_claim": extra.get("groups_claim", "groups"),
            "group_map": {str(k): list(v) for k, v in dict(extra.get("group_map", {})).items()},
            "label": extra.get("label", "Log ind med Microsoft")}


def user_from_claims(claims: Mapping[str, Any], group_map: Mapping[str, list[str]], groups_claim: str = "groups") -> User:
    """Our User from ID-token claims: name from preferred_username/email/name, groups through the mapping."""
    name = str(claims.get("preferred_username") or claims.get("email") or claims.get("name") or claims.get("sub") or "")
    raw = claims.get(groups_claim) or []
    raw = [raw] if isinstance(raw, str) else list(raw)
    if groups_claim != "roles":
        raw += list(claims.get("roles") or [])   # Entra app roles arrive in "roles"
    groups: list[str] = ["public"]
    for value in raw:
        for g in group_map.get(str(value), []):
            if g not in groups:
                groups.append(g)
    return User(name or "ukendt", tuple(groups))


def resolve_user(res: "state.Resources") -> User:
    """The session's user: OIDC identity when logged in through it, else the local sign-in or ANONYMOUS."""
    cfg = oidc_config(_secrets())
    if cfg is not None:
        try:
            logged_in = bool(st.user.is_logged_in)
        except Exception:
            logged_in = False
        if logged_in:
            u = user_from_claims(st.user.to_dict(), cfg["group_map"], cfg["groups_claim"])
            if state.current_user() != u:
                state.set_user(u)
            return u
    return state.current_user()


def sidebar(res: "state.Resources", user: User) -> None:
    """Sign-in form (or who is signed in and a sign-out button)."""
    cfg = oidc_config(_secrets())
    if user.name != ANONYMOUS.name or user.groups != ANONYMOUS.groups:
        from ui.render import as_text

        st.markdown(f"Logget ind som **{as_text(user.name)}**")
        st.caption(as_text("Grupper: " + ", ".join(g for g in user.groups if g != "public")))
        if st.button("Log ud", key="logout"):
            state.set_user(ANONYMOUS)
            if cfg is not None and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
        return
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
    st.rerun()
