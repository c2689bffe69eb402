"""Differential tests (hypothesis, vs numpy, three optimizer modes) for ``einsum``: products, contractions
(rechunked to one chunk), diagonals, transposes, outer products and ellipses, with random chunks;
slices of the result; numpy's exception types for mismatched operands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings
from test_array_differential import check, int_data, np_data

S = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CASES = ["ij,jk->ik", "ij,jk", "ii->i", "ii", "ij->ji", "ij,j->i", "i,i", "i,j->ij", "...j,j->...", "ij,ij->ij",
         "ijk,kj->ik", "ij->", "ij,kl->ijkl"]


@S
@given(data=st.data(), case=st.sampled_from(CASES), seed=st.integers(0, 2**16))
def test_einsum(data, case, seed):
    inputs = case.split("->")[0].replace("...", "e").split(",")
    size = {ch: data.draw(st.integers(1, 5), label=ch) for ch in set("".join(inputs))}
    kind = data.draw(st.sampled_from("fi"), label="kind")
    arrays, xs = [], []
    for i, s in enumerate(inputs):
        shape = tuple(size[ch] for ch in s)
        a = np_data(shape, seed + i) if kind == "f" else int_data(shape, seed + i)
        arrays.append(a)
        xs.append(da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks")))
    expected = np.einsum(case, *arrays)
    y = da.einsum(case, *xs)
    check(y, expected, rtol=1e-10)
    if expected.ndim:
        idx = data.draw(basic_indices(expected.shape), label="idx")
        check(y[idx], expected[idx], rtol=1e-10)


def test_einsum_errors_and_dispatch():
    x = da.ones((3, 4), chunks=2)
    with pytest.raises(ValueError):
        da.einsum("ij,jk->ik", x, x)
    with pytest.raises(ValueError):
        da.einsum("ijk->i", x)
    np.testing.assert_allclose(np.einsum("ij->j", x), np.full(4, 3.0))
    # product blocks follow the output indices: a slice of the output reads only its rows
    y = da.einsum("ij,kj->ik", da.ones((1000, 10), chunks=(10, 10)), da.ones((1000, 10), chunks=(10, 10)))[:10, :10]
    assert y.task_count() <= 4
