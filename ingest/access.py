"""Access-level detection for ingested documents: closed-agenda markers and internal documents.

Only headings and explicit markers change a level. Running prose that merely talks about closed
agendas (the Bilagsmateriale's chapter on openness does) must not close anything, so every
pattern here is anchored to a whole line or to an item title.
"""

from __future__ import annotations

import re

from byraad.text import body_key
from byraad.types import CLOSED, CLOSED_PREFIX, INTERNAL, PUBLIC

# A heading that opens the closed part of an agenda: all following items are closed.
CLOSED_HEADING = re.compile(
    r"^\s?(?:lukket\s+(?:dagsorden|møde|del)|lukkede\s+(?:dagsordens)?punkter|"
    r"lukkede\s+dagsorden|fortrolig(?:e|t)?\s+(?:dagsorden|punkter))\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# A heading that re-opens the agenda.
OPEN_HEADING = re.compile(
    r"^\s?(?:åben\s+dagsorden|åbent\s+møde|åbne\s+(?:dagsordens)?punkter)\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# Markers in an item title, or as a line of their own in an item body.
CLOSED_TITLE = re.compile(
    r"\(?\b(?:lukket\s+punkt|fortroligt?)\b\)?|^\s*lukket\s*:", re.IGNORECASE
)  # "Lukket: Køb af …"
CLOSED_LINE = re.compile(r"^\s?\(?(?:lukket\s+punkt|fortroligt|lukket)\)?\s*:?\s*$", re.IGNORECASE | re.MULTILINE)
# A reference to the closed agenda inside an open item ("drøftet under punkt 4 på den lukkede
# dagsorden"): we cannot tell what of the item belongs there, so the item is closed to be safe.
CLOSED_REFERENCE = re.compile(
    r"\b(?:på|under|i)\s+(?:den\s+)?lukkede?\s+(?:dagsorden|del\s+af\s+mødet|møde)\b|\bfor\s+lukkede\s+døre\b",
    re.IGNORECASE,
)
# Document-level internal markers: short lines of their own near the top or in a letterhead.
INTERNAL_LINE = re.compile(
    r"^\s?(?:(?:internt|fortroligt?)(?:\s+(?:notat|dokument|materiale))?(?:\s*[-–:]\s*.{0,60})?|"
    r"(?:kun\s+)?til\s+intern\s+brug.{0,40}|.{0,60}\bmå\s+ikke\s+offentliggøres.{0,20})\s*[.:!]?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
RAADMAND = re.compile(r"rådmandsmøde|raadmandsmoede|rådmandskreds|raadmandskreds", re.IGNORECASE)


def closed_level(body: str) -> str:
    """The closed level of a body's closed agenda ("closed:<slug>"), or CLOSED when unknown."""
    key = body_key(body)
    return f"{CLOSED_PREFIX}{key}" if key else CLOSED


def document_access(text: str, path: str, title: str, kind: str, bodies: list[str]) -> tuple[str, str]:
    """Document-wide (level, reason): INTERNAL for rådmandsmøder and documents marked internal."""
    head = text[:3000]
    m = INTERNAL_LINE.search(head)
    if m:
        return INTERNAL, f'dokumentet er mærket "{m.group(0).strip()}"'
    if kind in ("minutes", "agenda") and (
        RAADMAND.search(path) or RAADMAND.search(title) or any(RAADMAND.search(b) for b in bodies)
    ):
        return (
            INTERNAL,
            "rådmandsmøde-referat: internt ledelsesdokument i forvaltningen, ikke et offentligt udvalgsreferat",
        )
    return PUBLIC, ""
