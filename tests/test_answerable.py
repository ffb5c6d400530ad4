"""The answerability gate (assistant/answerable.py): a typed answer from a sentence about another thing than the one
the question names is no answer; the answer then says what the material states and what it does not."""

from __future__ import annotations

from assistant import answerable
from assistant.extractive import candidate_texts, compose
from byraad.types import Chunk, Hit


def _hit(key: int, text: str, title: str) -> Hit:
    meta = {"doc_id": f"d{key}", "path": f"d{key}.txt", "title": "Politik", "kind": "report", "access": "public"}
    meta["header"] = f"Politik › {title}"  # as ingest writes it: embed_text is the header and the text
    return Hit(chunk=Chunk(f"c{key}", f"d{key}", text, f"{meta['header']}\n{text}", meta), score=1.0, rank=key)


def test_present_counts_compounds():
    assert answerable.present("flygtning", {"flygtningeområd"})
    assert not answerable.present("bil", {"bilag"})  # short words only whole
    assert not answerable.present("egnsteat", {"kultur", "idræt"})


def test_typed_focus_weighs_rare_words():
    idf = lambda ts: {t: (5.0 if t == "egnsteat" else 1.0) for t in ts}  # noqa: E731
    share, rarest = answerable.typed_focus({"kultur", "egnsteat"}, {"kultur", "kunstgræsban"}, idf)
    assert round(share, 3) == round(1 / 6, 3) and not rarest
    share, rarest = answerable.typed_focus({"kultur", "egnsteat"}, {"egnsteat"}, idf)
    assert round(share, 3) == round(5 / 6, 3) and rarest
    assert answerable.typed_focus(set(), {"x"}, idf) == (1.0, True)


AMOUNTS = (
    "Kultur- og fritidspolitikken vil styrke kulturlivet i hele kommunen. Politikken vil etablere et egnsteater i "
    "kommunen. Der afsættes 0,86 mio. kr. til drift af kunstgræsbaner og klubhuse i Kultur og Borgerservice."
)


def test_an_amount_for_another_thing_is_no_answer():
    """The material names the egnsteater and an amount, but the amount is for kunstgræsbaner: the answer gives the
    amount and says the material does not state how much the egnsteater gets; close in meaning it is answered."""
    h = [_hit(1, AMOUNTS, "Kultur og fritid")]
    q = "Hvor mange penge afsætter kommunen til egnsteatret og dets nye scene i hallen?"
    far = compose(q, "", h, sims={t: 0.85 for t in candidate_texts(h)})
    assert far.partial and "men ikke" in far.text and not far.direct
    assert far.signals["typed_focus"] < answerable.TYPED_FOCUS_MIN
    close = compose(q, "", h, sims={t: 0.95 for t in candidate_texts(h)})
    assert close.direct.startswith("0,86 mio. kr.") and not close.partial
    named = [_hit(1, "Der afsættes 0,86 mio. kr. til egnsteatret og dets nye scene i hallen.", "Kultur og fritid")]
    ok = compose(q, "", named, sims={t: 0.85 for t in candidate_texts(named)})
    assert ok.direct.startswith("0,86 mio. kr.") and not ok.partial


def test_the_gate_can_be_turned_off(monkeypatch):
    h = [_hit(1, AMOUNTS, "Kultur og fritid")]
    q = "Hvor mange penge afsætter kommunen til egnsteatret og dets nye scene i hallen?"
    monkeypatch.setattr(answerable, "TYPED_FOCUS_MIN", 0.0)
    assert compose(q, "", h, sims={t: 0.85 for t in candidate_texts(h)}).direct.startswith("0,86 mio. kr.")


def test_a_sentence_pointing_to_an_annex_does_not_give_its_content():
    """ "Sekretariatet har i bilaget oplistet …" names the list, it does not give it: the answer says so. A question
    about the annex itself is answered as before."""
    text = (
        "Sekretariatet har i bilaget oplistet flere bud på organisationer, der kan kontaktes om borgerpanelet. "
        "Udvalget drøftede borgerpanelets sammensætning."
    )
    h = [_hit(1, text, "Borgerpanel")]
    q = "Hvilke organisationer står på sekretariatets liste til borgerpanelet?"
    c = compose(q, "", h, sims={t: 0.9 for t in candidate_texts(h)})
    assert (
        c.text.startswith("Materialet nævner, at sekretariatet har i bilaget oplistet") and "men ikke hvilke" in c.text
    )
    # A question about the annex itself is answered by the annex (since session 9: a passage whose heading names
    # it, answerable.DOCUMENT_CONTENT; the pointing passage says that the annex's content is not in the material).
    annex = [_hit(1, text, "Bilag 2: Organisationer til borgerpanelet")]
    q_annex = "Hvad står der i bilaget om borgerpanelet?"
    assert not compose(q_annex, "", annex, sims={t: 0.9 for t in candidate_texts(annex)}).partial
    assert (
        compose(q_annex, "", h, sims={t: 0.9 for t in candidate_texts(h)}).partial
        == "hvad der står i bilaget om borgerpanelet"
    )
    assert answerable.points_elsewhere("Hvad koster det?", "Beløbet fremgår af bilag 3.")
    assert answerable.points_elsewhere("Hvad koster det?", "Se vedlagte notat.")
    assert not answerable.points_elsewhere("Hvad koster det?", "Bilagsmaterialet er udsendt.")
    assert not answerable.points_elsewhere("Hvad står der i bilag 3?", "Beløbet fremgår af bilag 3.")


PROPOSAL = (
    "Udvalget drøftede kort beslutningsforslaget om en politik mod diskrimination, der blev behandlet i byrådet den "
    "22. januar 2025."
)


def test_a_typed_answer_to_a_question_naming_a_proposal_is_not_hedged_as_a_decision(monkeypatch):
    """ "Hvornår var beslutningsforslaget … på dagsordenen?" asks for a date, not what was decided: the date is the
    answer, without "…, men ikke hvad der blev besluttet" (before session 8 it was added)."""
    h = [_hit(1, PROPOSAL, "Diskrimination")]
    q = "Hvornår var beslutningsforslaget om en politik mod diskrimination på byrådets dagsorden?"
    c = compose(q, "", h, sims={t: 0.9 for t in candidate_texts(h)})
    assert c.direct.startswith("22. januar 2025") and not c.partial
    monkeypatch.setattr(answerable, "TYPED_NOT_DECISION", False)
    assert compose(q, "", h, sims={t: 0.9 for t in candidate_texts(h)}).partial == "hvad der blev besluttet"


def test_the_document_a_question_asks_the_content_of():
    assert answerable.asked_document("Hvad står der i kommissoriet for udvalget?") == "kommissoriet"
    assert answerable.asked_document("Hvad skrev Seniorrådet i sit høringssvar om træning?") == "høringssvar"
    assert answerable.asked_document("Hvad foreslår KL i sit nye udspil om beskæftigelse?") == "udspil"
    assert answerable.asked_document("Hvad står der om borgerne i Aarhuskompasset?") == "Aarhuskompasset"
    assert answerable.asked_document("Hvad fremgår af notatet om skolerne?") == "notatet"
    assert answerable.asked_document("Hvad foreslår udvalget i forhold til skolerne?") == ""
    assert answerable.asked_document("Hvad blev besluttet om skolerne?") == ""
    assert answerable.asked_document("Hvad indeholder en træningsaftale for en borger?") == ""  # a kind, not one
    # the heading that holds the document: its noun in the heading's head part ("A vedrørende B" is an A)
    assert answerable.holds_document("høringssvar", ["Høringssvar fra Seniorrådet om træning"])
    assert not answerable.holds_document("høringssvar", ["Redegørelse fra Træning vedrørende Seniorrådets høringssvar"])
    assert answerable.holds_document("kommissoriet", ["Bilagsmateriale ", " Kommissorium for delanalysen"])
    assert not answerable.holds_document("kommissoriet", ["Evaluering af kommissoriet"])


RECOMMENDS = (
    "Udvalget anbefaler, at fremtidige udvalg har et klart kommissorium, mandat og et afgrænset problem at undersøge. "
    "Udvalget anbefaler, at sekretariatet placeres tæt på forvaltningen."
)


def test_a_passage_naming_a_document_does_not_give_its_content(monkeypatch):
    """ "Hvad står der i kommissoriet …?" answered from a passage that only names a kommissorium (no passage quoted is
    the kommissorium: its noun in none of their headings) says that the content is not in the material; a passage
    of the kommissorium itself answers."""
    q = "Hvad står der i kommissoriet for udvalget om nyt byråd?"
    h = [_hit(1, RECOMMENDS, "Anbefalinger fra udvalget om nyt byråd")]
    c = compose(q, "", h, sims={t: 0.9 for t in candidate_texts(h)})
    assert c.partial == "hvad der står i kommissoriet for udvalget om nyt byråd" and "men ikke hvad der står" in c.text
    own = [_hit(1, RECOMMENDS, "Kommissorium for udvalget om nyt byråd")]
    assert not compose(q, "", own, sims={t: 0.9 for t in candidate_texts(own)}).partial
    monkeypatch.setattr(answerable, "DOCUMENT_CONTENT", False)
    assert not compose(q, "", h, sims={t: 0.9 for t in candidate_texts(h)}).partial


def test_a_typed_answer_spliced_from_another_passage_is_no_answer(monkeypatch):
    """A typed answer ("En hverdag") from another passage than the best sentence's, whose neighbourhood holds none of
    its part's topic words, is no answer even when its sentence is close in meaning (SPLICED)."""
    h = [
        _hit(
            1,
            "Byrådsmedlemmer kan stille spørgsmål til forvaltningen om sager. Det kaldes en 10-dagesforespørgsel, og "
            "den sendes til forvaltningen.",
            "Rettigheder",
        ),
        _hit(
            2, "I København skal en anmodning om foretræde være sendt senest kl. 12.00 en hverdag inden mødet.", "Møder"
        ),
    ]
    q = "Hvor mange dage har forvaltningen til at svare på en 10-dagesforespørgsel?"
    sims = {t: (0.9 if "København" in t else 0.8) for t in candidate_texts(h)}
    c = compose(q, "", h, sims=sims)
    assert c.text.startswith("Materialet nævner en hverdag [2], men ikke hvor mange dage") and not c.direct
    monkeypatch.setattr(answerable, "SPLICED", False)
    assert compose(q, "", h, sims=sims).direct.startswith("En hverdag")


def test_a_who_question_answered_by_a_row_without_a_name_says_who_is_not_stated(monkeypatch):
    """ "Hvem blev ansat …?" answered by decision-list rows that name no one ("Ansættelse af forvaltningschef | |
    Vedtaget"): the answer says that the material does not state who (NAMELESS_WHO); with a name it is the answer."""
    q = "Hvem blev ansat som forvaltningschef i februar?"
    rows = "Sager på vej i februar:\nAnsættelse af forvaltningschef | | Vedtaget.\nImplementering af ældrelov | Taskforce | Vedtaget."
    h = [_hit(1, rows, "Sager på vej")]
    c = compose(q, "", h, sims={t: 0.9 for t in candidate_texts(h)})
    assert c.partial == "hvem der blev ansat som forvaltningschef i februar" and "men ikke hvem" in c.text
    named = [_hit(1, "Magistraten ansatte Mette Hansen som forvaltningschef i februar.", "Sager på vej")]
    assert compose(q, "", named, sims={t: 0.9 for t in candidate_texts(named)}).direct.startswith("Mette Hansen")
    monkeypatch.setattr(answerable, "NAMELESS_WHO", False)
    assert not compose(q, "", h, sims={t: 0.9 for t in candidate_texts(h)}).partial


PRIZE = (
    "Udvalget blev orienteret om, at Aarhus Kommune sammen med Odense og Viborg er nomineret til Inklusionsprisen "
    "2025. Vinderen offentliggøres til foråret."
)


def test_a_year_after_a_name_and_a_name_after_the_first_word_are_names():
    """Session 10 (NAME_FIX): "Inklusionsprisen 2029" names a year, "Kan Hjørring Byråd …" names Hjørring; before,
    both were taken for the second word of a name and never checked."""
    from assistant.extractive import _names

    assert "2029" in _names("Hvilke kommuner er i spil til Inklusionsprisen 2029?")
    assert "Hjørring" in _names("Kan Hjørring Byråd få flere medlemmer?")
    assert _names("Hvad sagde Aarhus Kommune?") == ["Aarhus"]  # a name's second word is still part of it


def test_a_name_no_hit_mentions_is_missing_however_close_in_meaning(monkeypatch):
    """Session 10 (ABSENT_NAMES): a year no passage retrieved mentions refuses the answer even when the answering
    sentence is close in meaning (the cosine escape of NAME_SIM is for names the material writes otherwise)."""
    h = [_hit(1, PRIZE, "Orientering")]
    q = "Hvilke andre kommuner er sammen med Aarhus i spil til Inklusionsprisen 2029?"
    sims = {t: 0.9 for t in candidate_texts(h)}  # above extractive.NAME_SIM
    assert compose(q, "", h, sims=sims).reason == "spørgsmålets navn/årstal nævnes ikke i kilderne"
    assert "Odense" in compose(q.replace("2029", "2025"), "", h, sims=sims).text  # the original is answered
    monkeypatch.setattr(answerable, "ABSENT_NAMES", False)
    assert "Odense" in compose(q, "", h, sims=sims).text


def test_a_name_of_two_words_joined_by_og_is_absent_only_when_both_are():
    """ "Kultur og Borgerservice" is written "MKB" in the material: one of its words found, it is not absent."""
    from assistant.extractive import _absent_names

    h = [_hit(1, "Borgerservice i MKB overtager opgaven fra 2026.", "Organisering")]
    assert _absent_names("Skal opgaven flyttes til Kultur og Borgerservice?", h) == []
    assert _absent_names("Skal opgaven flyttes til Havne og Fiskeri?", h) == ["Havne", "Fiskeri"]


def test_a_part_naming_what_the_material_does_not_is_named_missing(monkeypatch):
    """Session 10 (PART_NAMES): "…, og <part with a name no passage mentions>?" answers the other part and says the
    material does not state that one, instead of refusing the whole answer."""
    h = [_hit(1, PRIZE, "Orientering")]
    q = (
        "Hvilke andre kommuner er sammen med Aarhus i spil til Inklusionsprisen 2025, og hvad er det for en indsats, "
        "Lemvig er indstillet til en pris for?"
    )
    sims = {t: 0.8 for t in candidate_texts(h)}
    c = compose(q, "", h, sims=sims)
    assert c.text and "Odense" in c.text and "Lemvig" in c.partial and "Inklusionsprisen" not in c.partial
    monkeypatch.setattr(answerable, "PART_NAMES", False)
    assert compose(q, "", h, sims=sims).reason == "spørgsmålets navn/årstal nævnes ikke i kilderne"


def test_a_date_no_passage_states_is_a_missing_name(monkeypatch):
    """Session 10 (DATE_NAMES): the minutes of 18 February do not answer where the meeting of 18 March was held."""
    h = [_hit(1, "Mødested Aarhus Rådhus, lokale 398. Mødet den 18. februar 2025 varede tre timer.", "Møde")]
    sims = {t: 0.8 for t in candidate_texts(h)}
    q = "Hvor foregik mødet i udvalget den 18. marts 2025?"
    assert compose(q, "", h, sims=sims).reason == "spørgsmålets navn/årstal nævnes ikke i kilderne"
    assert "398" in compose(q.replace("marts", "februar"), "", h, sims=sims).text
    monkeypatch.setattr(answerable, "DATE_NAMES", False)
    assert "398" in compose(q, "", h, sims=sims).text
