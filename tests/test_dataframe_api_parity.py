"""Public-name parity with dask.dataframe: every public name of the module and of its DataFrame and
Series classes exists in hlq.dataframe, except the deliberate omissions documented in
docs/dataframe_differences.md (that file names each of them)."""

import os
import types

import pytest

import hlq.dataframe as hd

dd = pytest.importorskip("dask.dataframe")

#: deliberate omissions, each explained in docs/dataframe_differences.md
OMIT_MODULE = {"annotations", "from_graph", "get_collection_type"}
OMIT_FRAME = {"analyze", "lower_once", "simplify"}
OMIT_SERIES = {"analyze", "lower_once", "simplify", "columns"}

DOC = os.path.join(os.path.dirname(__file__), "..", "docs", "dataframe_differences.md")


def _public(obj):
    return {n for n in dir(obj) if not n.startswith("_")}


def _modules(obj):
    return {n for n in _public(obj) if isinstance(getattr(obj, n, None), types.ModuleType)}


def test_module_names():
    missing = sorted(n for n in _public(dd) - _modules(dd) - OMIT_MODULE if not hasattr(hd, n))
    assert not missing, f"hlq.dataframe lacks dask.dataframe names {missing}"


@pytest.mark.parametrize("kind, omit", [("DataFrame", OMIT_FRAME), ("Series", OMIT_SERIES)])
def test_class_names(kind, omit):
    theirs, ours = getattr(dd, kind), getattr(hd, kind)
    missing = sorted(n for n in _public(theirs) - omit if not hasattr(ours, n))
    assert not missing, f"hlq.dataframe.{kind} lacks dask's {missing}"


def test_omissions_are_documented_and_still_omitted():
    text = open(DOC).read()
    for name in OMIT_MODULE | OMIT_FRAME | OMIT_SERIES:
        assert f"`{name}`" in text, f"{name} is omitted but not documented in docs/dataframe_differences.md"
    # an omission that dask dropped, or that hlq now has, leaves the list
    assert OMIT_MODULE <= _public(dd) and not any(hasattr(hd, n) for n in OMIT_MODULE)
    assert not any(hasattr(hd.DataFrame, n) for n in OMIT_FRAME)


def test_repr_and_html_show_structure():
    import pandas as pd

    pdf = pd.DataFrame({"a": [1, 2, 3, 4], "b": ["x", "y", "z", "w"], "when": pd.date_range("2020", periods=4)})
    df = hd.from_pandas(pdf, npartitions=2)
    html = df._repr_html_()
    assert "hlq DataFrame Structure" in html
    for col in ("<th>a</th>", "<th>b</th>", "<th>when</th>", "npartitions=2", "int64", "datetime64"):
        assert col in html, col
    for div in df.divisions:  # known divisions label the rows
        assert f"<th>{div}</th>" in html
    assert "hlq plan:" in html and "tasks" in html and "columns" in html
    text = repr(df[df.a > 1][["a"]])
    assert text.startswith("hlq DataFrame Structure:") and "npartitions=2" in text
    assert "reads pandas 1/3 columns" in text  # projection pushed into the source
    s = repr(df.a)
    assert "hlq Series Structure:" in s and "Name: a, dtype: int64" in s
    unknown = df.clear_divisions()
    assert "npartitions=2" in unknown._repr_html_() and f"<th>{df.divisions[1]}</th>" not in unknown._repr_html_()
