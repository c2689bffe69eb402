"""``hlq.visualize``: draw the expression DAG of an hlq collection.

One box per plan node (operation, shape, chunks/blocks), one edge per
child -> parent dependency; ``optimized=True`` (default) draws the plan after
the optimizer ran, ``optimized=False`` the plan as written, ``"both"`` the two
side by side.  Rendering uses graphviz's ``dot`` program when it is installed,
else networkx + matplotlib.

>>> import hlq, hlq.array as da
>>> x = (da.ones((100, 100), chunks=10) + 1)[:10, :10]
>>> g = hlq.plan_graph(x)
>>> sorted(d["op"] for _, d in g.nodes(data=True))
['add', 'ones']
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from html import escape

import numpy as np

from hlq.expr.node import Node
from hlq.lower.collection import HlqCollection, optimize_node

__all__ = ["visualize", "plan_graph"]


def _plan_root(x, optimized: bool):
    if isinstance(x, HlqCollection):
        return x._optimized_node() if optimized else x.node
    if isinstance(x, Node):
        if optimized:
            return optimize_node(x)
        return x
    raise TypeError(f"visualize() needs an hlq collection or plan node, got {type(x).__name__}")


def _node_text(node) -> str:
    lines = [node.label() if len(node.label()) <= 48 else node.label()[:45] + "..."]
    shape = getattr(node, "shape", None)
    if shape is not None:
        lines.append(f"shape={tuple(shape)}")
    nb = getattr(node, "numblocks", None)
    if nb is not None:
        chunks = getattr(node, "chunks", None)
        chunksize = tuple(max(c) if c else 0 for c in chunks) if chunks is not None else None
        lines.append(f"blocks={nb} chunksize={chunksize}")
    return "\n".join(lines)


def plan_graph(x, optimized: bool = True, prefix: str = ""):
    """The plan of ``x`` as a ``networkx.DiGraph`` (edges child -> parent).

    Node attributes: ``label`` (multi-line text), ``op`` (operation name).
    """
    import networkx as nx

    root = _plan_root(x, optimized)
    g = nx.DiGraph()
    ids = {}
    for i, node in enumerate(root.walk()):
        ids[node] = f"{prefix}n{i}"
    for node, nid in ids.items():
        g.add_node(nid, label=_node_text(node), op=node.op_name, root=node is root)
    for node, nid in ids.items():
        for child in node.children:
            g.add_edge(ids[child], nid)
    return g


def _to_dot(graphs_and_titles) -> str:
    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    out = ["digraph hlq {", "  rankdir=BT;", '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", '
           'fontname="Helvetica", fontsize=10];']
    for k, (g, title) in enumerate(graphs_and_titles):
        out.append(f"  subgraph cluster_{k} {{ label={q(title)}; fontname=Helvetica;")
        for nid, d in g.nodes(data=True):
            extra = ', fillcolor="#fde9c8"' if d.get("root") else ""
            out.append(f"    {nid} [label={q(d['label'])}{extra}];")
        for a, b in g.edges():
            out.append(f"    {a} -> {b};")
        out.append("  }")
    out.append("}")
    return "\n".join(out)


def _layers(g):
    """Depth of each node from the sources (iterative longest path)."""
    import networkx as nx

    depth = {}
    for n in nx.topological_sort(g):
        preds = list(g.predecessors(n))
        depth[n] = 1 + max((depth[p] for p in preds), default=-1)
    return depth


def _draw_matplotlib(graphs_and_titles, filename, fmt):
    import networkx as nx
    from matplotlib.figure import Figure  # no pyplot: no global backend/state change

    n = len(graphs_and_titles)
    sizes = [max(1, g.number_of_nodes()) for g, _ in graphs_and_titles]
    fig = Figure(figsize=(max(4, 3.2 * n), max(3, 0.9 * max(sizes) + 1)))
    axes = fig.subplots(1, n, squeeze=False)
    for ax, (g, title) in zip(axes[0], graphs_and_titles):
        depth = _layers(g)
        by_layer = {}
        for node, d in depth.items():
            by_layer.setdefault(d, []).append(node)
        pos = {}
        for d, nodes in by_layer.items():
            for i, node in enumerate(nodes):
                pos[node] = (i - (len(nodes) - 1) / 2, d)
        nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowstyle="-|>", node_size=3000)
        for node, (px, py) in pos.items():
            d = g.nodes[node]
            ax.text(px, py, d["label"], ha="center", va="center", fontsize=7,
                    bbox=dict(boxstyle="round", fc="#fde9c8" if d.get("root") else "#eef3fb", ec="#557"))
        ax.set_title(title)
        ax.margins(0.3)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(filename, format=fmt)


def visualize(x, filename: str | None = "hlq-plan.png", optimized=True, format: str | None = None,
              engine: str = "auto"):
    """Render the plan (expression DAG) of ``x`` to an image file.

    Parameters
    ----------
    x : hlq collection (or plan node)
    filename : str or None
        Output file; its extension (``.png``, ``.svg``, ``.pdf``) picks the
        format unless ``format`` is given.  ``None`` returns the image bytes
        without writing a file.
    optimized : bool or "both"
        Draw the optimized plan (default), the plan as written, or both.
    engine : "auto", "graphviz" or "matplotlib"
        ``auto`` uses graphviz's ``dot`` when it is on PATH.

    Returns
    -------
    In IPython, an ``IPython.display.Image``/``SVG`` of the rendering; else
    the ``networkx.DiGraph`` of the (last) drawn plan.
    """
    if format is None:
        ext = os.path.splitext(filename)[1].lstrip(".").lower() if filename else ""
        format = ext or "png"
    if format not in ("png", "svg", "pdf"):
        raise ValueError(f"unsupported format {format!r} (png, svg or pdf)")
    if optimized == "both":
        graphs = [(plan_graph(x, False, "a"), "before optimization"), (plan_graph(x, True, "b"), "after optimization")]
    else:
        graphs = [(plan_graph(x, bool(optimized)), "optimized plan" if optimized else "plan (not optimized)")]
    if engine not in ("auto", "graphviz", "matplotlib"):
        raise ValueError(f"unknown engine {engine!r}")
    dot = shutil.which("dot")
    if engine == "graphviz" and dot is None:
        raise RuntimeError("graphviz's `dot` program is not installed; use engine='matplotlib'")
    target = filename
    tmp = None
    if target is None:
        fd, tmp = tempfile.mkstemp(suffix="." + format)
        os.close(fd)
        target = tmp
    try:
        if dot is not None and engine != "matplotlib":
            subprocess.run([dot, f"-T{format}", "-o", str(target)], input=_to_dot(graphs).encode(), check=True,
                           capture_output=True)
        else:
            _draw_matplotlib(graphs, target, format)
        with open(target, "rb") as f:
            data = f.read()
    finally:
        if tmp is not None:
            os.unlink(tmp)
    try:
        import IPython  # noqa: F401
        from IPython import get_ipython

        if get_ipython() is not None:
            from IPython.display import SVG, Image

            return SVG(data) if format == "svg" else Image(data) if format == "png" else graphs[-1][0]
    except ImportError:
        pass
    return graphs[-1][0] if filename is not None else data


def _human_bytes(n) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024


def array_summary_html(x) -> str:
    """HTML plan summary of an hlq array (``Array._repr_html_``).

    A table with the array and one-chunk sizes (like dask's), the plan size
    before/after optimization and the tasks of the final graph, next to
    dask's chunk diagram.
    """
    try:
        opt = x._optimized_node()
        nodes_after = sum(1 for _ in opt.walk())
        tasks = x.task_count()
    except Exception as e:  # never fail a notebook display
        nodes_after, tasks = "?", f"? ({type(e).__name__})"
    chunk_nbytes = math.prod(x.chunksize) * x.dtype.itemsize
    rows = [
        ("", "Array", "Chunk"),
        ("Bytes", _human_bytes(x.nbytes), _human_bytes(chunk_nbytes)),
        ("Shape", x.shape, x.chunksize),
        ("Dtype", x.dtype, "numpy.ndarray"),
        ("Blocks", f"{x.npartitions} ({' x '.join(map(str, x.numblocks)) or '1'})", ""),
        ("Plan nodes", f"{sum(1 for _ in x.node.walk())} written, {nodes_after} optimized", ""),
        ("Tasks", f"{tasks} after optimization", ""),
    ]
    head, *body = rows
    html = ['<table class="hlq-summary">',
            "<thead><tr>" + "".join(f"<th>{escape(str(c))}</th>" for c in head) + "</tr></thead><tbody>"]
    for r in body:
        html.append("<tr><th>" + escape(str(r[0])) + "</th>" + "".join(
            f"<td>{escape(str(c))}</td>" for c in r[1:]) + "</tr>")
    html.append("</tbody></table>")
    table = "".join(html)
    try:
        from dask.array.svg import svg

        diagram = svg(x.chunks, size=120) if x.ndim and all(x.shape) else ""
    except Exception:  # NotImplementedError for >3 dims with many chunks, etc.
        diagram = ""
    caption = f"<caption>hlq.array &lt;{escape(x.node.op_name)}&gt; dtype={escape(str(np.dtype(x.dtype)))}</caption>"
    return (
        f"<table>{caption}<tr><td style='vertical-align:top'>{table}</td>"
        f"<td style='vertical-align:top'>{diagram}</td></tr></table>"
    )
