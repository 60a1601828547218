"""`ivr tests push DIR --instance NAME`: exported test cases created or updated in Amazon Connect,
then started (CreateTestCase / UpdateTestCase / StartTestCaseExecution; botocore has had these
operations since the cloud test runner shipped, and the version in lambdas/requirements.txt has
them). A test case is matched to an existing one by Name; the local ``${Placeholder}`` names in
the Content and the request are replaced with the instance's ARNs (deploy/instances/*.json).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.flows import Instance, resolve
from simulator.testing.resources import instance_file

#: The instance file's entry for its main number (the local one is +1 312 555 0199).
MAIN_NUMBER_PLACEHOLDER = "${MainPhoneNumber}"


@dataclass(frozen=True)
class Pushed:
    name: str
    test_case_id: str
    action: str  # created | updated
    execution_id: str | None = None


def exported_cases(directory: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(content, request) for every NAME.json with its NAME.request.json in ``directory``."""
    cases = []
    for content_path in sorted(directory.glob("*.json")):
        if content_path.name.endswith(".request.json"):
            continue
        request_path = content_path.with_name(f"{content_path.stem}.request.json")
        request = json.loads(request_path.read_text()) if request_path.exists() else {}
        request.setdefault("Name", content_path.stem)
        cases.append((json.loads(content_path.read_text()), request))
    return cases


class ConnectTestCases:
    """The test cases of one instance, through a boto3 ``connect`` client."""

    def __init__(self, client: Any, instance: Instance) -> None:
        self.client = client
        self.instance = instance

    def existing(self) -> dict[str, str]:
        """Name -> TestCaseId."""
        found: dict[str, str] = {}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"InstanceId": self.instance.instance_id}
            if token:
                kwargs["NextToken"] = token
            page = self.client.list_test_cases(**kwargs)
            for summary in page.get("TestCaseSummaryList", []):
                found[summary["Name"]] = summary["Id"]
            token = page.get("NextToken")
            if not token:
                return found

    def push(
        self,
        content: dict[str, Any],
        request: dict[str, Any],
        known: dict[str, str],
        *,
        start: bool,
    ) -> Pushed:
        placeholders = self.instance.placeholders
        fields = resolve(request, placeholders)
        fields["Content"] = json.dumps(resolve(content, placeholders))
        fields["InstanceId"] = self.instance.instance_id
        main_number = placeholders.get(MAIN_NUMBER_PLACEHOLDER)
        voice = fields.get("EntryPoint", {}).get("VoiceCallEntryPointParameters", {})
        if main_number and "DestinationPhoneNumber" in voice:
            voice["DestinationPhoneNumber"] = main_number  # the instance's number, not ours
        name = str(fields["Name"])
        if name in known:
            test_case_id = known[name]
            self.client.update_test_case(TestCaseId=test_case_id, **fields)
            action = "updated"
        else:
            fields.setdefault("Status", "PUBLISHED")
            test_case_id = self.client.create_test_case(**fields)["TestCaseId"]
            action = "created"
        execution = None
        if start:
            started = self.client.start_test_case_execution(
                InstanceId=self.instance.instance_id,
                TestCaseId=test_case_id,
                ClientToken=str(uuid.uuid4()),
            )
            execution = started.get("TestCaseExecutionId")
        return Pushed(name, test_case_id, action, execution)

    def push_all(self, directory: Path, *, start: bool) -> list[Pushed]:
        known = self.existing()
        return [
            self.push(content, request, known, start=start)
            for content, request in exported_cases(directory)
        ]


def push_command(directory: Path, instance_name: str, *, start: bool) -> int:
    import boto3

    instance = Instance.load(instance_file(instance_name))
    client = boto3.session.Session(region_name=instance.region).client("connect")
    for pushed in ConnectTestCases(client, instance).push_all(directory, start=start):
        started = f", execution {pushed.execution_id}" if pushed.execution_id else ""
        print(f"{pushed.action} {pushed.name} ({pushed.test_case_id}){started}")
    return 0
