"""The hub's contract checks for our connector (plugin hub_contracts, see pyproject.toml)."""


def test_hub_contract(hub_contract):
    hub_contract.check()
