"""Follow-up rewriting: heuristic without an LLM, the rewrite prompt with one."""

from __future__ import annotations

from assistant.followup import heuristic_rewrite, is_followup, pairs, standalone_query
from assistant.llm import ScriptedLLM

H = [("Hvad blev besluttet om cykelstien langs Skovvej i 2023?", "Sagen blev udsat [1].")]


def test_no_history_unchanged():
    assert standalone_query("hvad besluttede de så?", []) == "hvad besluttede de så?"


def test_pronoun_question_carries_terms_and_period():
    q = heuristic_rewrite("Hvad besluttede de så?", H)
    assert "cykelstien" in q and "Skovvej" in q and "i 2023" in q and q.startswith("Hvad besluttede de så")


def test_ellipsis_question():
    q = heuristic_rewrite("hvornår?", H)
    assert "Skovvej" in q


def test_new_topic_is_not_rewritten():
    q = "Hvad står der om skolestrukturen i Nordbyen?"
    assert heuristic_rewrite(q, H) == q
    assert not is_followup(q, H[0][0])


def test_own_period_wins():
    q = heuristic_rewrite("og i 2024?", H)
    assert "2024" in q and "2023" not in q and "Skovvej" in q


def test_chain_of_followups_keeps_original_topic():
    hist = H + [("Hvornår?", "…")]
    assert "Skovvej" in heuristic_rewrite("Hvad kostede den sag?", hist)


def test_role_messages_accepted():
    assert pairs([("user", "Spørgsmål om Skovvej"), ("assistant", "svar")]) == [("Spørgsmål om Skovvej", "svar")]


def test_llm_rewrite_used_and_sanity_checked():
    llm = ScriptedLLM("Hvad besluttede Teknik- og Miljøudvalget om cykelstien langs Skovvej?")
    assert (
        standalone_query("hvad besluttede de så?", H, llm)
        == "Hvad besluttede Teknik- og Miljøudvalget om cykelstien langs Skovvej?"
    )
    system, prompt = llm.calls[0]
    assert "selvstændigt" in system.lower() and "cykelstien" in prompt
    bad = ScriptedLLM("Det kan jeg ikke finde i materialet.")
    assert "Skovvej" in standalone_query("hvad besluttede de så?", H, bad)  # falls back to the heuristic


def test_assistant_uses_rewrite(tmp_path):
    from assistant.assistant import Assistant
    from tests.test_assistant import build_index

    s, idx = build_index(tmp_path)
    a = Assistant(s, idx).answer("hvad besluttede de så?", history=[("Fortæl om cykelstien langs Skovvej", "…")])
    assert "Skovvej" in a.standalone_query and not a.refused
    assert "udsat" in a.text


def test_anchor_and_grounding():
    from assistant.followup import anchor_terms, answer_terms, grounded
    from byraad.types import Chunk, Hit

    hist = [
        (
            "Hvad blev besluttet om vandløbsrestaurering i Solbjerg Bæk?",
            "Der er truffet følgende beslutning:\n- 14. marts 2024, TMU, punkt 5: Godkendt [1].",
        )
    ]
    anchor = anchor_terms("Og hvad koster det?", hist)
    assert {"solbjerg", "bæk"} <= anchor or {"solbjerg"} <= anchor, anchor
    assert anchor_terms("Hvad koster cykelstien langs Skovvej?", hist) == frozenset()
    item = {"item_title": "Vandløbsrestaurering i Solbjerg Bæk", "title": "Referat"}
    other = {"item_title": "Vintertjeneste", "title": "Referat om Solbjerg Bæk"}
    hits = [
        Hit(Chunk("a", "d", "Den samlede udgift er 850.000 kr.", "x", item), 1.0),
        Hit(Chunk("b", "d", "Budgettet er 6,2 mio. kr.", "x", other), 0.5),
    ]
    assert grounded(anchor, "Den samlede udgift er 850.000 kr. [1].", hits)  # named by its item
    assert not grounded(anchor, "Budgettet er 6,2 mio. kr. [2].", hits)  # the document title is not enough
    assert answer_terms("Ifølge rapporten «Aarhuskompasset»:\nPublikationen Aarhuskompasset er et kompas [1].") == [
        "Aarhuskompasset"
    ]
    assert answer_terms("Det kan jeg ikke finde i materialet.") == []


def test_cost_follow_up_never_answered_with_an_amount_about_something_else(tmp_path):
    """'Og hvad koster det?' after a question about a project is never answered with an amount about something else
    (issue 14: it got an unrelated cost sentence); where it is answered, the amount is the project's."""
    from assistant.assistant import Assistant
    from tests.test_assistant import build_index

    s, idx = build_index(tmp_path)
    bot = Assistant(s, idx)
    for prev in ("Hvad blev besluttet om cykelstien langs Skovvej?", "Hvordan stiller et byrådsmedlem et spørgsmål?"):
        a = bot.answer("Og hvad koster det?", history=[(prev, "Se kilden [1].")])
        assert "6,2 mio" not in a.text, a.text  # the winter service budget
        if "Skovvej" not in prev:
            assert a.refused or "mio. kr." not in a.text, a.text
        elif not a.refused:
            assert "4,8 mio. kr." in a.text or "5,1 mio. kr." in a.text, a.text


def test_cost_follow_up_takes_the_amount_from_any_passage_about_its_subject(tmp_path):
    """The amount of the project asked about is in a lower hit than the top one (issue 14): the follow-up's subject
    (carried from the previous question) decides which passages may give it, whatever their rank; a passage that
    only mentions the subject in passing (the winter service's "Cykelstier … ryddes") is not one of them."""
    from assistant.assistant import Assistant
    from assistant.followup import about, anchor_terms
    from tests.test_assistant import build_index

    s, idx = build_index(tmp_path)
    bot = Assistant(s, idx)
    prev = "Hvad blev besluttet om cykelstien langs Skovvej?"
    for said in (bot.answer(prev).text, "Se kilden [1]."):
        a = bot.answer("Og hvad koster det?", history=[(prev, said)])
        assert not a.refused, a.refusal_reason
        assert a.direct in ("4,8 mio. kr.", "5,1 mio. kr.") and "6,2 mio" not in a.text, a.text
        cited = [h for h in a.hits if h.chunk.chunk_id in {c.chunk_id for c in a.citations}]
        assert cited and all("Skovvej" in h.chunk.meta["item_title"] for h in cited)
    keys = about(anchor_terms("Og hvad koster det?", [(prev, "")]), a.hits)
    titles = [a.hits[k - 1].chunk.meta["item_title"] for k in keys]
    assert titles and all("Skovvej" in t for t in titles)
    assert not any("vintertjeneste" in h.chunk.text.lower() for h in (a.hits[k - 1] for k in keys))


def test_follow_up_carries_the_subject_not_the_previous_questions_verbs():
    """'Og hvad koster det?' after 'Hvornår åbner cykelstien …?' asks what the cycle path costs, not what its opening
    costs: the previous question's verbs (the finite verb after the question word, the participle after an
    auxiliary) are not carried; its nouns and names are."""
    from assistant.followup import anchor_terms, predicate

    for prev, verbs in (
        ("Hvornår åbner cykelstien langs Skovvej?", {"åbner"}),
        ("Hvornår blev cykelstien langs Skovvej indviet?", {"blev", "indviet"}),
        ("Hvem vandt udbuddet af cykelstien langs Skovvej?", {"vandt"}),
        ("Hvor mange borgere deltog i mødet om Skovvej?", {"deltog"}),
        ("Hvor meget koster cykelstien langs Skovvej?", {"koster"}),
    ):
        assert predicate(prev) == verbs, prev
        q = heuristic_rewrite("Og hvad koster det?", [(prev, "")])
        assert "Skovvej" in q and not any(v in q.split("(", 1)[1] for v in verbs - {"koster"}), q
        assert not (verbs - {"koster"}) & anchor_terms("Og hvad koster det?", [(prev, "")]), prev
    # Nouns after an auxiliary stay: the subject, or a noun after a preposition.
    assert predicate("Hvad er budgettet?") == {"er"}
    assert predicate("Hvornår er mødet i udvalget?") == {"er"}
    assert "udvalget" in heuristic_rewrite("Og hvad koster det?", [("Hvornår er mødet i udvalget?", "")])


def test_cost_follow_up_on_the_sample_corpus_never_takes_an_amount_from_another_subject(tmp_path):
    """On the sample corpus the top hits for 'Og hvad koster det?' after a question about the handbook or the school
    structure hold amounts about other things (the cycle pool's 1,2 mio. kr., the school meals' 1,9 mio. kr.): the
    follow-up is refused rather than answered with them; after the cycle path it gets the cycle path's amount."""
    from pathlib import Path

    from assistant.assistant import build_assistant
    from byraad.settings import Settings
    from ingest.pipeline import ingest_paths

    sample = Path(__file__).resolve().parents[1] / "sample_corpus"
    s = Settings(data_dir=str(tmp_path / "data"), embedder="hash:64", corpus_dirs=(str(sample),))
    ingest_paths([sample], s, progress=False)
    bot = build_assistant(s, audit=False)
    for prev, amounts in (
        ("Hvordan stiller et byrådsmedlem et spørgsmål til forvaltningen?", ()),
        ("Hvad står der om skolestrukturen i Nordbyen?", ("4,6 mio. kr.",)),
        ("Hvad blev besluttet om cykelstien langs Skovvej?", ("4,8 mio. kr.", "5,1 mio. kr.", "4,4 mio. kr.")),
        # The previous question's verb is not the follow-up's subject: carried, "åbner"/"indviet" made it ask what
        # the opening cost, and the amount (in the second hit) went unanswered ("men ikke hvad det … koster").
        ("Hvornår åbner cykelstien langs Skovvej?", ("4,8 mio. kr.", "5,1 mio. kr.", "4,4 mio. kr.")),
        ("Hvornår blev cykelstien langs Skovvej indviet?", ("4,8 mio. kr.", "5,1 mio. kr.", "4,4 mio. kr.")),
    ):
        first = bot.answer(prev)
        a = bot.answer("Og hvad koster det?", history=[(prev, first.text)])
        assert "1,2 mio" not in a.text and "1,9 mio" not in a.text and "6,2 mio" not in a.text, (prev, a.text)
        assert a.refused or a.direct in amounts, (prev, a.text)
        if "Skovvej" in prev:
            assert not a.refused, a.refusal_reason


def test_a_pronoun_as_the_last_word_is_a_follow_up_without_a_leading_og():
    """Session 11 QA: "Hvad koster det?" and "Hvordan finansieres det?" (no "Og") were questions of their own and were
    answered from another document (followup_bench: drift 0.99 and 0.75 on the shared set; with "Og" 0.01)."""
    for q in ("Hvad koster det?", "Hvordan finansieres det?", "Hvad koster den", "Hvem står bag dem?"):
        assert is_followup(q, H[0][0]), q
        assert "Skovvej" in heuristic_rewrite(q, H), q
    # a question naming its own subject, or with the pronoun not at the end, stands alone
    for q in ("Hvad koster cykelstien?", "Hvad koster det at parkere i p-husene?", "Hvornår er det byrådsmøde?"):
        assert not is_followup(q, H[0][0]), q
        assert heuristic_rewrite(q, H) == q
