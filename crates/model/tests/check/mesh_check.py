"""Independent check of STL files with trimesh: for each file, is it watertight, is its winding
consistent, its volume and its number of bodies. Prints one JSON object per file.

Usage: python3 mesh_check.py FILE.stl...
"""
import json
import sys

import trimesh

for path in sys.argv[1:]:
    mesh = trimesh.load_mesh(path, file_type="stl")
    print(json.dumps({
        "file": path,
        "watertight": bool(mesh.is_watertight),
        "winding_consistent": bool(mesh.is_winding_consistent),
        "volume": float(mesh.volume),
        "bodies": len(mesh.split(only_watertight=False)),
        "triangles": int(len(mesh.faces)),
    }))
