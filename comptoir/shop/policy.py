"""The shop's returns policy, from a validated YAML file (policy/returns.yml).

Every rule the bot applies to a return comes from here, so a shop changes its policy
by editing one documented file, and a mistake in it is reported with the field's name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from comptoir.settings import PROJECT_ROOT

Reason = Literal[
    "changed_mind", "does_not_fit", "defective", "damaged_in_transit", "wrong_item", "missing_part"
]
REASONS: tuple[Reason, ...] = (
    "changed_mind",
    "does_not_fit",
    "defective",
    "damaged_in_transit",
    "wrong_item",
    "missing_part",
)
Payer = Literal["shop", "shopper"]
POLICY_FILE = PROJECT_ROOT / "policy" / "returns.yml"


class Exclusions(BaseModel):
    """Items that cannot be returned for a change of mind (defects stay covered)."""

    model_config = ConfigDict(extra="forbid")
    skus: list[str] = []
    categories: list[str] = []


class ReturnShipping(BaseModel):
    """Who pays the return label, for each reason."""

    model_config = ConfigDict(extra="forbid")
    changed_mind: Payer = "shopper"
    does_not_fit: Payer = "shopper"
    defective: Literal["shop"] = "shop"
    damaged_in_transit: Literal["shop"] = "shop"
    wrong_item: Literal["shop"] = "shop"
    missing_part: Literal["shop"] = "shop"


class ReturnsPolicy(BaseModel):
    """The whole policy; the defaults are French law's floor plus the seeds' promise."""

    model_config = ConfigDict(extra="forbid")
    withdrawal_days: int = Field(14, ge=14, description="the law allows no fewer than 14")
    refund_days: int = Field(10, ge=1, le=14, description="the law allows no more than 14")
    legal_guarantee_years: int = Field(2, ge=2)
    excluded_from_withdrawal: Exclusions = Exclusions()
    return_shipping: ReturnShipping = ReturnShipping()
    shopper_label_cost_eur: float = Field(4.90, ge=0)

    def payer(self, reason: Reason) -> Payer:
        """Who pays the return label for this reason."""
        return getattr(self.return_shipping, reason)

    def excluded(self, sku: str, category: str) -> bool:
        """Whether a change of mind is impossible for this item."""
        ex = self.excluded_from_withdrawal
        return sku in ex.skus or category in ex.categories


def load_policy(path: Path | None = None) -> ReturnsPolicy:
    """Read and validate the policy file (raises pydantic's ValidationError on mistakes).

    Without a path, the operator's ``COMPTOIR_RETURNS_POLICY`` (default
    ``policy/returns.yml``) is read: every decision reads it afresh, so an edit applies
    to the next conversation without a restart.
    """
    if path is None:
        from comptoir.settings import get_settings

        path = get_settings().returns_policy
    return ReturnsPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
