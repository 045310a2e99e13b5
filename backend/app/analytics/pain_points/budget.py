"""The time a request may spend in the service's own processing, apart from the database's."""

from __future__ import annotations


class ProcessingTimeoutError(Exception):
    """The service's own processing of a request ran past its budget."""

    def __init__(self, seconds: float) -> None:
        self.detail = (
            f"Pain points spent more than their {seconds:g} s processing budget labelling and "
            "grouping this window's texts. Narrow the date window or try again later."
        )
        super().__init__(self.detail)


class ProcessingBudget:
    """Seconds of processing left; spending past them raises ProcessingTimeoutError."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.left = seconds

    def spend(self, seconds: float) -> None:
        """Count `seconds` of processing; raise once the budget is gone."""
        self.left -= seconds
        if self.left < 0:
            raise ProcessingTimeoutError(self.seconds)
