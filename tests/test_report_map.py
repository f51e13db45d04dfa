"""The report map as a planner reads it: layer order (areas under the plan), streets and
barriers when walking times came from a network, scale bar, north arrow, legend, labels of the
worst-served communities, walking circles off by default; rendered in headless Chromium.

Quick tests use a window of the demo district (with and without its street network, points
and polygons); the full demo and ``--network`` demo render in the slow suite."""

from __future__ import annotations

import re
from html import unescape

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from siting.analysis.figures import plan_figures
from siting.api import solve_instance
from siting.core.instance import Instance
from siting.demo import demo_instance, demo_scenario
from siting.demo.district import generate_district
from siting.demo.network import generate_street_network
from siting.io.outputs import write_report
from siting.report.html import N_LABELS, report_html
from siting.report.mapsvg import BASEMAP_STYLE, MAP_LAYERS
from siting.travel.lines import map_lines
from siting.travel.network import StreetNetwork
from test_report import _chromium, _png_rgb


def _window(n_communities: int = 16):
    """The demo's communities nearest the south-west corner, with the spaces around them."""
    com, spa = generate_district(2024)
    xy = com[["x", "y"]].to_numpy()
    order = np.argsort(np.hypot(*(xy - xy.min(axis=0)).T))[:n_communities]
    com = com.iloc[np.sort(order)].reset_index(drop=True)
    box = shapely.box(*com.total_bounds).buffer(300)
    spa = spa[spa.within(box)].reset_index(drop=True)
    return com, spa


def _voronoi(com: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    pts = shapely.MultiPoint(list(com.geometry))
    hull = pts.convex_hull.buffer(400)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=hull))
    geoms = [next(g for g in cells if g.contains(p)).intersection(hull) for p in com.geometry]
    return com.set_geometry(gpd.GeoSeries(geoms, crs=com.crs)).drop(columns=["x", "y"])


def _solve(inst: Instance, time_limit_s: float = 4):
    out = solve_instance(inst, inst.settings.solver.model_copy(update={"time_limit_s": time_limit_s,
                                                                      "relative_gap": 0.02}))
    assert out.plan is not None and out.plan.n_taken > 0
    return out


@pytest.fixture(scope="module")
def small():
    """Three small solved scenarios: points, polygons, points walking on a street network."""
    com, spa = _window()
    settings = demo_scenario().settings()
    lines = generate_street_network(com, spa, seed=3)
    net = StreetNetwork.from_geodataframe(lines, walkable_column="walkable")
    reach = net.reach(com, spa, 20.0, community_ids=com["community_id"].tolist(), space_ids=spa["space_id"].tolist())
    river = gpd.GeoDataFrame({"kind": ["river"]}, geometry=[lines.attrs["river_band"]], crs=lines.crs)
    basemap = pd.concat([river, map_lines(lines, walkable_column="walkable")], ignore_index=True)
    return {
        "points": _solve(Instance.from_geodataframes(com, spa, settings, name="window")),
        "polygons": _solve(Instance.from_geodataframes(_voronoi(com), spa, settings, name="window polygons")),
        "network": _solve(Instance.from_geodataframes(com, spa, settings, reach=reach, basemap=basemap,
                                                      name="window network")),
    }


def _layer_ids(svg: str) -> list[str]:
    return re.findall(r'<g id="(layer-[a-z]+)"', svg)


@pytest.mark.parametrize("kind", ["points", "polygons", "network"])
def test_layer_order_circles_off_labels_scale_and_north(small, kind):
    out = small[kind]
    text = report_html(out, plan_figures(out))
    assert _layer_ids(text) == list(MAP_LAYERS)  # areas first, the plan above them, labels on top
    circles = re.search(r'<g id="layer-circles"[^>]*>', text).group(0)
    assert 'style="display:none"' in circles
    assert re.search(r'<input type="checkbox" data-layer="layer-circles">', text)  # unchecked
    assert 'id="scale-bar"' in text and 'id="north-arrow"' in text and 'id="map-legend"' in text
    # the labelled communities are the ones with the lowest coverage after the plan
    labelled = re.findall(r'<text class="label" data-id="([^"]+)"', text)
    n = min(N_LABELS, out.instance.n_communities)
    assert len(labelled) == n
    cov = {m[0]: float(m[1]) for m in re.findall(r'class="feature community" data-id="([^"]+)" '
                                                 r'data-coverage_after="([^"]+)"', text)}
    worst = sorted(cov.values())[:n]
    assert sorted(cov[c] for c in labelled) == pytest.approx(worst)
    names = dict(zip(out.instance.community_ids, out.instance.communities["name"]))
    assert all(f">{names[c]}</text>" in text for c in labelled)


def test_streets_drawn_only_with_a_network(small):
    for kind in ("points", "polygons"):
        text = report_html(small[kind], plan_figures(small[kind]))
        assert 'class="basemap' not in text and "Streets</b>" not in text
    out = small["network"]
    text = report_html(out, plan_figures(out))
    kinds = dict(re.findall(r'<path class="basemap [a-z]+" data-kind="([a-z]+)" data-n="(\d+)"', text))
    assert {"river", "street", "rail", "expressway"} <= set(kinds)
    n_street = int((out.instance.basemap["kind"] == "street").sum())
    assert int(kinds["street"]) >= n_street  # every street line drawn (a line may have several parts)
    legend = re.search(r'<div class="legend" id="map-legend">.*?</div></div>', text, re.S).group(0)
    assert "rail line (barrier)" in legend and "expressway (barrier)" in legend and "river" in legend


def test_polygon_areas_are_translucent_and_under_the_spaces(small):
    text = report_html(small["polygons"], plan_figures(small["polygons"]))
    areas = re.findall(r'<path class="feature community"[^>]*>', text)
    assert len(areas) == small["polygons"].instance.n_communities
    assert all(float(re.search(r'fill-opacity="([\d.]+)"', p).group(1)) <= 0.5 for p in areas)
    assert text.index('id="layer-communities"') < text.index('id="layer-links"') < text.index('id="layer-spaces"')


def _render(browser, outcome, tmp_path, lang: str = "en") -> dict[str, str]:
    path = write_report(outcome, tmp_path / "report.html", lang=lang)
    dom = _chromium(["--dump-dom", path.resolve().as_uri() + "#check"], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [ln for ln in dom.stderr.splitlines() if ":CONSOLE" in ln]
    assert not console, console
    body = re.search(r"<body([^>]*)>", dom.stdout).group(1)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body))
    assert attrs.get("data-ready") == "1", "the report's script did not run to the end"
    assert attrs["data-layer-order"].split() == list(MAP_LAYERS)
    # labels come from the catalogue, not ids (charts as the browser has them)
    cat = outcome.instance.catalogue
    chart = unescape(re.search(r'<svg class="chart" id="chart-coverage-service".*?</svg>', dom.stdout, re.S).group(0))
    for sid in outcome.instance.service_ids:
        assert f">{cat.service_label(sid, lang)}</text>" in chart and f">{sid}<" not in dom.stdout
    assert attrs["data-circles-visible"] == "0"
    assert int(attrs["data-labels-drawn"]) == min(N_LABELS, outcome.instance.n_communities)
    # at the centre of every taken space in view, the topmost element is a space, not an area
    checked = int(attrs["data-spaces-checked"])
    assert checked >= min(outcome.plan.n_taken, 20)
    assert int(attrs["data-spaces-on-top"]) == checked
    # wide tables scroll inside their box: the page itself is no wider than the window, details open
    assert int(attrs["data-scroll-width-open"]) <= int(attrs["data-window-width"])
    basemap = outcome.instance.basemap
    if basemap is None:
        assert int(attrs["data-basemap-drawn"]) == 0
    else:
        assert int(attrs["data-basemap-drawn"]) >= int((basemap["kind"] == "street").sum())
        shot = tmp_path / "shot.png"
        run = _chromium([f"--screenshot={shot}", path.resolve().as_uri()], tmp_path)
        assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
        img = _png_rgb(shot.read_bytes()).reshape(-1, 3).astype(int)
        colour = np.array([int(BASEMAP_STYLE["street"][0][k:k + 2], 16) for k in (1, 3, 5)])
        assert (np.abs(img - colour).sum(axis=1) <= 12).sum() > 500, "no street pixels on screen"
    return attrs


@pytest.mark.parametrize("kind", ["points", "polygons", "network"])
def test_small_maps_render_in_chromium(browser, small, kind, tmp_path):
    _render(browser, small[kind], tmp_path)


def test_chinese_report_renders_in_chromium(browser, small, tmp_path):
    """The zh report of a network scenario: the same checks (no console line, layer order, streets
    drawn, spaces on top, catalogue labels in Chinese), and the engines named in Chinese."""
    _render(browser, small["network"], tmp_path, lang="zh")
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "已证明最优" in text or "差距" in text


@pytest.mark.slow
@pytest.mark.parametrize("network", [False, True], ids=["demo", "network-demo"])
def test_demo_maps_render_in_chromium(browser, network, tmp_path):
    out = _solve(demo_instance(network=network), time_limit_s=10)
    assert (out.instance.basemap is not None) == network
    _render(browser, out, tmp_path)


def test_labels_of_nearby_communities_do_not_overlap():
    from siting.report.mapsvg import LABEL_PX, _label_width, _place_label

    placed: list = []
    names = ["Yuanxian Yayuan", "Chongxian Cun", "Shangtang", "Shuibei Huayuan", "Donghu Cun", "仓前街道某某社区"]
    points = [(500.0, 300.0), (506.0, 298.0), (498.0, 309.0), (512.0, 305.0), (503.0, 302.0), (501.0, 296.0)]
    spots = [_place_label(x, y, n, placed, 960.0, 760.0) for (x, y), n in zip(points, names)]
    boxes = [(x, y - LABEL_PX, x + _label_width(n), y + 2) for (x, y), n in zip(spots, names)]
    for i in range(len(boxes)):
        for j in range(i):
            a, b = boxes[i], boxes[j]
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (names[i], names[j])
    for (x, y), (px, py) in zip(spots, points):  # each label stays near its community
        assert abs(y - py) <= 6 + 14 * 5 and abs(x - px) <= 8 + 11 * 8 + 40
