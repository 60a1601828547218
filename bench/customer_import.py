"""Customer import: rows per second into the embedded HTTP DynamoDB, and peak memory by file size.

* Rows/s: a generated CSV file of ROWS_HTTP valid rows loaded by ``ivr customers import`` — the
  operators' CLI, the import function's own code path — into a local stack over HTTP (moto's
  server, in its own process, as `make run` starts it). moto's server is the slow part here;
  DynamoDB itself takes BatchWriteItem far faster.
* Peak memory: the same pipeline (read, decode, validate, hash, batch) over generated files of
  100,000 and 1,000,000 rows, each in a fresh process, with the batches handed to a store that
  keeps nothing (1,000,000 rows through moto's server would take most of an hour). The file is
  streamed, so the peak should not grow with the file: the two figures side by side show it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]  # the simulator package, when run as bench/customer_import.py
ROWS_HTTP = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
#: The issue's sizes (100,000 and 1,000,000 rows) with BENCH_IMPORT_FULL=1: validating a number
#: with phonenumbers costs about 0.3 ms, so the million-row file alone takes minutes; by default
#: a 10x step at a smaller size shows the same thing (peak memory flat in the file size).
MEMORY_SIZES = (100_000, 1_000_000) if os.environ.get("BENCH_IMPORT_FULL") else (20_000, 200_000)


def write_file(path: Path, rows: int) -> None:
    """``rows`` valid rows: numbers +1 312 2xx xxxx are valid for phonenumbers and used by no test
    (a bench file never reaches a phone)."""
    with path.open("w") as out:
        out.write("phone,name,email,balance,timezone,national_id_last4,postal_code\n")
        for n in range(rows):
            out.write(
                f"+1312{2000000 + n % 8_000_000},Customer {n},c{n}@example.com,"
                f"{n % 997}.{n % 100:02d},America/Chicago,{n % 10000:04d},{60601 + n % 90}\n"
            )


_MEMORY_PROBE = r"""
import resource, sys, time, tracemalloc
sys.path[:0] = [sys.argv[2], sys.argv[2] + "/lambdas"]
from datetime import UTC, datetime
from ivr.customers.importing import (
    CsvReport, FileFormat, ImportSettings, import_customers, read_rows)

class Discard:
    def profiles(self, phones):
        return {}
    def write(self, new, changed, *, source_time):
        return len(new) + len(changed)

tracemalloc.start()
started = time.perf_counter()
config = ImportSettings(pepper=b"bench" * 8, region="US", default_timezone="America/Chicago",
                        source_time=datetime.now(UTC))
rejected = CsvReport()
with open(sys.argv[1], "rb") as stream:
    report = import_customers(read_rows(stream, FileFormat.CSV), store=Discard(),
                              rejected=rejected, config=config)
seconds = time.perf_counter() - started
_, peak = tracemalloc.get_traced_memory()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{report.read} {report.rejected} {peak} {rss} {seconds}")
"""


def memory(path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(path), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    read, rejected, peak, rss, seconds = (
        int(out[0]),
        int(out[1]),
        int(out[2]),
        int(out[3]),
        float(out[4]),
    )
    assert rejected == 0, f"{rejected} rows rejected in the bench file"
    return {
        "rows": read,
        "peakPythonMiB": peak / 2**20,
        "maxRssMiB": rss / 1024,
        "rowsPerSecond": read / seconds,
    }


def http_rows_per_second(path: Path) -> dict[str, Any]:
    from simulator.stack_process import stack_in_a_process

    with stack_in_a_process() as port:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "simulator", "customers", "import", str(path)]
            + ["--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
    # The CLI's own figure: from the first row read to the last batch written (no start-up).
    rows_per_second = float(result.stdout.split("(")[1].split(" rows/s")[0].replace(",", ""))
    return {
        "rows": ROWS_HTTP,
        "commandSeconds": seconds,
        "rowsPerSecond": rows_per_second,
        "cli": result.stdout.strip(),
    }


def main() -> None:
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        http_file = Path(folder) / "customers.csv"
        write_file(http_file, ROWS_HTTP)
        http = http_rows_per_second(http_file)
        figures["httpImport"] = http
        print(
            f"customer import into the embedded HTTP DynamoDB: {http['rowsPerSecond']:,.0f} "
            f"rows/s over {http['rows']:,} rows ({http['commandSeconds']:.1f} s for the whole "
            "command, start-up included)"
        )
        print("customer import pipeline, peak memory by file size (file streamed):")
        for rows in MEMORY_SIZES:
            path = Path(folder) / f"customers-{rows}.csv"
            write_file(path, rows)
            figure = memory(path)
            path.unlink()
            figures[f"memory{rows}"] = figure
            print(
                f"  {rows:>9,} rows: peak Python heap {figure['peakPythonMiB']:.1f} MiB, "
                f"max RSS {figure['maxRssMiB']:.0f} MiB, {figure['rowsPerSecond']:,.0f} rows/s"
            )
    out = ROOT / "test-output" / "bench-customer-import.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
