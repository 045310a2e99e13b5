"""The error that keeps the service from starting; free of imports, so any layer may raise it."""


class StartupError(Exception):
    """The service cannot start, for a reason its message states; the message holds no secret."""
