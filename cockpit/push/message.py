"""One message, rendered for each platform.

A message is built once from plain text (figures already formatted the way the pages
show them) and rendered per platform at send time, so a retry re-signs with a fresh
timestamp and every channel gets the same figures.

Values that come from imported files (store, account and session names, titles) are
plain text in ``lines``.  Rendered as markdown, they are *neutralised*: the characters
that make markup (``[ ] ( ) < > ! * _ # ` | ~ \\``) become their full-width look-alikes,
so a store called ``[点我](http://x)`` reads the same to a person but can never become a
link, an image or a @mention.  Backslash escapes are not enough: DingTalk's and WeCom's
markdown honour only part of them.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

_MARKUP = str.maketrans({
    "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "!": "！", "*": "＊",
    "_": "＿", "#": "＃", "`": "｀", "|": "｜", "~": "～", "\\": "＼", "@": "＠",
})


def neutral(text) -> str:
    """Text safe inside markdown: no character of it can start markup."""
    return str(text).translate(_MARKUP)


@dataclass
class Attachment:
    name: str
    mime: str
    data: bytes

    def to_json(self) -> dict:
        return {"name": self.name, "mime": self.mime, "base64": base64.b64encode(self.data).decode()}

    @classmethod
    def from_json(cls, d: dict) -> "Attachment":
        return cls(d["name"], d["mime"], base64.b64decode(d["base64"]))


@dataclass
class Message:
    title: str
    lines: list[str] = field(default_factory=list)
    link: str | None = None  # our own URL (the cockpit page), never one from data
    link_text: str = ""
    images: list[Attachment] = field(default_factory=list)  # the page as a picture
    files: list[Attachment] = field(default_factory=list)  # tables, PDF
    lang: str = "zh"

    @property
    def text(self) -> str:
        return "\n".join([self.title, *self.lines])

    # --- per platform ------------------------------------------------------------------
    def markdown(self) -> str:
        """DingTalk / WeCom markdown: our own headings, data neutralised."""
        parts = [f"### {neutral(self.title)}"] + [neutral(x) for x in self.lines]
        if self.link:
            parts.append(f"[{neutral(self.link_text)}]({self.link})")
        return "\n\n".join(parts)

    def feishu_post(self) -> dict:
        """Feishu rich text: every data line is a plain ``text`` tag (never parsed)."""
        content = [[{"tag": "text", "text": x}] for x in self.lines]
        if self.link:
            content.append([{"tag": "a", "text": self.link_text, "href": self.link}])
        locale = "zh_cn" if self.lang == "zh" else "en_us"
        return {"post": {locale: {"title": self.title, "content": content}}}

    def html(self, image_cids: list[str] = ()) -> str:
        esc = html.escape
        body = [f"<h3>{esc(self.title)}</h3>"]
        body += [f"<p style=\"margin:4px 0\">{esc(x)}</p>" for x in self.lines]
        if self.link:
            body.append(f"<p><a href=\"{esc(self.link, quote=True)}\">{esc(self.link_text)}</a></p>")
        body += [f"<p><img src=\"cid:{cid}\" style=\"max-width:100%\"></p>" for cid in image_cids]
        return ("<html><body style=\"font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif\">"
                + "".join(body) + "</body></html>")

    def webhook_json(self) -> dict:
        return {
            "title": self.title, "lines": self.lines, "text": self.text, "lang": self.lang,
            "link": self.link,
            "attachments": [a.to_json() for a in self.images + self.files],
        }

    # --- stored for retries -----------------------------------------------------------
    def to_json(self) -> dict:
        return {"title": self.title, "lines": self.lines, "link": self.link, "link_text": self.link_text,
                "lang": self.lang, "images": [a.to_json() for a in self.images],
                "files": [a.to_json() for a in self.files]}

    @classmethod
    def from_json(cls, d: dict) -> "Message":
        return cls(d["title"], list(d.get("lines") or []), d.get("link"), d.get("link_text") or "",
                   [Attachment.from_json(a) for a in d.get("images") or []],
                   [Attachment.from_json(a) for a in d.get("files") or []], d.get("lang") or "zh")
