"""Draft 10-dagesforespørgsel: extractive template with cited background; LLM draft checked."""

from __future__ import annotations

import re

from assistant.assistant import Assistant
from assistant.citations import check_answer
from assistant.llm import ScriptedLLM
from assistant.prompts import REFUSAL
from tests.test_assistant import build_index


def test_extractive_draft_template(tmp_path):
    s, idx = build_index(tmp_path)
    a = Assistant(s, idx).draft_question("cykelstien langs Skovvej")
    assert not a.refused and a.mode.startswith("draft:")
    assert "10-dagesreglen" in a.text and "Baggrund:" in a.text and "Spørgsmål:" in a.text
    background = a.text.split("Baggrund:")[1].split("Spørgsmål:")[0]
    assert re.search(r"\[\d+\]", background) and a.citations
    assert check_answer(background, list(a.hits)).ok     # the background is supported by what it cites
    questions = re.findall(r"^\d\. .+\?$", a.text, flags=re.M)
    assert 2 <= len(questions) <= 3 and "cykelstien langs Skovvej" in questions[0]
    assert any("beslutning" in q for q in questions)     # a decision is in the background: ask for follow-up
    money = Assistant(s, idx).draft_question("budgettet til vintertjeneste")
    assert "6,2 mio. kr." in money.text and any("udgifter" in q for q in re.findall(r"^\d\. .+$", money.text,
                                                                                     flags=re.M))


def test_draft_refuses_off_topic(tmp_path):
    s, idx = build_index(tmp_path)
    a = Assistant(s, idx).draft_question("fodbold-VM i Qatar")
    assert a.refused and a.text == REFUSAL


def test_llm_draft_is_checked(tmp_path):
    s, idx = build_index(tmp_path)
    good = ("Udkast til spørgsmål efter 10-dagesreglen\nBaggrund:\nBudgettet til vintertjeneste er 6,2 mio. kr. [1].\n"
            "Spørgsmål:\n1. Hvordan vil forvaltningen sikre ryddede cykelstier?\n2. Er budgettet tilstrækkeligt?")
    a = Assistant(s, idx, llm=ScriptedLLM(good)).draft_question("vintertjeneste")
    assert not a.refused and a.citations[0].key == 1
    bad = "Baggrund:\nVintertjenesten koster 99 mio. kr. [1].\nSpørgsmål:\n1. Hvorfor?"
    assert Assistant(s, idx, llm=ScriptedLLM(bad)).draft_question("vintertjeneste").refused
