"""Independent check of a job bag, read with other people's code: the zip opened with zipfile,
the manifest's SHA-256 recomputed with hashlib, the assembly sheet read with pdfplumber (its text,
and the SKU column of the assembly table top to bottom, page after page), the 3MF's XML read for
its build items' part numbers, and the STL weighed with trimesh.

Usage: job_check.py JOB.zip OUT_DIR → JSON on standard output; the files are extracted to OUT_DIR.
"""
import hashlib, io, json, sys, zipfile
import xml.etree.ElementTree as ET

import pdfplumber

zpath, out = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(zpath)
z.extractall(out)
manifest = json.loads(z.read("manifest.json"))
report = {"files": sorted(z.namelist()), "hash_mismatch": [], "unlisted": []}
for name in z.namelist():
    if name == "manifest.json":
        continue
    want = manifest["files"].get(name)
    if want is None:
        report["unlisted"].append(name)
    elif hashlib.sha256(z.read(name)).hexdigest() != want:
        report["hash_mismatch"].append(name)
report["missing"] = [n for n in manifest["files"] if n not in z.namelist()]

with pdfplumber.open(io.BytesIO(z.read("assembly.pdf"))) as pdf:
    report["pages"] = len(pdf.pages)
    texts, skus = [], []
    in_table, sku_x = False, None
    for page in pdf.pages:
        texts.append(page.extract_text() or "")
        lines = {}
        for w in page.extract_words(keep_blank_chars=True, x_tolerance=1.5):
            lines.setdefault(round(w["top"]), []).append(w)
        for top in sorted(lines):
            words = sorted(lines[top], key=lambda w: w["x0"])
            line = " ".join(w["text"] for w in words)
            if line.startswith("Assembly, in order"):
                in_table = True
                continue
            if in_table and line.startswith(("Texts, exactly as typed", "Pick list")):
                in_table = False
            if not in_table:
                continue
            head = [w for w in words if w["text"].strip() == "SKU"]
            if head:
                sku_x = head[0]["x0"]
                continue
            if sku_x is not None:
                for w in words:
                    if abs(w["x0"] - sku_x) < 1.0:
                        skus.append(w["text"].strip())
    report["text"] = "\n".join(texts)
    report["assembly_skus"] = skus

parts = []
for name in z.namelist():
    if name.endswith(".3mf"):
        inner = zipfile.ZipFile(io.BytesIO(z.read(name)))
        model = next(n for n in inner.namelist() if n.endswith(".model"))
        root = ET.fromstring(inner.read(model))
        for item in root.iter():
            if item.tag.endswith("}item"):
                parts.append(item.get("partnumber"))
report["threemf_partnumbers"] = parts

stl = [n for n in z.namelist() if n.endswith(".stl")]
if stl:
    import trimesh
    mesh = trimesh.load_mesh(io.BytesIO(z.read(stl[0])), file_type="stl")
    report["stl"] = {"watertight": bool(mesh.is_watertight), "volume_mm3": float(mesh.volume)}
print(json.dumps(report))
