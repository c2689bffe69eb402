"""HDF5 output: ``to_hdf5`` creates datasets with h5py and stores hlq arrays into them.

h5py is optional: calling ``to_hdf5`` without it raises an ``ImportError`` naming h5py.
"""

from __future__ import annotations

from hlq.array._core import Array
from hlq.array._io_store import store

__all__ = ["to_hdf5"]


def to_hdf5(filename, *args, chunks=True, **kwargs):
    """Store arrays in an HDF5 file (``dask.array.to_hdf5``).

    Parameters
    ----------
    filename : str
        The HDF5 file (opened in append mode).
    *args
        ``datapath, array`` or one ``{datapath: array}`` dict.
    chunks : tuple or True
        HDF5 chunk shape, or ``True`` for the arrays' first block shape.
    **kwargs
        Passed to ``h5py.File.require_dataset`` (``compression=``, ``shuffle=``...).

    Examples
    --------
    >>> da.to_hdf5("myfile.hdf5", "/x", x)  # doctest: +SKIP
    >>> da.to_hdf5("myfile.hdf5", {"/x": x, "/y": y})  # doctest: +SKIP
    """
    if len(args) == 1 and isinstance(args[0], dict):
        data = args[0]
    elif len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], Array):
        data = {args[0]: args[1]}
    else:
        raise ValueError("Please provide {'/data/path': array} dictionary")
    try:
        import h5py
    except ImportError as e:
        raise ImportError("hlq.array.to_hdf5 requires h5py; install it with `pip install h5py`") from e

    with h5py.File(filename, mode="a") as f:
        dsets = [
            f.require_dataset(dp, shape=x.shape, dtype=x.dtype,
                              chunks=tuple(c[0] for c in x.chunks) if chunks is True else chunks, **kwargs)
            for dp, x in data.items()
        ]
        store(list(data.values()), dsets)
