"""Push: alerts and scheduled reports to the group chats operators live in (DingTalk,
WeCom, Feishu), e-mail and plain webhooks.

* :mod:`cockpit.push.channels`: destinations, each platform's format and signature;
* :mod:`cockpit.push.rules` and :mod:`cockpit.push.live_rules`: alert rules;
* :mod:`cockpit.push.scheduled` and :mod:`cockpit.push.render`: scheduled reports;
* :mod:`cockpit.push.delivery`: the delivery log, retries with back-off.

The server calls :func:`tick` from a background thread every 15 s and after each
committed import; ``cockpit alert run`` and ``cockpit report send`` do the same work
on demand.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading

from cockpit.push import db

log = logging.getLogger("cockpit.push")

_TICK = threading.Lock()


def init(con) -> None:
    """Create push's tables (idempotent); store.init_schema does it through push.db's part."""
    db.init(con)


def enabled() -> bool:
    """``COCKPIT_PUSH=0`` switches the background sending off (a temporary server that
    only draws a report's picture must not send anything itself)."""
    return os.environ.get("COCKPIT_PUSH", "1") != "0"


def tick(con, now: dt.datetime) -> None:
    """Do whatever is due at ``now`` (naive business time): alert rules whose data moved
    or whose interval passed, reports whose scheduled time passed since their last
    send, retries whose back-off elapsed.  Cheap when nothing is due (a few small
    reads); never runs twice at once in one process; never raises."""
    if not enabled() or not _TICK.acquire(blocking=False):
        return
    try:
        _tick(con, now)
    except Exception:  # noqa: BLE001 - the background thread must live on
        log.exception("push: tick failed")
    finally:
        _TICK.release()


def _tick(con, now: dt.datetime) -> None:
    from cockpit import store
    from cockpit.push import delivery, rules, scheduled

    version = store.data_version(con)
    for rule in rules.due_rules(con, now, version):
        try:
            rules.run_rule(con, rule, now, version=version)
        except Exception:  # noqa: BLE001 - one broken rule must not stop the others
            log.exception("push: alert %s failed", rule.name)
    for rep in scheduled.list_all(con):
        slot = scheduled.is_due(rep, now)
        if slot is None:
            continue
        try:
            scheduled.send(con, rep, now, slot=slot)
        except Exception:  # noqa: BLE001
            log.exception("push: report %s failed", rep.name)
    if delivery.any_due(con, now):
        delivery.retry_due(con, now)


def run_alerts(con, now: dt.datetime, names=None) -> dict[str, list]:
    """`cockpit alert run`: evaluate every (unpaused) rule now and send what breached."""
    from cockpit.push import rules

    out = {}
    for rule in rules.list_all(con):
        if names and rule.name not in names:
            continue
        if rule.is_paused(now):
            out[rule.name] = None
            continue
        out[rule.name] = rules.run_rule(con, rule, now)
    return out
