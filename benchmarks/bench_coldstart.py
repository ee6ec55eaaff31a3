"""Cold start: what a fresh process pays to import the package and to run the demo study.

Peers: the import of esda (which a LISA through esda needs) in a fresh process.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time


def _fresh(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def run(quick: bool = True) -> list[dict]:
    rows = []
    ours = min(_fresh("import spatialcoupling") for _ in range(3))
    peer = min(_fresh("import esda") for _ in range(3))
    rows.append(
        {
            "task": "import in a fresh process",
            "size": "-",
            "ours_s": ours,
            "peer": "import esda",
            "peer_s": peer,
            "ratio": peer / ours,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        code = (
            f"from spatialcoupling.cli import main; raise SystemExit(main(['demo', '--out', r'{tmp}/demo', '--quiet']))"
        )
        demo = _fresh(code)
    rows.append(
        {
            "task": "spatialcoupling demo (cold, whole study)",
            "size": "29 x 16",
            "ours_s": demo,
            "peer": "target 30 s",
            "peer_s": 30.0,
            "ratio": 30.0 / demo,
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
