"""The self-contained HTML report: content, escaping, no external resources, and a real
render in headless Chromium (page loads, script runs, the map is drawn)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
import shapely

from siting.analysis.figures import plan_figures
from siting.api import solve_instance
from siting.core.instance import Instance
from siting.io.outputs import write_report
from siting.plan import Outcome
from siting.report.html import report_html
from siting.report.mapsvg import MapData, map_svg
from siting.report.svg import CLASS_COLOURS

ORIGIN = np.array([500000.0, 3350000.0])
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NASTY = '<script>alert("x")</script> & "quoted" \'single\''


def tiny_outcome() -> Outcome:
    """A solved tiny instance (8 communities, 14 spaces) with a nasty community name."""
    rng = np.random.default_rng(1)
    nc, ns = 8, 14
    inst = Instance.from_arrays(
        community_xy=rng.uniform(0, 1500, (nc, 2)) + ORIGIN, households=rng.integers(300, 1200, nc),
        residents=rng.uniform(50, 400, (nc, 7)), space_xy=rng.uniform(0, 1500, (ns, 2)) + ORIGIN,
        space_area_m2=rng.uniform(300, 1500, ns), retrofit_cny_per_m2=3000.0, acquisition_cny=1e5,
        existing_m2={"reading_room": rng.uniform(0, 100, nc)}, name="tiny <report> & co")
    inst.communities.loc[0, "name"] = NASTY  # names are data: they must come out escaped
    out = solve_instance(inst, inst.settings.solver.model_copy(update={"time_limit_s": 20}))
    assert out.plan is not None and out.evaluation is not None and out.plan.n_taken > 0
    return out


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    return tiny_outcome()


@pytest.fixture(scope="module")
def written(outcome, tmp_path_factory) -> Path:
    return write_report(outcome, tmp_path_factory.mktemp("report") / "report.html")


def test_report_is_self_contained_and_escaped(outcome, written):
    text = written.read_text(encoding="utf-8")
    assert text == report_html(outcome, plan_figures(outcome))
    assert "http://" not in text and "https://" not in text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?!#)[^"'\s>]""", text, re.I)  # nothing fetched
    assert not re.search(r"<(?:link|iframe|img|object|embed)\b|@import|url\(", text, re.I)
    assert NASTY not in text and "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;" in text
    assert "tiny &lt;report&gt; &amp; co" in text
    assert text.count("<script>") == 1  # only our inline script
    inst, plan = outcome.instance, outcome.plan
    assert text.count('class="feature community"') == inst.n_communities
    assert len(re.findall(r'class="feature space(?: hub)?"', text)) == plan.n_taken
    assert text.count('class="feature walk-circle"') == plan.n_taken
    assert text.count('class="feature candidate"') == inst.n_spaces - plan.n_taken
    assert text.count('class="feature space hub"') == len(set(plan.hub_space[plan.hub_space >= 0].tolist()))
    for needle in ("Key figures", "Map of the plan", "Coverage of demand by service", "2SFCA accessibility",
                   "Health-check base index", "health check (our reading)", 'id="solver-details"',
                   outcome.result.status.value, "Lexicographic stages"):
        assert needle in text


def test_write_report_is_atomic(outcome, tmp_path, monkeypatch):
    path = tmp_path / "report.html"
    path.write_text("old", encoding="utf-8")
    import siting.io.atomic as atomic

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_report(outcome, path)
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left behind


def test_report_without_a_plan(outcome):
    from dataclasses import replace

    from siting.core.results import SolveStatus

    bare = Outcome(outcome.instance, replace(outcome.result, status=SolveStatus.NO_SOLUTION, values=None,
                                             message="time limit <reached>"), None, None, 0.1, {}, outcome.options)
    text = report_html(bare, plan_figures(bare))
    assert "No plan" in text and "time limit &lt;reached&gt;" in text
    assert text.count('class="feature community"') == outcome.instance.n_communities
    assert 'class="feature space' not in text


def test_polygon_communities_are_paths():
    polys = np.array([shapely.box(0, 0, 100, 100), shapely.MultiPolygon([shapely.box(200, 0, 300, 80),
                                                                         shapely.box(320, 0, 400, 80)])])
    md = MapData(community_geom=polys, community_id=["A", "B"], community_tip=["a", "b"],
                 community_ratios={"k": np.array([0.3, 1.2])}, space_xy=np.array([[50.0, 50.0]]), space_id=["S"],
                 space_area=np.array([500.0]), space_tip=["s"], space_is_hub=np.array([True]),
                 circle_radius_m=np.array([80.0]))
    svg = map_svg(md, "k")
    paths = re.findall(r'<path class="feature community"[^>]*>', svg)
    assert len(paths) == 2 and paths[1].count("M") == 2  # a multipolygon is one path with two rings
    assert f'fill="{CLASS_COLOURS[0]}"' in paths[0] and f'fill="{CLASS_COLOURS[-1]}"' in paths[1]


# ---- headless Chromium ----------------------------------------------------------------------

def _png_rgb(data: bytes) -> np.ndarray:
    """Decode an 8-bit, non-interlaced RGB/RGBA PNG (what Chromium writes) to [h, w, 3] uint8.

    Every PNG filter reads only the left, upper and upper-left bytes, so the pixels of one
    anti-diagonal are independent: unfilter diagonal by diagonal with numpy.
    """
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, head = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    w, h, depth, colour, _, _, interlace = head
    assert depth == 8 and interlace == 0 and colour in (2, 6), f"unsupported PNG {head}"
    bpp = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(h, 1 + w * bpp)
    filt = raw[:, 0].astype(np.int64)
    R = raw[:, 1:].reshape(h, w, bpp).astype(np.int64)
    X = np.zeros((h + 1, w + 1, bpp), np.int64)  # one row / column of zeros before the image
    for d in range(h + w - 1):
        r = np.arange(max(0, d - w + 1), min(h, d + 1))
        i = d - r
        a, b, c = X[r + 1, i], X[r, i + 1], X[r, i]
        p = a + b - c
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        f = filt[r][:, None]
        pred = np.select([f == 1, f == 2, f == 3, f == 4], [a, b, (a + b) // 2, paeth], 0)
        X[r + 1, i + 1] = (R[r, i] + pred) & 255
    return X[1:, 1:, :3].astype(np.uint8)


def test_png_decoder_round_trip():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (5, 7, 3)).astype(np.int64)
    rows = []
    for y in range(5):  # encode each row with a different filter
        f, cur = y % 5, img[y].ravel()
        prev = img[y - 1].ravel() if y else np.zeros_like(cur)
        left = np.r_[np.zeros(3, np.int64), cur[:-3]]
        ul = np.r_[np.zeros(3, np.int64), prev[:-3]]
        p = left + prev - ul
        pa, pb, pc = np.abs(p - left), np.abs(p - prev), np.abs(p - ul)
        paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, ul))
        pred = [0 * cur, left, prev, (left + prev) // 2, paeth][f]
        rows.append(bytes([f]) + bytes(((cur - pred) & 255).astype(np.uint8)))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 7, 5, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
    np.testing.assert_array_equal(_png_rgb(png), img.astype(np.uint8))


def _chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
           f"--user-data-dir={tmp / 'profile'}", "--window-size=1400,1000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, env={**os.environ, "HOME": str(tmp)})


def test_report_renders_in_headless_chromium(browser, outcome, written, tmp_path):
    url = written.resolve().as_uri()
    dom = _chromium(["--dump-dom", url], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [ln for ln in dom.stderr.splitlines() if ":CONSOLE" in ln]
    assert not console, console  # the report logs nothing: any console line is an error or a warning
    body = re.search(r"<body([^>]*)>", dom.stdout).group(1)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body))
    inst, plan = outcome.instance, outcome.plan
    assert attrs.get("data-ready") == "1", "the report's script did not run to the end"
    assert int(attrs["data-communities-drawn"]) == inst.n_communities
    assert int(attrs["data-spaces-drawn"]) == plan.n_taken
    assert int(attrs["data-circles-drawn"]) == plan.n_taken
    bw, bh = (int(v) for v in attrs["data-map-bbox"].split("x"))
    assert bw > 100 and bh > 100, "communities layer has no extent"
    assert dom.stdout.count('class="feature community"') == inst.n_communities
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:""", dom.stdout)

    shot = tmp_path / "shot.png"
    run = _chromium([f"--screenshot={shot}", url], tmp_path)
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    img = _png_rgb(shot.read_bytes())
    assert img.shape[:2] == (1000, 1400)
    assert img.reshape(-1, 3).std(axis=0).max() > 10, "screenshot is blank"
    # the map region (as laid out in the same window) is really drawn: many colours, and
    # pixels of the community classes' colours
    x, y, w, h = (int(v) for v in attrs["data-map-rect"].split(","))
    crop = img[max(y, 0):min(y + h, img.shape[0]), max(x, 0):min(x + w, img.shape[1])].reshape(-1, 3)
    assert len(crop) > 100 * 100, "map not in the first screen"
    colours = np.unique(crop, axis=0)
    assert len(colours) > 30
    bg = np.array([247, 247, 242])
    assert (np.abs(crop.astype(int) - bg).sum(axis=1) > 30).mean() > 0.01
    classes = np.array([[int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in CLASS_COLOURS])
    near = np.abs(crop[:, None, :].astype(int) - classes[None, :, :]).sum(axis=2).min(axis=1) <= 12
    assert near.sum() >= 30 * inst.n_communities // 2, "community squares not visible"
