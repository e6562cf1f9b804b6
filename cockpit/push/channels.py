"""Destinations, defined once and reused by rules and reports, and how each platform
wants its message.

* ``dingtalk``: DingTalk custom robot.  ``{"msgtype": "markdown", "markdown": {title,
  text}}``; with a secret, ``timestamp`` (ms) and ``sign`` = urlencode(Base64(
  HMAC-SHA256(key=secret, msg="timestamp\\nsecret"))) are added to the URL.
* ``wecom``: WeCom group robot.  ``{"msgtype": "markdown", "markdown": {content}}``
  (at most 4096 bytes), then each picture as ``{"msgtype": "image", "image": {base64,
  md5}}`` (md5 of the raw bytes, at most 2 MB, PNG/JPG).
* ``feishu``: Feishu custom bot.  ``{"msg_type": "post", "content": {"post": ...}}``;
  with a secret, ``timestamp`` (s) and ``sign`` = Base64(HMAC-SHA256(key=
  "timestamp\\nsecret", msg="")) in the body.
* ``email``: SMTP (settings: :mod:`cockpit.push.smtp`); HTML body, the picture inline,
  tables and PDF as attachments.  The "URL" is the recipients' addresses.
* ``webhook``: plain JSON POST; with a secret, ``X-Cockpit-Signature: sha256=<hex
  HMAC-SHA256(secret, body)>``.

DingTalk, WeCom and Feishu answer HTTP 200 with an error code in the body when they
refuse a message (bad signature, too frequent, keyword missing): any ``errcode`` /
``code`` other than 0 is a failure.  Custom DingTalk and Feishu bots cannot upload a
picture (that needs an app's credentials), so they get the text and, when
``$COCKPIT_PUBLIC_URL`` is set, a link to the page.

The webhook URL of a chat bot carries its access token, so URLs are secrets too:
listed masked, never logged; error texts are scrubbed of both before they are stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from cockpit import clock, store
from cockpit.push.message import Message

KINDS = ("dingtalk", "wecom", "feishu", "email", "webhook")
LANGS = ("zh", "en")
HTTP_TIMEOUT = 10.0
WECOM_MARKDOWN_MAX = 4096
WECOM_IMAGE_MAX = 2 * 1024 * 1024
_NAME = re.compile(r"^[\w\-. \u4e00-\u9fff]{1,60}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


class ChannelError(ValueError):
    """A channel that cannot be saved or found; the message is safe to show."""


class DeliveryError(Exception):
    """A send that failed; the message is scrubbed of URLs and secrets."""


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str
    url: str
    secret: str | None
    lang: str
    owner: str

    def masked_url(self) -> str:
        return mask_url(self.url) if self.kind != "email" else self.url

    def scrub(self, text: str) -> str:
        """``text`` without this channel's URL, token or secret in it."""
        out = str(text)
        for s in sorted({self.url, self.secret or "", *_url_tokens(self.url)}, key=len, reverse=True):
            if s and len(s) >= 4:
                out = out.replace(s, "****")
        return out


def _url_tokens(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    toks = [v for _, v in urllib.parse.parse_qsl(parts.query)]
    toks += [p for p in parts.path.split("/") if len(p) >= 16]  # Feishu's hook id is in the path
    return toks


def mask_url(url: str) -> str:
    """``https://oapi.dingtalk.com/robot/send?access_token=****3f9a``: enough to tell two
    channels apart, not enough to post to them."""
    parts = urllib.parse.urlsplit(url)
    tail = (parts.query or parts.path)[-4:]
    path = "/".join(p if len(p) < 16 else "****" for p in parts.path.split("/"))
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?****{tail}" if parts.query else "")


def recipients(ch: Channel) -> list[str]:
    text = ch.url.removeprefix("mailto:")
    return [a.strip() for a in re.split(r"[,;\s]+", text) if a.strip()]


# --- stored channels -------------------------------------------------------------------


def _check(name: str, kind: str, url: str, lang: str) -> None:
    if not name or not _NAME.match(name):
        raise ChannelError(f"channel name {name!r}: use 1-60 letters, digits, Chinese, '-', '_', '.' or spaces")
    if kind not in KINDS:
        raise ChannelError(f"unknown channel kind {kind!r}; choose one of {', '.join(KINDS)}")
    if lang not in LANGS:
        raise ChannelError(f"unknown language {lang!r}; choose zh or en")
    if kind == "email":
        addrs = recipients(Channel(name, kind, url, None, lang, ""))
        bad = [a for a in addrs if not _EMAIL.match(a)]
        if not addrs or bad:
            raise ChannelError(f"channel {name}: {', '.join(bad) or 'no address'} is not an e-mail address "
                               "(give one or more, comma-separated, e.g. boss@example.com)")
        return
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ChannelError(f"channel {name}: the URL must start with https:// (the bot's webhook address)")


def add(con, name: str, kind: str, url: str, secret: str | None = None, lang: str = "zh",
        owner: str = "local") -> Channel:
    name = (name or "").strip()
    url = (url or "").strip()
    _check(name, kind, url, lang)
    if get(con, name) is not None:
        raise ChannelError(f"there is already a channel {name!r}; remove it first or pick another name")
    con.execute("INSERT INTO push_channels VALUES (?, ?, ?, ?, ?, ?, ?)",
                [name, kind, url, (secret or "").strip() or None, lang, owner, clock.now()])
    return get(con, name)


def get(con, name: str) -> Channel | None:
    rows = store.fetchall(con, "SELECT name, kind, url, secret, lang, owner FROM push_channels WHERE name = ?", [name])
    return Channel(*rows[0]) if rows else None


def require(con, name: str) -> Channel:
    ch = get(con, name)
    if ch is None:
        raise ChannelError(f"there is no channel {name!r} (see `cockpit channel list`)")
    return ch


def list_all(con, owner: str | None = None) -> list[Channel]:
    """Every channel, or those ``owner`` made (what a non-admin may see and use)."""
    sql = "SELECT name, kind, url, secret, lang, owner FROM push_channels"
    rows = store.fetchall(con, sql + (" WHERE owner = ?" if owner else "") + " ORDER BY name", [owner] if owner else [])
    return [Channel(*r) for r in rows]


def remove(con, name: str, user=None) -> None:
    """Remove a channel; a non-admin ``user`` only one of their own."""
    ch = require(con, name)
    if user is not None and not user.is_admin and ch.owner != user.username:
        raise ChannelError(f"there is no channel {name!r} (see `cockpit channel list`)")
    con.execute("DELETE FROM push_channels WHERE name = ?", [name])


# --- signing ---------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """urlencode(Base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Base64(HMAC-SHA256(key="timestamp\\nsecret", msg=""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- payloads --------------------------------------------------------------------------


def payloads(ch: Channel, msg: Message, now_s: float | None = None) -> list[tuple[str, dict]]:
    """(url, JSON body) of each POST that delivers ``msg`` to a chat or webhook channel."""
    now_s = time.time() if now_s is None else now_s
    if ch.kind == "dingtalk":
        url = ch.url
        if ch.secret:
            ts = int(now_s * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(ch.secret, ts)}"
        return [(url, {"msgtype": "markdown", "markdown": {"title": msg.title, "text": msg.markdown()}})]
    if ch.kind == "wecom":
        text = msg.markdown()
        if len(text.encode()) > WECOM_MARKDOWN_MAX:
            text = text.encode()[: WECOM_MARKDOWN_MAX - 6].decode(errors="ignore") + "\n\n…"
        out = [(ch.url, {"msgtype": "markdown", "markdown": {"content": text}})]
        for img in msg.images:
            if len(img.data) <= WECOM_IMAGE_MAX and img.mime in ("image/png", "image/jpeg"):
                out.append((ch.url, {"msgtype": "image", "image": {
                    "base64": base64.b64encode(img.data).decode(), "md5": hashlib.md5(img.data).hexdigest()}}))
        return out
    if ch.kind == "feishu":
        body: dict = {"msg_type": "post", "content": msg.feishu_post()}
        if ch.secret:
            ts = int(now_s)
            body = {"timestamp": str(ts), "sign": feishu_sign(ch.secret, ts), **body}
        return [(ch.url, body)]
    if ch.kind == "webhook":
        return [(ch.url, msg.webhook_json())]
    raise ValueError(f"{ch.kind} is not sent over HTTP")


def send(ch: Channel, msg: Message) -> None:
    """Deliver ``msg`` or raise DeliveryError (scrubbed)."""
    try:
        if ch.kind == "email":
            from cockpit.push import smtp

            smtp.send(recipients(ch), msg)
            return
        for url, body in payloads(ch, msg):
            _post(ch, url, body)
    except DeliveryError as e:
        raise DeliveryError(ch.scrub(str(e))) from None
    except Exception as e:  # noqa: BLE001 - any failure becomes a logged, retried delivery
        raise DeliveryError(ch.scrub(f"{type(e).__name__}: {e}")) from None


def _post(ch: Channel, url: str, body: dict) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "brand-cockpit-push"}
    if ch.kind == "webhook" and ch.secret:
        headers["X-Cockpit-Signature"] = webhook_signature(ch.secret, data)
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        raise DeliveryError(f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise DeliveryError(f"cannot reach the {ch.kind} server: {e.reason}") from None
    if ch.kind == "webhook":
        return
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        raise DeliveryError(f"the {ch.kind} server answered something that is not JSON") from None
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        why = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        raise DeliveryError(f"{ch.kind} refused the message: code {code} {why}".strip())
