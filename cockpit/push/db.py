"""Push's own tables: channels, alert rules and their state, scheduled reports, deliveries.

Created with every cockpit database (the part :func:`_register` gives the store; idempotent).  Nothing here holds
figures: rules and reports are evaluated through the query layer each time.  The SQL
stays in what both engines take (the ClickHouse door spells this DDL for ClickHouse):
no sequences, no upserts, no table-level keys; a rule's state row is replaced by a
delete and an insert.
"""

from __future__ import annotations

import json

DDL = [
    """CREATE TABLE IF NOT EXISTS push_channels (
        name VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        secret VARCHAR,
        lang VARCHAR NOT NULL DEFAULT 'zh',
        owner VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS push_rules (
        name VARCHAR PRIMARY KEY,
        owner VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        spec VARCHAR NOT NULL,
        channels VARCHAR NOT NULL,
        repeat_minutes INTEGER,
        paused BOOLEAN NOT NULL DEFAULT false,
        paused_until TIMESTAMP,
        created_at TIMESTAMP NOT NULL,
        last_eval_at TIMESTAMP,
        last_eval_version BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS push_rule_state (
        rule VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        breached BOOLEAN NOT NULL,
        since TIMESTAMP,
        last_sent_at TIMESTAMP,
        last_value DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS push_reports (
        name VARCHAR PRIMARY KEY,
        owner VARCHAR NOT NULL,
        page VARCHAR NOT NULL,
        selection VARCHAR NOT NULL,
        every VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        channels VARCHAR NOT NULL,
        paused BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMP NOT NULL,
        last_slot TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS push_deliveries (
        id BIGINT PRIMARY KEY,
        created_at TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,
        source_name VARCHAR NOT NULL,
        owner VARCHAR,
        channel VARCHAR NOT NULL,
        title VARCHAR,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        last_attempt_at TIMESTAMP,
        next_attempt_at TIMESTAMP,
        error VARCHAR,
        message VARCHAR
    )""",
]


def init(con) -> None:
    for stmt in DDL:
        con.execute(stmt)


def _register() -> None:
    from cockpit import store

    store.register(store.Part("push", ddl=tuple(DDL), order=6))  # created with every cockpit database


_register()


def dumps(v) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def loads(s: str | None, default=None):
    return json.loads(s) if s else default
