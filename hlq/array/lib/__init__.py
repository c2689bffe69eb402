"""``hlq.array.lib`` (``dask.array.lib``): ``stride_tricks.sliding_window_view``."""

from hlq.array.lib import stride_tricks

__all__ = ["stride_tricks"]
