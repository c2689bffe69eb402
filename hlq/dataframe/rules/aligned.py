"""Series of aligned frames: one computation of the common rows instead of two zipped ones.

``df["c"] = df.c.where(mask, 1)`` with ``mask`` computed from ``df`` before an
earlier assign, or ``df[mask]`` with ``mask`` from a projection of ``df``, zip
two plans that are the same rows: each would read and compute (joins
included) their common input again.  When both come from one frame through
projections and assigns (:mod:`hlq.dataframe.nodes.lineage`), the Series
becomes a column expression over the frame it is used with: an ``assign``, a
``filter``, and projection pushdown sees through it.  Filters by a Series that
stays separate (e.g. ``df[df.a > df.a.mean()]``) let projections through, so
the filtered frame reads only the columns used above it.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> pdf = pd.DataFrame({"k": [1, 2, 3, 4], "p": ["a", "b", "a", "c"]})
>>> t = dd.from_pandas(pdf, npartitions=2)
>>> urgent = t.p.isin(["a"])
>>> t["n"] = 0
>>> t["n"] = t.n.where(~urgent, 1)
>>> plan = optimize_plan(t.node, phases=["simplify"])
>>> [n.op_name for n in plan.walk() if n.op_name != "pandas-original"]
['assign', 'assign', 'from-pandas']
>>> t.n.compute().tolist()
[1, 0, 1, 0]
"""

from __future__ import annotations

from hlq.dataframe.nodes.lineage import rebase
from hlq.dataframe.nodes.ops import Assign, AssignFrom, Filter, FilterBy, MapPartitions, Project, SeriesExpr, ToFrame
from hlq.rules import Is, Where, rule, shared
from hlq.dataframe._io import from_pandas

__all__ = []


def _peel_projections(node):
    while isinstance(node, Project):
        node = node.child
    return node


def _examples():
    import pandas as pd

    t = from_pandas(pd.DataFrame({"k": [1, 2, 3, 4], "p": ["a", "b", "a", "c"]}), npartitions=2)
    urgent = t.p.isin(["a"])
    t2 = t.assign(n=0)
    return [t2.assign(n=t2.n.where(~urgent, 1)).node, t[t[["k"]].k > 1].node,
            t[t.k > t.k.mean()][["p"]].node]


def _series_expr_frame(node):
    return isinstance(node, SeriesExpr) and node.child.kind == "frame"


@rule(Is(MapPartitions, func=Where(lambda f: isinstance(f, ToFrame), "a series made a one-column frame"),
         child=Where(_series_expr_frame, "a column expression of a frame")),
      phase="simplify", tags=("aligned",), examples=_examples, register=False)
def series_to_frame_as_assign(node):
    """to_frame(series(x, e), n) -> assign(x, n=e)[n]"""
    s = node.child
    name = node.func.name
    return Project(Assign(s.child, ((name, s.expr),)), (name,))


@rule(Is(AssignFrom, other=Where(_series_expr_frame, "a column expression of a frame")),
      phase="simplify", tags=("aligned",), examples=_examples, register=False)
def assign_from_aligned_frame(node):
    """assign-from(x, n, series(y, e)) -> assign(x, n=e') when x and y are the same rows
    (built from one frame by projections and assigns): e' is e over x's columns"""
    x, s = node.child, node.other
    base = _peel_projections(x)
    e = rebase(s.expr, s.child, base)
    if e is None:
        return None
    out = Assign(base, ((node.cname, e),))
    if base is x:
        return out
    cols = x.columns if node.cname in x.columns else (*x.columns, node.cname)
    return Project(out, cols)


@rule(Is(FilterBy, mask=Where(_series_expr_frame, "a column expression of a frame")),
      phase="simplify", tags=("aligned",), examples=_examples, register=False)
def filter_by_aligned_frame(node):
    """x[series(y, e)] -> filter(x, e') when x and y are the same rows"""
    e = rebase(node.mask.expr, node.mask.child, node.child)
    if e is None:
        return None
    return Filter(node.child, e)


@rule(Is(Project, child=Is(FilterBy)), phase="pushdown", tags=("aligned", "projection-pushdown"),
      examples=_examples, register=False)
def project_through_filter_by(node):
    """filter-by(x, mask)[cols] -> filter-by(x[cols], mask): the rows are chosen by the separate mask"""
    f = node.child
    if shared(f) or f.child.kind != "frame" or node.cols == f.child.columns:
        return None
    return FilterBy(Project(f.child, node.cols), f.mask)

