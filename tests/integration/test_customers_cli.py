"""``ivr customers`` against a running local stack (moto's HTTP server), as operators use it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.free_ports import free_port
from simulator.paths import ROOT
from simulator.stack_process import stack_in_a_process
from tests.timing import run_timed

DATA = Path(__file__).parent.parent / "data" / "customers"


@pytest.fixture(scope="module")
def stack_port() -> Iterator[int]:
    """One stack for the module (starting one takes seconds); each test uses its own numbers."""
    with stack_in_a_process() as port:
        yield port


def ivr(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "customers", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_show_unlock_and_delete_a_customer(stack_port: int) -> None:
    port = str(stack_port)
    loaded = ivr("import", str(DATA / "good.csv"), "--port", port)
    assert loaded.returncode == 0, loaded.stderr
    assert "3 rows read" in loaded.stdout and "3 new" in loaded.stdout

    shown = ivr("show", "(312) 555-0150", "--port", port)
    assert shown.returncode == 0, shown.stderr
    assert "Maria Lopez" in shown.stdout and "$1,250.75" in shown.stdout
    assert "keypad answers  on file" in shown.stdout
    for secret in ("2468", "60614", "salt", "hash"):
        assert secret not in shown.stdout

    assert ivr("unlock", "+13125550150", "--port", port).stdout.startswith("keypad unlocked")
    deleted = ivr("delete", "+13125550150", "--port", port)
    assert deleted.returncode == 0 and "payment history kept" in deleted.stdout
    gone = ivr("show", "+13125550150", "--port", port)
    assert gone.returncode == 1
    assert gone.stderr.strip() == "ivr customers: no customer with the number +13125550150"


def test_rejected_rows_still_exit_zero_and_the_report_is_written(
    stack_port: int, tmp_path: Path
) -> None:
    source = tmp_path / "mixed.csv"
    source.write_bytes((DATA / "mixed.csv").read_bytes())

    result = ivr("import", str(source), "--port", str(stack_port))

    assert result.returncode == 0, result.stderr
    assert "6 rejected" in result.stdout
    assert (tmp_path / "mixed.csv.rejected.csv").read_text().count("\n") == 7


def test_a_dry_run_writes_nothing(stack_port: int, tmp_path: Path) -> None:
    port = str(stack_port)
    source = tmp_path / "one.csv"
    source.write_text("phone,name,balance\n+13125550153,Dee Rao,12.00\n")
    result = ivr("import", str(source), "--dry-run", "--port", port)

    assert result.returncode == 0 and "1 new" in result.stdout and "would be" in result.stdout
    assert ivr("show", "+13125550153", "--port", port).returncode == 1


def test_an_unreadable_file_fails_with_one_line(stack_port: int) -> None:
    result = ivr("import", str(DATA / "no_phone_column.csv"), "--port", str(stack_port))

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"ivr customers: cannot import {DATA / 'no_phone_column.csv'}: the header has no phone, "
        "name column"
    )


def test_without_a_stack_the_command_says_how_to_start_one() -> None:
    result, watch = run_timed(
        [sys.executable, "-m", "simulator", "customers", "show", "+13125550150", "--port"]
        + [str(free_port())],
        timeout=60,
        cwd=ROOT,
    )

    assert result.returncode == 1 and watch.seconds < 10, f"took {watch.seconds:.1f} s"
    assert "start it with `make run`" in result.stderr and "Traceback" not in result.stderr


def test_the_stack_still_refuses_an_item_over_dynamodbs_size_limit(stack_port: int) -> None:
    """The server measures an item once, not per attribute (simulator.local_aws.lighten_moto):
    the 400 KB limit still holds, attributes summed as DynamoDB sums them."""
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{stack_port}",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )

    def put(*sizes: int) -> None:
        item = {"phone": {"S": "+13125550160"}}
        item.update({f"note{n}": {"S": "x" * size} for n, size in enumerate(sizes)})
        client.put_item(TableName="CustomersTable", Item=item)

    put(200_000, 200_000)
    with pytest.raises(ClientError, match="Item size has exceeded the maximum allowed size"):
        put(100_000, 100_000, 100_000, 100_000, 10_000)
    stored = client.get_item(TableName="CustomersTable", Key={"phone": {"S": "+13125550160"}})
    assert len(stored["Item"]["note1"]["S"]) == 200_000 and "note2" not in stored["Item"]
    client.delete_item(TableName="CustomersTable", Key={"phone": {"S": "+13125550160"}})


def _fictional_numbers() -> Iterator[str]:
    """Every valid fictional number there is: 555-0100..0199 in each North American area code
    phonenumbers accepts (45,100), and Ofcom's drama ranges (1,000 each)."""
    import phonenumbers

    for area in range(200, 1000):
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+1{area}5550142")):
            yield from (f"+1{area}55501{n:02d}" for n in range(100))
    for prefix in ("20 7946 0", "113 496 0", "114 496 0", "116 496 0", "117 496 0", "118 496 0"):
        yield from (f"+44 {prefix}{n:03d}" for n in range(1000))


#: The issue's size: about 40 s on two idle cores (moto's server and phonenumbers being the slow
#: parts), about 80 s on busy ones.
LARGE_FILE_ROWS = 100_000


def test_a_large_file_imports_with_progress(stack_port: int, tmp_path: Path) -> None:
    """A large, messy file: valid fictional numbers for about half of it (51,100 exist), the rest
    a number no network has (area code 999), which the report lists."""
    source = tmp_path / "customers.csv"
    rows = LARGE_FILE_ROWS
    # Not the area codes the sample data and the other tests here use.
    numbers = [
        n for n in _fictional_numbers() if n.replace(" ", "")[:5] not in {"+1202", "+1312", "+4420"}
    ]
    numbers = numbers[: rows // 2]
    with source.open("w") as out:
        out.write("phone,name,balance,timezone,national_id_last4\n")
        for n in range(rows):
            phone = numbers[n] if n < len(numbers) else f"+1999555{n % 10000:04d}"
            out.write(
                f"{phone},Customer {n},{n % 997}.{n % 100:02d},America/Chicago,{n % 10000:04d}\n"
            )

    result = ivr("import", str(source), "--port", str(stack_port))

    loaded = len(numbers)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{rows} rows read" in result.stdout, result.stdout
    assert f"{loaded} new" in result.stdout and f"{rows - loaded} rejected" in result.stdout
    assert "rows/s" in result.stdout
    assert "customers.csv" in result.stderr and "B/s" in result.stderr  # tqdm's progress line
