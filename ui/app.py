"""byråds-GPT — the Streamlit app (`byraad serve`). Thin: the logic lives in ui/chat.py, ui/admin.py, ui/auth.py.

Settings are built once, here at the edge, from the BYRAAD_* environment `byraad serve` passes on.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from byraad.runtime import configure_process  # noqa: E402

configure_process("server")  # before the first model: one passive thread per question (`byraad serve` sets it too)

import streamlit as st  # noqa: E402

from ui import admin, auth, chat, danish, state  # noqa: E402

st.set_page_config(page_title="byråds-GPT", page_icon="🏛️", layout="wide")
danish.install()  # Streamlit's own texts (upload box, date fields' labels) in Danish

PAGES = {"chat": "💬 Spørg materialet", "draft": "✍️ Formulér spørgsmål til forvaltningen", "admin": "⚙️ Administration"}

from byraad.private import private_umask  # noqa: E402

private_umask()  # files the app creates (conversations, feedback, index) are private to the service user
res = state.resources(os.environ)
user = auth.resolve_user(res)
signed_in = user.name != "anonym"

with st.sidebar:
    st.title("byråds-GPT")
    auth.sidebar(res, user)
    st.divider()
    pages = ["chat", "draft"] + (["admin"] if state.is_admin(user) else [])
    if st.session_state.get("nav") not in pages:
        st.session_state["nav"] = "chat"
    st.radio(
        "Side",
        pages,
        format_func=PAGES.get,
        key="nav",
        label_visibility="collapsed",
        on_change=lambda: st.query_params.pop("side", None),
    )
    chat.sidebar_info(res, user)
    st.divider()
    flt, flt_text = chat.sidebar_filters(res, user)
    st.divider()
    chat.sidebar_conversations(res, user, signed_in)

# A direct link (?side=admin) is honoured, and refused by the page itself when the user may not see it.
page = st.query_params.get("side") if st.query_params.get("side") in PAGES else st.session_state["nav"]
st.header(PAGES.get(page, PAGES["chat"]))
if page == "admin":
    admin.admin_page(res, user)  # refuses non-admins itself
elif page == "draft":
    chat.draft_page(res, user, flt)
else:
    chat.chat_page(res, user, flt, flt_text, signed_in)
auth.remember_conversation(res)  # the session's conversation, restored on the next page load
