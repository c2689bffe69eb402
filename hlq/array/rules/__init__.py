"""Array rewrite rules, written with the public :mod:`hlq.rules` API.

One module per rule family, helpers shared by several families in
:mod:`~hlq.array.rules.helpers`:

=====================  ==============================================================
module                 family
=====================  ==============================================================
``simplify``           canonical forms: no-op/nested slices, rechunks, transposes
``slice_pushdown``     basic indices move toward the sources
``lowering``           physical planning: reduction trees, blocked scans, reshapes
``shared_reads``       the read merger of stored arrays (a whole-plan pass, not a rule)
=====================  ==============================================================

:data:`RULES` is the published order: for each phase, the array rules in
the order the optimizer tries them at a node (``python -m hlq rules``
prints it).  Importing this package registers them in that order; the rule
modules define their rules with ``register=False``.
"""

from hlq.array.rules import lowering, simplify, slice_pushdown
from hlq.array.rules import shared_reads  # noqa: F401  (registers the read merger of stored arrays)
from hlq.rules import register_rules

#: the array rules of each phase, in the order the optimizer tries them at a node
RULES = {
    "pushdown": (
        simplify.drop_full_index,
        simplify.merge_nested_index,
        slice_pushdown.slice_through_elemwise,
        slice_pushdown.slice_through_transpose,
        slice_pushdown.slice_into_full,
        slice_pushdown.slice_into_source,
        slice_pushdown.slice_through_rechunk,
        slice_pushdown.slice_through_reduction,
        simplify.merge_rechunks,
        simplify.drop_noop_rechunk,
        simplify.reduce_below_merging_rechunk,
        simplify.reduce_below_concatenate,
        simplify.merge_transposes,
        simplify.drop_identity_transpose,
        slice_pushdown.slice_through_concatenate,
        slice_pushdown.slice_through_broadcast_to,
        slice_pushdown.slice_through_take,
        slice_pushdown.slice_through_cumulative,
        slice_pushdown.slice_through_contract,
        simplify.absorb_transpose_a,
        simplify.absorb_transpose_b,
        slice_pushdown.slice_through_reshape,
        slice_pushdown.slice_through_fft,
        slice_pushdown.slice_through_map_overlap,
    ),
    "physical": (
        lowering.lower_reduction,
        lowering.lower_cumulative,
        lowering.lower_reshape,
        lowering.split_contraction,
    ),
}

register_rules(RULES)

__all__ = ["RULES"]
