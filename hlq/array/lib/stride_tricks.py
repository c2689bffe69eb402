"""``hlq.array.lib.stride_tricks`` (``dask.array.lib.stride_tricks``)."""

from hlq.array.overlap import sliding_window_view

__all__ = ["sliding_window_view"]
