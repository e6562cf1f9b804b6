"""Every send, and every failure, in one log; failed sends are retried with back-off.

A failure is stored with the message (not the platform payload) so the retry re-signs
with a fresh timestamp: DingTalk refuses a signature older than an hour.  Attachments
are dropped from the log once a delivery is settled (sent or given up), keeping the
database small.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from cockpit import store
from cockpit.push import channels, db
from cockpit.push.message import Message

log = logging.getLogger("cockpit.push")

# minutes to wait before attempt 2, 3, 4, 5; after the last failure the delivery is given up
BACKOFF_MINUTES = (1, 5, 15, 60)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1

SENT, RETRYING, FAILED = "sent", "retrying", "failed"
_IDS = threading.Lock()  # the app is the one writer; ids are taken one at a time within it


def _settled(msg: Message) -> str:
    return db.dumps({**msg.to_json(), "images": [], "files": []})


def deliver(con, channel_names, msg: Message, *, source: str, source_name: str, owner: str | None,
            now: dt.datetime, lang_for=None) -> list[tuple[str, str, str | None]]:
    """Send ``msg`` to each channel now; log each attempt.  ``lang_for(channel)`` may
    rebuild the message in the channel's language.  Returns (channel, status, error)."""
    out = []
    for name in channel_names:
        ch = channels.get(con, name)
        m = lang_for(ch) if (lang_for and ch is not None) else msg
        if ch is None:
            status, err = FAILED, "the channel was removed"
        else:
            status, err = _attempt(ch, m)
        if status == SENT:
            log.info("push: %s %s -> channel %s sent", source, source_name, name)
        else:
            log.warning("push: %s %s -> channel %s failed (attempt 1): %s", source, source_name, name, err)
        retry = status != SENT and ch is not None
        with _IDS:  # no sequences on ClickHouse: the next id is the largest plus one
            did = int(store.scalar(con, "SELECT coalesce(max(id), 0) + 1 FROM push_deliveries"))
            con.execute(
                "INSERT INTO push_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
                [did, now, source, source_name, owner, name, m.title, RETRYING if retry else status, now,
                 now + dt.timedelta(minutes=BACKOFF_MINUTES[0]) if retry else None, err,
                 db.dumps(m.to_json()) if retry else _settled(m)],
            )
        out.append((name, RETRYING if retry else status, err))
    return out


def _attempt(ch: channels.Channel, msg: Message) -> tuple[str, str | None]:
    try:
        channels.send(ch, msg)
        return SENT, None
    except channels.DeliveryError as e:
        return FAILED, str(e)
    except Exception as e:  # noqa: BLE001 - e.g. SMTP not configured
        return FAILED, ch.scrub(f"{type(e).__name__}: {e}")


def retry_due(con, now: dt.datetime) -> int:
    """Retry the failed deliveries whose back-off has elapsed; returns how many were tried."""
    rows = store.fetchall(
        con, "SELECT id, source, source_name, channel, attempts, message FROM push_deliveries "
        "WHERE status = ? AND next_attempt_at <= ? ORDER BY id", [RETRYING, now])
    for did, source, source_name, name, attempts, raw in rows:
        msg = Message.from_json(db.loads(raw))
        ch = channels.get(con, name)
        status, err = (FAILED, "the channel was removed") if ch is None else _attempt(ch, msg)
        attempts += 1
        if status == SENT:
            log.info("push: %s %s -> channel %s sent on attempt %d", source, source_name, name, attempts)
            nxt, raw = None, _settled(msg)
        elif ch is not None and attempts < MAX_ATTEMPTS:
            status = RETRYING
            nxt = now + dt.timedelta(minutes=BACKOFF_MINUTES[attempts - 1])
            log.warning("push: %s %s -> channel %s failed (attempt %d, next at %s): %s",
                        source, source_name, name, attempts, nxt, err)
        else:
            status, nxt, raw = FAILED, None, _settled(msg)
            log.warning("push: %s %s -> channel %s gave up after %d attempts: %s",
                        source, source_name, name, attempts, err)
        con.execute("UPDATE push_deliveries SET status = ?, attempts = ?, last_attempt_at = ?, next_attempt_at = ?, "
                    "error = ?, message = ? WHERE id = ?",
                    [status, attempts, now, nxt, err if status != SENT else None, raw, did])
    return len(rows)


def any_due(con, now: dt.datetime) -> bool:
    return bool(store.scalar(con, "SELECT count(*) FROM push_deliveries WHERE status = ? AND next_attempt_at <= ?",
                             [RETRYING, now]))


def recent(con, owner: str | None = None, limit: int = 200) -> list[dict]:
    """The newest deliveries (all, or those of ``owner``'s rules and reports)."""
    sql = ("SELECT id, created_at, source, source_name, owner, channel, title, status, attempts, "
           "last_attempt_at, next_attempt_at, error FROM push_deliveries")
    params: list = []
    if owner is not None:
        sql += " WHERE owner = ?"
        params.append(owner)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    cols = ["id", "created_at", "source", "source_name", "owner", "channel", "title", "status", "attempts",
            "last_attempt_at", "next_attempt_at", "error"]
    return [dict(zip(cols, r)) for r in store.fetchall(con, sql, params)]
