"""Danish for the texts Streamlit itself writes (upload box, date fields' accessible labels, sidebar buttons).

Streamlit has no setting for these (streamlit/streamlit#13500 is open: the file uploader's texts cannot be changed),
so a small fixed script — no user or document text in it — rewrites them in the page as they appear. The strings
it knows are listed in TEXTS / PATTERNS; tests/e2e/test_danish.py lists the labels a user can see and checks that
none is English.
"""

from __future__ import annotations

import json

# Whole texts (visible text of a leaf element, or an aria-label/title/placeholder).
TEXTS = {
    "Drag and drop files here": "Træk filer hertil",
    "Drag and drop file here": "Træk filen hertil",
    "Browse files": "Vælg filer",
    "Browse file": "Vælg fil",
    "Upload": "Vælg filer",
    "Select all": "Vælg alle",
    "Clear all": "Ryd alle",
    "Remove": "Fjern",
    "Choose date range": "Vælg periode",
    "Choose date": "Vælg dato",
    "Collapse sidebar": "Skjul sidepanel",
    "Expand sidebar": "Vis sidepanel",
    "Link to heading": "Link til overskriften",
    "Open": "Åbn",
    "Close": "Luk",
    "Send message": "Send spørgsmål",
    "Sidebar": "Sidepanel",
    "Skip to main content": "Gå til indholdet",
    "No results": "Ingen resultater",
    "No options to select": "Ingen valgmuligheder",
    "Running...": "Arbejder …",
    "Deploy": "Udgiv",
    "Copy to clipboard": "Kopiér",
    "Show password": "Vis adgangskode",
    "Hide password": "Skjul adgangskode",
    "Show/hide columns": "Vis/skjul kolonner",  # a table's toolbar (admin page)
    "file upload": "tilføj filer",  # the upload box's accessible name (admin page)
}
# (regular expression, replacement) for texts with a variable part.
PATTERNS = [
    (r"^Limit (\d+)\s*MB per file(.*)$", "Højst $1 MB pr. fil$2"),
    (r"^(\d+)\s*MB per file(.*)$", "Højst $1 MB pr. fil$2"),
    (r"^(.*) start date$", "$1 – startdato"),
    (r"^(.*) end date$", "$1 – slutdato"),
    (r"^day, (.*)$", "dag, $1"),
    (r"^month, (.*)$", "måned, $1"),
    (r"^year, (.*)$", "år, $1"),
    (r"^Remove (.*)$", "Fjern $1"),
]


def script() -> str:
    """The <script> that puts the Danish texts in (run once per page; it keeps watching for new elements)."""
    return """<script>
(() => {
  const w = window.parent && window.parent.document ? window.parent : window;
  if (w.__byraadDanish) return;
  w.__byraadDanish = true;
  const texts = %s;
  const patterns = %s.map(([re, to]) => [new RegExp(re), to]);
  const tr = (s) => {
    if (!s) return null;
    const t = s.trim();
    if (Object.prototype.hasOwnProperty.call(texts, t)) return texts[t];
    for (const [re, to] of patterns) if (re.test(t)) return t.replace(re, to);
    return null;
  };
  const fix = (root) => {
    const els = root.querySelectorAll ? root.querySelectorAll('*') : [];
    for (const el of [root, ...els]) {
      if (!el.getAttribute) continue;
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = el.getAttribute(a), d = tr(v);
        if (d && d !== v) el.setAttribute(a, d);
      }
      for (const n of el.childNodes) {
        if (n.nodeType === 3) { const d = tr(n.nodeValue); if (d && d !== n.nodeValue.trim()) n.nodeValue = d; }
      }
    }
  };
  const doc = w.document;
  fix(doc.body);
  new w.MutationObserver((muts) => {
    for (const m of muts) {
      if (m.type === 'characterData') { const d = tr(m.target.nodeValue); if (d && d !== m.target.nodeValue) m.target.nodeValue = d; }
      else if (m.type === 'attributes') fix(m.target);
      else for (const n of m.addedNodes) {
        if (n.nodeType === 1) fix(n);
        else if (n.nodeType === 3) { const d = tr(n.nodeValue); if (d && d !== n.nodeValue) n.nodeValue = d; }
      }
    }
  }).observe(doc.body, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ['aria-label', 'title', 'placeholder']});
})();
</script>""" % (json.dumps(TEXTS, ensure_ascii=False), json.dumps(PATTERNS, ensure_ascii=False))


def install() -> None:
    """Add the script to the page (Streamlit runs it; it contains no user or document text)."""
    import streamlit as st

    st.html(script(), unsafe_allow_javascript=True)
