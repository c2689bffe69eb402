"""Dataframe rules: one topic per module (each module documents itself with an example)."""

from hlq.dataframe.rules import length, lowering, predicate, projection  # noqa: F401
from hlq.dataframe.rules import io_squash  # noqa: F401
from hlq.dataframe.rules import merge, shuffle, structure  # noqa: F401  (joins, sorts, partitions)
from hlq.dataframe.rules import shared_reads  # noqa: F401
from hlq.dataframe.rules import aggregate_projection  # noqa: F401  (through groupby/describe/drop_duplicates)
