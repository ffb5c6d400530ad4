"""The council members' pages: chat with sources, sidebar filters and conversations, and the draft-question mode."""

from __future__ import annotations

import logging
import re
from typing import Any, Iterator

import streamlit as st

from assistant.prompts import REFUSAL
from byraad.access import User
from byraad.dates import format_date, from_date, to_date
from ui import auth, pdf_export, render, state

log = logging.getLogger("byraad.ui")


# --- sidebar ---------------------------------------------------------------------------------------------------------
def sidebar_filters(res: state.Resources, user: User) -> tuple[dict[str, Any], str]:
    """Filter widgets (values from what `user` may see); returns the keyword filters and their description."""
    f = state.facets(res.index, user, res.assistant.retriever.group_table)
    st.subheader("Afgræns søgningen")
    bodies = st.multiselect(
        "Udvalg / organ",
        list(f["bodies"]),
        format_func=lambda k: f["bodies"].get(k, k),
        key="f_bodies",
        placeholder="Alle",
    )
    kinds = st.multiselect(
        "Dokumenttype",
        list(f["kinds"]),
        format_func=lambda k: render.KIND_LABELS.get(k, k),
        key="f_kinds",
        placeholder="Alle",
    )
    flt: dict[str, Any] = {}
    if bodies:
        flt["bodies"] = tuple(bodies)
    if kinds:
        flt["kinds"] = tuple(kinds)
    if st.checkbox("Kun en bestemt periode", key="f_use_dates") and f["date_min"]:
        rng = st.date_input(
            "Periode", value=(to_date(f["date_min"]), to_date(f["date_max"])), format="DD-MM-YYYY", key="f_dates"
        )
        if isinstance(rng, (tuple, list)) and len(rng) == 2:
            flt["date_from"], flt["date_to"] = from_date(rng[0]), from_date(rng[1])
    return flt, render.describe_filters(flt, f["bodies"])


def sidebar_info(res: state.Resources, user: User) -> None:
    f = state.facets(res.index, user, res.assistant.retriever.group_table)
    newest = format_date(f["newest_material"]) if f.get("newest_material") else "intet materiale indlæst"
    st.caption(f"Nyeste materiale: **{newest}**  \nSvarform: **{render.mode_label(_mode(res))}**")


def _mode(res: state.Resources) -> str:
    return str(getattr(res.assistant, "mode", None) or res.settings.llm)


def sidebar_conversations(res: state.Resources, user: User, signed_in: bool) -> None:
    if st.button("➕ Ny samtale", key="new_conv", width="stretch"):
        state.new_conversation()
        st.rerun()
    views = state.turns()
    if views:
        title = views[0]["question"]
        md = render.conversation_markdown(title, views, user.name)
        st.caption("Gem samtalen med kilder:")
        c1, c2 = st.columns(2)
        c1.download_button(
            "⬇️ Markdown",
            md,
            file_name="samtale.md",
            mime="text/markdown",
            key="export_md",
            width="stretch",
            on_click="ignore",  # a rerun would re-register the PDF's callable and fail a PDF click that follows
            help="Gem samtalen med kilder som Markdown",
        )
        if pdf_export.available():
            # Made only when clicked (on Streamlit's download thread), from a snapshot of the turns shown now. The
            # export buttons do not rerun the page (on_click="ignore"): a rerun gives the PDF's callable a new id and
            # drops the old one, so a PDF click right after the Markdown click failed ("Deferred file … not found").
            snapshot, name = [dict(v) for v in views], user.name
            c2.download_button(
                "⬇️ PDF",
                lambda: pdf_export.conversation_pdf(title, snapshot, name, REFUSAL),
                file_name="samtale.pdf",
                mime="application/pdf",
                key="export_pdf",
                width="stretch",
                on_click="ignore",
                help="Gem samtalen med kilder som PDF",
            )
    if not signed_in:
        return
    convs = res.conversations.list(user.name)
    if convs:
        st.subheader("Tidligere samtaler")
    for c in convs:
        label = ("▸ " if c["id"] == st.session_state.get("conv_id") else "") + (c["title"] or "Samtale")[:60]
        if st.button(label, key=f"conv-{c['id']}", width="stretch"):
            st.session_state["conv_id"] = c["id"]
            st.session_state["turns"] = res.conversations.turns(c["id"], user.name)
            st.rerun()


# --- chat ------------------------------------------------------------------------------------------------------------
def _deltas(stream: Iterator, holder: dict) -> Iterator[str]:
    """Text deltas for st.write_stream; the final Answer is kept aside."""
    for part in stream:
        if isinstance(part, str):
            yield render.as_text(part)  # streamed as Markdown: document text must stay text
        else:
            holder["answer"] = part


def ask(res: state.Resources, user: User, question: str, flt: dict, flt_text: str, signed_in: bool) -> None:
    """One chat turn: stream the answer, then store it as a view and rerun to show it with its sources."""
    views = state.turns()
    history = [(v["question"], v["text"]) for v in views]
    with st.chat_message("user"):
        st.markdown(render.text_block(question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        holder: dict = {}
        try:
            st.write_stream(_deltas(res.assistant.stream(question, user, history, **flt), holder))
        except Exception:
            log.exception("answering failed")
            st.error("Der skete en fejl, så spørgsmålet ikke kunne besvares. Prøv igen, eller kontakt sekretariatet.")
            return
    answer = holder.get("answer")
    if answer is None:
        st.error("Der kom intet svar. Prøv igen.")
        return
    contexts = {c.chunk_id: state.surrounding_text(res.assistant.retriever, c.chunk_id, user) for c in answer.citations}
    view = render.answer_view(answer, contexts, flt_text)
    # Stored for everyone (an anonymous visitor's under its session, so a reload does not lose it).
    owner = auth.conversation_owner(res, user)
    if not st.session_state.get("conv_id"):
        st.session_state["conv_id"] = res.conversations.create(owner, question)
    view["turn_id"] = res.conversations.add_turn(st.session_state["conv_id"], owner, view)
    views.append(view)
    st.rerun()


def file_link(res: state.Resources, user: User, chunk_id: str, pages: str = "") -> dict | None:
    """The access-checked link to a cited chunk's original file, or None."""
    from ui import files

    try:
        levels = res.assistant.retriever.access_for(user)
        return files.original_link(res.index, chunk_id, levels, res.settings.corpus_dirs, pages)
    except Exception:  # a missing file or catalog row only costs the link, never the answer
        log.exception("original link failed")
        return None


def refusal_message(view: dict) -> str:
    """The refusal as shown: with suggestions, say plainly that they may hold the answer."""
    head = f"**{REFUSAL}**"
    if view.get("sources"):
        return (
            f"{head}  \nJeg fandt ingen sætning, der sikkert besvarer spørgsmålet. Kilderne under "
            "»Måske relevant« handler om det samme og kan indeholde svaret – læs dem, før du konkluderer, at "
            "materialet ikke siger noget om det."
        )
    return f"{head}  \nMaterialet i indekset indeholder ikke et svar på spørgsmålet."


def show_turn(res: state.Resources, user: User, view: dict, n: int) -> None:
    with st.chat_message("user"):
        st.markdown(render.text_block(view["question"]), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        prefix = f"kilde-{n}"
        if view.get("refused"):
            st.warning(refusal_message(view))
        else:
            st.markdown(render.link_citations(view["text"], prefix), unsafe_allow_html=True)
        facts = [f"Svarform: {render.mode_label(view.get('mode', ''))}"]
        if view.get("filters_text"):
            facts.insert(0, f"Filtre: {view['filters_text']}")
        if view.get("period"):
            facts.insert(0, f"Periode: {view['period']}")
        st.caption(" · ".join(facts))
        for note in render.public_notes(view):
            st.info(render.as_text(note))
        reason = render.refusal_reason(view)
        if reason and state.is_admin(user):
            st.caption(render.as_text(f"Intern begrundelse (kun for sekretariatet): {reason}"))
        if view.get("citations"):
            st.markdown("**Kilder** – klik på et tal i svaret for at åbne kilden")
        for c in view.get("citations", []):
            sentences = render.citing_sentences(view.get("text", ""), c["key"])
            panel, _ = render.source_panel_html(
                c, f"{prefix}-{c['key']}", sentences, file_link(res, user, c["chunk_id"], c.get("pages", ""))
            )
            st.html(panel)
        others = view.get("sources", [])
        if others:
            label = "Måske relevant" if view.get("refused") else "Andre relevante kilder"
            with st.expander(f"{label} ({len(others)})", expanded=bool(view.get("refused"))):
                for s in others:
                    st.markdown(
                        f"- **{render.as_text(render.source_line(s))}**  \n  {render.as_text(s.get('snippet', ''))}"
                    )
        feedback_widget(res, user, view)


def feedback_widget(res: state.Resources, user: User, view: dict) -> None:
    tid = view.get("turn_id") or ""
    given = res.feedback.get(tid, user.name)
    c1, c2, c3 = st.columns([2, 2, 6])
    for col, rating, icon in ((c1, "up", "👍 Godt svar"), (c2, "down", "👎 Dårligt svar")):
        if col.button(
            icon,
            key=f"fb-{rating}-{tid}",
            help="Godt svar" if rating == "up" else "Dårligt svar",
            type="primary" if given and given["rating"] == rating else "secondary",
        ):
            given = res.feedback.record(tid, view, rating, (given or {}).get("comment", ""), user.name)
    if given:
        c3.caption("Tak for din vurdering. Skriv gerne, hvad der var godt eller forkert:")
        with st.form(f"fb-form-{tid}", clear_on_submit=False, border=False):
            comment = st.text_input(
                "Kommentar",
                value=given.get("comment", ""),
                key=f"fb-comment-{tid}",
                label_visibility="collapsed",
                placeholder="Kommentar (valgfri)",
            )
            if st.form_submit_button("Gem kommentar"):
                res.feedback.record(tid, view, given["rating"], comment, user.name)
                st.toast("Kommentaren er gemt.")


def chat_page(res: state.Resources, user: User, flt: dict, flt_text: str, signed_in: bool) -> None:
    views = state.turns()
    st.html(render.SOURCE_CSS)
    if not views:
        st.markdown(
            "Stil et spørgsmål om byrådets og udvalgenes dagsordener, referater og håndbogen. "
            "Svaret bygger kun på materialet, og hver oplysning har en kilde, du kan åbne."
        )
    for n, view in enumerate(views):
        show_turn(res, user, view, n)
    question = st.chat_input("Skriv dit spørgsmål …", key="chat_input")
    if question and question.strip():
        ask(res, user, question.strip(), flt, flt_text, signed_in)


def draft_page(res: state.Resources, user: User, flt: dict) -> None:
    st.markdown(
        "Beskriv emnet, så formulerer assistenten et udkast til et spørgsmål til forvaltningen "
        "(10-dagesforespørgsel) ud fra det, materialet allerede siger."
    )
    topic = st.text_area("Emne", key="draft_topic", placeholder="Fx vandløbsrestaurering i Solbjerg Bæk")
    if st.button("Formulér udkast", key="draft_go", type="primary") and topic.strip():
        with st.spinner("Formulerer …"):
            try:
                st.session_state["draft_answer"] = res.assistant.draft_question(topic.strip(), user, **flt)
            except Exception:
                log.exception("drafting failed")
                st.error("Udkastet kunne ikke laves. Prøv igen.")
    a = st.session_state.get("draft_answer")
    if a is None:
        return
    if a.refused:
        from assistant.drafting import empty_draft

        st.warning(
            "Der er ingen baggrund i materialet om emnet, så udkastet har ingen kildehenvisninger. "
            "Her er en tom skabelon, du selv kan udfylde:"
        )
        st.code(empty_draft(a.question), language=None, wrap_lines=True)
        reason = render.refusal_reason({"notes": list(a.notes), "refusal_reason": getattr(a, "refusal_reason", "")})
        if reason and state.is_admin(user):
            st.caption(render.as_text(f"Intern begrundelse (kun for sekretariatet): {reason}"))
        return
    st.markdown("**Udkast** (kopiér med knappen i feltets hjørne):")
    st.code(re.sub(r"\n{3,}", "\n\n", a.text), language=None, wrap_lines=True)
    if a.citations:
        st.markdown("**Kilder til baggrunden**")
    for c in a.citations:
        st.caption(render.as_text(f"[{c.key}] {render.source_line(render.cited_view(c))}"))
    for note in render.public_notes({"notes": list(a.notes)}):
        st.caption(render.as_text(note))
