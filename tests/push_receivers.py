"""Real receivers on 127.0.0.1 for the push tests: an HTTP server that checks each
platform's documented payload and signature the way the platform does, and an SMTP
server (aiosmtpd).

The signature checks here are written independently of cockpit.push.channels, from
the platforms' documentation:

* DingTalk custom robot: ``timestamp`` (ms, within an hour) and ``sign`` in the query;
  sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")));
  refusals are HTTP 200 with ``errcode`` != 0 (310000: sign not match).
* WeCom group robot: ``key`` in the query; markdown content at most 4096 bytes; image
  = base64 of a PNG/JPG of at most 2 MB with the md5 of the raw bytes.
* Feishu custom bot: ``timestamp`` (s) and ``sign`` in the body; sign =
  base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")); refusals are HTTP 200
  with ``code`` != 0 (19021: sign match fail).
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cockpit.server import free_port

DING_TOKEN = "d1ngT0kenAbc123456789xyz"
DING_SECRET = "SECd1ngsecret0123456789abcdef"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
FEISHU_HOOK = "2f0c6b1e-9a7d-4c1b-8e2f-feishuhook01"
FEISHU_SECRET = "fsSecretQwErTy98765"
HOOK_SECRET = "whsecret-42-abc"


@dataclass
class Received:
    platform: str
    body: dict
    query: dict
    headers: dict


@dataclass
class Receiver:
    url: str
    messages: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    # platform -> how many of its next requests fail, and how: "http" (500) or "code" (200 + error code)
    fail: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, platform: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if m.platform == platform]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.rejected.clear()

    # channel URLs
    @property
    def dingtalk(self) -> str:
        return f"{self.url}/robot/send?access_token={DING_TOKEN}"

    @property
    def wecom(self) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={WECOM_KEY}"

    @property
    def feishu(self) -> str:
        return f"{self.url}/open-apis/bot/v2/hook/{FEISHU_HOOK}"

    @property
    def webhook(self) -> str:
        return f"{self.url}/hooks/cockpit"


def _ding_ok(q: dict) -> str | None:
    if q.get("access_token") != DING_TOKEN:
        return "token"
    ts, sign = q.get("timestamp"), q.get("sign")
    if not ts or not sign:
        return "unsigned"
    if abs(int(ts) - time.time() * 1000) > 3600_000:
        return "timestamp"
    mac = hmac.new(DING_SECRET.encode("utf-8"), f"{ts}\n{DING_SECRET}".encode("utf-8"), hashlib.sha256).digest()
    # parse_qs already undid the URL encoding of the sign
    return None if sign == base64.b64encode(mac).decode() else "sign"


def _feishu_ok(body: dict) -> str | None:
    ts, sign = body.get("timestamp"), body.get("sign")
    if not ts or not sign:
        return "unsigned"
    if abs(int(ts) - time.time()) > 3600:
        return "timestamp"
    mac = hmac.new(f"{ts}\n{FEISHU_SECRET}".encode("utf-8"), digestmod=hashlib.sha256).digest()
    return None if sign == base64.b64encode(mac).decode() else "sign"


def _check(platform: str, body: dict, q: dict, headers, raw: bytes) -> str | None:
    if platform == "dingtalk":
        if body.get("msgtype") != "markdown" or not body["markdown"].get("title") or not body["markdown"].get("text"):
            return "payload"
        return _ding_ok(q)
    if platform == "wecom":
        if q.get("key") != WECOM_KEY:
            return "key"
        if body.get("msgtype") == "markdown":
            c = body["markdown"].get("content") or ""
            return None if c and len(c.encode()) <= 4096 else "payload"
        if body.get("msgtype") == "image":
            data = base64.b64decode(body["image"]["base64"])
            if hashlib.md5(data).hexdigest() != body["image"]["md5"]:
                return "md5"
            if len(data) > 2 * 1024 * 1024 or not (data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"):
                return "image"
            return None
        return "msgtype"
    if platform == "feishu":
        t = body.get("msg_type")
        if t == "post":
            post = body.get("content", {}).get("post", {})
            loc = post.get("zh_cn") or post.get("en_us")
            if not loc or not loc.get("title") or not isinstance(loc.get("content"), list):
                return "payload"
        elif t == "text":
            if not body.get("content", {}).get("text"):
                return "payload"
        elif t != "interactive":
            return "msg_type"
        return _feishu_ok(body)
    if platform == "webhook":
        sig = headers.get("X-Cockpit-Signature")
        want = "sha256=" + hmac.new(HOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        return None if sig == want else "signature"
    return "platform"


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def log_message(self, *a):  # quiet
        pass

    def do_POST(self):
        parts = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        platform = ("dingtalk" if parts.path == "/robot/send" else "wecom" if parts.path == "/cgi-bin/webhook/send"
                    else "feishu" if parts.path == f"/open-apis/bot/v2/hook/{FEISHU_HOOK}"
                    else "webhook" if parts.path == "/hooks/cockpit" else None)
        rec = self.receiver
        with rec.lock:
            n, how = rec.fail.get(platform, (0, "code"))
            if n:
                rec.fail[platform] = (n - 1, how)
        if n:
            if how == "http":
                return self._answer(500, {"error": "down"})
            return self._answer(200, {"dingtalk": {"errcode": 130101, "errmsg": "send too fast"},
                                      "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
                                      "feishu": {"code": 9499, "msg": "Too Many Request"}}.get(platform, {}),
                                status_ok=platform == "webhook")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        why = "json" if body is None else _check(platform, body, q, self.headers, raw)
        with rec.lock:
            (rec.rejected if why else rec.messages).append(
                (platform, why, body) if why else Received(platform, body, q, dict(self.headers)))
        if why:
            answer = {"dingtalk": {"errcode": 310000, "errmsg": f"sign not match ({why})"},
                      "wecom": {"errcode": 40008, "errmsg": f"invalid message ({why})"},
                      "feishu": {"code": 19021, "msg": f"sign match fail ({why})"}}.get(platform)
            return self._answer(200 if answer else 400, answer or {"error": why})
        ok = {"dingtalk": {"errcode": 0, "errmsg": "ok"}, "wecom": {"errcode": 0, "errmsg": "ok"},
              "feishu": {"code": 0, "msg": "success", "data": {}}}.get(platform, {"ok": True})
        return self._answer(200, ok)

    def _answer(self, status: int, body: dict, status_ok: bool = False):
        if status_ok:
            status = 500
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start_http() -> tuple[Receiver, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    rec = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = type("H", (_Handler,), {"receiver": rec})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return rec, server


# --- SMTP ------------------------------------------------------------------------------


class Mailbox:
    def __init__(self):
        self.mails: list[email.message.EmailMessage] = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def start_smtp():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    ctl = Controller(box, hostname="127.0.0.1", port=free_port())
    ctl.start()
    return box, ctl


def parts(mail) -> dict:
    """html, text, inline images and attachments of a received mail."""
    out = {"html": None, "text": None, "inline": [], "attachments": []}
    for part in mail.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if part.get_content_disposition() == "attachment":
            out["attachments"].append((part.get_filename(), ctype, part.get_payload(decode=True)))
        elif ctype == "text/html":
            out["html"] = part.get_content()
        elif ctype == "text/plain":
            out["text"] = part.get_content()
        elif ctype.startswith("image/"):
            out["inline"].append((part.get("Content-ID"), ctype, part.get_payload(decode=True)))
    return out


# --- fixtures (import them into a test module) -------------------------------------------

import pytest  # noqa: E402


@pytest.fixture
def receiver():
    rec, server = start_http()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def mailbox(monkeypatch, tmp_path):
    box, ctl = start_smtp()
    monkeypatch.setenv("COCKPIT_SECRETS", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("COCKPIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COCKPIT_SMTP_PORT", str(ctl.port))
    monkeypatch.setenv("COCKPIT_SMTP_TLS", "none")
    monkeypatch.setenv("COCKPIT_SMTP_FROM", "cockpit@brand.example")
    yield box
    ctl.stop()


def add_all_channels(con, rec: Receiver, owner: str = "local", lang: str = "zh") -> list[str]:
    """One channel of every kind, signed where the platform signs."""
    from cockpit.push import channels

    channels.add(con, "钉钉运营群", "dingtalk", rec.dingtalk, DING_SECRET, lang, owner)
    channels.add(con, "企微老板群", "wecom", rec.wecom, None, lang, owner)
    channels.add(con, "飞书直播群", "feishu", rec.feishu, FEISHU_SECRET, lang, owner)
    channels.add(con, "老板邮箱", "email", "boss@brand.example, ops@brand.example", None, lang, owner)
    channels.add(con, "ops-hook", "webhook", rec.webhook, HOOK_SECRET, lang, owner)
    return ["钉钉运营群", "企微老板群", "飞书直播群", "老板邮箱", "ops-hook"]


def texts(rec: Receiver, box: Mailbox | None = None) -> dict[str, list[str]]:
    """The readable text of every message each platform received."""
    out: dict[str, list[str]] = {"dingtalk": [], "wecom": [], "feishu": [], "webhook": [], "email": []}
    for m in rec.messages:
        b = m.body
        if m.platform == "dingtalk":
            out["dingtalk"].append(b["markdown"]["text"])
        elif m.platform == "wecom" and b["msgtype"] == "markdown":
            out["wecom"].append(b["markdown"]["content"])
        elif m.platform == "feishu":
            post = b["content"]["post"]
            loc = post.get("zh_cn") or post.get("en_us")
            out["feishu"].append("\n".join([loc["title"]] + [x["text"] for row in loc["content"] for x in row]))
        elif m.platform == "webhook":
            out["webhook"].append(b["text"])
    for mail in (box.mails if box else []):
        out["email"].append(str(mail["Subject"]) + "\n" + (parts(mail)["html"] or ""))
    return out
