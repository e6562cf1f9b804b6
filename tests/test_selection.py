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


# --- links are outside input (issue 12): checked before any widget sees them -----------

import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cockpit import periods  # noqa: E402
from cockpit.selection import MAX_CHARS, Notice  # noqa: E402

TODAY = dt.date(2026, 11, 29)


def keys(notices):
    return [n.key for n in notices]


def test_end_after_today_is_clamped_with_a_notice():
    sel, notes = Selection.parse({"period": "custom", "start": "2026-10-01", "end": "2027-12-01"}, TODAY)
    assert (sel.start, sel.end) == (dt.date(2026, 10, 1), TODAY)
    assert notes == [Notice("links.end_clamped", {"value": "2027-12-01", "to": "2026-11-29"})]


def test_start_before_the_window_is_clamped_and_future_ranges_fall_back():
    sel, notes = Selection.parse({"period": "custom", "start": "0001-01-01", "end": "2025-01-31"}, TODAY)
    assert (sel.start, sel.end) == (periods.EARLIEST, dt.date(2025, 1, 31))
    assert keys(notes) == ["links.start_clamped"]
    sel, notes = Selection.parse({"period": "custom", "start": "2099-12-30", "end": "9999-12-31"}, TODAY)
    assert sel.period == "last_30" and sel.start is None and keys(notes) == ["links.future"]
    sel, notes = Selection.parse({"period": "custom", "start": "2025-06-01"}, TODAY)
    assert sel.period == "last_30" and keys(notes) == ["links.custom_incomplete"]


def test_each_unusable_parameter_is_named():
    sel, notes = Selection.parse({"period": "fortnight", "compare": "x", "grain": "hour", "lang": "fr",
                                  "entity": "shop:S1", "start": "2025-99-01"}, TODAY)
    assert sel == Selection()
    assert keys(notes) == ["links.bad_period", "links.bad_date", "links.bad_value", "links.bad_compare",
                           "links.bad_grain", "links.bad_lang"]
    assert notes[0].values == {"value": "fortnight"}


def test_ids_with_control_characters_or_too_long_are_dropped():
    sel, notes = Selection.parse({"store": ["S1", "x" * (MAX_CHARS + 1), "a\x00b"], "live": "L\n1"}, TODAY)
    assert sel.store == ("S1",) and sel.live is None
    assert keys(notes) == ["links.bad_value", "links.bad_value"]


def test_dates_only_mean_a_custom_range_and_wall_mode_round_trips():
    sel = Selection.from_params({"start": "2025-06-01", "end": "2025-06-30", "wall": "1"}, TODAY)
    assert (sel.period, sel.wall) == ("custom", True)
    assert Selection.from_params(sel.to_params(), TODAY) == sel


_KEYS = st.sampled_from(["period", "start", "end", "compare", "grain", "lang", "live", "entity", "wall",
                         "brand", "store", "account", "channel", "agency", "utm_source"])
_DATES = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat)
_WORDS = st.sampled_from([*periods.PRESETS, *periods.COMPARISONS, "day", "week", "zh", "en", "1", "store:S1",
                          "account:", ""])
_TEXT = st.one_of(_DATES, _WORDS, st.text(max_size=300))
_VALUE = st.one_of(_TEXT, st.lists(_TEXT, max_size=4))


# $COCKPIT_PROPERTY_EXAMPLES raises the count for a long run (the suite's default stays small)
EXAMPLES = int(__import__("os").environ.get("COCKPIT_PROPERTY_EXAMPLES", "600"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=st.dictionaries(_KEYS, _VALUE, max_size=8),
       today=st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)),
       minute=st.integers(0, 24 * 60 - 1))
def test_any_link_gives_a_usable_selection(params, today, minute):
    """Never raises; the period (and its comparison) lie in the plausible window and end
    by today; every value a widget gets is one it accepts; the link it writes back
    reads the same with no notice."""
    sel, notes = Selection.parse(params, today)
    now = dt.datetime.combine(today, dt.time()) + dt.timedelta(minutes=minute)
    p = sel.resolved_period(today, now)
    assert periods.EARLIEST <= p.start <= p.end <= today
    assert p.end_ts_exclusive <= now or not p.partial
    for mode in periods.COMPARISONS:
        periods.comparison(p, mode)
    assert sel.period in periods.PRESETS and sel.compare in periods.COMPARISONS and sel.grain in ("day", "week", "month")
    assert all(isinstance(n, Notice) and n.key.startswith("links.") for n in notes)
    again, notes2 = Selection.parse(sel.to_params(), today)
    assert again == sel and notes2 == []


@pytest.mark.parametrize("end", ["2027-11-29", "2027-11-30", "9999-12-31"])
def test_window_edge_links(end):
    sel, _ = Selection.parse({"period": "custom", "start": "2000-01-01", "end": end}, TODAY)
    p = sel.resolved_period(TODAY, dt.datetime(2026, 11, 29, 23, 59))
    assert (p.start, p.end) == (periods.EARLIEST, TODAY) and p.partial
    assert periods.comparison(p, "yoy").start == dt.date(1999, 1, 1)
