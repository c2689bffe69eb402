"""Array expression nodes (logical and physical)."""

from hlq.array.nodes.base import ArrayNode, Finalize, Literal, Persisted
from hlq.array.nodes.blockwise import BasicIndex, Blockwise, Elemwise, MapBlocks, Transpose
from hlq.array.nodes.rechunk import Rechunk
from hlq.array.nodes.reduction import Aggregate, Combine, Partial, Reduction
from hlq.array.nodes.sources import Arange, Eye, FromArray, Full, Linspace, Random

__all__ = [
    "ArrayNode", "Finalize", "Literal", "Persisted", "BasicIndex", "Blockwise", "Elemwise", "MapBlocks",
    "Transpose", "Rechunk", "Aggregate", "Combine", "Partial", "Reduction", "Arange", "Eye", "FromArray",
    "Full", "Linspace", "Random",
]
