"""Coordinates as phones' map apps want them. A browser gives WGS-84; Chinese map apps (Amap,
Tencent) draw GCJ-02, the offset datum of GB/T 20263, which is public in its well-known
approximation below. Outside China there is no offset. No tiles: only links the phone opens in
its own map app."""

import math
from urllib.parse import quote, urlencode

# Krasovsky 1940, the ellipsoid the transform is defined on.
A = 6378245.0
EE = 0.00669342162296594323


def outside_china(lat, lng):
    """The rough box the transform applies to; everything outside it keeps its WGS-84 value."""
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _lat_shift(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _lng_shift(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat, lng):
    """(lat, lng) from a GPS (WGS-84) as GCJ-02, the datum Chinese map apps draw in."""
    if outside_china(lat, lng):
        return lat, lng
    d_lat = _lat_shift(lng - 105.0, lat - 35.0)
    d_lng = _lng_shift(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lng + d_lng


def geo_uri(lat, lng, label=""):
    """RFC 5870 `geo:` (WGS-84): Android opens the phone's own map app on it."""
    uri = f"geo:{lat:.6f},{lng:.6f}"
    if label:
        uri += f"?q={lat:.6f},{lng:.6f}({quote(label)})"
    return uri


def amap_marker(lat, lng, label=""):
    """Amap's marker link (opens its app when installed, else its mobile page), in GCJ-02."""
    g_lat, g_lng = wgs84_to_gcj02(lat, lng)
    query = {"position": f"{g_lng:.6f},{g_lat:.6f}", "coordinate": "gaode", "callnative": 1}
    if label:
        query["name"] = label
    query["src"] = "linli"
    return "https://uri.amap.com/marker?" + urlencode(query, safe=",")


def parse_point(lat, lng):
    """Decimal degrees as typed or sent by a browser: (lat, lng), or None when either is missing,
    not a number or out of range."""
    try:
        point = float(lat), float(lng)
    except (TypeError, ValueError):
        return None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):  # NaN fails too
        return None
    return point
