"""Danish date parsing (byraad.dates)."""

import pytest

from byraad.dates import find_dates, format_dmy, parse_danish_date


@pytest.mark.parametrize(
    "s, want",
    [
        ("18. februar 2025", 20250218),
        ("Mødedato 18. februar 2025", 20250218),
        ("Mødedato: 15. november 2023", 20231115),
        ("den 8. november 2023", 20231108),
        ("09. december 2025 kl. 15.30", 20251209),
        ("7. dec. 2022", 20221207),
        ("7. dec 2022", 20221207),
        ("1. feb. 2023", 20230201),
        ("3. sept. 2024", 20240903),
        ("12. okt. 2021", 20211012),
        ("1. MAJ 2024", 20240501),
        ("30. marts 2020", 20200330),
        ("28-11-2022", 20221128),
        ("28-11-2022 10:30 - 12:30", 20221128),
        ("27.10.2022", 20221027),
        ("5/1/2024", 20240105),
        ("2025-02-18", 20250218),
        ("28-11-22", 20221128),
    ],
)
def test_parses_danish_dates(s, want):
    assert parse_danish_date(s) == want


@pytest.mark.parametrize(
    "s",
    [
        "",
        "18. februar",  # no year: never completed from context
        "Fredag den 12. eller 19. december",
        "31. februar 2025",  # not a calendar date
        "Tid: 18.15 – 18.18 (3 min.)",  # a time, not a date
        "ultimo maj/primo juni 2025",
        "Dato under afklaring",
        "3.523 tegn",
    ],
)
def test_no_date_without_day_month_and_year(s):
    assert parse_danish_date(s) is None


def test_find_dates_in_order_with_spans():
    s = "Mødet den 7. december 2022 (jf. 24-11-2022) og 2023-01-11."
    found = find_dates(s)
    assert [v for _, _, v in found] == [20221207, 20221124, 20230111]
    a, b, _ = found[0]
    assert s[a:b] == "7. december 2022"


def test_format_dmy():
    assert format_dmy(20221128) == "28-11-2022"
    assert format_dmy(None) == ""
