"""Demo unit tree (the Bengshan report's 宏业村街道第一社区): one district down to buildings, and a second community."""
from __future__ import annotations

from .models import Level, Unit
from .services import create_unit


def load(context: dict) -> None:
    district = create_unit("蚌山区", Level.DISTRICT)
    street = create_unit("宏业村街道", Level.STREET, parent=district)
    community = create_unit("第一社区", Level.COMMUNITY, parent=street)
    buildings: dict[tuple[str, str], Unit] = {}
    for compound_name in ("红叶小区", "湖景小区"):
        compound = create_unit(compound_name, Level.COMPOUND, parent=community)
        for building_name in ("1号楼", "2号楼", "3号楼"):
            buildings[compound_name, building_name] = create_unit(building_name, Level.BUILDING, parent=compound)
    other = create_unit("第二社区", Level.COMMUNITY, parent=street)
    other_building = create_unit("1号楼", Level.BUILDING, parent=create_unit("观湖小区", Level.COMPOUND, parent=other))
    context.update(district=district, street=street, community=community, other_community=other,
                   buildings=buildings, other_building=other_building)
