"""Brand Cockpit (品牌驾驶舱): the importable core behind the web app and the CLI."""

__version__ = "0.1.0"
