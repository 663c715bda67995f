"""Consumer-driven contracts: what each consumer relies on, checked offline.

`verify` (the engine of `hub contracts verify`), `schema_impact` (`hub schemas
impact`), the pytest plugin in `pytest_plugin` for partners' repositories, and
what a partner's hooks use: `Sample` for what its builders make and
`received_examples` for the messages its contract says it receives.
"""

from hub.contracts.contract import received_examples
from hub.contracts.parties import AgencyCode, Sample

__all__ = ["AgencyCode", "Sample", "received_examples"]
