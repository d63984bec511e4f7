"""Approximate geography of the simulated Karabakh region: district centres, outline, former front line,
rivers.

Coordinates are (longitude, latitude) in degrees, WGS84 (EPSG:4326), taken from FACTS.md "Geography" and
good to
about +/- 0.05 degrees: enough for a plausible landscape, never survey-grade. Nothing here is a mine location.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ARAZ",
    "DISTRICTS",
    "FRONT_LINE",
    "HORADIZ",
    "OUTLINE",
    "RIVERS",
    "District",
]


@dataclass(frozen=True)
class District:
    """A district of the region: English, Azerbaijani and Russian names, code and centre (lon, lat;
    degrees)."""

    name: str
    name_az: str
    name_ru: str
    code: str
    lon: float
    lat: float
    highland: bool = False


DISTRICTS: tuple[District, ...] = (
    District("Aghdam", "Ağdam", "Агдам", "AZ-AGM", 46.93, 39.99),
    District("Aghdara", "Ağdərə", "Агдере", "AZ-AGR", 46.81, 40.22),
    District("Fuzuli", "Füzuli", "Физули", "AZ-FUZ", 47.15, 39.60),
    District("Gubadli", "Qubadlı", "Губадлы", "AZ-QBI", 46.58, 39.34),
    District("Jabrayil", "Cəbrayıl", "Джебраил", "AZ-CAB", 47.03, 39.40),
    District("Kalbajar", "Kəlbəcər", "Кельбаджар", "AZ-KAL", 46.04, 40.11, True),
    District("Khankendi", "Xankəndi", "Ханкенди", "AZ-XA", 46.75, 39.82),
    District("Khojaly", "Xocalı", "Ходжалы", "AZ-XCI", 46.79, 39.91),
    District("Khojavend", "Xocavənd", "Ходжавенд", "AZ-XVD", 47.11, 39.79),
    District("Lachin", "Laçın", "Лачин", "AZ-LAC", 46.55, 39.64, True),
    District("Shusha", "Şuşa", "Шуша", "AZ-SUS", 46.75, 39.76),
    District("Tartar", "Tərtər", "Тертер", "AZ-TAR", 46.93, 40.34),
    District("Zangilan", "Zəngilan", "Зангелан", "AZ-ZAN", 46.66, 39.09),
)

#: ANAMA's operational centre (lon, lat), on the former front line's southern end.
HORADIZ: tuple[float, float] = (47.34, 39.45)

#: A plausible outline of the simulated region (lon, lat), closed implicitly; not an official boundary.
OUTLINE: tuple[tuple[float, float], ...] = (
    (45.62, 40.05),
    (45.80, 40.32),
    (46.10, 40.40),
    (46.55, 40.42),
    (46.95, 40.50),
    (47.20, 40.40),
    (47.25, 40.10),
    (47.30, 39.85),
    (47.50, 39.62),
    (47.48, 39.47),
    (47.20, 39.35),
    (47.00, 39.22),
    (46.80, 39.10),
    (46.62, 38.88),
    (46.50, 38.95),
    (46.45, 39.20),
    (46.40, 39.50),
    (46.38, 39.70),
    (46.20, 39.80),
    (45.95, 39.85),
    (45.75, 39.92),
)

#: The former line of contact (1994-2020), north-west to south-east (lon, lat).
FRONT_LINE: tuple[tuple[float, float], ...] = (
    (46.00, 40.25),
    (46.30, 40.27),
    (46.60, 40.26),
    (46.70, 40.28),
    (46.85, 40.27),
    (46.92, 40.20),
    (46.97, 40.10),
    (47.02, 39.98),
    (47.05, 39.88),
    (47.10, 39.78),
    (47.18, 39.70),
    (47.23, 39.60),
    (47.26, 39.52),
    (47.30, 39.45),
)

#: The Araz river along the southern edge, west to east (lon, lat).
ARAZ: tuple[tuple[float, float], ...] = (
    (46.60, 38.90),
    (46.70, 39.00),
    (46.81, 39.12),
    (47.00, 39.24),
    (47.20, 39.37),
    (47.35, 39.44),
    (47.49, 39.50),
)

#: Other rivers (name, vertices west/upstream to east/downstream), approximate.
RIVERS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("Araz", ARAZ),
    ("Tartar", ((45.85, 40.12), (46.10, 40.18), (46.45, 40.22), (46.75, 40.30), (47.00, 40.38))),
    ("Hakari", ((46.45, 39.85), (46.55, 39.62), (46.58, 39.40), (46.63, 39.20), (46.70, 39.02))),
    ("Gargar", ((46.70, 39.78), (46.85, 39.88), (47.00, 39.95), (47.20, 40.02))),
    ("Kondalanchay", ((46.95, 39.75), (47.05, 39.65), (47.12, 39.50), (47.20, 39.37))),
)
