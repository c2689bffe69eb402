"""Dataframe rewrite rules, written with the public :mod:`hlq.rules` API.

One module per rule family, helpers shared by several families in
:mod:`~hlq.dataframe.rules.helpers`:

=====================  ==============================================================
module                 family
=====================  ==============================================================
``length``             ``len(df)`` from metadata
``projection``         the columns a consumer needs flow down to the sources
``predicate``          filters merge and move toward the sources
``partitions``         ``.partitions[...]``, ``head`` and ``tail`` move into the sources
``io_squash``          one task reads several parquet files when few columns are read
``aligned``            series of frames that are the same rows become column expressions
``lowering``           physical planning: aggregation trees, shuffles, sorts, joins
``shared_reads``       the read merger of parquet reads (a whole-plan pass, not a rule)
=====================  ==============================================================

:data:`RULES` is the published order: for each phase, the dataframe rules
in the order the optimizer tries them at a node (``python -m hlq rules``
prints it).  Importing this package registers them in that order; the rule
modules define their rules with ``register=False``.
"""

from hlq.dataframe.rules import aligned, io_squash, length, lowering, partitions, predicate, projection
from hlq.dataframe.rules import shared_reads  # noqa: F401  (registers the read merger of parquet reads)
from hlq.rules import register_rules

#: the dataframe rules of each phase, in the order the optimizer tries them at a node
RULES = {
    "simplify": (
        length.len_from_metadata,
        predicate.merge_filters,
        predicate.factor_common_conjuncts,
        projection.merge_projections,
        projection.drop_identity_projection,
        partitions.merge_partition_selections,
        aligned.series_to_frame_as_assign,
        aligned.assign_from_aligned_frame,
        aligned.filter_by_aligned_frame,
    ),
    "pushdown": (
        projection.len_reads_one_column,
        predicate.filter_into_parquet,
        predicate.filter_into_projected_parquet,
        predicate.filter_through_assign,
        predicate.filter_through_rename,
        projection.project_shared_to_union,
        projection.merge_pushed_projections,
        projection.project_into_parquet,
        projection.project_into_pandas,
        projection.project_through_filter,
        projection.project_through_assign,
        projection.series_reads_its_columns,
        projection.groupby_reads_its_columns,
        projection.project_through_rename,
        projection.map_partitions_reads_declared_columns,
        projection.project_through_merge,
        predicate.filter_through_merge,
        projection.project_through_regroup,
        projection.project_through_shuffle,
        projection.project_through_sort,
        projection.project_through_set_index,
        projection.project_through_concat,
        aligned.project_through_filter_by,
        predicate.filter_through_regroup,
        partitions.partitions_through_blockwise,
        partitions.partitions_through_sorted_set_index,
        partitions.partitions_into_parquet,
        partitions.partitions_into_pandas,
        partitions.head_into_source,
        partitions.tail_into_source,
        projection.project_groupby_aggregations,
        projection.project_columnwise_aggregation,
        projection.project_through_drop_duplicates,
        projection.project_into_csv,
    ),
    "physical": (
        lowering.lower_tree_aggregation,
        io_squash.squash_reads_under_concat,
        io_squash.squash_reads_under_reduction,
        lowering.lower_frame_reduction,
        io_squash.squash_reads_under_groupby,
        lowering.lower_groupby,
        lowering.lower_merge,
        lowering.lower_shuffle,
        lowering.lower_sort_values,
        lowering.lower_set_index,
    ),
}

register_rules(RULES)

__all__ = ["RULES"]
