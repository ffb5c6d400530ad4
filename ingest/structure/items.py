"""Agenda items of a meeting: "Punkt N:" and "N. Title" items, their decisions, case numbers and access."""

from __future__ import annotations

import re
from dataclasses import replace

from byraad.dates import parse_danish_date
from byraad.types import PUBLIC, AgendaItem
from ingest.access import (
    CLOSED,
    CLOSED_HEADING,
    CLOSED_LINE,
    CLOSED_REFERENCE,
    CLOSED_TITLE,
    OPEN_HEADING,
    closed_level,
)
from ingest.structure.lines import (
    CASE_LINE,
    DEC_HEAD,
    NUM_ITEM,
    NUM_ITEM_LONG,
    PUNKT,
    TIMEBOX,
    Line,
    find_case_numbers,
    is_anchor,
    item_number,
    next_nonblank,
    norm_line,
)
from ingest.structure.meetings import MeetingBuilder

# Where a decision text ends: an all-caps heading ("BESLUTNINGSFORSLAG FRA DD") or a case-file section label.
DEC_STOP = re.compile(
    r"^(?:Bilag|Resum[eé]|Sagsfremstilling|Supplerende [Ss]agsfremstilling|Indstilling|Baggrund|"
    r"Sammendrag|Beslutningspunkter|Sagsforløb|Økonomi.{0,40}|Følgende deltog ikke.*|Underskriftsside|"
    r"Beslutningen træffes af|Lovgrundlag|Høring)\s*:?$"
)
ATTACH_CUT = re.compile(r"^(?:Indstilling|Punkt\s+\d+,\s*Bilag\s+\d+:.*|.*\b[Ss]ide\s+\d+\s+af\s+\d+)\s*$")


def _cut(lines: list[Line], j: int, end: int, stops: set[int]) -> int:
    """Offset of the first attachment line (or stop offset) after line j and before `end`, else `end`."""
    for ln in lines[j + 1 :]:
        if ln.start >= end:
            break
        if ln.start in stops or (ln.s and ATTACH_CUT.match(ln.s)):
            return ln.start
    return end


def _decision_heading(lines: list[Line], bi: int, btitle: str, want: str) -> int:
    """Last line of a "Beslutning for Punkt N: …" heading that wraps ("… Nordic Safe" / "Cities")."""
    got, j = norm_line(TIMEBOX.sub("", btitle)), bi
    while want and got != want and want.startswith(got):
        jj = next_nonblank(lines, j, 2)
        if jj < 0:
            break
        cand = norm_line(f"{got} {lines[jj].s}")
        if not want.startswith(cand):
            break
        got, j = cand, jj
    return j


def punkt_items(text: str, lines: list[Line], mb: MeetingBuilder, stops: set[int]) -> list[AgendaItem]:
    """Items of a "Punkt N: Title" meeting, with "Beslutning for Punkt N" decisions."""
    items = []
    for k, (li, n, title) in enumerate(mb.punkt):
        start = lines[li].start
        nxt = lines[mb.punkt[k + 1][0]].start if k + 1 < len(mb.punkt) else mb.end
        clean = TIMEBOX.sub("", title).strip()
        case_at = next((j for j in range(li + 1, min(len(lines), li + 6)) if CASE_LINE.match(lines[j].s)), -1)
        if case_at > 0 and all(
            not lines[j].s or (len(lines[j].s) < 100 and not is_anchor(lines[j].s) and not DEC_HEAD.match(lines[j].s))
            for j in range(li + 1, case_at)
        ):
            # FirstAgenda: the title runs up to its case-number line ("… Havnens" / "Perles fremtid …" / "EMN-…")
            clean = " ".join([clean] + [lines[j].s for j in range(li + 1, case_at) if lines[j].s])
        elif clean == title.strip() and not re.search(r"[.:!?]$", clean):
            for cont in lines[li + 1 : li + 3]:  # a title wrapped onto the next line(s), no blank between
                c = cont.s
                if (
                    not c
                    or is_anchor(c)
                    or len(c) >= 80
                    or c.endswith((".", ":"))
                    or c == "."
                    or c[:1] in "•-–▪"
                    or re.match(r"^[\wæøåÆØÅ/. -]{2,30}:", c)
                    or CASE_LINE.match(c)
                    or DEC_HEAD.match(c)
                ):
                    break
                clean = f"{clean} {c}"
        end, decision, dstart = nxt, "", -1
        b = next((b for b in mb.besl if b[1] == n and start < lines[b[0]].start < nxt), None)
        if b:
            j = _decision_heading(lines, b[0], b[2], norm_line(clean))
            end = _cut(lines, j, nxt, stops)
            seg = text[lines[j].end : end]
            dec = seg.strip()
            if dec and dec != ".":
                decision, dstart = dec, lines[j].end + len(seg) - len(seg.lstrip())
        else:
            decision, dstart = _decision(text, lines, mb, li, nxt)
            if not decision and CLOSED_TITLE.search(clean) and case_at > 0:
                decision, dstart = _closed_decision(text, lines, case_at, nxt)
        items.append(AgendaItem(number=n, title=clean, start=start, end=end, decision=decision, decision_start=dstart))
    return items


def _decision(text: str, lines: list[Line], mb: MeetingBuilder, li: int, end: int) -> tuple[str, int]:
    """(decision text, offset) under a decision heading (DEC_HEAD) inside an item; of several (an item
    treated at several meetings) the one dated with this meeting, else the last."""
    cands = [d for d in mb.decs if d > li and lines[d].start < end]
    if not cands:
        return "", -1
    dated = [d for d in cands if mb.date and decision_date(lines[d].s) == mb.date]
    d = (dated or cands)[-1]
    m = DEC_HEAD.match(lines[d].s)
    if m.group("inline"):
        parts = [(lines[d].start + m.start("inline"), lines[d].end)]
    else:
        parts = []
    for j in range(d + 1, len(lines)):
        ln = lines[j]
        if ln.start >= end or (ln.s and _dec_stop(ln.s)):
            break
        if ln.s:
            parts.append((ln.start, ln.end))
    while parts and text[parts[-1][0] : parts[-1][1]].strip() in (".", ""):
        parts.pop()  # a stray "." line after the decision
    if not parts:
        return "", -1
    return text[parts[0][0] : parts[-1][1]].strip(), parts[0][0]


def _closed_decision(text: str, lines: list[Line], case_at: int, end: int) -> tuple[str, int]:
    """A closed item published with its decision only (FirstAgenda "Lukket: …"): the short text after the
    case number is the decision."""
    j = next_nonblank(lines, case_at, 2)
    if j < 0 or lines[j].start >= end:
        return "", -1
    seg = text[lines[j].start : end].strip()
    return (seg, lines[j].start) if 0 < len(seg) <= 600 else ("", -1)


def _dec_stop(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(
        DEC_HEAD.match(s)
        or DEC_STOP.match(s)
        or PUNKT.match(s)
        or CASE_LINE.match(s)
        or (len(letters) >= 6 and all(c.isupper() for c in letters))
    )


def decision_date(s: str) -> int | None:
    m = DEC_HEAD.match(s)
    return parse_danish_date(m.group("date1") or m.group("date2") or "") if m else None


def _num_title(lines: list[Line], i: int) -> str:
    """Title of an "N. Title" item, joined with a wrapped continuation line."""
    title = (NUM_ITEM.match(lines[i].s) or NUM_ITEM_LONG.match(lines[i].s)).group(2).strip()
    if re.search(r"[.:!?]$", title):
        return title
    jj = next_nonblank(lines, i, 2)
    if jj < 0:
        return title
    nxt = lines[jj].s
    if nxt[:1].islower() and len(nxt) < 80 and not is_anchor(nxt):
        return f"{title} {nxt}"
    after = lines[jj + 1].s if jj + 1 < len(lines) else ""
    isolated = not after or bool(re.match(r"^[\wæøåÆØÅ/ -]{2,30}:", after)) or bool(NUM_ITEM.match(after))
    if (
        jj <= i + 2
        and isolated
        and len(title) > 40
        and len(nxt) < 70
        and nxt[:1].isupper()
        and ":" not in nxt
        and not re.search(r"[.!?]$", nxt)
        and not NUM_ITEM.match(nxt)
        and not is_anchor(nxt)
    ):
        return f"{title} {nxt}"
    return title


def _runs(lines: list[Line], cands: list[int]) -> list[list[int]]:
    """Candidates grouped into tight runs: numbers n, n+1, … on lines at most two apart."""
    runs: list[list[int]] = []
    for i in cands:
        n = item_number(NUM_ITEM.match(lines[i].s).group(1))
        last = runs[-1][-1] if runs else None
        if last is not None and i - last <= 2 and n == item_number(NUM_ITEM.match(lines[last].s).group(1)) + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _drop_nested_lists(lines: list[Line], cands: list[int]) -> list[int]:
    """Remove numbered lists inside item bodies (a tight run restarting at 1 after the first item), and a
    leading short list whose first title reappears later as a detailed item (an unlabelled "Dagsorden kort")."""
    runs = _runs(lines, cands)
    first_one = next((k for k, r in enumerate(runs) if item_number(NUM_ITEM.match(lines[r[0]].s).group(1)) == 1), None)
    out: list[int] = []
    for k, r in enumerate(runs):
        starts_at_one = item_number(NUM_ITEM.match(lines[r[0]].s).group(1)) == 1
        if first_one is not None and k > first_one and starts_at_one and len(r) >= 2:
            continue
        if k == first_one and len(r) >= 2:
            title = norm_line(NUM_ITEM.match(lines[r[0]].s).group(2))
            later = [
                x
                for rr in runs[k + 1 :]
                for x in rr[:1]
                if item_number(NUM_ITEM.match(lines[x].s).group(1)) == 1
                and norm_line(NUM_ITEM.match(lines[x].s).group(2)).startswith(title[:20])
            ]
            if later:
                continue
        out.extend(r)
    return out


def num_items(text: str, lines: list[Line], mb: MeetingBuilder) -> list[AgendaItem]:
    """Items "N. Title" forming an increasing sequence 1, 2, 3 …; after "Dagsorden kort:" the detailed
    second occurrence is used, and numbered lists inside item bodies are skipped. Case-file items
    ("715. Title" / "Sagsnr.: …", running numbers) are taken as they come, in increasing order."""
    if mb.case_items:
        chain = []
        for i in mb.case_items:
            if not chain or item_number(NUM_ITEM_LONG.match(lines[i].s).group(1)) > item_number(
                NUM_ITEM_LONG.match(lines[chain[-1]].s).group(1)
            ):
                chain.append(i)
        return _chain_items(text, lines, mb, chain)
    cands = [i for i in mb.nums if len(lines[i].s) <= 160 and not lines[i].s.rstrip().endswith(",")]
    if mb.kort >= 0:
        after = [i for i in cands if i > mb.kort]
        run, exp = 0, 1
        for i in after:
            if item_number(NUM_ITEM.match(lines[i].s).group(1)) != exp:
                break
            run, exp = run + 1, exp + 1
        rest = after[run:]
        if run and rest and item_number(NUM_ITEM.match(lines[rest[0]].s).group(1)) == 1:
            cands = [i for i in cands if i < mb.kort] + rest
    cands = _drop_nested_lists(lines, cands)
    chain, exp = [], 1
    for i in cands:
        if item_number(NUM_ITEM.match(lines[i].s).group(1)) == exp:
            chain.append(i)
            exp += 1
    return _chain_items(text, lines, mb, chain)


def _chain_items(text: str, lines: list[Line], mb: MeetingBuilder, chain: list[int]) -> list[AgendaItem]:
    items = []
    for k, i in enumerate(chain):
        end = lines[chain[k + 1]].start if k + 1 < len(chain) else mb.end
        decision, dstart = _decision(text, lines, mb, i, end)
        items.append(
            AgendaItem(
                number=(NUM_ITEM.match(lines[i].s) or NUM_ITEM_LONG.match(lines[i].s)).group(1),
                title=_num_title(lines, i),
                start=lines[i].start,
                end=end,
                decision=decision,
                decision_start=dstart,
            )
        )
    return items


def _own_text(text: str, start: int, end: int, holes: list[tuple[int, int]]) -> str:
    """text[start:end] without the spans of nested meetings."""
    parts, pos = [], start
    for a, b in sorted(holes):
        if b <= pos or a >= end:
            continue
        parts.append(text[pos : max(pos, a)])
        pos = max(pos, b)
    parts.append(text[pos:end])
    return "".join(parts)


def finish_items(
    text: str, mb: MeetingBuilder, items: list[AgendaItem], section: str, warnings: list[str]
) -> list[AgendaItem]:
    """Access levels, case numbers and the agenda/minutes part of each item."""
    holes = [(c.start, c.end) for c in mb.children]
    level = closed_level(mb.body)
    out = []
    for it in items:
        end = min([it.end] + [off for off, _ in mb.marks if it.start < off < it.end])
        if end != it.end and it.decision:
            seg = text[it.decision_start : end].strip()
            it = replace(it, decision=seg if seg != "." else "", decision_start=it.decision_start if seg else -1)
        it = replace(it, end=end, section=section or it.section)
        own = _own_text(text, it.start, it.end, holes)
        prose = CLOSED_HEADING.sub("", OPEN_HEADING.sub("", own))
        state = [closed for off, closed in mb.marks if off <= it.start]
        access, reason = PUBLIC, ""
        if state and state[-1]:
            access, reason = level, "står under overskriften om lukket dagsorden"
        elif CLOSED_TITLE.search(it.title):
            access, reason = level, "markeret som lukket/fortroligt i punktets titel"
        elif CLOSED_LINE.search(own):
            access, reason = level, 'markeret "Lukket punkt" i punktet'
        elif m := CLOSED_REFERENCE.search(prose):
            snippet = prose[max(0, m.start() - 60) : m.end() + 20].replace("\n", " ").strip()
            access = CLOSED
            reason = (
                "henviser til den lukkede dagsorden; det er uklart, hvad der hører til det lukkede punkt, "
                "så punktet er sat til lukket for en sikkerheds skyld"
            )
            warnings.append(
                f'Punkt {it.number} ({it.title}) henviser til en lukket dagsorden ("…{snippet}…"); '
                "adgang sat til 'closed' for en sikkerheds skyld."
            )
        cases = find_case_numbers(own)
        out.append(replace(it, access=access, access_reason=reason, case_number=cases[0] if cases else ""))
    return out
