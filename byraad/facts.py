"""The council facts (byraadsfakta.toml) as data: mayor, roles, parties, committees. Parsed and rendered by
ingest.sources.facts, carried in the catalog as `meta["facts_json"]`, answered from by assistant.facts."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

FORMAT = "byraadsfakta"  # meta["source_format"] of the ingested facts document


@dataclass(frozen=True)
class Role:
    """A person in a position: mayor, deputy mayor, alderman (rådmand) with an area."""

    title: str
    name: str  # "Hanne Kjærgaard (A)" as written
    area: str = ""
    section_id: str = ""


@dataclass(frozen=True)
class Party:
    name: str
    letter: str
    seats: int
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Committee:
    name: str
    abbreviation: str
    chair: str
    deputy_chair: str
    members: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    tasks: str = ""
    section_id: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name


@dataclass(frozen=True)
class CouncilFacts:
    municipality: str
    period: str
    seats: int
    mayor: Role
    roles: tuple[Role, ...] = ()  # deputy mayors and aldermen, in file order
    parties: tuple[Party, ...] = ()
    committees: tuple[Committee, ...] = ()
    director: str = ""
    updated: int | None = None  # YYYYMMDD

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "CouncilFacts":
        d = json.loads(text)
        d["mayor"] = Role(**d["mayor"])
        d["roles"] = tuple(Role(**r) for r in d.get("roles", ()))
        d["parties"] = tuple(Party(**{**p, "aliases": tuple(p.get("aliases", ()))}) for p in d.get("parties", ()))
        d["committees"] = tuple(
            Committee(**{**c, "members": tuple(c["members"]), "aliases": tuple(c["aliases"])})
            for c in d.get("committees", ())
        )
        return cls(**d)
