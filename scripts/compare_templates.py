#!/usr/bin/env python3
"""Compare the templates of two cloud assemblies, ignoring what legitimately differs between a
TypeScript and a Python synthesis: asset hashes, metadata (construct paths, cdk-nag audit trail) and
the CDKMetadata resource (which records the language).

usage: compare_templates.py TS_ASSEMBLY_DIR PY_ASSEMBLY_DIR
Exit status 0 when every stack of the first assembly exists in the second with an equal template.
"""
import difflib
import json
import re
import sys
from pathlib import Path

ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def normalize(node):
    if isinstance(node, dict):
        return {k: normalize(v) for k, v in node.items() if k != "Metadata"}
    if isinstance(node, list):
        return [normalize(v) for v in node]
    if isinstance(node, str):
        return ASSET_HASH.sub("<asset-hash>", node)
    return node


def load(path: Path):
    template = json.loads(path.read_text())
    template.get("Resources", {}).pop("CDKMetadata", None)
    template.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    return normalize(template)


def main(ts_dir: str, py_dir: str) -> int:
    ts_templates = sorted(Path(ts_dir).glob("*.template.json"))
    if not ts_templates:
        print(f"no templates in {ts_dir}")
        return 1
    failed = 0
    for ts_path in ts_templates:
        py_path = Path(py_dir) / ts_path.name
        if not py_path.exists():
            print(f"DIFFERENT {ts_path.name}: missing from {py_dir}")
            failed += 1
            continue
        ts, py = load(ts_path), load(py_path)
        if ts == py:
            print(f"EQUAL     {ts_path.name} ({len(ts.get('Resources', {}))} resources)")
            continue
        failed += 1
        print(f"DIFFERENT {ts_path.name}")
        a = json.dumps(ts, indent=1, sort_keys=True).splitlines()
        b = json.dumps(py, indent=1, sort_keys=True).splitlines()
        sys.stdout.writelines(line + "\n" for line in difflib.unified_diff(a, b, "typescript", "python", lineterm="", n=2))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
