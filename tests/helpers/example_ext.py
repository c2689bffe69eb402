"""Make an example extension under ``examples/`` importable, with its entry points, without pip.

The test suite runs from the README command alone (``pip install -e ".[test]"``),
so the example packages are not installed.  :func:`register_example` does in
this process what ``pip install`` of the example would do for discovery: it puts
the package's source directory on ``sys.path`` and writes a minimal
``<name>.dist-info`` (``METADATA`` + ``entry_points.txt`` generated from the
example's own ``pyproject.toml``) into a temporary site directory that is also put
on ``sys.path``, so ``importlib.metadata.entry_points()`` finds the declared entry
points exactly as for an installed distribution.
"""

from __future__ import annotations

import importlib.metadata
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load_toml(path: pathlib.Path) -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import pytest

        tomllib = pytest.importorskip("tomli", reason="reading the example's pyproject.toml needs tomllib (3.11+) or tomli")
    with open(path, "rb") as f:
        return tomllib.load(f)


def register_example(example: str, site_dir) -> list[str]:
    """Make ``examples/<example>`` importable and its entry points discoverable.

    Parameters
    ----------
    example : str
        Directory name under ``examples/`` (holding a ``pyproject.toml``).
    site_dir : path-like
        An empty temporary directory that receives the generated ``.dist-info``.

    Returns
    -------
    list of str
        The directories added to ``sys.path`` (pass them on ``PYTHONPATH`` to
        give a subprocess the same view).  Nothing is added when the example is
        already installed (``pip install -e examples/<example>``).
    """
    src = ROOT / "examples" / example
    meta = _load_toml(src / "pyproject.toml")
    project = meta["project"]
    try:
        importlib.metadata.distribution(project["name"])
        return []  # installed for real: use that
    except importlib.metadata.PackageNotFoundError:
        pass
    site_dir = pathlib.Path(site_dir)
    dist = site_dir / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = []
    for group, eps in project.get("entry-points", {}).items():
        lines.append(f"[{group}]")
        lines.extend(f"{name} = {value}" for name, value in eps.items())
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    paths = [str(src), str(site_dir)]
    for p in reversed(paths):
        if p not in sys.path:
            sys.path.insert(0, p)
    importlib.invalidate_caches()
    return paths


def subprocess_env(paths: list[str]) -> dict:
    """``os.environ`` with ``paths`` prepended to ``PYTHONPATH``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
    return env
