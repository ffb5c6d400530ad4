"""What kind of answer a question asks for, and whether a sentence can hold one.

"Hvornår …?", "Hvilken dato …?" want a date; "Hvor mange …?", "Hvad koster …?" want a number. An extractive
answer whose sentences hold no such thing quotes related text without answering — the near-miss that should be a
refusal ("the material talks about the meeting but never says when it was").
"""

from __future__ import annotations

import re

from byraad.dates import MONTH_ALT

_DAY_DATE = re.compile(
    rf"\b\d{{1,2}}\.\s*(?:{MONTH_ALT})\b|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b", re.I
)
_WHEN = re.compile(
    rf"\b(?:{MONTH_ALT})\b|\b(?:19|20)\d{{2}}\b|\b(?:kvartal|halvår|uge|mandag|tirsdag|onsdag|torsdag|"
    r"fredag|lørdag|søndag|primo|ultimo|forår\w*|sommer\w*|efterår\w*|vinter\w*|jul\w*|påske\w*)\b",
    re.I,
)
# Not "en"/"et": as articles they occur in nearly every Danish sentence and would let any sentence pass.
_NUMBER = re.compile(
    r"\d|\b(?:én|ét|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|tyve|tredive|fyrre|"
    r"halvtreds|hundrede|tusind|million\w*|milliard\w*|halv\w*|dobbelt\w*|flertal\w*|alle|ingen)\b",
    re.I,
)

_Q_DAY = re.compile(r"\b(?:hvilken|hvilke|præcise?)\s+(?:dato|datoer|dag)\b", re.I)
_Q_WHEN = re.compile(r"\bhvornår\b|\bhvilket\s+(?:år|tidspunkt)\b|\bhvilken\s+(?:måned|periode)\b", re.I)
_Q_NUMBER = re.compile(
    r"\bhvor\s+(?:mange|meget|stor|store|stort|lang|længe|høj|højt|dyr|dyrt|mange\s+penge)\b|"
    r"\bhvad\s+(?:koste\w*|beløb\w*)\b|\bhvilket\s+beløb\b|\bhvor\s+mange\s+procent\b|"
    r"\bhvad\s+(?:\w+\s+){0,3}betal\w*|"
    r"\bhvilke(?:t)?\s+tal\b",
    re.I,
)


_Q_PERSON = re.compile(
    r"^\s*(?:og\s+)?hvem\b|\bhvilke[nt]?\s+(?:deltagere|medlemmer|politikere|personer|person|borgmester|rådmand|"
    r"forsker\w*|chef\w*|direktør\w*|formand|forperson)\b",
    re.I,
)
_Q_NAME = re.compile(r"\bhvad\s+hedder\s+(?:den|det|de)\b", re.I)
# A name: a capitalised word that does not start the sentence (persons, bodies, parties, places).
_NAME = re.compile(r"(?<=[\w,;:)–-] )[A-ZÆØÅ][a-zæøåé]+")


# "Hvor …" asks for a place unless it is "hvor mange/meget/lang/…" (a number) or "hvor langt er …" (progress).
_Q_PLACE = re.compile(
    r"^\s*(?:og\s+)?(?:i\s+)?hvor(?:fra|hen)?\b(?!\s+(?:mange|meget|stor\w*|lang\w*|længe|høj\w*|dyr\w*|"
    r"ofte|gammel\w*|godt|tit|mange\s+penge)\b)|\bhvilke[nt]?\s+(?:lokale|by|sted|adresse|kommune)\b|"
    r"\bi\s+hvilke[nt]?\s+(?:lokale|by|land|bygning)\b",
    re.I,
)
# Where a question asks two things ("Hvornår åbner skolen, og hvad er fristen …?"), each part has its own kind. A
# comma alone before a hv-word starts a subordinate clause ("det møde, hvor de to prøvehandlinger blev
# videreudviklet"; "om, hvilken vej …"), not another question (docs/answering.md).
_PART_SPLIT = re.compile(
    r"\s*(?:,\s*og|\s+og)\s+(?=(?:hvad|hvem|hvor\w*|hvilke\w*|hvordan|hvorfor|hvornår|"
    r"i\s+hvilke\w*)\b)",
    re.I,
)


def wanted(question: str) -> str:
    """'day', 'when', 'number', 'person', 'name', 'place' or '' (no particular kind of answer) of a question (part)."""
    if _Q_DAY.search(question):
        return "day"
    if _Q_WHEN.search(question):
        return "when"
    if _Q_NUMBER.search(question):
        return "number"
    if _Q_PERSON.search(question):
        return "person"  # a name, or a role/organisation ("forvaltningen", "MTM")
    if _Q_NAME.search(question):
        return "name"  # a name proper
    if _Q_PLACE.search(question):
        return "place"
    return ""


def parts(question: str) -> list[tuple[str, str]]:
    """The parts of a question with the kind each asks for: "Hvornår og hvor mødtes udvalget?" →
    [("Hvornår", "when"), ("hvor mødtes udvalget?", "place")]. A question of one part gives one pair."""
    out = []
    for p in _PART_SPLIT.split(question.strip()):
        if p.strip():
            out.append((p.strip(), wanted(p)))
    return out or [(question, wanted(question))]


def holds(sentence: str, kind: str) -> bool:
    """True when the sentence can hold an answer of that kind."""
    if kind == "day":
        return bool(_DAY_DATE.search(sentence))
    if kind == "when":
        return bool(_DAY_DATE.search(sentence) or _WHEN.search(sentence))
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "person":
        return bool(_NAME.search(sentence) or _WHO.search(sentence))
    if kind == "name":
        return bool(_NAME.search(sentence))
    if kind == "place":
        return bool(_PLACE.search(sentence) or _NAME.search(sentence))
    return True


# Who can also be answered by a role or an organisation ("forvaltningen", "direktøren", "MTM").
_WHO = re.compile(
    r"\b[A-ZÆØÅ]{2,}\b|\(\s*[A-ZÆØÅ][a-zæøå]+|\b\w*(?:forvaltning|afdeling|udvalg|direktør|chef|rådmand|"
    r"borgmester|formand|forperson|forkvinde|medarbejder|sekretariat|konsulent|leder|råd|kreds)\w*\b",
    re.I,
)
_PLACE = re.compile(r"\b(?:lokale|mødelokale|værelse|rådhus\w*|adresse|mødested)\b|\b(?:i|på|ved)\s+[A-ZÆØÅ]", re.I)
_TIME = re.compile(r"\b(?:kl\.?\s*)?\d{1,2}[.:]\d{2}\s*(?:[-–]\s*\d{1,2}[.:]\d{2})?")
_AMOUNT = re.compile(
    r"(?:(?:ca\.|cirka|knap|godt|over|under|mindst|op til|i alt)\s+)?\d[\d.,]*(?:\s*[-–]\s*\d[\d.,]*)?"
    r"(?:\s*(?:%|procent|mio\.?\s*kr\.?|mia\.?\s*kr\.?|mio\.?|mia\.?|millioner(?:\s+kroner)?|milliarder|kr\.?|kroner|tons?|timer|"
    r"minutter|min\.|årsværk|ÅV|meter|km|sider|borgere|personer|medlemmer|medarbejdere))?",
    re.I,
)
# A number that is a reference, an ordinal or part of a name is no amount: "side 80", "2. klasse", "§ 17".
_NOT_AMOUNT = re.compile(r"(?:side|s\.|punkt|pkt\.|§|bilag|nr\.|stk\.|kapitel|afsnit)\s*$", re.I)
# A name: two to four capitalised words (each a whole word: "Ap" of "ApS" is none), a party letter "(V)" or a company
# form after it ("Vestergaard Byg ApS", "Nordic Safe Cities A/S").
_COMPANY_FORM = r"ApS|A/S|I/S|P/S|K/S|IVS|A\.m\.b\.a\.|AmbA|F\.m\.b\.a\."
_NAMES = re.compile(
    r"(?:[A-ZÆØÅ][a-zæøåé]+(?:-[A-ZÆØÅ][a-zæøåé]+)?(?![\w/])(?:\s+[A-ZÆØÅ][a-zæøåé]+(?![\w/])){1,3})"
    rf"(?:\s*\([A-ZÆØÅ]{{1,3}}\)|\s+(?:{_COMPANY_FORM})(?![\w/]))?"
)


# What a "how many / how much" question counts: money ("hvad koster", "hvor mange penge", "beløb"), a duration
# ("hvor længe", "hvor mange timer"), a share ("hvor mange procent") or the noun after "hvor mange" ("hvor mange
# medarbejdere"). A number answers it only with that unit or noun: "i alt 25" is no answer to "hvor mange penge".
_Q_MONEY = re.compile(
    r"\bhvad\s+koste\w*|\bkoste(?:r|de|t)\b|\bomkostning\w*|\bbeløb\w*|\bpenge\b|\bhvor\s+dyr\w*|\bkroner\b|\bkr\b|\bbevilling\w*|\bbetal\w*|"
    r"\budgift\w*|\bpris(?:en)?\b",
    re.I,
)
_Q_DURATION = re.compile(
    r"\bhvor\s+(?:længe|lang\s+tid)\b|\bhvor\s+mange\s+(?:timer|minutter|dage|uger|måneder|år)\b", re.I
)
_Q_SHARE = re.compile(r"\bprocent\w*|\bandel\w*|\b%", re.I)
_Q_COUNTED = re.compile(
    r"\bhvor\s+mange\s+(?:nye\s+|flere\s+|færre\s+|andre\s+)?([a-zæøå](?:[a-zæøå]|-(?=[a-zæøå])){3,})", re.I
)
_MONEY = re.compile(
    r"\d[\d.,]*\s*(?:mio\.?|mia\.?|mill\.?|millioner|milliarder)?\s*(?:kr\b\.?|kroner|dkk)|"
    r"\b(?:kr\.?|dkk)\s*\d",
    re.I,
)
_DURATION = re.compile(
    r"\d[\d.,]*\s*(?:timer?|min\w*|(?:hver|arbejds)?dage?|døgn|uger?|måneder?|års?)\b|\bkl\.?\s*\d{1,2}[.:]\d{2}\s*[-–]|"
    r"\b\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}\b|\b(?:en|et|to|tre|fire|fem|seks|halv\w*)\s+"
    r"(?:timer?|(?:hver|arbejds)?dage?|uger?|måneder?|år)\b",
    re.I,
)
_SHARE = re.compile(r"\d\s*%|\bprocent\w*", re.I)


# A "hvor mange <noun>" question counts things: an amount of money or a percentage is no answer to it
# (docs/answering.md).
COUNT_NOT_MONEY = True


def measure(question: str) -> str:
    """What a number question counts: 'money', 'duration', 'share', 'n:<stem of the counted noun>' or ''."""
    if _Q_SHARE.search(question):
        return "share"
    if _Q_MONEY.search(question):
        return "money"
    if _Q_DURATION.search(question):
        return "duration"
    m = _Q_COUNTED.search(question)
    if m:
        from assistant.citations import content_tokens

        stems = content_tokens(m.group(1))
        if stems:
            return "n:" + max(stems, key=lambda s: (len(s), s))  # "IT-serviceorganisationer": the noun, not "it"
    return ""


def fits(sentence: str, unit: str) -> bool:
    """True when the sentence holds a number of that measure (see `measure`): required for money, a duration and a
    share; a counted noun is only preferred (`counts`), as it is often written otherwise ("årsværk" / "ÅV")."""
    if unit == "money":
        return bool(_MONEY.search(sentence))
    if unit == "duration":
        return bool(_DURATION.search(sentence))
    if unit == "share":
        return bool(_SHARE.search(sentence))
    return True


def counts(sentence: str, unit: str) -> bool:
    """True when the sentence names the counted noun of a "hvor mange <noun>" question next to a number."""
    if not unit.startswith("n:"):
        return False
    from assistant.citations import content_tokens

    return any(unit[2:] in content_tokens(m.group(1)) for m in _COUNTED.finditer(sentence))


def _counted_word(word: str) -> bool:
    """A word that can name what a number counts: a content word, not a stop word ("til", "af", "i")."""
    from assistant.citations import content_tokens

    return bool(content_tokens(word))


_COUNTED = re.compile(r"\d[\d.,]*(?:\s*[-–]\s*\d[\d.,]*)?\s+((?:[\wæøå-]+\s+){0,2}[\wæøå-]+)")


def span(sentence: str, kind: str, unit: str = "") -> str:
    """The short part of a sentence that answers a question of that kind ('' when none can be cut out)."""
    if kind in ("day", "when"):
        m = _DAY_DATE.search(sentence) or (_WHEN.search(sentence) if kind == "when" else None)
        if not m:
            return ""
        start, end = m.start(), m.end()
        tail = re.match(r"\.?\s*\d{4}", sentence[end:]) if kind in ("day", "when") and m.re is _DAY_DATE else None
        if tail:
            end += tail.end()
        if m.re is _WHEN:
            # the whole time phrase: "1. halvår 2026", "2. kvartal", "primo juni 2025", "maj 2025"
            lead = re.search(r"(?:\b\d{1,2}\.\s*|\b(?:primo|medio|ultimo)\s+)$", sentence[:start], re.I)
            if lead:
                start = lead.start()
            more = re.match(rf"(?:\s+(?:{MONTH_ALT})\b)?(?:\s+(?:19|20)\d\d\b)?", sentence[end:], re.I)
            end += more.end() if more else 0
        t = _TIME.search(sentence, end, end + 20)
        if t:
            end = t.end()
        return sentence[start:end].strip(" ,.")
    if kind == "number" and unit in ("money", "duration", "share"):
        m = {"money": _MONEY, "duration": _DURATION, "share": _SHARE}[unit].search(sentence)
        if m:  # the amount with its unit: "ca. 2,6 mio. kr.", "kl. 17.00-20.00", "12 %"
            start = max(
                (a.start() for a in _AMOUNT.finditer(sentence) if a.start() <= m.start() < a.end() + 1),
                default=m.start(),
            )
            end = m.end()
            t = _TIME.search(sentence, start, end + 12) if unit == "duration" else None
            out = sentence[start : max(end, t.end() if t else end)].strip(" ,–-")
            return out if re.search(r"\b(?:kr|mio|mia|mill|kl)\.$", out) else out.rstrip(".")
    if kind == "number" and unit.startswith("n:"):
        from assistant.citations import content_tokens

        for m in _COUNTED.finditer(sentence):  # "68 dagsordenspunkter": the number of the counted noun
            words = m.group(1).split()
            for i, w in enumerate(words):
                if unit[2:] in content_tokens(w):
                    return sentence[m.start() : m.start(1)] + " ".join(words[: i + 1])
    if kind == "number":
        for m in _AMOUNT.finditer(sentence):
            txt = m.group(0).strip(" ,")
            num = re.search(r"\d[\d.,]*", txt).group(0).rstrip(".,")
            if (
                (unit.startswith("n:") and COUNT_NOT_MONEY and (_MONEY.search(txt) or _SHARE.search(txt)))
                or re.fullmatch(r"(?:19|20)\d{2}", num)
                or _DAY_DATE.match(sentence, m.start())
                or _NOT_AMOUNT.search(sentence[: m.start()])
                or re.match(r"\d+\.\s+[a-zæøå]", sentence[m.start() :])
                or re.match(r"\d+\)", sentence[m.start() :])  # an enumerator: "At 1) der frigives …"
            ):
                continue
            nxt = re.match(r"\s+([a-zæøå]+)", sentence[m.end() :])
            if nxt and re.search(r"\d$", txt) and _counted_word(nxt.group(1)):
                txt += " " + nxt.group(1)  # "68 borgere", "150 borgere": the counted thing (not "5 til")
            return txt
        return ""
    if kind in ("person", "name"):
        names = [m.group(0) for m in _NAMES.finditer(sentence) if m.start() > 0 or len(m.group(0).split()) > 1]
        return ", ".join(dict.fromkeys(names))
    return ""


_RANGE = re.compile(r"\b(\d{1,2})[.:](\d{2})\s*[-–]\s*(\d{1,2})[.:](\d{2})\b")


def duration(span_text: str) -> str:
    """How long a time range lasts, for a "hvor længe" answer: "kl. 17.00-20.00" → "3 timer"; '' when the span holds
    no range of clock times (or an impossible one)."""
    m = _RANGE.search(span_text)
    if not m:
        return ""
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    minutes = (h2 * 60 + m2) - (h1 * 60 + m1)
    if minutes <= 0 or h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
        return ""
    hours, rest = divmod(minutes, 60)
    out = [f"{hours} time{'r' if hours != 1 else ''}"] if hours else []
    if rest:
        out.append(f"{rest} minutter")
    return " og ".join(out)
