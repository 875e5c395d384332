"""Benchmark of ``pull`` (run by hand, not in CI): 550 filled grids of 8 respondents.

Builds the synthetic campaign of ``bench_local.py`` (550 structures, 8
respondents each, 11 collectifs) around the example référentiel, writes one
grid per structure type with capsync, fills it with openpyxl as people would
(every respondent and the « Niveau retenu » of every criterion, in varied
spellings, justifications, plan de progrès rows), then copies it for every
structure of that type, rewriting only the identity strings inside the .xlsx.

Then measures, each in a fresh process so that peak memory is its own:

- a cold ``pull`` of the 550 grids (empty store), inside the process: time, peak RSS
  of the process and of its worker processes;
- a ``pull`` where nothing changed, inside the process;
- the ``capsync pull`` command's wall time, cold and with nothing changed;
- a plain openpyxl read-only pass and a bare python-calamine read of the same files.

Usage::

    /work/venv/bin/python bench/bench_pull.py [--structures 550] [--workers N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_local import synthetic_config


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _rewrite_identity(template: Path, target: Path, replace: dict[str, str]) -> None:
    """Copy an .xlsx, replacing exact cell texts (the identity's collectif and structure)."""
    with (
        zipfile.ZipFile(template) as src,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/") or item.filename.endswith("Strings.xml"):
                for old, new in replace.items():
                    data = data.replace(f"<t>{old}</t>".encode(), f"<t>{new}</t>".encode())
            dst.writestr(item, data)


def _fill(path: Path, seed: int) -> None:
    import openpyxl

    rnd = random.Random(seed)
    spellings = [
        "0 - Non engagé", "1 - Émergent", "2 - Structuré", "3 - Maîtrisé", "4 - Exemplaire",
        3, 2.0, "1", "maîtrisé", "Non applicable", "Ne sait pas", "NA", "?",
    ]  # fmt: skip
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if not ws.title.startswith("Chapitre"):
            continue
        keys = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
        level_cols = [c for k, c in keys.items() if k and (k.startswith("r:") or k == "retenu")]
        for row in range(4, ws.max_row + 1):
            for col in level_cols:
                ws.cell(row, col).value = rnd.choice(spellings)
            if row % 3 == 0:
                ws.cell(row, keys["justification"]).value = f"Preuve : compte rendu n°{row}"
    plan = wb["Plan de progrès"]
    at = {plan.cell(2, c).value: c for c in range(1, plan.max_column + 1)}  # its key row
    for i in range(5):
        plan.cell(4 + i, at["critere"]).value = "1.1.1"
        plan.cell(4 + i, at["action"]).value = f"Action de progrès {i}"
        plan.cell(4 + i, at["echeance"]).value = "15/03/2026" if i % 2 else dt.datetime(2026, 6, 30)
        plan.cell(4 + i, at["statut"]).value = "à faire"
    wb.save(path)


def build(folder: Path, n_structures: int) -> Path:
    """The synthetic campaign with every grid filled; return the configuration path."""
    from capsync.backends.local import LocalBackend
    from capsync.campaign.validation import load_campaign
    from capsync.layout.grid import grid_spec
    from capsync.workbook.refs import Kind, WorkbookRef

    config = synthetic_config(folder, n_structures)
    campaign = load_campaign(config)
    backend = LocalBackend(campaign.data_dir)
    templates: dict[str, tuple[Path, str, str]] = {}
    for coll in campaign.config.collectives:
        for s in coll.structures:
            ref = WorkbookRef(coll.id, Kind.GRID, s.id)
            target = backend.path(ref)
            target.parent.mkdir(parents=True, exist_ok=True)
            if s.type not in templates:
                backend.write(
                    ref, grid_spec(campaign.referentiel, coll, s, campaign.config.settings)
                )
                _fill(target, seed=len(templates))
                templates[s.type] = (target, coll.id, s.id)
                continue
            template, t_coll, t_id = templates[s.type]
            _rewrite_identity(template, target, {t_id: s.id, t_coll: coll.id})
    return config


def measure(kind: str, config: Path, workers: int | None) -> dict[str, float]:
    """One measurement, in this (fresh) process."""
    result: dict[str, float] = {}
    if kind in ("cold", "unchanged"):
        from capsync.backends.local import LocalBackend
        from capsync.campaign.validation import load_campaign
        from capsync.jobs.pull import pull
        from capsync.store.database import Store

        campaign = load_campaign(config)
        backend = LocalBackend(campaign.data_dir)
        with Store.open(campaign.data_dir) as store:
            t0 = time.perf_counter()
            report = pull(campaign, backend, store, now=dt.datetime.now(), workers=workers)
            result["seconds"] = time.perf_counter() - t0
        result.update(read=report.read, parsed=report.parsed, added=report.added,
                      anomalies=len(report.anomalies))  # fmt: skip
    else:
        files = sorted((config.parent / "data").rglob("grilles/*.xlsx"))
        t0 = time.perf_counter()
        cells = 0
        if kind == "openpyxl":
            import openpyxl

            for path in files:
                wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
                for ws in wb.worksheets:
                    for row in ws.iter_rows(values_only=True):
                        cells += len(row)
                wb.close()
        else:
            from python_calamine import CalamineWorkbook

            from capsync.workbook.grid_schema import is_calc_sheet

            for path in files:
                wb = CalamineWorkbook.from_path(str(path))
                # Every sheet a person sees, as in the rounds before the formulas moved to
                # hidden twins (December 2026): a twin holds no value until a spreadsheet
                # saves the grid, and reading it would slow this floor by the formulas
                # moved out of the pull's way (measured: +15 %), flattering the ratio.
                for name in wb.sheet_names:
                    if not is_calc_sheet(name):
                        cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python())
                wb.close()
        result["seconds"] = time.perf_counter() - t0
        result["files"] = len(files)
        result["cells"] = cells
    result["rss_mb"] = _maxrss_mb(resource.RUSAGE_SELF)
    result["children_rss_mb"] = _maxrss_mb(resource.RUSAGE_CHILDREN)
    return result


def _run(kind: str, config: Path, workers: int | None) -> dict[str, float]:
    args = [sys.executable, __file__, "--measure", kind, "--config", str(config)]
    if workers:
        args += ["--workers", str(workers)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def _cli(config: Path) -> float:
    t0 = time.perf_counter()
    cmd = [str(Path(sys.executable).parent / "capsync"), "--config", str(config), "-q", "pull"]
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--structures", type=int, default=550)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.config, args.workers)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        config = build(folder, args.structures)
        print(f"built {args.structures} filled grids in {time.perf_counter() - t0:.1f} s")
        store = folder / "data" / "capsync.sqlite"
        cold = _run("cold", config, args.workers)
        print(
            f"cold pull (in process): {cold['seconds']:.2f} s — {cold['read']:.0f} grids, "
            f"{cold['added']:.0f} answers, {cold['anomalies']:.0f} anomalies; peak RSS "
            f"{cold['rss_mb']:.0f} MB (workers {cold['children_rss_mb']:.0f} MB each at most)"
        )
        same = _run("unchanged", config, args.workers)
        print(
            f"pull with nothing changed (in process): {same['seconds'] * 1000:.0f} ms, "
            f"{same['read']:.0f} grids read; peak RSS {same['rss_mb']:.0f} MB"
        )
        print(f"capsync pull, nothing changed (CLI wall time): {_cli(config):.2f} s")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)
        print(f"capsync pull, cold (CLI wall time): {_cli(config):.2f} s")
        wal = Path(f"{store}-wal")
        size = store.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        print(f"store size after a cold pull: {size / 1e6:.1f} MB")
        plain = _run("openpyxl", config, None)
        print(f"openpyxl read-only pass: {plain['seconds']:.2f} s ({plain['cells']:.0f} cells)")
        bare = _run("calamine", config, None)
        print(f"bare python-calamine read: {bare['seconds']:.2f} s ({bare['cells']:.0f} cells)")
        shutil.rmtree(folder / "data")


if __name__ == "__main__":
    main()
