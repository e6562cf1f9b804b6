import datetime as dt

from cockpit.selection import Selection, lang_from_locale


def test_url_round_trip_keeps_every_choice():
    sel = Selection(period="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30), compare="yoy",
                    grain="week", brand=("山野茶", "云裳"), store=("S1",), channel=("live", "mall"), lang="en",
                    live="L1")
    params = sel.to_params()
    assert params["brand"] == ["山野茶", "云裳"] and params["start"] == "2025-06-01"
    assert Selection.from_params(params) == sel


def test_defaults_make_an_empty_url():
    assert Selection().to_params() == {}


def test_hand_edited_links_fall_back_to_defaults():
    sel = Selection.from_params({"period": "fortnight", "compare": "x", "grain": "hour", "start": "2025-99-01",
                                 "lang": "fr", "store": ["S1", "S1", ""]})
    assert sel == Selection(store=("S1",))


def test_custom_period_with_reversed_dates_is_sorted():
    sel = Selection(period="custom", start=dt.date(2025, 6, 30), end=dt.date(2025, 6, 1))
    p = sel.resolved_period(dt.date(2026, 1, 1))
    assert (p.start, p.end) == (dt.date(2025, 6, 1), dt.date(2025, 6, 30))


def test_language_from_browser_locale():
    assert lang_from_locale("zh-CN") == "zh"
    assert lang_from_locale("en-US") == "en"
    assert lang_from_locale(None) == "zh"
