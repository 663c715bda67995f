"""`hub connector`: the commands and options a person starting one mock agency sees."""

from __future__ import annotations

from click.testing import CliRunner

from hub.cli import main


def test_there_is_one_connector_command_per_agency() -> None:
    result = CliRunner().invoke(main, ["connector", "--help"])

    assert result.exit_code == 0
    assert {"police", "courts", "koda"} <= set(result.output.split())


def test_only_police_register_cases() -> None:
    police = CliRunner().invoke(main, ["connector", "police", "--help"])
    courts = CliRunner().invoke(main, ["connector", "courts", "--cases", "3"])

    assert "--cases" in police.output
    assert courts.exit_code == 2
    assert "--cases" in courts.output
