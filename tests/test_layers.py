"""The house's arrows point down (issue 14, item 6): a layer never reaches up.

Read from the source with ``ast`` (imports inside functions count too), so a lazy
import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cockpit

ROOT = Path(cockpit.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module a file imports, as dotted names (``from cockpit import x`` gives
    ``cockpit.x``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _reaches(path: Path, names: set[str]) -> set[str]:
    return {m for m in _imports(path) for n in names if m == n or m.startswith(n + ".")}


def test_reports_return_data_and_pages_draw():
    drawing = {"plotly", "streamlit", "cockpit.charts", "cockpit.ui", "cockpit.growth_charts",
               "cockpit.review_charts"}
    offenders = {str(p.relative_to(ROOT)): sorted(_reaches(p, drawing)) for p in (ROOT / "reports").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_ui_helpers_import_streamlit():
    allowed = {"ui.py"}
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                 if p.name not in allowed and _reaches(p, {"streamlit"})]
    assert offenders == []


def test_storage_does_not_reach_up_into_what_is_built_on_it():
    """store is below auth, rollups, buyer sets, the query layer and the importers."""
    above = {"cockpit.auth", "cockpit.rollups", "cockpit.buyer_sets", "cockpit.query", "cockpit.importer",
             "cockpit.inbox", "cockpit.reports", "cockpit.service", "cockpit.cli"}
    assert sorted(_reaches(ROOT / "store.py", above)) == []
    assert sorted(_reaches(p, above) for p in (ROOT / "engine").rglob("*.py") if _reaches(p, above)) == []


def test_query_layer_has_no_cycle_and_the_inbox_no_simulator():
    assert sorted(_reaches(ROOT / "statements.py", {"cockpit.query", "cockpit.buyer_counts"})) == []
    assert sorted(_reaches(ROOT / "buyer_counts.py", {"cockpit.query"})) == []
    assert sorted(_reaches(ROOT / "inbox.py", {"cockpit.feed", "cockpit.demo"})) == []
