from pathlib import Path

from cockpit import docs

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_generated_sections_match_the_declarations():
    text = README.read_text(encoding="utf-8")
    assert docs.render(text) == text, "README is stale: run `python -m cockpit.docs`"


def test_readme_quick_start_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    blocks = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in blocks.splitlines() if line.startswith("python3 -m venv")]
    assert commands == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && cockpit serve",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && python -m pytest",
    ]


def test_ci_runs_the_readme_test_command():
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && python -m pytest" in ci
