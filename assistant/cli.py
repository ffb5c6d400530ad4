"""`byraad ask`, `byraad retrieve` and `byraad case`: the assistant, the retriever and a case's history from the
command line.

The CLI acts as a user: `--user NAME` (looked up in <data_dir>/users.sqlite when that store exists; `--groups` adds
groups), `--all-access` for the secretariat's own checks, and otherwise public material only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable

import click

from byraad.access import User
from byraad.dates import format_date
from byraad.types import Answer, Hit


def _date(value: str | None, end: bool = False) -> int | None:
    """YYYY-MM-DD, YYYYMMDD, YYYY-MM (its first/last day) or YYYY (its first/last day) → YYYYMMDD; a date that
    does not exist (month 13, 31 April) is a usage error, not a filter that silently matches nothing."""
    import calendar
    import datetime

    if not value:
        return None
    v = value.strip().replace("-", "")
    if len(v) == 4 and v.isdigit():
        return int(v + ("1231" if end else "0101"))
    if len(v) == 6 and v.isdigit():
        y, m = int(v[:4]), int(v[4:])
        if 1 <= m <= 12:
            return int(v + (f"{calendar.monthrange(y, m)[1]:02d}" if end else "01"))
    if len(v) == 8 and v.isdigit():
        try:
            datetime.date(int(v[:4]), int(v[4:6]), int(v[6:]))
        except ValueError:
            pass
        else:
            return int(v)
    raise click.BadParameter(f"ugyldig dato {value!r}; brug ÅÅÅÅ-MM-DD")


# --kind in Danish as members say it, beside the index's own names (byraad.types.KINDS).
KIND_ALIASES = {
    "dagsorden": "agenda",
    "dagsordener": "agenda",
    "referat": "minutes",
    "referater": "minutes",
    "indstillinger": "indstilling",
    "håndbog": "handbook",
    "haandbog": "handbook",
    "rapport": "report",
    "rapporter": "report",
    "notat": "report",
    "notater": "report",
    "andet": "other",
}


def _kinds(values) -> tuple[str, ...]:
    """--kind values as the index names them; an unknown one is a usage error (it would match nothing)."""
    from byraad.types import KINDS

    out = []
    for v in values or ():
        k = KIND_ALIASES.get(v.strip().lower(), v.strip().lower())
        if k not in KINDS:
            raise click.BadParameter(
                f"ukendt dokumenttype {v!r}; brug en af: {', '.join(KINDS)} (eller dagsorden, referat, rapport, "
                "notat, håndbog, andet)",
                param_hint="'--kind'",
            )
        out.append(k)
    return tuple(dict.fromkeys(out))


def _warn_unknown_filters(index, levels, bodies, docs) -> None:
    """A --body or --doc with no material the asker may see matches nothing: say so on stderr (with the bodies
    that do exist for this asker, read from the chunks their access admits only — vectorstore.filters.facets_of, as
    the app's filter list — so a list never names a body that occurs only in material they may not see)."""
    from byraad.text import body_key
    from vectorstore.filters import Filter, facets_of

    if not bodies and not docs:
        return
    seen = facets_of(index.chunks_where(Filter(access=levels)))
    for b in bodies:
        if body_key(str(b)) not in seen["bodies"]:
            names = ", ".join(sorted(set(seen["bodies"].values()))) or "ingen"
            click.echo(
                f"Bemærk: intet materiale fra udvalg/organ {b!r}, som du har adgang til. Kendte: {names}.", err=True
            )
    for d in docs:
        if d not in seen["doc_ids"]:
            click.echo(
                f"Bemærk: intet dokument med doc_id {d!r}, som du har adgang til (se `--json`: meta.doc_id).", err=True
            )


def lookup_user(settings, name: str | None, groups: str | None) -> User | None:
    """The user the CLI acts as: from the user store when it knows the name, else the given groups (or public)."""
    extra = tuple(g.strip() for g in (groups or "").split(",") if g.strip())
    if not name:
        return User("cli", ("public", *extra)) if extra else None
    path = Path(settings.data_dir) / "users.sqlite"
    found: User | None = None
    if path.exists():
        try:
            from byraad import users  # written by the users issue; optional here

            found = users.UserStore(path).get(name)
        except Exception as e:  # a missing/older store must not stop the CLI; say so
            click.echo(f"Bemærk: brugerlageret kunne ikke læses ({e}).", err=True)
    if found is None:
        if not extra:
            click.echo(
                f"Bemærk: ukendt bruger {name!r} – behandles som offentlig (kun offentligt materiale).", err=True
            )
        return User(name, ("public", *extra))
    return User(found.name, tuple(dict.fromkeys((*found.groups, *extra))))


def hit_json(h: Hit, index) -> dict[str, Any]:
    from assistant.prompts import page_label

    m = h.chunk.meta
    try:
        src = index.source_text(h.chunk.chunk_id)
    except Exception:
        src = ""
    return {
        "rank": h.rank,
        "score": round(float(h.score), 6),
        "chunk_id": h.chunk.chunk_id,
        "source": str(m.get("path", "")),
        "title": str(m.get("title", "")),
        "pages": page_label(m),
        "text": h.chunk.text,
        "source_text": src,
        "meta": dict(m),
    }


def answer_json(a: Answer, index) -> dict[str, Any]:
    return {
        "question": a.question,
        "answer": a.text,
        "refused": a.refused,
        "citations": [dataclasses.asdict(c) for c in a.citations],
        "hits": [hit_json(h, index) for h in a.hits],
        "notes": list(a.notes),
        "period": a.period,
        "standalone_query": a.standalone_query,
        "filters": dict(a.filters),
        "steps": list(a.steps),
        "mode": a.mode,
        "settings_fingerprint": a.settings_fingerprint,
        "timings": {k: round(v, 2) for k, v in a.timings.items()},
    }


def render_answer(a: Answer) -> str:
    """The answer for a terminal: text, sources with quotes, notes; 'måske relevant' for a refusal."""
    from assistant.extractive import doc_title, item_title
    from assistant.prompts import page_label

    lines = [a.text, ""]
    if a.citations:
        lines.append("Kilder:")
        for c in a.citations:
            where = ", ".join(
                x
                for x in (
                    c.body,
                    format_date(c.meeting_date) if c.meeting_date else "",
                    f"punkt {c.item_no}" if c.item_no else "",
                )
                if x
            )
            lines.append(
                f"[{c.key}] {c.title.lstrip('# ')}"
                + (f", side {c.pages}" if c.pages else "")
                + (f" – {where}" if where else "")
                + f" ({c.path})"
            )
            q = " ".join(c.quote.split())
            lines.append(f"    »{q[:300]}{'…' if len(q) > 300 else ''}«")
    elif a.refused and a.hits:
        # Up to three different places (document, item, pages): several chunks of one item are one suggestion.
        lines.append("Måske relevant:")
        shown: list[str] = []
        for h in a.hits:
            m = h.chunk.meta
            t = item_title(m)
            pages = page_label(m)
            line = (
                f"  - {doc_title(m)}"
                + (f", punkt {m.get('item_no')} {t}" if m.get("item_no") else "")
                + (f", side {pages}" if pages else "")
                + f" ({m.get('path', '')})"
            )
            if line not in shown:
                shown.append(line)
            if len(shown) == 3:
                break
        lines += shown
    for n in a.notes:
        lines.append(f"Bemærk: {n}")
    return "\n".join(lines).rstrip()


def render_trail(trail) -> str:
    """The trail for a terminal (byraad case)."""
    if not trail.treatments:
        return f"Ingen behandlinger af sag {trail.case_number} fundet i det materiale, du har adgang til."
    out = [
        f"Sagsforløb for {trail.case_number} ({len(trail.treatments)} behandling"
        f"{'er' if len(trail.treatments) > 1 else ''})",
        "",
    ]
    for i, t in enumerate(trail.treatments, 1):
        head = ", ".join(x for x in (t.body, t.meeting_kind, f"punkt {t.item_no}" if t.item_no else "") if x)
        out.append(f"{i}. {t.date_text} – {head}" + (f": {t.item_title}" if t.item_title else ""))
        if t.recommendation:
            out.append(f"   Indstilling: {t.recommendation}")
        if t.decision:
            out.append(f"   Beslutning: {t.decision}")
        elif t.summary:
            out.append(f"   {t.summary}")
        if not t.decision:
            out.append("   (ingen beslutning i materialet)")
        out.append(f"   Kilde: {t.path}" + (f", side {t.pages}" if t.pages else ""))
    return "\n".join(out)


def _questions(path: str) -> Iterable[dict]:
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise click.UsageError(f"{path}:{no}: ugyldig JSON ({e})") from None
                if "question" not in obj:
                    raise click.UsageError(f"{path}:{no}: mangler 'question'")
                if not isinstance(obj["question"], str) or not obj["question"].strip():
                    raise click.UsageError(f"{path}:{no}: 'question' er tom")
                yield obj


def _common(f):
    opts = [
        click.option(
            "--questions",
            type=click.Path(exists=True, dir_okay=False),
            help="JSONL-fil med {id, question} pr. linje; skriver ét JSON-objekt pr. linje.",
        ),
        click.option("--doc", "docs", multiple=True, help="Kun dette dokument (doc_id); kan gentages."),
        click.option("--to", "date_to", help="Til og med dato (ÅÅÅÅ-MM-DD)."),
        click.option("--from", "date_from", help="Fra og med dato (ÅÅÅÅ-MM-DD)."),
        click.option(
            "--kind",
            "kinds",
            multiple=True,
            help="Dokumenttype: dagsorden|referat|indstilling|håndbog|rapport|andet "
            "(eller agenda|minutes|indstilling|handbook|report|other); kan gentages.",
        ),
        click.option("--body", "bodies", multiple=True, help="Udvalg/organ; kan gentages."),
        click.option("--all-access", is_flag=True, help="Se alt materiale (sekretariatets egne tjek)."),
        click.option("--groups", help="Grupper, kommasepareret (fx byraadsmedlem,udvalg:teknik-og-miljoeudvalget)."),
        click.option("--user", "user_name", help="Brugernavn (slås op i brugerlageret)."),
        click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid", show_default=True),
        click.option("-k", "--k", "k", type=int, help="Antal kilder (standard: top_k)."),
        click.option("--json", "as_json", is_flag=True, help="JSON på stdout."),
        click.argument("question", required=False),
    ]
    for o in opts:
        f = o(f)
    return f


def _setup(obj, user_name, groups, all_access, bodies, kinds, docs, date_from, date_to, *, with_llm=False):
    """The assistant (build_assistant; its LLM only when answering), the user and the filters of one command."""
    from assistant.assistant import build_assistant
    from vectorstore.index import Index

    s = obj.settings
    index = Index(s, environ=os.environ)
    if not index.all_chunks():
        click.echo("Fejl: indekset er tomt – kør `byraad ingest` først.", err=True)
        sys.exit(2)
    try:
        asst = build_assistant(s, index, environ=os.environ) if with_llm else build_assistant(s, index, llm=None)
    except (ValueError, ImportError) as e:
        raise click.UsageError(str(e)) from None
    user = None if all_access else lookup_user(s, user_name, groups)
    filters = {
        "bodies": tuple(bodies),
        "kinds": _kinds(kinds),
        "doc_ids": tuple(docs),
        "date_from": _date(date_from),
        "date_to": _date(date_to, end=True),
    }
    if filters["date_from"] and filters["date_to"] and filters["date_from"] > filters["date_to"]:
        raise click.UsageError(f"--from {date_from} ligger efter --to {date_to}")
    _warn_unknown_filters(index, asst.retriever.access_for(user, all_access), bodies, docs)
    return index, asst, user, filters


def _batch(question: str | None, questions: str | None) -> list[dict]:
    if questions:
        return list(_questions(questions))
    if not question or not question.strip():
        raise click.UsageError("angiv et spørgsmål eller --questions FIL.jsonl")
    return [{"question": question}]


def register(main: click.Group) -> None:
    """Add `ask`, `retrieve` and `case` to the byraad command group."""

    @main.command()
    @_common
    @click.pass_obj
    def ask(
        obj,
        question,
        as_json,
        k,
        mode,
        user_name,
        groups,
        all_access,
        bodies,
        kinds,
        date_from,
        date_to,
        docs,
        questions,
    ):
        """Stil et spørgsmål; svaret har kildehenvisninger [n] – eller siger ærligt, at materialet ikke svarer."""
        index, asst, user, filters = _setup(
            obj, user_name, groups, all_access, bodies, kinds, docs, date_from, date_to, with_llm=True
        )
        for item in _batch(question, questions):
            a = asst.answer(item["question"], user, all_access=all_access, mode=mode, k=k, **filters)
            if questions:
                click.echo(json.dumps({"id": item.get("id"), **answer_json(a, index)}, ensure_ascii=False))
            elif as_json:
                click.echo(json.dumps(answer_json(a, index), ensure_ascii=False, indent=2))
            else:
                click.echo(render_answer(a))

    @main.command()
    @_common
    @click.pass_obj
    def retrieve(
        obj,
        question,
        as_json,
        k,
        mode,
        user_name,
        groups,
        all_access,
        bodies,
        kinds,
        date_from,
        date_to,
        docs,
        questions,
    ):
        """Vis de kilder, der ville blive brugt til at svare (uden svar)."""
        index, asst, user, filters = _setup(obj, user_name, groups, all_access, bodies, kinds, docs, date_from, date_to)
        for item in _batch(question, questions):
            r = asst.retriever.retrieve(item["question"], user, k=k, mode=mode, all_access=all_access, **filters)
            out = {
                "question": item["question"],
                "hits": [hit_json(h, index) for h in r.hits],
                "weak": r.weak,
                "period": r.query.period,
            }
            if questions:
                click.echo(json.dumps({"id": item.get("id"), **out}, ensure_ascii=False))
            elif as_json:
                click.echo(json.dumps(out, ensure_ascii=False, indent=2))
            else:
                if r.query.period:
                    click.echo(f"Periode: {r.query.period}")
                if r.weak:
                    click.echo("(svag evidens – et svar ville blive afvist)")
                for h in r.hits:
                    d = hit_json(h, index)
                    click.echo(
                        f"{d['rank']:>2}. {d['score']:.4f}  {d['title']}"
                        + (f", side {d['pages']}" if d["pages"] else "")
                        + f"  ({d['source']})"
                    )
                    click.echo("    " + " ".join(h.chunk.text.split())[:200])

    @main.command("case")
    @click.argument("case_number")
    @click.option("--user", "user_name", help="Brugernavn (slås op i brugerlageret).")
    @click.option("--groups", help="Grupper, kommasepareret.")
    @click.option("--all-access", is_flag=True, help="Se alt materiale (sekretariatets egne tjek).")
    @click.option("--json", "as_json", is_flag=True, help="JSON på stdout.")
    @click.pass_obj
    def case(obj, case_number, user_name, groups, all_access, as_json):
        """Vis en sags forløb: hver behandling i datoorden med indstilling og beslutning (exit 1: ingen fundet).

        CASE_NUMBER fx SAG-2023-00412, "EMN-2023-009780" eller "Sagsnr. 27.00.00-A00-1-22"."""
        from assistant.case import case_trail

        index, asst, user, _ = _setup(obj, user_name, groups, all_access, (), (), (), None, None)
        trail = case_trail(asst.retriever, case_number, asst.retriever.access(user, all_access))
        if as_json:
            click.echo(json.dumps(trail.to_dict(), ensure_ascii=False, indent=2))
        else:
            click.echo(render_trail(trail))
        sys.exit(0 if trail.treatments else 1)
