"""Process-wide resources (settings, index, assistant, stores) and per-session state for the Streamlit app.

Heavy objects are created once per process with `st.cache_resource` and shared by all sessions; everything a
session owns (signed-in user, current conversation) lives in `st.session_state` and is reset on sign-in/out.
"""

from __future__ import annotations

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
    index: Any  # vectorstore.index.Index
    assistant: Any  # assistant.assistant.Assistant
    conversations: Any  # ui.conversations.ConversationStore
    feedback: Any  # ui.feedback.FeedbackStore
    users: Any  # ui.users.UserStore
    environ: Mapping[str, str]


def build_resources(settings: Settings, environ: Mapping[str, str]) -> Resources:
    from assistant.assistant import build_assistant
    from ui.conversations import ConversationStore
    from ui.feedback import FeedbackStore
    from byraad.users import UserStore
    from vectorstore.index import Index

    index = Index(settings, environ=environ)
    # Serving: an ingest's new catalog generation is built in the background, questions meanwhile answered from the
    # previous snapshot without the documents the ingest changed (vectorstore/index.py).
    index.background = True
    # Create the lazily built backends now, once (Index builds each under its lock), so the first question is fast.
    if index.vector_snapshot() is None:  # with the ingest's vector snapshot, dense search never opens the store
        index.store.count()
    index.embedder
    if index.catalog.stats()["chunks"]:
        index.bm25()
    return Resources(
        settings,
        index,
        build_assistant(settings, index, environ=environ),
        ConversationStore.for_settings(settings),
        FeedbackStore.for_settings(settings),
        UserStore.for_settings(settings),
        environ,
    )


@st.cache_resource(show_spinner="Indlæser indeks og model …")
def _cached_resources(key: str, _environ: Mapping[str, str]) -> Resources:
    return build_resources(Settings.from_mapping(json.loads(key)), _environ)


def resources(environ: Mapping[str, str]) -> Resources:
    """Settings built once from the environment at the edge, and the shared heavy objects for them."""
    settings = Settings.load(None, None, environ)
    key = json.dumps(settings.public_dict(), sort_keys=True)
    return _cached_resources(key, dict(environ))


# --- catalog facts per user, cached per catalog generation (cheap to check, costly to recompute) -----------------
_facet_lock = threading.Lock()
_facet_cache: dict[tuple, tuple[Any, dict]] = {}


def facets(index, user: User | None, group_table: dict | None = None) -> dict:
    """Filter values a user may see (vectorstore.filters.facets_of: bodies, kinds, date range, newest material,
    doc_ids) — computed only from the chunks the user's access levels admit (the same Filter as retrieval), so a
    body or a date that occurs only in internal or closed material is not revealed by a list, a count or "newest
    material"; cached per catalog generation and served columns."""
    from byraad.access import permitted_levels
    from vectorstore.filters import Filter, facets_of

    levels = permitted_levels(user, group_table)
    gen = index.catalog.generation()
    key = (str(index.dir), gen, levels)
    # Kept with the columns served: a new snapshot (or the previous one with documents withdrawn) is a new object.
    served = index.columns()
    with _facet_lock:
        hit = _facet_cache.get(key)
        if hit is not None and hit[0] is served:
            return hit[1]
    out = facets_of(index.chunks_where(Filter(access=levels)))
    with _facet_lock:
        if len(_facet_cache) > 64 or any(k[1] != gen for k in _facet_cache):
            _facet_cache.clear()
        _facet_cache[key] = (served, out)
    return out


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
    for k in [k for k in st.session_state if str(k).startswith(("fb-", "draft", "f_"))]:
        del st.session_state[k]


def new_conversation() -> None:
    st.session_state["conv_id"] = None
    st.session_state["turns"] = []
    st.session_state["session_id"] = uuid.uuid4().hex


def turns() -> list[dict]:
    if "turns" not in st.session_state:
        new_conversation()
    return st.session_state["turns"]


def surrounding_text(retriever, chunk_id: str, user: User) -> str:
    """The source text around a cited chunk that `user` may see (its agenda item or section, or its neighbours), as
    it stands in the source, so a short cited passage ("Godkendt.") is seen in its context. Access-checked and
    audited in one place (Retriever.context → Index.context); "" when the user may not see the chunk."""
    return retriever.context(chunk_id, user)
