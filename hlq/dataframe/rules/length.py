"""``len(df)`` from metadata (tag ``len-metadata``): partition row counts known from parquet footers or pandas.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> df = dd.from_pandas(pd.DataFrame({"a": range(10), "b": 1.0}), npartitions=3)
>>> from hlq.dataframe.nodes import Len
>>> optimize_plan(Len(df.assign(c=df.a + 1).node)).label()
'literal(10)'
"""

from __future__ import annotations

from hlq.dataframe.nodes.literal import ScalarLiteral
from hlq.dataframe.nodes.reduction import Len
from hlq.rules import Is, Where, rule


@rule(Is(Len, child=Where(lambda c: c.lengths is not None, "partition lengths known")),
      phase="simplify", register=False, tags=("len-metadata",))
def len_from_metadata(node):
    """len(x) -> n, when the rows per partition are known from metadata"""
    return ScalarLiteral(int(sum(node.child.lengths)))

