"""Writers never delete what they did not write, and answers that used to come out silently
wrong: each case compared with pandas (and dask where dask is the reference)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import hlq.dataframe as dd


def _frame(n=12, nparts=3):
    return dd.from_pandas(pd.DataFrame({"a": np.arange(n)}), npartitions=nparts)


# ------------------------------------------------------------- to_parquet overwrite safety
def _tree(root):
    out = []
    for d, _dirs, files in os.walk(root):
        out += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted(out)


def test_to_parquet_overwrite_refuses_cwd_parents_home_root(tmp_path, monkeypatch):
    work = tmp_path / "proj" / "sub"
    work.mkdir(parents=True)
    (work / "keep.txt").write_text("mine")
    (work / "part.0.parquet").write_bytes(b"PAR1 looks like a dataset file")
    (tmp_path / "proj" / "other.txt").write_text("also mine")
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("notes")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))
    before = _tree(tmp_path)
    df = _frame()
    with pytest.raises(ValueError, match="Cannot clear the contents of the current working directory!"):
        dd.to_parquet(df, "./", overwrite=True)
    with pytest.raises(ValueError, match="Cannot clear the contents of the current working directory!"):
        df.to_parquet(str(work), overwrite=True, compute=False)
    for target in ["..", str(tmp_path / "proj"), str(tmp_path), str(home), os.path.dirname(str(home)), "/"]:
        with pytest.raises(ValueError, match="Cannot clear"):
            dd.to_parquet(df, target, overwrite=True)
    assert _tree(tmp_path) == before  # nothing deleted, nothing written


def test_to_parquet_overwrite_replaces_only_parquet_datasets(tmp_path):
    import dask.dataframe as dask_dd
    import pyarrow as pa
    import pyarrow.parquet as pq

    pdf = pd.DataFrame({"a": np.arange(12), "k": np.arange(12) % 2})
    df = dd.from_pandas(pdf, npartitions=3)
    # a directory holding anything else is refused and kept
    mixed = tmp_path / "mixed"
    df.to_parquet(str(mixed))
    (mixed / "README.txt").write_text("not parquet")
    with pytest.raises(ValueError, match="README.txt"):
        df.to_parquet(str(mixed), overwrite=True)
    assert sorted(os.listdir(mixed)) == ["README.txt", "part.0.parquet", "part.1.parquet", "part.2.parquet"]
    # datasets written by dask and by pyarrow (hive partitions, _metadata) are replaced
    by_dask = tmp_path / "by_dask"
    dask_dd.from_pandas(pdf, npartitions=2).to_parquet(str(by_dask), write_metadata_file=True)
    by_pyarrow = tmp_path / "by_pyarrow"
    pq.write_to_dataset(pa.Table.from_pandas(pdf), str(by_pyarrow), partition_cols=["k"])
    for target in (by_dask, by_pyarrow):
        df[df.a > 5].to_parquet(str(target), overwrite=True, write_index=False)
        assert sorted(os.listdir(target)) == ["part.0.parquet", "part.1.parquet", "part.2.parquet"]
        got = dd.read_parquet(str(target)).compute()
        pd.testing.assert_frame_equal(got.reset_index(drop=True), pdf[pdf.a > 5].reset_index(drop=True))


def test_to_parquet_append(tmp_path):
    pdf = pd.DataFrame({"a": np.arange(12), "b": np.linspace(0, 1, 12)})
    out = str(tmp_path / "ds")
    with pytest.raises(ValueError, match=r"Cannot use both `overwrite=True` and `append=True`!"):
        dd.from_pandas(pdf, npartitions=2).to_parquet(out, overwrite=True, append=True)
    assert not os.path.exists(out)
    dd.from_pandas(pdf.iloc[:6], npartitions=2).to_parquet(out)
    dd.from_pandas(pdf.iloc[6:], npartitions=2).to_parquet(out, append=True)
    assert sorted(os.listdir(out)) == [f"part.{i}.parquet" for i in range(4)]
    pd.testing.assert_frame_equal(dd.read_parquet(out).compute(), pdf)
    with pytest.raises(ValueError, match="Appended columns not the same"):
        dd.from_pandas(pdf.rename(columns={"b": "c"}), npartitions=2).to_parquet(out, append=True)
    assert len(os.listdir(out)) == 4


def test_to_parquet_failed_partition_reports_its_own_error(tmp_path):
    # partition 0 holds an object column pyarrow cannot convert; the others write fine
    pdf = pd.DataFrame({"a": np.arange(64), "o": ["s"] * 64}, dtype=object).astype({"a": "int64"})
    pdf.loc[0, "o"] = 1.5
    df = dd.from_pandas(pdf, npartitions=16)
    for attempt in range(4):
        out = tmp_path / f"out{attempt}"
        with pytest.raises(Exception) as info:
            df.to_parquet(str(out), compute_kwargs={"scheduler": "threads", "num_workers": 4})
        assert not isinstance(info.value, FileNotFoundError), info.value
        assert "hlq-tmp" not in str(info.value)
        assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == []
