"""Business time: the group's local clock (Asia/Shanghai), whatever the server's zone.

Every timestamp in the data is local Shanghai time without a zone (SPEC section 2), so
"now" and "today" must be too, or a server running in UTC would call 07:00 "yesterday"
and miss the evening's live sessions.  $COCKPIT_TZ overrides the zone.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def zone() -> ZoneInfo:
    return ZoneInfo(os.environ.get("COCKPIT_TZ") or DEFAULT_TZ)


def now() -> dt.datetime:
    """Naive local business time, comparable with the data's timestamps."""
    return dt.datetime.now(zone()).replace(tzinfo=None)


def today() -> dt.date:
    return now().date()
