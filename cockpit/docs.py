"""The README's generated sections: the data contract and the metric table.

`python -m cockpit.docs` rewrites them from cockpit.schema and cockpit.metrics; a test
fails when the README and the declarations disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from cockpit import diagnosis, metrics, schema

SECTIONS = {
    "data-contract": schema.contract_markdown,
    "metrics": metrics.metrics_markdown,
    "diagnosis-rules": diagnosis.rules_markdown,
}


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        start, end = _markers(name)
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise ValueError(f"README has no {start} … {end} block")
        text = pattern.sub(lambda _: f"{start}\n{make().strip()}\n{end}", text)
    return text


def main(path: str = "README.md") -> int:
    p = Path(path)
    p.write_text(render(p.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated generated sections of {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
