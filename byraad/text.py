"""Text vocabulary shared by ingestion, retrieval, answering and evaluation: how strings are cleaned and compared.

- `clean_query`: the character repair of ingest.repair for a user's question (NFC, ASCII quotes, no stray glyphs).
- `normalise_for_match`: the aggressive form two texts are compared in (casefolded, de-hyphenated, one space).
- `body_key`: the slug of a council body's name used in filters and access levels.
- `case_key`: the form case numbers are compared in.
"""

from __future__ import annotations

import re
import unicodedata

_TRANSLIT = {"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue", "é": "e", "§": ""}
_QUOTES = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "´": "'",
        "`": "'",
        "′": "'",
        "″": '"',
    }
)


def clean_query(text: str) -> str:
    """The character repair of `repair`, for a user query: NFC, ASCII quotes, no stray glyphs, tidy spaces."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(
        "[\ufffd\ue000-\uf8ff\u00ad\u200b-\u200d\u2060\ufeff]",
        lambda m: "" if m.group() in "\u00ad\u200b\u200c\u200d\u2060\ufeff" else " ",
        text,
    )
    return " ".join(text.translate(_QUOTES).split())


def normalise_for_match(text: str) -> str:
    """Aggressive form for matching: NFKC, ASCII quotes/dashes, casefold, de-hyphenated, one space."""
    text = unicodedata.normalize("NFKC", text.replace("\u00ad", ""))
    text = re.sub("[\ufffd\ue000-\uf8ff]", " ", text).translate(_QUOTES)
    text = re.sub("[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"(?<=[^\W\d_])- *\n\s*(?!(?:og|eller|samt|til)\b)(?=[a-zæøå])", "", text)
    return " ".join(text.casefold().split())


def body_key(body: str) -> str:
    """Slug of a body name for filters: "Social- og Beskæftigelsesudvalget" → "social-og-beskaeftigelsesudvalget"."""
    s = body.strip().lower()
    s = "".join(_TRANSLIT.get(ch, ch) for ch in s)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "-", s)
    return s.strip("-")


def case_key(s: str) -> str:
    """How case numbers are compared: no spaces or dashes, upper case ("emn - 2023-1" = "EMN2023-1" = "EMN20231")."""
    return re.sub(r"[\s\-–]+", "", s).upper()
