"""Text and HTML display of lazy frames: dask's structure table plus hlq's plan summary.

Like dask, a frame shows its columns, their dtypes and its partitions (the
divisions when known, else blanks), without computing anything; hlq adds one
line about the plan: nodes as written and after optimization, tasks, and the
columns read from each source.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}), npartitions=2)
>>> print(repr(df).splitlines()[0])
hlq DataFrame Structure:
>>> "<th>a</th>" in df._repr_html_()
True
"""

from __future__ import annotations

import html

import pandas as pd

__all__ = ["structure", "frame_repr", "frame_html", "plan_summary"]


def structure(obj) -> pd.DataFrame | pd.Series:
    """The structure table: one row per division (blank when unknown), the dtypes in the first row."""
    node = obj._node
    n = node.npartitions
    divs = node.divisions if obj.known_divisions else ("",) * (n + 1)
    index = pd.Index(list(divs), name=f"npartitions={n}", dtype=object)
    if node.kind == "frame":
        data = {c: [str(d)] + ["..."] * n for c, d in zip(node.columns, node.dtypes)}
        return pd.DataFrame(data, index=index, columns=pd.Index(list(node.columns), dtype=object))
    return pd.Series([str(node.dtypes[0])] + ["..."] * n, index=index, name=node.columns[0])


def plan_summary(obj) -> str:
    """One line: nodes written -> optimized, tasks, and the columns read from each source."""
    try:
        node = obj._node
        opt = obj._optimized_node()
        written = sum(1 for _ in node.walk())
        optimized = sum(1 for _ in opt.walk())
        tasks = obj.task_count()
        reads = []
        for n in opt.walk():
            cols = _source_columns(n)
            if cols is not None:
                reads.append(cols)
        text = f"hlq plan: {written} nodes written, {optimized} after optimization, {tasks} tasks"
        if reads:
            text += "; reads " + ", ".join(reads[:4]) + (", ..." if len(reads) > 4 else "")
        return text
    except Exception as e:  # a display never raises: the plan error shows when computing
        return f"hlq plan: not optimizable ({type(e).__name__}: {e})"


def _source_columns(n):
    name = type(n).__name__
    if name == "ReadParquet":
        total = len(n.info.columns)
        return f"parquet {len(n.columns)}/{total} columns"
    if name == "FromPandas":
        return f"pandas {len(n.columns)}/{len(n.schema[1])} columns"
    if name == "ReadCSV":
        return f"csv {len(n.columns)} columns"
    return None


def _title(obj):
    return f"hlq {type(obj).__name__} Structure:"


def frame_repr(obj) -> str:
    """dask's text repr: the structure table, then the plan summary."""
    s = structure(obj)
    if isinstance(s, pd.Series):
        body = s.to_string() + f"\nName: {s.name}, dtype: {obj._node.dtypes[0]}"
    else:
        body = s.to_string()
    return f"{_title(obj)}\n{body}\n{plan_summary(obj)}"


def frame_html(obj) -> str:
    """The structure table as HTML (for notebooks), with the plan summary."""
    s = structure(obj)
    table = (s.to_frame() if isinstance(s, pd.Series) else s).to_html(max_rows=10)
    return (f"<div><strong>{html.escape(_title(obj))}</strong></div>\n{table}\n"
            f"<div>{html.escape(plan_summary(obj))}</div>")
