"""The choropleth of a province's regencies and cities, coloured by negative share.

Shapes are GeoJSON files shipped in ``dashboard/data/kabkota-<province>.geojson`` (see SOURCE.md there)
and drawn by Vega-Lite in the browser, so the map needs no tile server and no network. A province
without a shape file gets ``None`` and the page shows the same numbers as a table.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

import altair as alt

NO_SCORE_COLOUR = "#e0e0e0"


@cache
def shapes(province: str) -> dict[str, Any] | None:
    """The FeatureCollection of one province's regencies/cities (features carry ``kode`` and ``nama``)."""
    path = resources.files("dashboard").joinpath("data", f"kabkota-{province}.geojson")
    if not path.is_file():
        return None
    geo: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return geo


def features(province: str, counts: dict[str, dict[str, int]]) -> list[dict[str, Any]] | None:
    """The province's shapes with each area's period counts in its properties (``None`` without a shape).

    ``share`` is negative over scored articles, and None where nothing was scored, so that "no news"
    is drawn grey and never as 0 % negative.
    """
    geo = shapes(province)
    if geo is None:
        return None
    out = []
    for feature in geo["features"]:
        f = copy.copy(feature)
        props = dict(feature["properties"])
        c = counts.get(str(props["kode"]), {})
        total = int(c.get("total", 0))
        scored = total - int(c.get("unscored", 0))
        negative = int(c.get("negative", 0))
        props.update(total=total, scored=scored, negative=negative,
                     share=round(negative / scored, 4) if scored else None)
        f["properties"] = props
        out.append(f)
    return out


def choropleth(areas: list[dict[str, Any]], *, height: int = 420) -> alt.LayerChart | alt.FacetChart:
    """Areas coloured from white to red by negative share, grey where nothing was scored."""
    tooltip = [alt.Tooltip("properties.nama:N", title="Wilayah"),
               alt.Tooltip("properties.total:Q", title="Artikel", format=",d"),
               alt.Tooltip("properties.negative:Q", title="Negatif", format=",d"),
               alt.Tooltip("properties.share:Q", title="Porsi negatif", format=".0%")]
    colour = alt.Color("properties.share:Q", title="Porsi negatif",
                       scale=alt.Scale(domain=[0, 1], range=["#fff5f0", "#b71c1c"]),
                       legend=alt.Legend(orient="bottom", format=".0%", gradientLength=200))
    # Two layers: every area in grey, then the scored ones in colour (Vega-Lite drops rows whose colour is null).
    base = (alt.Chart({"values": areas}).mark_geoshape(fill=NO_SCORE_COLOUR, stroke="#ffffff", strokeWidth=1)
            .project(type="mercator").properties(height=height))
    scored = base.transform_filter("datum.properties.share != null").mark_geoshape(stroke="#ffffff", strokeWidth=1)
    chart = alt.layer(base.encode(tooltip=tooltip), scored.encode(color=colour, tooltip=tooltip))
    return chart
