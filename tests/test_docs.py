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


README = DOCS.parent / "README.md"
README_BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.parametrize("i", range(len(README_BLOCKS)))
def test_readme_block_runs(i, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' temporary files go to tmp_path
    exec(compile(README_BLOCKS[i], f"README.md[{i}]", "exec"), {"__name__": f"readme_{i}"})


def test_readme_links_only_to_files_in_the_repository():
    root = DOCS.parent
    text = README.read_text()
    for target in re.findall(r"\]\(([^)#]+)", text):
        if "://" in target:
            continue
        assert (root / target).exists(), f"README links to {target}, which is not in the repository"
    for path in [README, *(root / "benchmarks").rglob("*.md"), *DOCS.glob("*.md"), *(root / "benchmarks").rglob("*.py"),
                 *(root / "hlq").rglob("*.py"), *(root / "notebooks").glob("*.ipynb"), *(root / "examples").rglob("*.py"),
                 *(root / "examples").rglob("*.md")]:
        for name in ("DESIGN.md", "SCENARIOS.md"):
            assert name not in path.read_text(), f"{path.relative_to(root)} refers to {name}, which is not in the repository"


def test_readme_layout_lists_every_top_level_folder_and_module():
    root = DOCS.parent
    text = README.read_text()
    layout = text.split("## Layout")[1].split("\n## ")[0]
    listed = set(re.findall(r"^\| `([^`]+)`", layout, re.M)) | set(re.findall(r"`([^`]+)`", layout))
    wanted = {f"{p.name}/" for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
              and p.name not in ("hlq",) and not p.name.endswith(".egg-info") and p.name != "__pycache__"}
    wanted |= {f"hlq/{p.name}/" for p in (root / "hlq").iterdir() if (p / "__init__.py").exists()}
    wanted |= {f"hlq/{p.name}" for p in (root / "hlq").glob("*.py")}
    missing = sorted(w for w in wanted if w not in listed)
    assert not missing, f"README's layout table does not list {missing}"


def test_architecture_folder_diagram_matches_the_code():
    # every package of hlq, and every module of the layers and of the rule packages, is in the diagram
    root = DOCS.parent
    doc = (DOCS / "architecture.md").read_text()
    diagram = doc.split("## Folders")[1].split("```")[1]
    words = set(re.findall(r"[\w.]+", diagram))
    missing = []
    for pkg in sorted(p for p in (root / "hlq").rglob("__init__.py") if "__pycache__" not in p.parts):
        d = pkg.parent
        if d.name != "hlq" and f"{d.name}/" not in diagram:
            missing.append(str(d.relative_to(root)) + "/")
    listed_dirs = [root / "hlq", *(root / "hlq" / n for n in ("expr", "rules", "lower")),
                   root / "hlq" / "array" / "rules", root / "hlq" / "dataframe" / "rules"]
    for d in listed_dirs:
        for m in sorted(d.glob("*.py")):
            if m.name != "__init__.py" and m.name not in words and m.stem not in words:
                missing.append(str(m.relative_to(root)))
    assert not missing, f"docs/architecture.md's folder diagram does not show {missing}"


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
