"""The 22 TPC-H queries written as a dask.dataframe user writes them.

Every query is a function ``query_NN(dd, path, scale, fs="pyarrow")`` that
builds (but does not compute) a lazy result from the parquet tables under
``path`` (``<path>/<table>/*.parquet``, see ``generate.py``).  The dataframe
library is the ``dd`` parameter and nothing else is imported, so the same
code runs with ``import hlq.dataframe as dd`` and ``import dask.dataframe as dd``:

>>> import hlq.dataframe as dd                             # doctest: +SKIP
>>> query_06(dd, "/tmp/hlq-tpch/sf0.1/", 0.1).compute()    # doctest: +SKIP

The queries use the idioms of the dask project's TPC-H benchmark suite:
column assignment (``df["c"] = ...``), comparisons of timestamp columns with
``datetime`` objects, ``merge(how="leftsemi")``, ``isin`` with a lazy Series,
``reset_index`` after groupby aggregations, ``columns = [...]`` and
``read_parquet(..., filesystem=...)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["QUERIES"]


def _read(dd, path, table, fs):
    return dd.read_parquet(path.rstrip("/") + "/" + table, filesystem=fs)


def query_01(dd, path, scale, fs="pyarrow"):
    cutoff = datetime(1998, 9, 2)
    li = _read(dd, path, "lineitem", fs)
    li = li[li.l_shipdate <= cutoff]
    li["sum_qty"] = li.l_quantity
    li["sum_base_price"] = li.l_extendedprice
    li["avg_qty"] = li.l_quantity
    li["avg_price"] = li.l_extendedprice
    li["sum_disc_price"] = li.l_extendedprice * (1 - li.l_discount)
    li["sum_charge"] = li.l_extendedprice * (1 - li.l_discount) * (1 + li.l_tax)
    li["avg_disc"] = li.l_discount
    li["count_order"] = li.l_orderkey
    agg = li.groupby(["l_returnflag", "l_linestatus"]).agg({
        "sum_qty": "sum", "sum_base_price": "sum", "sum_disc_price": "sum", "sum_charge": "sum",
        "avg_qty": "mean", "avg_price": "mean", "avg_disc": "mean", "count_order": "size",
    })
    return agg.reset_index().sort_values(["l_returnflag", "l_linestatus"])


def query_02(dd, path, scale, fs="pyarrow"):
    region = _read(dd, path, "region", fs)
    nation = _read(dd, path, "nation", fs)
    supplier = _read(dd, path, "supplier", fs)
    part = _read(dd, path, "part", fs)
    partsupp = _read(dd, path, "partsupp", fs)

    europe = region[region["r_name"] == "EUROPE"]
    nations = nation.merge(europe, left_on="n_regionkey", right_on="r_regionkey", how="inner")
    suppliers = nations.merge(supplier, left_on="n_nationkey", right_on="s_nationkey", how="inner")
    offers = suppliers.merge(partsupp, left_on="s_suppkey", right_on="ps_suppkey", how="inner")
    brass = part[(part["p_size"] == 15) & (part["p_type"].str.endswith("BRASS"))]
    joined = brass.merge(offers, left_on="p_partkey", right_on="ps_partkey", how="inner")
    cheapest = joined.groupby("p_partkey")["ps_supplycost"].min().reset_index()
    cheapest.columns = ["min_partkey", "min_supplycost"]
    joined = joined.merge(cheapest, left_on=["p_partkey", "ps_supplycost"],
                          right_on=["min_partkey", "min_supplycost"], how="inner")
    cols = ["s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone", "s_comment"]
    return joined[cols].sort_values(
        by=["s_acctbal", "n_name", "s_name", "p_partkey"], ascending=[False, True, True, True]
    ).head(100, compute=False)


def query_03(dd, path, scale, fs="pyarrow"):
    day = datetime.strptime("1995-03-15", "%Y-%m-%d")
    lineitem = _read(dd, path, "lineitem", fs)
    orders = _read(dd, path, "orders", fs)
    customer = _read(dd, path, "customer", fs)

    li = lineitem[lineitem.l_shipdate > day]
    od = orders[orders.o_orderdate < day]
    cu = customer[customer.c_mktsegment == "BUILDING"]
    j = cu.merge(od, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j["revenue"] = j.l_extendedprice * (1 - j.l_discount)
    rev = j.groupby(["l_orderkey", "o_orderdate", "o_shippriority"])["revenue"].sum()
    return rev.reset_index().sort_values(["revenue"], ascending=False).head(10, compute=False)[
        ["l_orderkey", "revenue", "o_orderdate", "o_shippriority"]
    ]


def query_04(dd, path, scale, fs="pyarrow"):
    start = datetime.strptime("1993-07-01", "%Y-%m-%d")
    end = datetime.strptime("1993-10-01", "%Y-%m-%d")
    lineitem = _read(dd, path, "lineitem", fs)
    orders = _read(dd, path, "orders", fs)

    late = lineitem[lineitem.l_commitdate < lineitem.l_receiptdate]
    od = orders[(orders.o_orderdate < end) & (orders.o_orderdate >= start)]
    j = od.merge(late, how="leftsemi", left_on="o_orderkey", right_on="l_orderkey")
    return (j.groupby("o_orderpriority").size().to_frame("order_count").reset_index()
            .sort_values(["o_orderpriority"]))


def query_05(dd, path, scale, fs="pyarrow"):
    start = datetime.strptime("1994-01-01", "%Y-%m-%d")
    end = datetime.strptime("1995-01-01", "%Y-%m-%d")
    region = _read(dd, path, "region", fs)
    nation = _read(dd, path, "nation", fs)
    customer = _read(dd, path, "customer", fs)
    lineitem = _read(dd, path, "lineitem", fs)
    orders = _read(dd, path, "orders", fs)
    supplier = _read(dd, path, "supplier", fs)

    od = orders[(orders.o_orderdate >= start) & (orders.o_orderdate < end)]
    asia = region[region.r_name == "ASIA"]
    j = asia.merge(nation, left_on="r_regionkey", right_on="n_regionkey")
    j = j.merge(customer, left_on="n_nationkey", right_on="c_nationkey")
    j = j.merge(od, left_on="c_custkey", right_on="o_custkey")
    j = j.merge(lineitem, left_on="o_orderkey", right_on="l_orderkey")
    j = supplier.merge(j, left_on=["s_suppkey", "s_nationkey"], right_on=["l_suppkey", "n_nationkey"])
    j["revenue"] = j.l_extendedprice * (1.0 - j.l_discount)
    return j.groupby("n_name")["revenue"].sum().reset_index().sort_values("revenue", ascending=False)


def query_06(dd, path, scale, fs="pyarrow"):
    start = datetime.strptime("1994-01-01", "%Y-%m-%d")
    end = datetime.strptime("1995-01-01", "%Y-%m-%d")
    li = _read(dd, path, "lineitem", fs)
    keep = ((li.l_shipdate >= start) & (li.l_shipdate < end) & (li.l_discount >= 0.05)
            & (li.l_discount <= 0.07) & (li.l_quantity < 24))
    li = li[keep]
    return (li.l_extendedprice * li.l_discount).to_frame().sum().to_frame("revenue")


def _q7_side(customer, orders, supplier, lineitem, cust_nation, supp_nation):
    c = customer.merge(cust_nation, left_on="c_nationkey", right_on="n_nationkey", how="inner")
    c = c.drop(columns=["c_nationkey", "n_nationkey"]).rename(columns={"n_name": "cust_nation"})
    co = c.merge(orders, left_on="c_custkey", right_on="o_custkey", how="inner")
    co = co.drop(columns=["c_custkey", "o_custkey"])
    s = supplier.merge(supp_nation, left_on="s_nationkey", right_on="n_nationkey", how="inner")
    s = s.drop(columns=["s_nationkey", "n_nationkey"]).rename(columns={"n_name": "supp_nation"})
    sl = s.merge(lineitem, left_on="s_suppkey", right_on="l_suppkey", how="inner")
    sl = sl.drop(columns=["s_suppkey", "l_suppkey"])
    both = co.merge(sl, left_on="o_orderkey", right_on="l_orderkey", how="inner")
    return both.drop(columns=["o_orderkey", "l_orderkey"])


def query_07(dd, path, scale, fs="pyarrow"):
    start = datetime.strptime("1995-01-01", "%Y-%m-%d")
    end = datetime.strptime("1997-01-01", "%Y-%m-%d")
    nation = _read(dd, path, "nation", fs)
    customer = _read(dd, path, "customer", fs)
    lineitem = _read(dd, path, "lineitem", fs)
    orders = _read(dd, path, "orders", fs)
    supplier = _read(dd, path, "supplier", fs)

    li = lineitem[(lineitem["l_shipdate"] >= start) & (lineitem["l_shipdate"] < end)]
    li["l_year"] = li["l_shipdate"].dt.year
    li["revenue"] = li["l_extendedprice"] * (1.0 - li["l_discount"])
    france = nation[nation["n_name"] == "FRANCE"]
    germany = nation[nation["n_name"] == "GERMANY"]
    t1 = _q7_side(customer, orders, supplier, li, france, germany)
    t2 = _q7_side(customer, orders, supplier, li, germany, france)
    total = dd.concat([t1, t2])
    out = total.groupby(["supp_nation", "cust_nation", "l_year"]).revenue.agg("sum").reset_index()
    out.columns = ["supp_nation", "cust_nation", "l_year", "revenue"]
    return out.sort_values(by=["supp_nation", "cust_nation", "l_year"], ascending=True)


def query_08(dd, path, scale, fs="pyarrow"):
    start = datetime.strptime("1995-01-01", "%Y-%m-%d")
    end = datetime.strptime("1997-01-01", "%Y-%m-%d")
    supplier = _read(dd, path, "supplier", fs)
    lineitem = _read(dd, path, "lineitem", fs)
    orders = _read(dd, path, "orders", fs)
    customer = _read(dd, path, "customer", fs)
    nation = _read(dd, path, "nation", fs)
    region = _read(dd, path, "region", fs)
    part = _read(dd, path, "part", fs)

    part = part[part["p_type"] == "ECONOMY ANODIZED STEEL"][["p_partkey"]]
    lineitem["volume"] = lineitem["l_extendedprice"] * (1.0 - lineitem["l_discount"])
    t = part.merge(lineitem, left_on="p_partkey", right_on="l_partkey", how="inner")
    t = t.merge(supplier, left_on="l_suppkey", right_on="s_suppkey", how="inner")
    orders = orders[(orders["o_orderdate"] >= start) & (orders["o_orderdate"] < end)]
    orders["o_year"] = orders["o_orderdate"].dt.year
    t = t.merge(orders, left_on="l_orderkey", right_on="o_orderkey", how="inner")
    t = t.merge(customer, left_on="o_custkey", right_on="c_custkey", how="inner")
    n1 = nation[["n_nationkey", "n_regionkey"]]
    t = t.merge(n1, left_on="c_nationkey", right_on="n_nationkey", how="inner")
    n2 = nation[["n_nationkey", "n_name"]].rename(columns={"n_name": "nation"})
    t = t.merge(n2, left_on="s_nationkey", right_on="n_nationkey", how="inner")
    america = region[region["r_name"] == "AMERICA"][["r_regionkey"]]
    t = t.merge(america, left_on="n_regionkey", right_on="r_regionkey", how="inner")

    brazil = t[t["nation"] == "BRAZIL"].groupby("o_year").volume.sum().reset_index()
    everyone = t.groupby("o_year").volume.sum().reset_index()
    final = everyone.merge(brazil, left_on="o_year", right_on="o_year", suffixes=("_mkt", "_brazil"))
    final["mkt_share"] = (final.volume_brazil / final.volume_mkt).round(2)
    return final.sort_values(by=["o_year"], ascending=[True])[["o_year", "mkt_share"]]


def query_09(dd, path, scale, fs="pyarrow"):
    part = _read(dd, path, "part", fs)
    partsupp = _read(dd, path, "partsupp", fs)
    supplier = _read(dd, path, "supplier", fs)
    lineitem = _read(dd, path, "lineitem", fs)
    orders = _read(dd, path, "orders", fs)
    nation = _read(dd, path, "nation", fs)

    green = part[part.p_name.str.contains("green")]
    j = (green.merge(partsupp, left_on="p_partkey", right_on="ps_partkey", how="inner")
         .merge(supplier, left_on="ps_suppkey", right_on="s_suppkey", how="inner")
         .merge(lineitem, left_on=["ps_partkey", "ps_suppkey"], right_on=["l_partkey", "l_suppkey"], how="inner")
         .merge(orders, left_on="l_orderkey", right_on="o_orderkey", how="inner")
         .merge(nation, left_on="s_nationkey", right_on="n_nationkey", how="inner"))
    j["o_year"] = j.o_orderdate.dt.year
    j["nation"] = j.n_name
    j["amount"] = j.l_extendedprice * (1 - j.l_discount) - j.ps_supplycost * j.l_quantity
    j = j[["o_year", "nation", "amount"]]
    return (j.groupby(["nation", "o_year"]).amount.sum().round(2).reset_index()
            .rename(columns={"amount": "sum_profit"})
            .sort_values(by=["nation", "o_year"], ascending=[True, False]))


def query_10(dd, path, scale, fs="pyarrow"):
    customer = _read(dd, path, "customer", fs)
    orders = _read(dd, path, "orders", fs)
    lineitem = _read(dd, path, "lineitem", fs)
    nation = _read(dd, path, "nation", fs)

    start = datetime.strptime("1993-10-01", "%Y-%m-%d")
    end = datetime.strptime("1994-01-01", "%Y-%m-%d")
    orders = orders[(orders.o_orderdate >= start) & (orders.o_orderdate < end)]
    lineitem = lineitem[lineitem.l_returnflag == "R"]
    j = (lineitem.merge(orders, left_on="l_orderkey", right_on="o_orderkey", how="inner")
         .merge(customer, left_on="o_custkey", right_on="c_custkey", how="inner")
         .merge(nation, left_on="c_nationkey", right_on="n_nationkey", how="inner"))
    j["revenue"] = j.l_extendedprice * (1 - j.l_discount)
    keys = ["c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment"]
    return (j.groupby(keys).revenue.sum().round(2).reset_index()
            .sort_values(by=["revenue"], ascending=[False]).head(20, compute=False)[
                ["c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment"]])


def query_11(dd, path, scale, fs="pyarrow"):
    partsupp = _read(dd, path, "partsupp", fs)
    supplier = _read(dd, path, "supplier", fs)
    nation = _read(dd, path, "nation", fs)

    j = (partsupp.merge(supplier, left_on="ps_suppkey", right_on="s_suppkey", how="inner")
         .merge(nation, left_on="s_nationkey", right_on="n_nationkey", how="inner"))
    j = j[j.n_name == "GERMANY"]
    threshold = (j.ps_supplycost * j.ps_availqty).sum() * 0.0001 / scale
    j["value"] = j.ps_supplycost * j.ps_availqty
    per_part = j.groupby("ps_partkey")["value"].sum()
    return per_part[per_part > threshold].round(2).reset_index().sort_values(by="value", ascending=False)


def query_12(dd, path, scale, fs="pyarrow"):
    orders = _read(dd, path, "orders", fs)
    lineitem = _read(dd, path, "lineitem", fs)

    start = datetime.strptime("1994-01-01", "%Y-%m-%d")
    end = start + timedelta(days=365)
    t = orders.merge(lineitem, left_on="o_orderkey", right_on="l_orderkey")
    t = t[(t.l_shipmode.isin(("MAIL", "SHIP"))) & (t.l_commitdate < t.l_receiptdate)
          & (t.l_shipdate < t.l_commitdate) & (t.l_receiptdate >= start) & (t.l_receiptdate < end)]
    urgent = t.o_orderpriority.isin(("1-URGENT", "2-HIGH"))
    t["high_line_count"] = 0
    t["high_line_count"] = t.high_line_count.where(~urgent, 1)
    t["low_line_count"] = 0
    t["low_line_count"] = t.low_line_count.where(urgent, 1)
    return (t.groupby("l_shipmode").agg({"high_line_count": "sum", "low_line_count": "sum"})
            .reset_index().sort_values(by="l_shipmode"))


def query_13(dd, path, scale, fs="pyarrow"):
    customer = _read(dd, path, "customer", fs)
    orders = _read(dd, path, "orders", fs)

    orders = orders[~orders.o_comment.str.contains("special.*requests")]
    j = customer.merge(orders, left_on="c_custkey", right_on="o_custkey", how="left")
    counts = (j.groupby("c_custkey").o_orderkey.count().to_frame().reset_index()
              .rename(columns={"o_orderkey": "c_count"})[["c_custkey", "c_count"]])
    return (counts.groupby("c_count").size().to_frame().rename(columns={0: "custdist"}).reset_index()
            .sort_values(by=["custdist", "c_count"], ascending=[False, False]))


def query_14(dd, path, scale, fs="pyarrow"):
    lineitem = _read(dd, path, "lineitem", fs)
    part = _read(dd, path, "part", fs)

    start = datetime.strptime("1995-09-01", "%Y-%m-%d")
    end = datetime.strptime("1995-10-01", "%Y-%m-%d")
    t = lineitem.merge(part, left_on="l_partkey", right_on="p_partkey", how="inner")
    t = t[(t.l_shipdate >= start) & (t.l_shipdate < end)]
    t["promo_revenue"] = t.l_extendedprice * (1 - t.l_discount)
    promo = t.p_type.str.match("PROMO*")
    t["promo_revenue"] = t.promo_revenue.where(promo, 0.00)
    promo_total = t.promo_revenue.to_frame().sum().reset_index(drop=True)
    total = (t.l_extendedprice * (1 - t.l_discount)).to_frame().sum().reset_index(drop=True)
    return (100.00 * promo_total / total).round(2).to_frame("promo_revenue")


def query_15(dd, path, scale, fs="pyarrow"):
    lineitem = _read(dd, path, "lineitem", fs)
    supplier = _read(dd, path, "supplier", fs)

    start = datetime.strptime("1996-01-01", "%Y-%m-%d")
    end = datetime.strptime("1996-04-01", "%Y-%m-%d")
    lineitem = lineitem[(lineitem.l_shipdate >= start) & (lineitem.l_shipdate < end)]
    lineitem["revenue"] = lineitem.l_extendedprice * (1 - lineitem.l_discount)
    revenue = (lineitem.groupby("l_suppkey").revenue.sum().to_frame().reset_index()
               .rename(columns={"revenue": "total_revenue", "l_suppkey": "supplier_no"}))
    t = supplier.merge(revenue, left_on="s_suppkey", right_on="supplier_no", how="inner")
    return t[t.total_revenue == revenue.total_revenue.max()][
        ["s_suppkey", "s_name", "s_address", "s_phone", "total_revenue"]].sort_values(by="s_suppkey")


def query_16(dd, path, scale, fs="pyarrow"):
    partsupp = _read(dd, path, "partsupp", fs)
    part = _read(dd, path, "part", fs)
    supplier = _read(dd, path, "supplier", fs)

    supplier["is_complaint"] = supplier.s_comment.str.contains("Customer.*Complaints")
    complaints = supplier[supplier.is_complaint].s_suppkey.repartition(npartitions=1)
    partsupp = partsupp[~partsupp.ps_suppkey.isin(complaints)]
    t = partsupp.merge(part, left_on="ps_partkey", right_on="p_partkey")
    t = t[(t.p_brand != "Brand#45") & (~t.p_type.str.startswith("MEDIUM POLISHED"))
          & (t.p_size.isin((49, 14, 23, 45, 19, 3, 36, 9)))]
    return (t.groupby(by=["p_brand", "p_type", "p_size"]).ps_suppkey.nunique().reset_index()
            .rename(columns={"ps_suppkey": "supplier_cnt"})
            .sort_values(by=["supplier_cnt", "p_brand", "p_type", "p_size"], ascending=[False, True, True, True]))


def query_17(dd, path, scale, fs="pyarrow"):
    lineitem = _read(dd, path, "lineitem", fs)
    part = _read(dd, path, "part", fs)

    j = lineitem.merge(part, left_on="l_partkey", right_on="p_partkey", how="inner")
    j = j[j.p_brand == "Brand#23"]
    j = j[j.p_container == "MED BOX"]
    avg_qty = (j.groupby("l_partkey").l_quantity.mean().to_frame()
               .rename(columns={"l_quantity": "l_quantity_avg"}))
    t = j.merge(avg_qty, left_on="l_partkey", right_index=True, how="left")
    t = t[t.l_quantity < 0.2 * t.l_quantity_avg]
    return (t.l_extendedprice.to_frame().sum() / 7.0).round(2).to_frame("avg_yearly")


def query_18(dd, path, scale, fs="pyarrow"):
    customer = _read(dd, path, "customer", fs)
    orders = _read(dd, path, "orders", fs)
    lineitem = _read(dd, path, "lineitem", fs)

    big = lineitem.groupby("l_orderkey").l_quantity.sum(split_out=True).reset_index()
    big = big[big.l_quantity > 300]
    t = (orders.merge(big, left_on="o_orderkey", right_on="l_orderkey", how="leftsemi")
         .merge(lineitem, left_on="o_orderkey", right_on="l_orderkey", how="inner")
         .merge(customer, left_on="o_custkey", right_on="c_custkey", how="inner"))
    return (t.groupby(["c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice"])
            .l_quantity.sum().reset_index().rename(columns={"l_quantity": "col6"})
            .sort_values(["o_totalprice", "o_orderdate"], ascending=[False, True]).head(100, compute=False))


def query_19(dd, path, scale, fs="pyarrow"):
    lineitem = _read(dd, path, "lineitem", fs)
    part = _read(dd, path, "part", fs)

    t = lineitem.merge(part, left_on="l_partkey", right_on="p_partkey")

    def case(brand, containers, qlo, qhi, size_hi):
        return ((t.p_brand == brand) & (t.p_container.isin(containers))
                & ((t.l_quantity >= qlo) & (t.l_quantity <= qhi)) & (t.p_size.between(1, size_hi))
                & (t.l_shipmode.isin(("AIR", "AIR REG"))) & (t.l_shipinstruct == "DELIVER IN PERSON"))

    t = t[case("Brand#12", ("SM CASE", "SM BOX", "SM PACK", "SM PKG"), 1, 11, 5)
          | case("Brand#23", ("MED BAG", "MED BOX", "MED PKG", "MED PACK"), 10, 20, 10)
          | case("Brand#34", ("LG CASE", "LG BOX", "LG PACK", "LG PKG"), 20, 30, 15)]
    return (t.l_extendedprice * (1 - t.l_discount)).to_frame().sum().round(2).to_frame("revenue")


def query_20(dd, path, scale, fs="pyarrow"):
    lineitem = _read(dd, path, "lineitem", fs)
    supplier = _read(dd, path, "supplier", fs)
    nation = _read(dd, path, "nation", fs)
    part = _read(dd, path, "part", fs)
    partsupp = _read(dd, path, "partsupp", fs)

    start = datetime.strptime("1994-01-01", "%Y-%m-%d")
    end = datetime.strptime("1995-01-01", "%Y-%m-%d")
    shipped = lineitem[(lineitem["l_shipdate"] >= start) & (lineitem["l_shipdate"] < end)]
    shipped = (shipped.groupby(["l_suppkey", "l_partkey"])["l_quantity"].sum()
               .rename("sum_quantity").reset_index())
    shipped["sum_quantity"] = shipped["sum_quantity"] * 0.5
    canada = nation[nation["n_name"] == "CANADA"]
    suppliers = supplier.merge(canada, left_on="s_nationkey", right_on="n_nationkey")
    forest = part[part["p_name"].str.strip().str.startswith("forest")]
    q = (partsupp.merge(forest, how="leftsemi", left_on="ps_partkey", right_on="p_partkey")
         .merge(shipped, left_on=["ps_suppkey", "ps_partkey"], right_on=["l_suppkey", "l_partkey"]))
    q = q[q["ps_availqty"] > q["sum_quantity"]]
    q = suppliers.merge(q, how="leftsemi", left_on="s_suppkey", right_on="ps_suppkey")
    q["s_address"] = q["s_address"].str.strip()
    return q[["s_name", "s_address"]].sort_values("s_name", ascending=True)


def query_21(dd, path, scale, fs="pyarrow"):
    supplier = _read(dd, path, "supplier", fs)
    lineitem = _read(dd, path, "lineitem", fs)
    orders = _read(dd, path, "orders", fs)
    nation = _read(dd, path, "nation", fs)

    multi = lineitem.groupby("l_orderkey")["l_suppkey"].nunique().rename("nunique_col").reset_index()
    late = lineitem[lineitem["l_receiptdate"] > lineitem["l_commitdate"]]
    multi = multi[multi["nunique_col"] > 1].merge(late, on="l_orderkey")
    q = (multi.groupby("l_orderkey")["l_suppkey"].nunique().rename("nunique_col").reset_index()
         .merge(multi, on="l_orderkey", suffixes=("", "_right"))
         .merge(orders, left_on="l_orderkey", right_on="o_orderkey")
         .merge(supplier, left_on="l_suppkey", right_on="s_suppkey")
         .merge(nation, left_on="s_nationkey", right_on="n_nationkey"))
    keep = (q["nunique_col"] == 1) & (q["n_name"] == "SAUDI ARABIA") & (q["o_orderstatus"] == "F")
    return (q[keep].groupby("s_name").size().rename("numwait").reset_index()
            .sort_values(["numwait", "s_name"], ascending=[False, True]).head(100, compute=False))


def query_22(dd, path, scale, fs="pyarrow"):
    orders = _read(dd, path, "orders", fs)
    customers = _read(dd, path, "customer", fs)

    customers["cntrycode"] = customers["c_phone"].str.strip().str.slice(0, 2)
    customers = customers[customers["cntrycode"].isin(("13", "31", "23", "29", "30", "18", "17"))]
    avg_balance = customers[customers["c_acctbal"] > 0.0]["c_acctbal"].mean()
    rich = customers[customers["c_acctbal"] > avg_balance]
    rich = rich.merge(orders, left_on="c_custkey", right_on="o_custkey", how="left")
    rich = rich[rich["o_custkey"].isnull()]
    out = rich.groupby("cntrycode").agg({"c_acctbal": ["size", "sum"]})
    out.columns = out.columns.get_level_values(-1)
    return (out.rename(columns={"sum": "totacctbal", "size": "numcust"}).reset_index()
            .sort_values("cntrycode", ascending=True))


#: query number -> function
QUERIES = {int(name[-2:]): fn for name, fn in sorted(globals().items()) if name.startswith("query_")}
