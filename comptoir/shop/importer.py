"""Import orders from the shop's back office (JSON, or CSV for orders without parcels).

Each record is validated on its own: a bad record is reported with its position and
the problem, the others are imported. Re-importing a file updates orders in place
(keyed by order number), so the import is idempotent.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.shop.models import (
    ORDER_STATUSES,
    Customer,
    Order,
    OrderLine,
    Shipment,
    TrackingEvent,
)
from comptoir.shop.numbers import EXAMPLES, NumberStyle, canonical_order_number

Status = Literal[ORDER_STATUSES]  # type: ignore[valid-type]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime
    status: str
    location: str = ""
    description: str = ""

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        """Stored in UTC: SQLite drops the offset, so a Paris 23:30 scan would otherwise
        be read back as 23:30 UTC, the next day in Paris (lateness counts days). A scan
        without a time zone is taken as UTC, as platforms' APIs give it."""
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier: str = Field(min_length=1, max_length=40)
    tracking_number: str = Field(min_length=1, max_length=64)
    tracking_url: str = ""
    lines: list[str] = []
    events: list[EventIn] = []


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    qty: int = Field(ge=1)
    unit_price: float = Field(ge=0)
    category: str = ""


class OrderIn(BaseModel):
    """One order record of the import format (documented in docs/orders.md)."""

    model_config = ConfigDict(extra="forbid")
    number: str
    email: EmailStr
    postcode: str = Field(min_length=2, max_length=16)
    placed_at: datetime
    status: Status
    promised_delivery: date | None = None
    revised_delivery: date | None = None
    first_name: str = ""
    last_name: str = Field("", max_length=80)
    total: float | None = Field(None, ge=0, description="Amount paid; the lines' sum when absent.")
    language: Literal["fr", "en"] = Field(
        "fr", description="The shopper's language: e-mails about the order are written in it."
    )
    lines: list[LineIn] = Field(min_length=1)
    shipments: list[ShipmentIn] = []

    @field_validator("number")
    @classmethod
    def _number(cls, value: str, info: ValidationInfo) -> str:
        """Canonical in the shop's numbering style (context ``numbers``; CMD-12345 if none)."""
        style = (info.context or {}).get("numbers", "cmd")
        number = canonical_order_number(value, style)
        if number is None:
            raise ValueError(f"not an order number (expected e.g. {EXAMPLES[style]})")
        return number

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> object:
        """ "FR", "en-GB", "en_US" are what back offices export: keep the two letters."""
        return value.strip()[:2].lower() if isinstance(value, str) else value

    @field_validator("placed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("placed_at needs a time zone, e.g. 2026-11-02T10:00:00+01:00")
        return value.astimezone(UTC)  # stored in UTC: SQLite keeps no offset


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in error.errors()
    )


def read_records(path: Path) -> list[dict]:
    """Raw records from a JSON (``{"orders": [...]}``) or CSV file."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        records = []
        for row in rows:
            line = {
                "sku": row.pop("sku", ""),
                "name": row.pop("product", row.pop("name", "")),
                "qty": row.pop("qty", "1"),
                "unit_price": row.pop("unit_price", "0"),
            }
            records.append(
                {**{k: v for k, v in row.items() if v not in ("", None)}, "lines": [line]}
            )
        return records
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
        raise ValueError('the file must be a JSON object {"orders": [...]}')
    return data["orders"]


@dataclass
class Known:
    """Customers (by e-mail) and orders (by number, with their lines and parcels) that a
    batch loaded at once, so that upserting many orders makes no query per order."""

    customers: dict[str, Customer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)


def upsert_order(session: Session, record: OrderIn, known: Known | None = None) -> bool:
    """Create or replace one order; True when it was created.

    With ``known`` (a batch, ``live_orders.store_orders``), customers and orders are
    looked up there instead of queried, and the new ones are added to it.
    """
    email = record.email.lower()
    if known is None:
        customer = session.scalar(select(Customer).where(Customer.email == email))
    else:
        customer = known.customers.get(email)
    if customer is None:
        customer = Customer(email=email, first_name=record.first_name)
        session.add(customer)
        if known is not None:
            known.customers[email] = customer
    elif record.first_name:
        customer.first_name = record.first_name
    if known is None:
        order = session.scalar(select(Order).where(Order.number == record.number))
    else:
        order = known.orders.get(record.number)
    created = order is None
    if order is None:
        order = Order(number=record.number)
        session.add(order)
        if known is not None:
            known.orders[record.number] = order
    order.customer = customer
    order.email = email
    order.postcode = record.postcode.replace(" ", "").upper()
    order.last_name = record.last_name.strip()
    order.total = (
        record.total
        if record.total is not None
        else round(sum(line.qty * line.unit_price for line in record.lines), 2)
    )
    order.placed_at = record.placed_at
    order.status = record.status
    order.language = record.language
    order.promised_delivery = record.promised_delivery
    order.revised_delivery = record.revised_delivery
    order.lines = [OrderLine(**line.model_dump()) for line in record.lines]
    order.shipments = [
        Shipment(
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            tracking_url=s.tracking_url,
            skus=s.lines,
            events=[TrackingEvent(**e.model_dump()) for e in s.events],
        )
        for s in record.shipments
    ]
    return created


def import_records(
    session: Session, records: list[dict], numbers: NumberStyle = "cmd"
) -> ImportReport:
    """Validate and upsert each record; bad ones are reported, good ones kept.

    ``numbers``: how the shop numbers its orders (``numbers.number_style``)."""
    report = ImportReport()
    for position, raw in enumerate(records, start=1):
        label = f"record {position}" + (f" ({raw.get('number')})" if isinstance(raw, dict) else "")
        try:
            record = OrderIn.model_validate(raw, context={"numbers": numbers})
        except ValidationError as error:
            report.errors.append(f"{label}: {_problems(error)}")
            continue
        with session.begin_nested():
            if upsert_order(session, record):
                report.created += 1
            else:
                report.updated += 1
    session.commit()
    return report
