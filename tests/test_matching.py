"""The evidence-matching rule of the evaluation, on hand-made repaired/raw passages."""

from __future__ import annotations

from evaluation.matching import (
    coverage,
    matched_parts,
    matches,
    prepare_evidence,
    prepare_passage,
    split_evidence,
    text_matches,
)

EVIDENCE = "Udvalget besluttede at borgerne skal høres om den nye lokalplan inden sommerferien."


def test_substring_after_normalisation_case_and_spaces():
    chunk = (
        "Indledning.   UDVALGET besluttede at borgerne\n skal høres om den nye   lokalplan inden sommerferien. Slut."
    )
    assert text_matches(EVIDENCE, chunk)


def test_split_word_in_raw_matches_repaired_evidence():
    raw = "Udvalget besluttede at bor-\ngerne skal høres om den nye lokalplan inden sommerferien."
    assert text_matches(EVIDENCE, raw)  # de-hyphenated by normalise_for_match
    assert text_matches("bor-\ngerne skal høres om", "at borgerne skal høres om den")


def test_curly_quotes_and_dashes():
    assert text_matches('Projektet kaldes "Grøn By" – fase 2', "Projektet kaldes “Grøn By” — fase 2 i planen")
    assert text_matches("kaldes ‘Grøn By’ i planen", "Projektet kaldes 'Grøn By' i planen")


def test_page_number_removed_by_repair_is_found_in_source_text():
    raw_evidence = "Udvalget besluttede at borgerne\n 12\nskal høres om den nye lokalplan"
    repaired = "Udvalget besluttede at borgerne skal høres om den nye lokalplan inden sommerferien."
    source = "Udvalget besluttede at borgerne\n 12\nskal høres om den nye lokalplan inden sommerferien."
    ev = prepare_evidence(raw_evidence)
    assert not matches(ev, prepare_passage(repaired))  # the repaired text lost the page number…
    assert matches(ev, prepare_passage(repaired, source))  # …the chunk's source text still has it


def test_evidence_without_page_number_matches_repaired_text():
    ev = "Udvalget besluttede at borgerne skal høres om den nye lokalplan"
    raw = "Udvalget besluttede at borgerne\n 12\nskal høres om den nye lokalplan"
    repaired = "xx Udvalget besluttede at borgerne skal høres om den nye lokalplan yy"
    assert not text_matches(ev, raw)  # the page number breaks the raw passage
    assert text_matches(ev, repaired, raw)  # the repaired form of the chunk matches


def test_straddling_evidence_needs_80_percent_of_shingles():
    words = EVIDENCE.rstrip(".").split()  # 13 words → 9 shingles
    ev = prepare_evidence(EVIDENCE)
    most = prepare_passage(" ".join(words[:12]) + " (chunk ends here)")  # 8 of 9 shingles
    half = prepare_passage(" ".join(words[:8]))  # 4 of 9 shingles
    assert coverage(ev, most) >= 0.8 and matches(ev, most)
    assert coverage(ev, half) < 0.8 and not matches(ev, half)


def test_short_evidence_needs_all_words_in_order():
    ev = prepare_evidence("Mødedato: 18. februar 2025")
    assert matches(ev, prepare_passage("Referat. Mødedato 18 februar 2025 kl. 17"))  # punctuation ignored
    assert not matches(ev, prepare_passage("Mødedato 19. februar 2025"))
    assert not matches(ev, prepare_passage("februar 2025, mødedato 18."))  # order matters


def test_unrelated_text_is_no_hit():
    assert not text_matches(EVIDENCE, "Økonomiudvalget godkendte regnskabet for 2023 uden bemærkninger.")
    assert not text_matches("", "anything at all")


def test_multi_evidence_parts_matched_separately():
    evs = split_evidence("Mødedato 22. juni 2023 ||| Vedtaget med 22 stemmer mod 3.")
    assert len(evs) == 2
    assert matched_parts(evs, prepare_passage("Byrådet, mødedato 22. juni 2023.")) == {0}
    assert matched_parts(evs, prepare_passage("Punkt 4. Vedtaget med 22 stemmer mod 3.")) == {1}
    assert matched_parts(evs, prepare_passage("Mødedato 22. juni 2023 … vedtaget med 22 stemmer mod 3")) == {0, 1}


def test_external_rule_is_the_readme_rule():
    from evaluation.matching import external_contains, matched_parts, prepare_passage, split_evidence

    # substring after its normalisation (punctuation runs → one space, line-break hyphen joined)
    assert external_contains("Mødet i ud-\nvalget: 18. februar 2025, kl. 17.00", "udvalget 18. februar 2025")
    # 80 % of the tokens in any order counts (the project rule wants 5-gram shingles)
    ev = "Byrådet vedtog planen med 22 stemmer mod 3"
    shuffled = "med 22 stemmer mod 3 vedtog byrådet i går hele planen"
    assert external_contains(shuffled, ev)
    p, evs = prepare_passage(shuffled), split_evidence(ev)
    assert matched_parts(evs, p, "external") == {0} and matched_parts(evs, p) == set()
    assert not external_contains("Byrådet vedtog budgettet", ev)  # 2 of 9 tokens
