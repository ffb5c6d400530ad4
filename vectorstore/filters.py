"""One filter type for every retriever: translated to a Chroma `where` and evaluated on metadata for BM25.

Access is part of the filter, so a chunk the user may not see never reaches ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from byraad.text import body_key
from byraad.types import Meta

CONTENT_KEYS = ("bodies", "kinds", "doc_ids", "date_from", "date_to")


@dataclass(frozen=True)
class Filter:
    """Restrictions on chunks. `access=None` means all-access (the secretariat's own checks)."""

    access: tuple[str, ...] | None = ("public",)
    bodies: tuple[str, ...] = ()  # body_key slugs
    kinds: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: int | None = None  # YYYYMMDD inclusive; undated chunks are then excluded
    date_to: int | None = None

    @classmethod
    def content(
        cls, bodies: Any = (), kinds: Any = (), doc_ids: Any = (), date_from: Any = None, date_to: Any = None
    ) -> "Filter":
        """The content part of a filter as a user or a caller gives it (body names or keys, YYYYMMDD dates; empty
        values mean no restriction). There is no access argument: the Retriever sets access from the asker."""
        return cls(
            bodies=tuple(dict.fromkeys(body_key(str(b)) for b in bodies or () if b)),
            kinds=tuple(kinds or ()),
            doc_ids=tuple(doc_ids or ()),
            date_from=int(date_from) if date_from not in (None, "") else None,
            date_to=int(date_to) if date_to not in (None, "") else None,
        )

    def given(self) -> dict[str, Any]:
        """The content restrictions in force, by name (empty ones left out)."""
        return {key: v for key in CONTENT_KEYS if (v := getattr(self, key)) not in (None, ())}

    def is_empty(self) -> bool:
        """True when nothing but (possibly) access is restricted."""
        return not (self.bodies or self.kinds or self.doc_ids or self.date_from or self.date_to)

    def to_where(self) -> dict[str, Any] | None:
        """The Chroma `where` clause for this filter (None when nothing is restricted)."""
        clauses: list[dict[str, Any]] = []
        if self.access is not None:
            # An empty permission set must match nothing; "$in": [] is rejected by Chroma.
            clauses.append({"access": {"$in": list(self.access) or ["\x00none"]}})
        if self.bodies:
            clauses.append({"body_key": {"$in": list(self.bodies)}})
        if self.kinds:
            clauses.append({"kind": {"$in": list(self.kinds)}})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.date_from is not None:
            clauses.append({"meeting_date": {"$gte": int(self.date_from)}})
        if self.date_to is not None:
            clauses.append({"meeting_date": {"$lte": int(self.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, meta: Meta) -> bool:
        """Evaluate the same filter on a chunk's metadata (missing access counts as closed)."""
        if self.access is not None and meta.get("access") not in self.access:
            return False
        if self.bodies and meta.get("body_key") not in self.bodies:
            return False
        if self.kinds and meta.get("kind") not in self.kinds:
            return False
        if self.doc_ids and meta.get("doc_id") not in self.doc_ids:
            return False
        date = meta.get("meeting_date")
        if self.date_from is not None and not (isinstance(date, int) and date >= self.date_from):
            return False
        if self.date_to is not None and not (isinstance(date, int) and date <= self.date_to):
            return False
        return True


def facets_of(chunks: Iterable[Any]) -> dict[str, Any]:
    """What lists and filter choices may name, read from the given chunks only — pass `index.chunks_where(Filter(
    access=levels))`, so a body, a date or a document that occurs only in material the user may not see is never
    named: bodies (body_key → name, by name), kinds, the meeting-date range, the newest material and the doc_ids.
    One reading for the app's filter lists (ui.state.facets) and the CLI's note on an unknown --body / --doc."""
    bodies: dict[str, str] = {}
    kinds: set[str] = set()
    dates: list[int] = []
    newest: list[int] = []
    doc_ids: set[str] = set()
    for c in chunks:
        m = c.meta
        if m.get("body_key") and m.get("body"):
            bodies.setdefault(str(m["body_key"]), str(m["body"]))
        if m.get("kind"):
            kinds.add(str(m["kind"]))
        if isinstance(m.get("meeting_date"), int):
            dates.append(m["meeting_date"])
        newest += [d for d in (m.get("meeting_date"), m.get("doc_date")) if isinstance(d, int)]
        if m.get("doc_id"):
            doc_ids.add(str(m["doc_id"]))  # as Filter.matches reads it
    return {
        "bodies": dict(sorted(bodies.items(), key=lambda kv: kv[1])),
        "kinds": sorted(kinds),
        "date_min": min(dates) if dates else None,
        "date_max": max(dates) if dates else None,
        "newest_material": max(newest) if newest else None,
        "doc_ids": tuple(sorted(doc_ids)),
    }
