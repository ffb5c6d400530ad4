"""Browser sessions that survive a reload: a signed, expiring session cookie for local users and anonymous visitors.

The cookie holds `v1.<session id>.<expiry>.<HMAC-SHA256>` signed with a server secret kept in `<data_dir>/session.key`
(created 0600, never leaves the server). The session itself lives in `<data_dir>/users.sqlite` (only a hash of its
id), with its user and current conversation, so signing out or removing the user ends it at once, and a tampered,
expired or revoked cookie is refused.

The browser gets the cookie from the server (HttpOnly, SameSite=Strict) through a one-time code: the app puts a
short-lived random code in the page, a small script POSTs it to `/_byraad/session` (ui/server.py), and that route sets
the cookie. Neither the cookie nor the secret ever appears in a URL or in the page. On a new page load the app reads
the cookie from `st.context.cookies`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from byraad.shared_db import SharedDB

COOKIE = "byraad_session"
ROUTE = "/_byraad/session"
LOCAL_HOURS = 12  # a working day for a signed-in local user
ANONYMOUS_HOURS = 24  # an anonymous visitor's conversation
HANDOFF_SECONDS = 60  # a code the page hands to the route is good once, for a minute

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id_hash TEXT PRIMARY KEY, user TEXT NOT NULL, kind TEXT NOT NULL,
    created REAL NOT NULL, expires REAL NOT NULL, conv_id TEXT);
CREATE TABLE IF NOT EXISTS session_handoffs (code_hash TEXT PRIMARY KEY, token TEXT NOT NULL, expires REAL NOT NULL);
"""


def load_secret(path: str | Path) -> bytes:
    """The server's signing secret, created on first use as a 0600 file (and made 0600 again if it is not)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ValueError(f"{path} holder ikke en gyldig nøgle; slet filen, så laves en ny")
    return secret.encode()


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    sid: str
    user: str  # "" for an anonymous visitor
    kind: str  # "local" | "anonymous" | "oidc"
    expires: float
    conv_id: str | None

    @property
    def owner(self) -> str:
        """Who owns the session's conversation in the conversation store ("anon:<hash>" for anonymous visitors,
        which no user name can be: names may not contain ':')."""
        return self.user or "anon:" + _hash(self.sid)[:32]


class SessionStore:
    def __init__(self, data_dir: str | Path) -> None:
        data_dir = Path(data_dir)
        self.secret = load_secret(data_dir / "session.key")
        data_dir.mkdir(parents=True, exist_ok=True)
        self.db = SharedDB(data_dir / "users.sqlite")  # shared by the app's session threads (byraad/shared_db.py)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # --- the cookie value ------------------------------------------------------------------------------------------
    def _sign(self, payload: str) -> str:
        mac = hmac.new(self.secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def token(self, sid: str, expires: float) -> str:
        payload = f"v1.{sid}.{int(expires)}"
        return f"{payload}.{self._sign(payload)}"

    def _parse(self, token: str, now: float) -> str | None:
        """The session id of a well-formed, correctly signed, unexpired token, else None."""
        parts = (token or "").split(".")
        if len(parts) != 4 or parts[0] != "v1" or not parts[2].isdigit():
            return None
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(self._sign(payload), parts[3]):
            return None
        if int(parts[2]) <= now:
            return None
        return parts[1]

    # --- sessions ----------------------------------------------------------------------------------------------------
    def create(
        self, user: str = "", hours: float | None = None, now: float | None = None, kind: str = ""
    ) -> tuple[Session, str]:
        """A new session (anonymous when `user` is "") and its cookie value. kind "oidc": a single-sign-on user's,
        which holds only the conversation (who is signed in comes from the provider's own cookie every time)."""
        now = time.time() if now is None else now
        kind = kind or ("local" if user else "anonymous")
        hours = hours if hours is not None else (LOCAL_HOURS if user else ANONYMOUS_HOURS)
        sid = secrets.token_urlsafe(32)
        expires = int(now + hours * 3600)
        self.purge(now)
        self.db.execute(
            "INSERT INTO sessions(id_hash, user, kind, created, expires, conv_id) VALUES(?,?,?,?,?,NULL)",
            (_hash(sid), user, kind, now, expires),
        )
        return Session(sid, user, kind, expires, None), self.token(sid, expires)

    def signed(self, token: str, now: float | None = None) -> bool:
        """Whether a cookie value is one of ours, correctly signed and unexpired (its session may have ended since:
        signed out or revoked)."""
        return self._parse(token, time.time() if now is None else now) is not None

    def get(self, token: str, now: float | None = None) -> Session | None:
        """The live session a cookie value names; None when it is tampered, expired, revoked or unknown."""
        now = time.time() if now is None else now
        sid = self._parse(token, now)
        if sid is None:
            return None
        row = self.db.execute(
            "SELECT user, kind, expires, conv_id FROM sessions WHERE id_hash=?", (_hash(sid),)
        ).fetchone()
        if row is None or row[2] <= now:
            return None
        return Session(sid, row[0], row[1], row[2], row[3])

    def revoke(self, sid: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE id_hash=?", (_hash(sid),))

    def revoke_user(self, user: str) -> None:
        """End every session of a user (removed, or password changed)."""
        self.db.execute("DELETE FROM sessions WHERE user=? AND user!=''", (user,))

    def set_conversation(self, sid: str, conv_id: str | None) -> None:
        self.db.execute("UPDATE sessions SET conv_id=? WHERE id_hash=?", (conv_id, _hash(sid)))

    def purge(self, now: float | None = None) -> list[str]:
        """Delete expired sessions and handoff codes; returns the owners of anonymous sessions that ended (their
        conversations may be deleted)."""
        now = time.time() if now is None else now
        gone = self.db.execute("SELECT id_hash FROM sessions WHERE kind='anonymous' AND expires<=?", (now,)).fetchall()
        self.db.execute("DELETE FROM sessions WHERE expires<=?", (now,))
        self.db.execute("DELETE FROM session_handoffs WHERE expires<=?", (now,))
        return ["anon:" + h[:32] for (h,) in gone]

    # --- handing the cookie to the browser ---------------------------------------------------------------------------
    def handoff(self, token: str, now: float | None = None) -> str:
        """A one-time code the page POSTs to the cookie route, which exchanges it for `token` (the cookie value)."""
        now = time.time() if now is None else now
        code = secrets.token_urlsafe(24)
        self.db.execute(
            "INSERT INTO session_handoffs(code_hash, token, expires) VALUES(?,?,?)",
            (_hash(code), token, now + HANDOFF_SECONDS),
        )
        return code

    def redeem(self, code: str, now: float | None = None) -> tuple[str, int] | None:
        """(cookie value, max-age seconds) for a valid unused code, which is then spent; None otherwise."""
        now = time.time() if now is None else now
        if not code or len(code) > 100:
            return None
        with self.db.write_transaction():
            row = self.db.execute(
                "SELECT token, expires FROM session_handoffs WHERE code_hash=?", (_hash(code),)
            ).fetchone()
            self.db.execute("DELETE FROM session_handoffs WHERE code_hash=?", (_hash(code),))
        if row is None or row[1] <= now:
            return None
        session = self.get(row[0], now)
        if session is None:
            return None
        return row[0], int(session.expires - now)
