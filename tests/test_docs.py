"""The code blocks of docs/*.md run as written."""

import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
BLOCKS = [
    (path.name, i, block)
    for path in sorted(DOCS.glob("*.md"))
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", path.read_text(), re.S))
]


@pytest.mark.parametrize("name,i,code", BLOCKS, ids=[f"{n}-{i}" for n, i, _ in BLOCKS])
def test_doc_block_runs(name, i, code):
    exec(compile(code, f"{name}[{i}]", "exec"), {"__name__": f"doc_{i}"})


def test_docs_have_blocks():
    assert len(BLOCKS) >= 2


def test_ci_runs_exactly_the_readme_test_command():
    root = DOCS.parent
    readme = (root / "README.md").read_text()
    command = 'pip install -e ".[test]" && python -m pytest -n 2 -q tests'
    assert command in readme
    ci = [
        line.strip()
        for line in (root / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    # the only install and the only test run in CI are README's command
    runs = [line for line in ci if re.search(r"\b(pip|pytest|apt-get)\b", line) and not line.startswith("echo")]
    assert runs == [command]
