"""What was wrong with a FHIR request, said where in the request it is.

FHIR clients think in linkIds and resource paths, not in Candid's fact names, so every problem
carries the location (`QuestionnaireResponse.item[linkId=age]`) and the router turns the list
into one RFC 9457 problem with an entry per location.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    where: str
    reason: str
    allowed: str | None = None


class FhirInputError(ValueError):
    """Every problem found in the request, not only the first."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.where}: {p.reason}" for p in problems))
