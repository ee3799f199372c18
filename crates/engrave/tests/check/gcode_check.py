"""Independent G-code check (gcodeparser): follows the modal position and power and reports the
laser-on moves that leave the zone. Usage: gcode_check.py FILE ZONE_W ZONE_H → JSON."""
import json, sys
from gcodeparser import parse_gcode_lines

w, h, eps = float(sys.argv[2]), float(sys.argv[3]), 1e-6
x = y = 0.0
s = 0.0
laser = False
burn = outside = moves = 0
units = absolute = False
for line in parse_gcode_lines(open(sys.argv[1]).read()):
    letter, number = line.command
    p = line.params
    if "S" in p:
        s = float(p["S"])
    if (letter, number) == ("G", 21):
        units = True
    if (letter, number) == ("G", 90):
        absolute = True
    if letter == "M" and number in (3, 4):
        laser = True
    if letter == "M" and number == 5:
        laser = False
    if letter == "G" and number in (0, 1):
        nx, ny = float(p.get("X", x)), float(p.get("Y", y))
        moves += 1
        if number == 1 and laser and s > 0:
            burn += 1
            for px, py in ((x, y), (nx, ny)):
                if not (-eps <= px <= w + eps and -eps <= py <= h + eps):
                    outside += 1
        x, y = nx, ny
print(json.dumps({"moves": moves, "burn": burn, "outside": outside, "mm": units, "absolute": absolute}))
