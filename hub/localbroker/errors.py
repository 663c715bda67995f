"""The one error the local broker raises: a sentence a developer can act on."""


class BrokerError(RuntimeError):
    """The local broker could not do what was asked; str() says why and what to do."""
