"""Dataframe plan nodes."""

from hlq.dataframe.nodes.base import Concat, FrameNode, PandasLiteral, PersistedFrame
from hlq.dataframe.nodes.ops import Assign, Binary, Filter, FilterBy, Head, MapPartitions, Project, SeriesExpr
from hlq.dataframe.nodes.reduction import (
    GroupbyAgg, GroupbyCombine, GroupbyPartial, Len, Reduce, ReduceCombine, ReducePartial,
)
from hlq.dataframe.nodes.sources import FromPandas, ReadParquet

__all__ = [
    "FrameNode", "PandasLiteral", "Concat", "PersistedFrame", "Project", "SeriesExpr", "Filter", "FilterBy",
    "Assign", "Binary", "MapPartitions", "Head", "Reduce", "Len", "ReducePartial", "ReduceCombine",
    "GroupbyAgg", "GroupbyPartial", "GroupbyCombine", "FromPandas", "ReadParquet",
]
