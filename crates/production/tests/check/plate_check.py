"""Independent check of a laser plate: its G-code read with gcodeparser (modal position, power and
laser state followed here), each laser-on move assigned to the slot of plate.json that holds both
its ends, and its DXF opened with ezdxf with every vertex on the bed.

Usage: plate_check.py PLATE_DIR → JSON {moves, outside, per_slot, overlapping_slots, dxf_outside}.
"""
import json, os, sys
import ezdxf
from gcodeparser import parse_gcode_lines

d = sys.argv[1]
plate = json.load(open(os.path.join(d, "plate.json")))
slots = [p["slot_mm"] for p in plate["placed"]]
eps = 1e-3

def inside(p, s):
    return s[0] - eps <= p[0] <= s[0] + s[2] + eps and s[1] - eps <= p[1] <= s[1] + s[3] + eps

x = y = s = 0.0
laser = False
moves = outside = 0
per_slot = [0] * len(slots)
for line in parse_gcode_lines(open(os.path.join(d, "plate.gcode")).read()):
    letter, number = line.command
    p = line.params
    if "S" in p:
        s = float(p["S"])
    if letter == "M" and number in (3, 4):
        laser = True
    if letter == "M" and number == 5:
        laser = False
    if letter == "G" and number in (0, 1):
        nx, ny = float(p.get("X", x)), float(p.get("Y", y))
        if number == 1 and laser and s > 0:
            moves += 1
            hit = [i for i, sl in enumerate(slots) if inside((x, y), sl) and inside((nx, ny), sl)]
            if hit:
                per_slot[hit[0]] += 1
            else:
                outside += 1
        x, y = nx, ny

overlap = 0
for i in range(len(slots)):
    for j in range(i + 1, len(slots)):
        a, b = slots[i], slots[j]
        if a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]:
            overlap += 1

w, h = plate["bed_mm"]
doc = ezdxf.readfile(os.path.join(d, "plate.dxf"))
dxf_outside = 0
for e in doc.modelspace():
    for vx, vy, *_ in e.get_points():
        if not (-eps <= vx <= w + eps and -eps <= vy <= h + eps):
            dxf_outside += 1
print(json.dumps({"moves": moves, "outside": outside, "per_slot": per_slot, "overlapping_slots": overlap, "dxf_outside": dxf_outside}))
