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
