"""Process-wide resources (settings, index, assistant, stores) and per-session state for the Streamlit app.

Heavy objects are created once per process with `st.cache_resource` and shared by all sessions; everything a
session owns (signed-in user, current conversation) lives in `st.session_state` and is reset on sign-in/out.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

import streamlit as st

from byraad.access import ANONYMOUS, User
from byraad.settings import Settings

ADMIN_GROUPS = ("admin", "sekretariat")


def is_admin(user: User | None) -> bool:
    return bool(user) and any(g in ADMIN_GROUPS for g in user.groups)


@dataclass
class Resources:
    settings: Settings
    index: Any                  # vectorstore.index.Index
    assistant: Any              # assistant.assistant.Assistant
    conversations: Any          # ui.conversations.ConversationStore
    feedback: Any               # ui.feedback.FeedbackStore
    users: Any                  # ui.users.UserStore
    environ: Mapping[str, str]


def make_assistant(settings: Settings, index, environ: Mapping[str, str]):
    """The answering Assistant over the shared index (LLM chosen by settings.llm, audit log in the data dir)."""
    from assistant.assistant import Assistant
    from assistant.audit import AuditLog
    from assistant.llm import make_llm
    from assistant.retrieval import Retriever
    from byraad.access import load_group_table

    retriever = Retriever(index, settings, group_table=load_group_table(settings.groups_file or None),
                          audit=AuditLog(settings.data_path / "audit.sqlite"))
    return Assistant(settings, index, llm=make_llm(settings, environ), retriever=retriever)


def build_resources(settings: Settings, environ: Mapping[str, str]) -> Resources:
    from ui.conversations import ConversationStore
    from ui.feedback import FeedbackStore
    from byraad.users import UserStore
    from vectorstore.index import Index

    index = Index(settings, environ=environ)
    # Create the lazily built backends now, once: their first creation is not thread-safe (two sessions racing
    # into chromadb.PersistentClient fail), and it keeps the first question fast.
    index.store.count()
    index.embedder
    if index.catalog.stats()["chunks"]:
        index.bm25()
    return Resources(settings, index, make_assistant(settings, index, environ),
                     ConversationStore.for_settings(settings), FeedbackStore.for_settings(settings),
                     UserStore.for_settings(settings), environ)


@st.cache_resource(show_spinner="Indlæser indeks og model …")
def _cached_resources(key: str, _environ: Mapping[str, str]) -> Resources:
    return build_resources(Settings.from_mapping(json.loads(key)), _environ)


def resources(environ: Mapping[str, str]) -> Resources:
    """Settings built once from the environment at the edge, and the shared heavy objects for them."""
    settings = Settings.load(None, None, environ)
    key = json.dumps(settings.public_dict(), sort_keys=True)
    return _cached_resources(key, dict(environ))


# --- catalog facts, cached per catalog generation (cheap to check, costly to recompute) ----------------------------
_facet_lock = threading.Lock()
_facet_cache: dict[tuple[str, int], dict] = {}


def facets(index) -> dict:
    """Filter values from the catalog: bodies (body_key → name), kinds, date range, newest material."""
    gen = index.catalog.generation()
    key = (str(index.dir), gen)
    with _facet_lock:
        if key in _facet_cache:
            return _facet_cache[key]
    bodies: dict[str, str] = {}
    kinds: set[str] = set()
    dates: list[int] = []
    for c in index.all_chunks().values():
        m = c.meta
        if m.get("body_key") and m.get("body"):
            bodies.setdefault(str(m["body_key"]), str(m["body"]))
        if m.get("kind"):
            kinds.add(str(m["kind"]))
        if isinstance(m.get("meeting_date"), int):
            dates.append(m["meeting_date"])
    from ingest.status import index_status
    out = {"bodies": dict(sorted(bodies.items(), key=lambda kv: kv[1])), "kinds": sorted(kinds),
           "date_min": min(dates) if dates else None, "date_max": max(dates) if dates else None,
           "newest_material": index_status(index.settings).get("newest_material")}
    with _facet_lock:
        _facet_cache.clear()
        _facet_cache[key] = out
    return out


def to_date(d: int | None) -> dt.date | None:
    return dt.date(d // 10000, d // 100 % 100, d % 100) if d else None


def to_int(d: dt.date | None) -> int | None:
    return d.year * 10000 + d.month * 100 + d.day if d else None


# --- session ---------------------------------------------------------------------------------------------------------
def current_user() -> User:
    if "user" not in st.session_state:
        st.session_state["user"] = ANONYMOUS
    return st.session_state["user"]


def set_user(user: User) -> None:
    """Switch the session to another user; nothing of the previous user's conversation stays on screen."""
    st.session_state["user"] = user
    st.session_state["nav"] = "chat"
    new_conversation()
    for k in [k for k in st.session_state if str(k).startswith(("fb-", "draft"))]:
        del st.session_state[k]


def new_conversation() -> None:
    st.session_state["conv_id"] = None
    st.session_state["turns"] = []
    st.session_state["session_id"] = uuid.uuid4().hex


def turns() -> list[dict]:
    if "turns" not in st.session_state:
        new_conversation()
    return st.session_state["turns"]


def surrounding_text(index, chunk_id: str, max_chars: int = 6000) -> str:
    """The source text around a chunk: its whole agenda item or section (or its neighbours), as it stands in the
    source, so a short cited passage ("Godkendt.") is seen in its context."""
    chunk = index.all_chunks().get(chunk_id)
    if chunk is None:
        return index.source_text(chunk_id)
    siblings = index.catalog.chunks(doc_id=chunk.doc_id)
    pos = next((i for i, c in enumerate(siblings) if c.chunk_id == chunk_id), 0)
    m = chunk.meta

    def same_unit(c) -> bool:
        o = c.meta
        if m.get("item_no"):
            return o.get("item_no") == m.get("item_no") and o.get("meeting_start") == m.get("meeting_start")
        if m.get("section_id") or m.get("section"):
            return (o.get("section_id"), o.get("section")) == (m.get("section_id"), m.get("section"))
        return False

    lo = hi = pos
    while lo > 0 and same_unit(siblings[lo - 1]) and pos - lo < 4:
        lo -= 1
    while hi + 1 < len(siblings) and same_unit(siblings[hi + 1]) and hi - pos < 4:
        hi += 1
    if lo == hi:      # no unit to widen to: one neighbour on each side
        lo, hi = max(pos - 1, 0), min(pos + 1, len(siblings) - 1)
    parts = [index.source_text(c.chunk_id) or c.text for c in siblings[lo:hi + 1]]
    text = "\n".join(p.strip("\n") for p in parts)
    if len(text) > max_chars:
        own = index.source_text(chunk_id)
        at = max(text.find(own), 0)
        start = max(0, at - max_chars // 2)
        text = ("…" if start else "") + text[start:start + max_chars] + "…"
    return text
