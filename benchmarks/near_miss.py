"""Near-miss refusals: variants of our own sets' answerable questions that the material does NOT answer.

    # the variants only (needs the question set and the corpus text, no index):
    PYTHONPATH=. .venv/bin/python benchmarks/near_miss.py --generate-only [--sets shared] \
        [--cases-out benchmarks/results/near-miss-cases-shared.jsonl]
    # answered over an existing eval index (the one benchmarks/answer_quality.py takes; retrieval cached there too):
    BYRAAD_SHARED_DIR=/work/shared BYRAAD_EMBED_CACHE=/work/embcache.sqlite PYTHONPATH=. .venv/bin/python \
        benchmarks/near_miss.py --data-dir /tmp/idx/eval/corpus-5a5406f4 --sets shared \
        --out benchmarks/results/near-miss-shared.json [--rows /tmp/near-miss-rows.jsonl]

The own sets hold 4-10 unanswerable questions per document half, so a refusal rate moves by .10-.25 with one
question. This benchmark derives many more near-misses, mechanically, from every answerable question (the original is
kept as the answerable control), so a refusal rule is measured on questions nobody wrote it for. No external item is
read. Each variant says what was checked to make sure the material does not answer it (`checked`):

- `year`: a year of the question (19xx/20xx) → the nearest year that occurs nowhere in the set's corpus text (no
  digit run of the corpus is that year).
- `place`: a Danish municipality/town of the question (`PLACES`, whole word, not the question's first word) → the
  first town of `PLACE_POOL` (rotated by the case id) whose name occurs nowhere in the corpus text (lower-cased
  substring: not even inside a compound or a street name).
- `body`: a committee or council of the question ("Udvalget for mangfoldighed og ligestilling",
  "mangfoldighedsudvalget", "Social- og Beskæftigelsesudvalget", "Teknisk Udvalg", "Magistraten") → a body of
  `BODY_POOL` in the same form (definite/genitive, capitalised or not) whose stem occurs nowhere in the corpus text.
- `person`: a person's name of the question (two or three capitalised words starting with a first name of
  `FIRST_NAMES`, the run found in the corpus) → a name of `PERSON_POOL` whose surname occurs nowhere in the corpus.
- `day`: a one-part "Hvornår …?" question → "Hvilken dato …?", only when the gold answer holds no day (a day of a
  month, "18/2", "2025-02-18") and no sentence of the corpus holding any of the question's two rarest topic words
  holds a day either (so the material cannot give the date however the question is read). The other kinds of answer
  (a number, a name, a place, a year or month) occur in sentences about almost every question's topic — in every
  document of the shared corpus there are hundreds — so swaps to them cannot be checked this way and are not made.
- `partial`: an answerable one-part hv-question joined with the `year`/`place`/`body`/`person` variant of the next
  answerable one-part hv-question of the same document: "<original>, og <variant>?". The first part is answered by
  the material, the second is not; a good answer gives the first and names the second as missing (scored with
  evaluation.metrics.partial_correct, the partial set's rule; the gold is "<original's gold>; ikke <variant>").

Scored per document half (evaluation/splits.py, as benchmarks/answer_quality.py): of the perturbed questions the
share *declined* (refused, or the answer says what the material does not state), per perturbation; of the original
questions the share refused (false refusals), hedged and correct (`originals`: those with a variant;
`all_answerable`: every answerable case of the set, asked as controls); of the partial joins the share given with the
missing part named. With `--rows`, every answer with the refusal signals the answerer looked at
(extractive.Composed.signals: cosines, focus shares, missing names) for finding which signal fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answer_quality import ROOT, SETS, SHARED, build, halves_of, load_cases, score  # noqa: E402

ANSWERABLE_SKIP = ("unanswerable", "closed-leak", "partial")
# Danish municipalities and towns a question may name (the ones our material names, and others).
PLACES = (
    "Aarhus København Odense Aalborg Esbjerg Viborg Randers Kolding Horsens Vejle Silkeborg Herning Roskilde "
    "Næstved Ballerup Syddjurs Norddjurs Favrskov Skanderborg Odder Frederiksberg Gentofte Gladsaxe Helsingør "
    "Hillerød Holstebro Svendborg Sønderborg Haderslev Aabenraa Fredericia Middelfart Nyborg Slagelse Holbæk Køge "
    "Hjørring Frederikshavn Thisted Skive Ringkøbing Varde Billund Ikast Brande Hedensted Lemvig Struer Rebild "
    "Mariagerfjord Vesthimmerland Jammerbugt Brønderslev Læsø Samsø Fanø Tønder Assens Faaborg Kerteminde Nordfyns "
    "Langeland Ærø Lolland Guldborgsund Vordingborg Faxe Stevns Greve Solrød Lejre Kalundborg Odsherred Sorø Ringsted "
    "Furesø Rudersdal Lyngby Hørsholm Fredensborg Gribskov Halsnæs Allerød Egedal Albertslund Glostrup Brøndby "
    "Hvidovre Rødovre Herlev Ishøj Vallensbæk Tårnby Dragør Bornholm"
).split()
# Replacement towns, tried in a rotated order; one is used only when it occurs nowhere in the corpus text.
PLACE_POOL = (
    "Holstebro",
    "Thisted",
    "Sønderborg",
    "Hjørring",
    "Nyborg",
    "Skive",
    "Lemvig",
    "Tønder",
    "Faaborg",
    "Sorø",
)
# Replacement bodies by form: (stem for compounds "<stem>udvalget", the "Udvalget for …" form).
BODY_POOL = (("Havne", "Havne og Fiskeri"), ("Lufthavns", "Lufthavn og Færger"), ("Vinavls", "Vinavl og Skovbrug"))
FIRST_NAMES = frozenset(
    (
        "Mette Lotte Anne Jakob Jacob Ali Kristian Camilla Rabih Thomas Anders Hans Peter Lars Jens Søren Henrik "
        "Morten Louise Marie Hanne Helle Bente Karen Lene Susanne Christian Martin Michael Niels Ole Poul Rasmus Steen "
        "Torben Jesper Kim Bo Line Tina Pia Maria Eva Ida Laura Emma Sofie Polly Purnima Tone Metin Liv Jette "
        "Birgitte Gitte Malene Charlotte Dorthe Signe Simon Mads Frederik Kasper Nikolaj Jan Erik Claus Per Preben "
        "Sara Julie Katrine Trine Mona Anette Annette Lisbeth Marianne Nanna Stine Astrid Ulla Vibeke Tobias"
    ).split()
)
PERSON_POOL = ("Gunhild Vestergaard-Krogh", "Bjarke Overmose", "Solveig Lindkvist", "Eskild Brønnum-Hald")
_CAP = r"[A-ZÆØÅ][a-zæøåé]+"
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_BODY_RES = (
    # "Udvalget for mangfoldighed og ligestilling", "Udvalget for Børn og Unge"
    re.compile(r"\b(?P<full>[Uu]dvalget for (?:[A-ZÆØÅa-zæøå]+)(?: og [A-ZÆØÅa-zæøå]+)?)(?![\wæøå])"),
    # "Teknisk Udvalg"
    re.compile(r"\b(?P<two>" + _CAP + r" Udvalg)(?![\wæøå])"),
    # "mangfoldighedsudvalget", "Social- og Beskæftigelsesudvalget", "Kulturudvalgets", "Gruppeformandskredsen"
    re.compile(
        r"(?<![\wæøå§,-])(?P<comp>(?:[A-ZÆØÅa-zæøå]+-\s+og\s+)?(?P<stem>[A-ZÆØÅa-zæøå]+?)"
        r"(?P<suf>udvalgets|udvalget|rådets|rådet|kredsens|kredsen))(?![\wæøå])"
    ),
    re.compile(r"\b(?P<mag>Magistraten?s?)(?![\wæøå])"),
)
_NOT_BODY_STEMS = frozenset(("", "by", "fag", "ældre", "senior", "handicap", "integrations", "børne"))
_HV_START = re.compile(r"^\s*(?:hvad|hvem|hvor\w*|hvilke\w*|hvordan|hvorfor|hvornår|i\s+hvilke\w*)\b", re.I)
_DAY_RE = re.compile(
    r"\b\d{1,2}\.\s*(?:jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)[a-zæøå]*\b|"
    r"\b\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b",
    re.I,
)
# Sentence ends: after a word's last letter (not "18." of a date), before a capital; and line breaks.
_SENT_RE = re.compile(r"(?<=[a-zæøå)\"”][.!?])\s+(?=[A-ZÆØÅ\d])|\n+")


class Variant(NamedTuple):
    id: str  # "<original id>~<perturbation>"
    original: str  # the original case's id
    perturbation: str  # year | place | body | person | day | partial
    question: str
    expect: str  # "decline" (the material does not answer it) | "partial" (one part answered, one not)
    gold: str  # for "partial": "<supported>; ikke <missing part>"
    swapped: str  # "old → new"
    checked: str  # what was checked to make sure the material does not answer it


def _fold(text: str) -> str:
    """Corpus text for the absence checks: lower-cased, words split at a line break joined, whitespace collapsed."""
    text = re.sub(r"(\w)-[ \t]*\r?\n[ \t]*(\w)", r"\1\2", text.lower())
    return re.sub(r"\s+", " ", text)


class Corpus:
    """The set's documents as text, for checking that a swapped-in name occurs nowhere in the material."""

    def __init__(self, docs: dict[str, str]) -> None:
        self.docs = docs
        self.folded = _fold("\n".join(docs.values()))
        self.years = set(_YEAR_RE.findall(self.folded))
        self._sentences: list[str] | None = None
        self._stems: dict[str, list[int]] | None = None
        self._day_sentences: list[frozenset[str]] | None = None
        self._spots: dict[str, list[int]] = {}
        self.words = set(re.findall(r"[\wæøå]+", self.folded))

    @classmethod
    def from_dir(cls, folder: Path) -> Corpus:
        from evaluation.dataset import source_text

        files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".txt", ".md", ".pdf"))
        return cls({p.name: source_text(p) for p in files})

    def occurs(self, term: str) -> bool:
        """Whether the term occurs anywhere in the corpus text (lower-cased substring: also inside a compound)."""
        return _fold(term) in self.folded

    def has_year(self, year: str) -> bool:
        return year in self.years

    def positions(self, stem: str) -> list[int]:
        """Where a stemmed content word stands in the folded corpus text (character offsets, ascending)."""
        if self._stems is None:
            from assistant.citations import content_tokens

            self._stems = defaultdict(list)
            memo: dict[str, frozenset[str]] = {}
            for m in re.finditer(r"[\wæøå]+", self.folded):
                w = m.group(0)
                if w not in memo:
                    memo[w] = content_tokens(w)
                for t in memo[w]:
                    self._stems[t].append(m.start())
        return self._stems.get(stem, [])

    def near(self, term: str, stems: Iterable[str], window: int) -> bool:
        """Whether any occurrence of the term (a whole word) has one of the stems within `window` characters."""
        if term not in self._spots:
            rx = r"(?<![\wæøå])" + re.escape(_fold(term)) + r"(?![\wæøå])"
            self._spots[term] = [m.start() for m in re.finditer(rx, self.folded)]
        return self.near_spots(self._spots[term], stems, window)

    def near_spots(self, spots: Sequence[int], stems: Iterable[str], window: int) -> bool:
        """Whether one of the stems stands within `window` characters of one of the offsets `spots`."""
        import bisect

        for t in stems:
            pos = self.positions(t)
            for i in spots:
                j = bisect.bisect_left(pos, i - window)
                if j < len(pos) and pos[j] <= i + window:
                    return True
        return False

    def day_sentences(self) -> list[frozenset[str]]:
        """The content words of every corpus sentence that holds a day ("18. februar", "18/2", "2025-02-18")."""
        if self._day_sentences is None:
            from assistant.citations import content_tokens

            self._day_sentences = [content_tokens(s) for s in self.sentences() if _DAY_RE.search(s)]
        return self._day_sentences

    def sentences(self) -> list[str]:
        if self._sentences is None:
            self._sentences = [s for t in self.docs.values() for s in _SENT_RE.split(t) if s.strip()]
        return self._sentences


def _rotation(pool: Sequence[str], key: str) -> list[str]:
    """The pool in an order that depends only on the key (a case id): different cases get different names."""
    n = int(hashlib.sha1(key.encode()).hexdigest(), 16) % len(pool)
    return list(pool[n:]) + list(pool[:n])


def _replace_at(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def swap_year(question: str, corpus: Corpus) -> tuple[str, str, str] | None:
    """The question with its first year replaced by the nearest year not in the corpus (or None)."""
    m = _YEAR_RE.search(question)
    if not m:
        return None
    y = int(m.group(0))
    for d in range(1, 60):
        for cand in (y - d, y + d):
            if 1900 <= cand <= 2099 and not corpus.has_year(str(cand)):
                new = _replace_at(question, m.start(), m.end(), str(cand))
                return new, f"{m.group(0)} → {cand}", f"the year {cand} occurs nowhere in the corpus text"
    return None


def swap_place(question: str, corpus: Corpus, key: str) -> tuple[str, str, str] | None:
    """The question with its first town (not its first word) replaced by a town absent from the corpus."""
    for m in re.finditer(r"(?<![\wæøå-])(" + "|".join(PLACES) + r")(?![\wæøå])", question):
        if m.start() == len(question) - len(question.lstrip()):
            continue
        for town in _rotation(PLACE_POOL, key):
            if town != m.group(1) and not corpus.occurs(town):
                new = _replace_at(question, m.start(), m.end(), town)
                return new, f"{m.group(1)} → {town}", f"'{town.lower()}' occurs nowhere in the corpus text"
        return None
    return None


def swap_body(question: str, corpus: Corpus, key: str) -> tuple[str, str, str] | None:
    """The question with its first committee/council replaced by one absent from the corpus, in the same form."""
    found = []
    for rx in _BODY_RES:
        for m in rx.finditer(question):
            if m.groupdict().get("stem") is not None and m.group("stem").lower() in _NOT_BODY_STEMS:
                continue
            found.append(m)
    if not found:
        return None
    m = min(found, key=lambda m: m.start())
    old = m.group(0)
    for stem, full in _rotation(BODY_POOL, key):
        if m.groupdict().get("full"):
            new = old[0] + f"dvalget for {full}"
        elif m.groupdict().get("two"):
            new = f"{stem}udvalg"
            new = new[0].upper() + new[1:]
        elif m.groupdict().get("mag"):
            new = f"{stem}udvalget" + ("s" if old.endswith("s") else "")
        else:
            suf = m.group("suf")
            new = stem + suf if not old.startswith(m.group("stem")) or old[0].isupper() else stem.lower() + suf
            new = new[0].upper() + new[1:] if old[0].isupper() else new[0].lower() + new[1:]
        probe = (new, f"{stem}udvalg", full)
        if any(corpus.occurs(p) for p in probe):
            continue
        out = _replace_at(question, m.start(), m.end(), new)
        return out, f"{old} → {new}", "none of " + ", ".join(f"'{p.lower()}'" for p in probe) + " occurs in the corpus"
    return None


def swap_person(question: str, corpus: Corpus, key: str) -> tuple[str, str, str] | None:
    """The question with a person's name (a first name and one or two capitalised words, found in the corpus)
    replaced by a name whose surname occurs nowhere in the corpus."""
    for m in re.finditer(rf"(?<![\wæøå])({_CAP}(?:[ -]{_CAP}){{1,2}})(?![\wæøå])", question):
        name = m.group(1)
        if name.split()[0] not in FIRST_NAMES or not corpus.occurs(name) or m.start() == 0:
            continue
        for new in _rotation(PERSON_POOL, key):
            surname = new.split()[-1]
            if not corpus.occurs(surname) and not corpus.occurs(new):
                out = _replace_at(question, m.start(), m.end(), new)
                return out, f"{name} → {new}", f"'{surname.lower()}' occurs nowhere in the corpus text"
        return None
    return None


ELSEWHERE_WINDOW = 1500  # characters either side of a swapped-in name that must hold none of the rare words
ELSEWHERE_RARE = 3  # how many of the question's rarest topic words


def _rare_stems(question: str, corpus: Corpus, k: int, leave: str = "") -> list[str]:
    """The question's k topic words (stems) that occur least often in the corpus text, without the words of `leave`
    (the swapped name) and numbers; ties by the word."""
    from assistant.citations import content_tokens
    from assistant.extractive import topic_tokens

    words = sorted(topic_tokens(question) - content_tokens(leave))
    return sorted(words, key=lambda w: (len(corpus.positions(w)), w))[:k]


def swap_elsewhere(question: str, corpus: Corpus, key: str, kind: str) -> tuple[str, str, str] | None:
    """The question's first town (`kind` "place") or year ("year") replaced by one that the corpus names, but never
    within ELSEWHERE_WINDOW characters of any of the question's ELSEWHERE_RARE rarest topic words: the material
    speaks of that town/year, not about what the question asks."""
    if kind == "place":
        rx = re.compile(r"(?<![\wæøå-])(" + "|".join(PLACES) + r")(?![\wæøå])")
        m = next((m for m in rx.finditer(question) if question[: m.start()].strip()), None)
        if not m:
            return None
        cands = [t for t in _rotation(PLACES, key) if t != m.group(1) and t.lower() in corpus.words]
    else:
        m = _YEAR_RE.search(question)
        if not m:
            return None
        y = int(m.group(0))
        cands = [str(c) for d in range(1, 30) for c in (y - d, y + d) if corpus.has_year(str(c))]
    rare = _rare_stems(question, corpus, ELSEWHERE_RARE, m.group(0))
    if not rare:
        return None
    for new in cands:
        if not corpus.near(new, rare, ELSEWHERE_WINDOW):
            out = _replace_at(question, m.start(), m.end(), new)
            return (
                out,
                f"{m.group(0)} → {new}",
                f"'{new}' occurs in the corpus, never within {ELSEWHERE_WINDOW} characters of "
                + " / ".join(f"'{w}'" for w in rare),
            )
    return None


MONTHS = ("januar februar marts april maj juni juli august september oktober november december").split()
_MONTH_RE = re.compile(r"(?<![\wæøå])(" + "|".join(MONTHS) + r")(?![\wæøå])", re.I)


def swap_month(question: str, corpus: Corpus) -> tuple[str, str, str] | None:
    """The question's first month name → the nearest other month that the corpus never names (by name, or as a
    numeric date "18-03-…", "18/3") within ELSEWHERE_WINDOW characters of any of the question's ELSEWHERE_RARE
    rarest topic words: the material does not speak of the question's matter in that month."""
    m = _MONTH_RE.search(question)
    if not m:
        return None
    i = MONTHS.index(m.group(1).lower())
    rare = _rare_stems(question, corpus, ELSEWHERE_RARE, m.group(0))
    if not rare:
        return None
    for d in (1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6):
        j = i + d
        if not 0 <= j < 12:
            continue
        new = MONTHS[j]
        numeric = re.compile(rf"(?<!\d)\d{{1,2}}[./-]0?{j + 1}(?:[./-]\d{{2,4}})?(?!\d)")
        spots = [x.start() for x in numeric.finditer(corpus.folded)]
        if corpus.near(new, rare, ELSEWHERE_WINDOW) or corpus.near_spots(spots, rare, ELSEWHERE_WINDOW):
            continue
        new = new if m.group(1).islower() else new.capitalize()
        return (
            _replace_at(question, m.start(), m.end(), new),
            f"{m.group(1)} → {new}",
            f"'{new.lower()}' (or a numeric date in month {j + 1}) never within {ELSEWHERE_WINDOW} characters of "
            + " / ".join(f"'{w}'" for w in rare),
        )
    return None


def swap_day(question: str, gold: str, corpus: Corpus) -> tuple[str, str, str] | None:
    """A one-part "Hvornår …?" → "Hvilken dato …?" where neither the gold answer nor any corpus sentence holding
    one of the question's two rarest topic words holds a day (so the material cannot give the date)."""
    from assistant.question_kinds import parts

    m = re.match(r"\s*Hvornår\b", question)
    if not m or len(parts(question)) != 1 or _DAY_RE.search(gold):
        return None
    rare = _rare_stems(question, corpus, 2)
    if not rare:
        return None
    if any(set(rare) & toks for toks in corpus.day_sentences()):
        return None
    new = "Hvilken dato" + question[m.end() :]
    return (
        new,
        "Hvornår → Hvilken dato",
        f"no day in the gold answer; no corpus sentence holding '{rare[0]}'"
        + (f" or '{rare[1]}'" if len(rare) > 1 else "")
        + " holds a day",
    )


SWAPS = ("year", "place", "body", "person")


def variants_of(case: dict, corpus: Corpus) -> list[Variant]:
    """The perturbed variants of one answerable case (at most one per perturbation)."""
    q, key = case["question"], case["id"]
    out = []
    for kind in SWAPS:
        got = {
            "year": lambda: swap_year(q, corpus),
            "place": lambda: swap_place(q, corpus, key),
            "body": lambda: swap_body(q, corpus, key),
            "person": lambda: swap_person(q, corpus, key),
        }[kind]()
        if got and got[0] != q:
            out.append(Variant(f"{key}~{kind}", key, kind, got[0], "decline", "", got[1], got[2]))
    got = swap_month(q, corpus)
    if got and got[0] != q:
        out.append(Variant(f"{key}~month", key, "month", got[0], "decline", "", got[1], got[2]))
    for kind in ("place", "year"):
        got = swap_elsewhere(q, corpus, key, kind)
        if got and got[0] != q:
            out.append(Variant(f"{key}~{kind}-elsewhere", key, f"{kind}-elsewhere", *got[:1], "decline", "", *got[1:]))
    got = swap_day(q, case.get("answer", ""), corpus)
    if got:
        out.append(Variant(f"{key}~day", key, "day", got[0], "decline", "", got[1], got[2]))
    return out


def _one_part_hv(question: str) -> bool:
    from assistant.question_kinds import parts

    return bool(_HV_START.match(question)) and question.rstrip().endswith("?") and len(parts(question)) == 1


def partial_joins(cases: Sequence[dict], swaps: dict[str, list[Variant]]) -> list[Variant]:
    """Each answerable one-part hv-question joined with the first swap variant of the next such question of the same
    document (in the set's order): "<original>, og <variant>?"."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for c in cases:
        if _one_part_hv(c["question"]):
            by_doc[c.get("source_file", "").split(" ||| ")[0]].append(c)
    out = []
    for doc_cases in by_doc.values():
        for a, b in zip(doc_cases, doc_cases[1:]):
            vs = [v for v in swaps.get(b["id"], []) if v.perturbation in SWAPS and _one_part_hv(v.question)]
            if not vs:
                continue
            v = vs[0]
            tail = v.question.strip()
            joined = a["question"].rstrip().rstrip("?") + ", og " + tail[0].lower() + tail[1:]
            gold = a["answer"].rstrip(". ") + "; ikke " + tail[0].lower() + tail[1:].rstrip("?")
            out.append(
                Variant(
                    f"{a['id']}+{v.id}",
                    a["id"],
                    "partial",
                    joined,
                    "partial",
                    gold,
                    v.swapped,
                    f"first part: the original {a['id']}; second part: {v.checked}",
                )
            )
    return out


def generate(cases: Iterable[dict], corpus: Corpus) -> list[Variant]:
    """Every variant of a set's answerable cases: the swaps and day swaps per case, then the partial joins."""
    cases = [c for c in cases if c.get("kind") not in ANSWERABLE_SKIP and c.get("evidence")]
    swaps = {c["id"]: variants_of(c, corpus) for c in cases}
    return [v for c in cases for v in swaps[c["id"]]] + partial_joins(cases, swaps)


# ----------------------------------------------------------------------------------------------------- answering


def corpus_for(name: str, shared: Path) -> Corpus:
    """The text of a set's corpus: the shared set's five text files; for the real-sources set every file the
    ingest reads in corpus-pdf/, esdh/ and html/ (evaluation/configs/sources.toml), without OCR (the scanned building
    list is not read, nor a file the ingest cannot load: an old .DOC without antiword)."""
    if name == "shared":
        return Corpus.from_dir(shared / "corpus")
    if name == "sources":
        from ingest.loaders import LoadError, LoadOptions
        from ingest.parse import parse_file

        docs = {}
        for folder in ("corpus-pdf", "esdh", "html"):
            for p in sorted((shared / folder).rglob("*")):
                if p.is_file():
                    try:
                        docs[str(p.relative_to(shared))] = parse_file(p, opts=LoadOptions(ocr=False)).text
                    except LoadError:
                        pass
        return Corpus(docs)
    raise SystemExit(f"no corpus text reader for the set {name!r} (shared, sources)")


def summarise(rows: list[dict]) -> dict[str, Any]:
    def rate(xs):
        xs = list(xs)
        return {"n": len(xs), "rate": round(sum(xs) / len(xs), 3) if xs else None}

    every = [r for r in rows if r["role"] == "original"]
    by_id = {r["id"] for r in every}
    varied = {r["original"] for r in rows if r["role"] == "perturbed"}
    orig = [r for r in every if r["id"] in varied]
    pert = [r for r in rows if r["role"] == "perturbed" and r["expect"] == "decline"]
    part = [r for r in rows if r["expect"] == "partial"]
    plain = {r["id"] for r in orig if not r["refused"] and not r["declines"]}
    out = {
        # a variant declined while its original is answered without a hedge: the rule tells the two apart
        "pairs_separated": rate(
            (r["refused"] or r["declines"]) and r["original"] in plain for r in pert if r["original"] in by_id
        ),
        "originals": {
            "n": len(orig),
            "refused": rate(r["refused"] for r in orig)["rate"],
            "hedged": rate(r["declines"] and not r["refused"] for r in orig)["rate"],
            "correct": rate(r["correct"] for r in orig)["rate"],
        },
        "all_answerable": {
            "n": len(every),
            "refused": rate(r["refused"] for r in every)["rate"],
            "hedged": rate(r["declines"] and not r["refused"] for r in every)["rate"],
            "correct": rate(r["correct"] for r in every)["rate"],
        },
        "perturbed_declined": rate(r["refused"] or r["declines"] for r in pert),
        "perturbed_refused": rate(r["refused"] for r in pert),
        "by_perturbation": {
            k: rate(r["refused"] or r["declines"] for r in pert if r["perturbation"] == k)
            for k in sorted({r["perturbation"] for r in pert})
        },
        "partial_correct": rate(r["correct"] for r in part),  # evaluation.metrics.partial_correct
        "partial_supported_given": rate(r["supported_given"] for r in part),
        "partial_missing_named": rate(r["missing_named"] for r in part),  # a "men ikke" clause with its words
        "partial_refused": rate(r["refused"] for r in part),
    }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default="")
    ap.add_argument("--sets", default="shared")
    ap.add_argument("--shared", default=str(SHARED), help="the shared folder (the corpus text)")
    ap.add_argument("--generate-only", action="store_true")
    ap.add_argument("--cases-out", default="")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "near-miss.json"))
    ap.add_argument("--rows", default=str(Path("/tmp") / "near-miss-rows.jsonl"))
    ap.add_argument(
        "--settings",
        default="",
        help='answer with these constants of assistant.extractive/answerable set, e.g. "ABSENT_NAMES=false;NAME_SIM=0.9"',
    )
    args = ap.parse_args()
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    generated = {}
    for name in names:
        cases = load_cases(SETS[name])
        variants = generate(cases, corpus_for(name, Path(args.shared)))
        generated[name] = (cases, variants)
        print(f"{name}: {len(variants)} variants " + json.dumps(Counter(v.perturbation for v in variants)))
        if args.cases_out:
            with open(args.cases_out, "w", encoding="utf-8") as f:
                for v in variants:
                    f.write(json.dumps(v._asdict(), ensure_ascii=False) + "\n")
    if args.generate_only:
        return 0
    if not args.data_dir:
        ap.error("--data-dir is needed to answer (or --generate-only)")
    from assistant import extractive
    from byraad.access import User
    from evaluation.metrics import answer_correct, names_missing

    from answer_sweep import answerer_modules, parse_grid, set_constant

    settings = parse_grid(args.settings)
    module = answerer_modules(settings)
    for k, vs in settings.items():
        if module[k] is None:
            ap.error(f"no such constant in assistant.extractive or assistant.answerable: {k}")
        set_constant(module[k], k, vs[0], getattr(module[k], k))
    assistant, index = build(args.data_dir, "extractive")
    council = User("eval-byraadsmedlem", ("byraadsmedlem",))
    seen: dict[str, Any] = {}
    compose = extractive.compose

    def recording(question, *a, **kw):  # the refusal signals of the last answer (benchmark only)
        comp = compose(question, *a, **kw)
        seen["signals"], seen["reason"] = dict(comp.signals), comp.reason
        return comp

    extractive.compose = recording
    results: dict[str, Any] = {"data_dir": args.data_dir, "settings": args.settings, "sets": {}}
    rows_all = []
    t0 = time.time()
    try:
        for name, (cases, variants) in generated.items():
            halves = halves_of(SETS[name])
            by_id = {c["id"]: c for c in cases}
            by_variant = {v.id: v for v in variants}
            # the controls: every answerable case of the set (the originals of the variants among them)
            asked = [
                (c, "original", "", "answer") for c in cases if c.get("kind") not in ANSWERABLE_SKIP and c["evidence"]
            ]
            asked += [
                (
                    {
                        "id": v.id,
                        "question": v.question,
                        "kind": "partial" if v.expect == "partial" else "unanswerable",
                        "answer": v.gold,
                        "evidence": by_id[v.original]["evidence"] if v.expect == "partial" else "",
                    },
                    "perturbed",
                    v.perturbation,
                    v.expect,
                )
                for v in variants
            ]
            rows = []
            for case, role, pert, expect in asked:
                seen.clear()
                ans = assistant.answer(case["question"], council)
                half = halves.get(case["id"].split("~")[0].split("+")[0], "")
                row = score(case, ans, index, False, half) | {
                    "set": name,
                    "original": case["id"] if role == "original" else by_variant[case["id"]].original,
                    "swapped": by_variant[case["id"]].swapped if role == "perturbed" else "",
                    "role": role,
                    "perturbation": pert,
                    "expect": expect,
                    "signals": seen.get("signals", {}),
                    "compose_reason": seen.get("reason", ""),
                }
                if expect == "partial":
                    supported, _, missing = case["answer"].partition("; ikke ")
                    row["supported_given"] = bool(answer_correct(supported, ans.text)[0]) and not ans.refused
                    row["missing_named"] = names_missing("", missing, ans.text) and not ans.refused
                rows.append(row)
            rows_all += rows
            results["sets"][name] = {
                h: summarise([r for r in rows if h == "all" or r["half"] == h]) for h in ("tune", "check", "all")
            }
            assistant.retriever.save()
    finally:
        extractive.compose = compose
    results["seconds"] = round(time.time() - t0, 1)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(args.rows, "w", encoding="utf-8") as f:
        for r in rows_all:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for name, parts_ in results["sets"].items():
        for h, s in parts_.items():
            o = s["originals"]
            print(
                f"{name:7s} {h:5s} originals n={o['n']} refused={o['refused']} hedged={o['hedged']} "
                f"correct={o['correct']} (all n={s['all_answerable']['n']} refused={s['all_answerable']['refused']} "
                f"correct={s['all_answerable']['correct']}) | perturbed declined={s['perturbed_declined']} "
                f"{json.dumps({k: v['rate'] for k, v in s['by_perturbation'].items()})} | "
                f"partial={s['partial_correct']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
