"""The shared least-recently-used store: the budget counts weights, the least recently
used goes first, the newest entry always stays."""

from cockpit.lru import LRU


def test_least_recently_used_goes_first_within_the_budget():
    lru = LRU(10)
    lru.put("a", 1, 4)
    lru.put("b", 2, 4)
    assert lru.get("a") == 1  # a is now the most recent
    lru.put("c", 3, 4)  # 12 > 10: b goes
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)
    lru.put("a", 9, 1)  # replacing counts the new weight only: 1 + 4
    lru.put("d", 4, 5)  # 10: all stay
    assert [lru.get(k) for k in "acd"] == [9, 3, 4]


def test_an_entry_over_the_budget_stays_alone_and_clear_empties():
    lru = LRU(3)
    lru.put("a", 1, 1)
    lru.put("big", 2, 50)
    assert (lru.get("a"), lru.get("big")) == (None, 2)
    lru.clear()
    assert lru.get("big", "gone") == "gone"
