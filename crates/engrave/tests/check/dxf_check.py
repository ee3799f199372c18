"""Independent DXF check (ezdxf): the file opens, is in mm, and every vertex lies in the zone.
Usage: dxf_check.py FILE ZONE_W ZONE_H  → prints JSON {entities, vertices, outside, units}."""
import json, sys
import ezdxf

doc = ezdxf.readfile(sys.argv[1])
w, h, eps = float(sys.argv[2]), float(sys.argv[3]), 1e-6
entities = vertices = outside = 0
for e in doc.modelspace():
    entities += 1
    if e.dxftype() != "LWPOLYLINE":
        raise SystemExit(f"unexpected entity {e.dxftype()}")
    for x, y in e.vertices():
        vertices += 1
        if not (-eps <= x <= w + eps and -eps <= y <= h + eps):
            outside += 1
print(json.dumps({"entities": entities, "vertices": vertices, "outside": outside, "units": doc.header.get("$INSUNITS")}))
