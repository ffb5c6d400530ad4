"""Local users (the embedded default sign-in): `<data_dir>/users.sqlite`, passwords hashed with scrypt + salt.

A password is never stored in clear: each user gets a random 16-byte salt and the scrypt hash of the password.
Production sites sign in through OIDC instead (see ui/auth.py and ui/README.md); this store is the fallback.

Failed sign-ins are counted here too, per user name and per client (IP address), so neither a reload nor a new tab
or browser starts the count again. The first failures are free; then each failure locks the name (or client) for a
delay that doubles (30 s, 1 min, 2 min, … at most 15 min), and while it is locked no password is even checked.
A count is forgotten an hour after its last failure; a successful sign-in clears the name's count, not the client's
(one valid account must not reset guessing at the others). `byraad users unlock NAME` clears a name at once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import threading
import time
from pathlib import Path

from byraad.access import User
from byraad.shared_db import SharedDB

# scrypt cost: N=2**17, r=8, p=1 — the OWASP Password Storage Cheat Sheet's minimum for scrypt (RFC 7914's 2**14
# "interactive" figure is from 2009): 128 MiB and ~0.4 s per check on one laptop core, so a guessing attacker with the
# file pays the same. At most _CONCURRENT checks run at once (bounded memory when many sign in together). Hashes made
# with other parameters (older installs) are replaced on the user's next successful sign-in.
_N, _R, _P = 2**17, 8, 1
PARAMS = f"scrypt:{_N}:{_R}:{_P}"
_CONCURRENT = threading.BoundedSemaphore(2)
_NAME = re.compile(r"^[\w.@-]{1,64}$")

# Lockout: free failures per key kind (a client address is shared by everyone behind one office NAT, so it gets
# more), the first delay, its ceiling, and how long after the last failure a count is forgotten.
FREE_FAILURES = {"name": 5, "client": 20}
BASE_DELAY, MAX_DELAY, FORGET_AFTER = 30.0, 900.0, 3600.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, groups TEXT NOT NULL, salt BLOB NOT NULL,
    hash BLOB NOT NULL, params TEXT NOT NULL, created REAL, last_login REAL);
CREATE TABLE IF NOT EXISTS login_failures (kind TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
    last REAL NOT NULL, locked_until REAL NOT NULL DEFAULT 0, PRIMARY KEY (kind, key));
"""


def hash_password(password: str, salt: bytes, params: str = PARAMS) -> bytes:
    """The scrypt hash of a password with the given salt and parameters ("scrypt:n:r:p")."""
    _, n, r, p = params.split(":")
    need = 128 * int(r) * (int(n) + int(p) + 2)  # scrypt's working memory
    with _CONCURRENT:
        return hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=32, maxmem=need + (16 << 20)
        )


def parse_groups(text: str) -> tuple[str, ...]:
    """ "byraadsmedlem, udvalg:teknik" → ("byraadsmedlem", "udvalg:teknik"), always including "public"."""
    groups = [g.strip() for g in text.split(",") if g.strip()]
    return tuple(dict.fromkeys(["public", *groups]))


class UserStore:
    """Local user accounts: add, remove, list and verify a password."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        from byraad.private import private_dir, private_file

        private_dir(self.path.parent)
        self.db = SharedDB(self.path)  # shared by the app's session threads: one statement at a time, WAL
        self.db.executescript(SCHEMA)
        private_file(self.path)

    @classmethod
    def for_settings(cls, settings) -> "UserStore":
        from byraad.private import private_dir

        return cls(private_dir(settings.data_path, tighten=True) / "users.sqlite")

    def close(self) -> None:
        self.db.close()

    def add(self, name: str, groups: tuple[str, ...] | list[str], password: str) -> User:
        """Create or replace a user (replacing resets the password)."""
        if not _NAME.match(name):
            raise ValueError("brugernavnet må kun indeholde bogstaver, tal og . _ @ - (højst 64 tegn)")
        if len(password) < 8:
            raise ValueError("adgangskoden skal være mindst 8 tegn")
        groups = tuple(dict.fromkeys(["public", *groups]))
        salt = os.urandom(16)
        params = PARAMS
        self.db.execute(
            "INSERT OR REPLACE INTO users(name, groups, salt, hash, params, created) VALUES(?,?,?,?,?,?)",
            (name, ",".join(groups), salt, hash_password(password, salt, params), params, time.time()),
        )
        return User(name, groups)

    def remove(self, name: str) -> bool:
        return self.db.execute("DELETE FROM users WHERE name=?", (name,)).rowcount > 0

    def list(self) -> list[dict]:
        rows = self.db.execute("SELECT name, groups, created, last_login FROM users ORDER BY name")
        return [{"name": n, "groups": g.split(","), "created": c, "last_login": ll} for n, g, c, ll in rows]

    def get(self, name: str) -> User | None:
        row = self.db.execute("SELECT groups FROM users WHERE name=?", (name,)).fetchone()
        return User(name, tuple(row[0].split(","))) if row else None

    def verify(self, name: str, password: str) -> User | None:
        """The user when name and password match, else None (constant-time hash comparison)."""
        row = self.db.execute("SELECT groups, salt, hash, params FROM users WHERE name=?", (name,)).fetchone()
        if row is None:
            # Spend the same time as a real check so timing does not reveal which names exist.
            hash_password(password, b"\0" * 16)
            return None
        groups, salt, stored, params = row
        if not hmac.compare_digest(hash_password(password, salt, params), stored):
            return None
        if params != PARAMS:  # made with older parameters: re-hash now that the password is known
            new_salt = os.urandom(16)
            self.db.execute(
                "UPDATE users SET salt=?, hash=?, params=? WHERE name=? AND params=?",
                (new_salt, hash_password(password, new_salt), PARAMS, name, params),
            )
        self.db.execute("UPDATE users SET last_login=? WHERE name=?", (time.time(), name))
        return User(name, tuple(groups.split(",")))

    # --- lockout ----------------------------------------------------------------------------------------------------
    @staticmethod
    def _keys(name: str, client: str | None) -> list[tuple[str, str]]:
        keys = [("name", name.strip().lower())]
        if client:
            keys.append(("client", client))
        return keys

    def locked_for(self, name: str, client: str | None = None, now: float | None = None) -> float:
        """Seconds until `name` (and `client`) may try a password again; 0 when a try is allowed now."""
        now = time.time() if now is None else now
        wait = 0.0
        for kind, key in self._keys(name, client):
            row = self.db.execute(
                "SELECT locked_until FROM login_failures WHERE kind=? AND key=?", (kind, key)
            ).fetchone()
            if row:
                wait = max(wait, row[0] - now)
        return max(wait, 0.0)

    def record_failure(self, name: str, client: str | None = None, now: float | None = None) -> float:
        """Count one failed sign-in for the name and the client; returns the lock now in force (seconds)."""
        now = time.time() if now is None else now
        with self.db.write_transaction():
            for kind, key in self._keys(name, client):
                row = self.db.execute(
                    "SELECT count, last FROM login_failures WHERE kind=? AND key=?", (kind, key)
                ).fetchone()
                count = 1 if row is None or now - row[1] > FORGET_AFTER else row[0] + 1
                free = FREE_FAILURES[kind]
                locked_until = now + min(BASE_DELAY * 2 ** (count - free), MAX_DELAY) if count >= free else 0.0
                self.db.execute(
                    "INSERT OR REPLACE INTO login_failures(kind, key, count, last, locked_until) VALUES(?,?,?,?,?)",
                    (kind, key, count, now, locked_until),
                )
        return self.locked_for(name, client, now)

    def clear_failures(self, name: str) -> None:
        """Forget a name's failed sign-ins (after a successful sign-in, or `byraad users unlock`)."""
        self.db.execute("DELETE FROM login_failures WHERE kind='name' AND key=?", (name.strip().lower(),))

    def login(
        self, name: str, password: str, client: str | None = None, now: float | None = None
    ) -> tuple[User | None, float]:
        """(user, 0) on success; (None, seconds locked) otherwise. A locked name or client is refused before the
        password is checked, so guessing during a lock learns nothing."""
        wait = self.locked_for(name, client, now)
        if wait > 0:
            return None, wait
        user = self.verify(name, password) if name and password else None
        if user is None:
            return None, self.record_failure(name, client, now)
        self.clear_failures(name)
        return user, 0.0
