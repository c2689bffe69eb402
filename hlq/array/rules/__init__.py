"""Array rewrite rules, written with the public :mod:`hlq.rules` API.

Importing this package registers them.
"""

from hlq.array.rules import lowering, slice_pushdown  # noqa: F401
from hlq.array.rules import concat_pushdown, cumulative, linalg_pushdown, reshape  # noqa: F401
from hlq.array.rules import fft, overlap  # noqa: F401
from hlq.array.rules import shared_reads  # noqa: F401
