"""E-mail over SMTP: settings from ``.streamlit/secrets.toml`` ``[smtp]`` or the
environment (the environment wins), an HTML body with the picture inline and the
tables and PDF attached.

``[smtp]`` keys: ``host``, ``port`` (default 587 with STARTTLS, 465 with SSL, 25
without), ``user``, ``password``, ``sender``, ``tls`` = ``starttls`` | ``ssl`` |
``none`` (default ``starttls``).  Environment: ``COCKPIT_SMTP_HOST``, ``_PORT``,
``_USER``, ``_PASSWORD``, ``_FROM``, ``_TLS``.  ``$COCKPIT_SECRETS`` names another
secrets file.
"""

from __future__ import annotations

import os
import smtplib
import tomllib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from cockpit.push.message import Message

TIMEOUT = 20.0
_ENV = {"host": "HOST", "port": "PORT", "user": "USER", "password": "PASSWORD", "sender": "FROM", "tls": "TLS"}


class SmtpNotConfigured(Exception):
    pass


def _secrets_files() -> list[Path]:
    if os.environ.get("COCKPIT_SECRETS"):
        return [Path(os.environ["COCKPIT_SECRETS"])]
    return [Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]


def settings() -> dict:
    conf: dict = {}
    for f in _secrets_files():
        try:
            section = tomllib.loads(f.read_text("utf-8")).get("smtp") or {}
        except (OSError, tomllib.TOMLDecodeError):
            continue
        conf = {("sender" if k == "from" else "user" if k == "username" else k): v for k, v in section.items()}
        break
    for key, env in _ENV.items():
        if os.environ.get(f"COCKPIT_SMTP_{env}"):
            conf[key] = os.environ[f"COCKPIT_SMTP_{env}"]
    if not conf.get("host"):
        raise SmtpNotConfigured("e-mail is not set up: add an [smtp] section (host, port, user, password, sender) "
                                "to .streamlit/secrets.toml or set COCKPIT_SMTP_HOST")
    tls = str(conf.get("tls", "starttls")).lower()
    conf["tls"] = tls
    conf["port"] = int(conf.get("port") or {"ssl": 465, "none": 25}.get(tls, 587))
    conf.setdefault("sender", conf.get("user") or "cockpit@localhost")
    return conf


def build(recipients: list[str], msg: Message, sender: str) -> EmailMessage:
    em = EmailMessage()
    em["Subject"] = msg.title
    em["From"] = sender
    em["To"] = ", ".join(recipients)
    em.set_content(msg.text + (f"\n\n{msg.link_text}: {msg.link}" if msg.link else ""))
    cids = [make_msgid(domain="cockpit.local") for _ in msg.images]
    em.add_alternative(msg.html([c[1:-1] for c in cids]), subtype="html")
    html_part = em.get_payload()[1]
    for img, cid in zip(msg.images, cids):
        maintype, subtype = img.mime.split("/", 1)
        html_part.add_related(img.data, maintype=maintype, subtype=subtype, cid=cid, filename=img.name,
                              disposition="inline")
    for f in msg.files:
        maintype, subtype = f.mime.split("/", 1)
        em.add_attachment(f.data, maintype=maintype, subtype=subtype, filename=f.name)
    return em


def send(recipients: list[str], msg: Message) -> None:
    conf = settings()
    em = build(recipients, msg, conf["sender"])
    cls = smtplib.SMTP_SSL if conf["tls"] == "ssl" else smtplib.SMTP
    with cls(conf["host"], conf["port"], timeout=TIMEOUT) as s:
        if conf["tls"] == "starttls":
            s.starttls()
        if conf.get("user") and conf.get("password"):
            s.login(str(conf["user"]), str(conf["password"]))
        s.send_message(em)
