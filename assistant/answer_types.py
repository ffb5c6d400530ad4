"""What kind of answer a question asks for, and whether a sentence can hold one.

"Hvornår …?", "Hvilken dato …?" want a date; "Hvor mange …?", "Hvad koster …?" want a number. An extractive
answer whose sentences hold no such thing quotes related text without answering — the near-miss that should be a
refusal ("the material talks about the meeting but never says when it was").
"""

from __future__ import annotations

import re

from byraad.dates import MONTH_ALT

_DAY_DATE = re.compile(rf"\b\d{{1,2}}\.\s*(?:{MONTH_ALT})\b|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b",
                       re.I)
_WHEN = re.compile(rf"\b(?:{MONTH_ALT})\b|\b(?:19|20)\d{{2}}\b|\b(?:kvartal|halvår|uge|mandag|tirsdag|onsdag|torsdag|"
                   r"fredag|lørdag|søndag|primo|ultimo|forår\w*|sommer\w*|efterår\w*|vinter\w*|jul\w*|påske\w*)\b", re.I)
# Not "en"/"et": as articles they occur in nearly every Danish sentence and would let any sentence pass.
_NUMBER = re.compile(r"\d|\b(?:én|ét|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|tyve|tredive|fyrre|"
                     r"halvtreds|hundrede|tusind|million\w*|milliard\w*|halv\w*|dobbelt\w*|flertal\w*|alle|ingen)\b",
                     re.I)

_Q_DAY = re.compile(r"\b(?:hvilken|hvilke|præcise?)\s+(?:dato|datoer|dag)\b", re.I)
_Q_WHEN = re.compile(r"\bhvornår\b|\bhvilket\s+(?:år|tidspunkt)\b|\bhvilken\s+(?:måned|periode)\b", re.I)
_Q_NUMBER = re.compile(r"\bhvor\s+(?:mange|meget|stor|store|stort|lang|længe|høj|højt|dyr|dyrt|mange\s+penge)\b|"
                       r"\bhvad\s+(?:koste\w*|beløb\w*)\b|\bhvilket\s+beløb\b|\bhvor\s+mange\s+procent\b|"
                       r"\bhvilke(?:t)?\s+tal\b", re.I)


_Q_PERSON = re.compile(r"^\s*(?:og\s+)?hvem\b|\bhvad\s+hedder\s+(?:den|det|de)\b", re.I)
# A name: a capitalised word that does not start the sentence (persons, bodies, parties, places).
_NAME = re.compile(r"(?<=[\w,;:)–-] )[A-ZÆØÅ][a-zæøåé]+")


def wanted(question: str) -> str:
    """'day', 'when', 'number', 'person' or '' (no particular kind of answer)."""
    if _Q_DAY.search(question):
        return "day"
    if _Q_WHEN.search(question):
        return "when"
    if _Q_NUMBER.search(question):
        return "number"
    if _Q_PERSON.search(question):
        return "person"
    return ""


def holds(sentence: str, kind: str) -> bool:
    """True when the sentence can hold an answer of that kind."""
    if kind == "day":
        return bool(_DAY_DATE.search(sentence))
    if kind == "when":
        return bool(_DAY_DATE.search(sentence) or _WHEN.search(sentence))
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "person":
        return bool(_NAME.search(sentence))
    return True
