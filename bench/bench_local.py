"""Benchmark of the local backend (run by hand, not in CI): ``generate`` for 550 grids.

Builds a synthetic configuration in a temporary folder — 550 structures of
8 respondents each, spread over 11 collectifs — around the example
référentiel, then measures:

- ``generate`` inside this process: wall time and peak memory (maxrss of this
  process; each of the 2 workers holds one grid at a time);
- a second ``generate`` (nothing to do) and ``generate --upgrade`` on
  up-to-date grids;
- the ``capsync generate`` command's wall time, in a fresh data folder.

Usage::

    /work/venv/bin/python bench/bench_local.py [--structures 550]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TYPES = ["AI", "ACI", "EI", "ETTI", "EBE", "GES"]
ROLES = ["direction", "permanent", "permanent", "administrateur", "administrateur"]
ROLES += ["salarie_parcours", "salarie_parcours", "permanent"]


def synthetic_config(folder: Path, n_structures: int) -> Path:
    """Write a configuration of ``n_structures`` structures next to a copy of the référentiel."""
    shutil.copy(ROOT / "referentiel" / "cap-rse-exemple.yaml", folder / "referentiel.yaml")
    base = yaml.safe_load((ROOT / "config" / "capsync.yaml").read_text(encoding="utf-8"))
    calendar = base["collectives"][0]["calendar"]
    collectives = []
    per = 50
    for c in range(0, n_structures, per):
        structures = [
            {
                "id": f"structure-{i:04d}",
                "name": f"Structure {i}",
                "type": TYPES[i % len(TYPES)],
                "respondents": [{"name": f"Personne {i} {k}", "role": ROLES[k]} for k in range(8)],
            }
            for i in range(c, min(c + per, n_structures))
        ]
        collectives.append(
            {
                "id": f"collectif-{c // per + 1:02d}",
                "name": f"Collectif {c // per + 1}",
                "region": "Nouvelle-Aquitaine",
                "delegates": base["collectives"][0]["delegates"],
                "structures": structures,
                "calendar": calendar,
            }
        )
    config = {
        "backend": {"kind": "local", "data_dir": "data"},
        "referentiel": "referentiel.yaml",
        "settings": base.get("settings", {}),
        "collectives": collectives,
    }
    path = folder / "capsync.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--structures", type=int, default=550)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    from capsync.campaign.validation import load_campaign
    from capsync.jobs.generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = synthetic_config(folder, args.structures)
        t0 = time.perf_counter()
        campaign = load_campaign(config)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        now = dt.datetime.now()  # a script, like the CLI, reads the clock and passes it on
        summary = generate(campaign, workers=args.workers, now=now)
        t_gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = generate(campaign, now=now)
        t_again = time.perf_counter() - t0
        t0 = time.perf_counter()
        upgrade = generate(campaign, upgrade=True, workers=args.workers, now=now)
        t_upgrade = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (folder / "data").rglob("*.xlsx"))
        print(f"structures: {args.structures}, grids written: {summary.written}")
        print(f"load_campaign: {t_load:.2f} s")
        print(f"generate (in process): {t_gen:.2f} s, {size / 1e6:.1f} MB of .xlsx")
        print(f"second generate (nothing to do): {t_again:.3f} s, written {again.written}")
        print(f"generate --upgrade (all up to date): {t_upgrade:.2f} s, written {upgrade.written}")
        print(f"peak RSS of this process: {_maxrss_mb(resource.RUSAGE_SELF):.0f} MB")
        shutil.rmtree(folder / "data")
        t0 = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "capsync"),
                "--config",
                str(config),
                "-q",
                "generate",
            ],
            check=True,
        )
        print(f"capsync generate (CLI wall time, fresh folder): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
