"""Array expression nodes (logical and physical), one module per family.

Everything an extension author needs to build or match array plans is
exported here: every node class, the :class:`Dim` chunk layout of one
dimension and the helpers that build layouts (``dims_of``, ``dims_regular``).
"""

from hlq.array._chunks import Dim, dims_regular
from hlq.array.nodes.base import ArrayNode, Finalize, Literal, Persisted, dims_of
from hlq.array.nodes.blockwise import BasicIndex, Blockwise, Elemwise, MapBlocks, Transpose
from hlq.array.nodes.concat import BroadcastTo, Concatenate
from hlq.array.nodes.gather import GatherBlocks
from hlq.array.nodes.io import DelayedValue, FromDaskArray, FromDelayed, LoadBlocks, NpyStack, StoreBlocks
from hlq.array.nodes.linalg import AddTree, Contract, ContractPartials
from hlq.array.nodes.overlap import Halo, TrimBlocks
from hlq.array.nodes.rechunk import Rechunk
from hlq.array.nodes.reduction import Aggregate, Combine, Partial, Reduction, TreeCombine
from hlq.array.nodes.reshape import Reshape, ReshapeBlocks, ReshapeBlockwise
from hlq.array.nodes.scan import BlockLast, Cumulative, ScanBlocks, ScanCombine
from hlq.array.nodes.sources import Arange, Eye, FromArray, Full, Linspace, Random, RegionSource, Source
from hlq.array.nodes.take import Diagonal, Take, VIndex
from hlq.array.nodes.unknown import FlattenBlocks, KnownAxesIndex, PartialRechunk, TakeArray

__all__ = [
    "Dim", "dims_of", "dims_regular",
    "ArrayNode", "Finalize", "Literal", "Persisted",
    "BasicIndex", "Blockwise", "Elemwise", "MapBlocks", "Transpose",
    "BroadcastTo", "Concatenate",
    "GatherBlocks",
    "DelayedValue", "FromDaskArray", "FromDelayed", "LoadBlocks", "NpyStack", "StoreBlocks",
    "AddTree", "Contract", "ContractPartials",
    "Halo", "TrimBlocks",
    "Rechunk",
    "Aggregate", "Combine", "Partial", "Reduction", "TreeCombine",
    "Reshape", "ReshapeBlocks", "ReshapeBlockwise",
    "BlockLast", "Cumulative", "ScanBlocks", "ScanCombine",
    "Arange", "Eye", "FromArray", "Full", "Linspace", "Random", "RegionSource", "Source",
    "Diagonal", "Take", "VIndex",
    "FlattenBlocks", "KnownAxesIndex", "PartialRechunk", "TakeArray",
]
