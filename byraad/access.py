"""Access levels and groups: which levels a user's groups may see.

Levels: "public" < "internal" < "closed:<body>" < "closed". A chunk whose level is missing or unknown counts as
closed. Groups grant levels; the table is data (byraad/data/groups.toml), extendable by the secretariat.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from byraad.types import CLOSED, CLOSED_PREFIX, INTERNAL, PUBLIC


def rank(level: str | None) -> int:
    """Restrictiveness of a level (higher = more restricted; unknown = most restricted)."""
    if level == PUBLIC:
        return 0
    if level == INTERNAL:
        return 1
    if level and level.startswith(CLOSED_PREFIX):
        return 2
    return 3


def is_closed(level: str | None) -> bool:
    """True for a closed-agenda level (of one body or unknown), and for missing/unknown levels."""
    return rank(level) >= 2


def most_restrictive(*levels: str | None) -> str:
    """The most restrictive of some levels (None/unknown → closed; two bodies' closed levels → closed)."""
    out = PUBLIC
    for lv in levels:
        lv = lv if lv and rank(lv) < 3 else CLOSED
        if rank(lv) > rank(out):
            out = lv
        elif rank(lv) == 2 and lv != out:
            out = CLOSED
    return out


@dataclass(frozen=True)
class User:
    """A person asking: a name and the groups they belong to."""

    name: str
    groups: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.groups


ANONYMOUS = User("anonym", ("public",))
# The one identity of the all-access power (`--all-access` in ask/retrieve/case, the agent's own look-ups): the
# audit log names it the same way wherever it is used.
ALL_ACCESS_NAME = "all-access"
ALL_ACCESS_USER = User(ALL_ACCESS_NAME, ("sekretariat",))


def audit_name(user: User | None, all_access: bool = False) -> str:
    """How the audit log names who retrieved: the user's name, or ALL_ACCESS_NAME for the all-access power."""
    if all_access:
        return ALL_ACCESS_NAME
    return user.name if user is not None else ANONYMOUS.name


def load_group_table(extra_file: str | Path | None = None) -> dict[str, list[str]]:
    """group → levels, from the built-in table merged with the secretariat's own file."""
    with resources.files("byraad").joinpath("data/groups.toml").open("rb") as f:
        table = {k: list(v) for k, v in tomllib.load(f)["groups"].items()}
    if extra_file:
        with open(extra_file, "rb") as f:
            table.update({k: list(v) for k, v in tomllib.load(f).get("groups", {}).items()})
    return table


def permitted_levels(user: User | None, table: dict[str, list[str]] | None = None) -> tuple[str, ...] | None:
    """The levels a user may see; None means everything (an admin / --all-access)."""
    user = user or ANONYMOUS
    table = table or load_group_table()
    levels: set[str] = {PUBLIC}
    for g in user.groups:
        if g.startswith("udvalg:"):
            # Committee membership grants that committee's closed items.
            levels.add(CLOSED_PREFIX + g.split(":", 1)[1])
        for lv in table.get(g, []):
            if lv == "*":
                return None
            levels.add(lv)
    return tuple(sorted(levels, key=lambda lv: (rank(lv), lv)))


@dataclass(frozen=True)
class Access:
    """Who asks and which levels they may see (levels None = everything), settled once at the edge (the Assistant or
    the Retriever, from the user and the group table) and passed down unchanged to every search, lookup and audit
    record of the question."""

    name: str  # as written to the audit log
    levels: tuple[str, ...] | None

    @classmethod
    def of(cls, user: User | None, table: dict[str, list[str]] | None = None, *, all_access: bool = False) -> "Access":
        """A user's access; `all_access` (the secretariat's own checks, --all-access) sees everything."""
        if all_access:
            return cls(audit_name(user, True), None)
        return cls(audit_name(user), permitted_levels(user, table))
