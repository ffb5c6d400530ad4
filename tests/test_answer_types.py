"""Answer-type checks: a 'when'/'how many' question is not answered by a sentence without a date/number."""

from __future__ import annotations

import pytest

from assistant.answer_types import holds, wanted
from assistant.extractive import compose
from byraad.types import Chunk, Hit


@pytest.mark.parametrize("question,kind", [
    ("Hvilken dato blev rådmandsmødet holdt?", "day"),
    ("Hvad er den præcise dato for kurset?", "day"),
    ("Hvornår går man i gang med cykelstien?", "when"),
    ("Hvor mange medarbejdere er der i Byrådsservice?", "number"),
    ("Hvad koster cykelstien?", "number"),
    ("Hvor lang tid var sat af til punktet?", "number"),
    ("Hvem deltog i mødet?", "person"),
    ("Hvad hedder den nye sekretariatsmedarbejder?", "person"),
    ("Hvad hedder prøvehandling 2?", ""),
    ("Hvilke tal har Esbjerg for flygtninge i beskæftigelse?", "number"),
    ("Hvad blev besluttet om cykelstien?", ""),
])
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
    assert not holds("Forpersonen bød velkommen til den nye sekretariatsmedarbejder.", "person")


def _hit(key: int, text: str, title: str) -> Hit:
    meta = {"doc_id": f"d{key}", "path": f"d{key}.txt", "title": "Referat", "kind": "minutes", "access": "public",
            "item_title": title, "item_no": "1", "chunk_type": "item"}
    return Hit(chunk=Chunk(f"c{key}", f"d{key}", text, f"Referat › Punkt 1: {title}\n{text}", meta), score=1.0, rank=key)


def test_compose_refuses_a_when_question_that_only_talks_around_it():
    hits = [_hit(1, "Rådmandsmødet drøftede vinterhjælp til økonomisk trængte borgere. Der forberedes vejledninger.",
                 "Vinterhjælp til økonomisk trængte")]
    assert compose("Hvilken dato drøftede rådmandsmødet vinterhjælp til økonomisk trængte?",
                   "vinterhjælp økonomisk trængte", hits).text == ""
    dated = [_hit(1, "Rådmandsmødet drøftede vinterhjælp til økonomisk trængte den 8. november 2023.",
                  "Vinterhjælp til økonomisk trængte")]
    text = compose("Hvilken dato drøftede rådmandsmødet vinterhjælp til økonomisk trængte?",
                   "vinterhjælp økonomisk trængte", dated).text
    assert "8. november 2023" in text and "[1]" in text
