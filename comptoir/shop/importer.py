"""Import orders from the shop's back office (JSON, or CSV for orders without parcels).

Each record is validated on its own: a bad record is reported with its position and
the problem, the others are imported. Re-importing a file updates orders in place
(keyed by order number), so the import is idempotent.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator
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
from comptoir.shop.numbers import normalise_order_number

Status = Literal[ORDER_STATUSES]  # type: ignore[valid-type]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime
    status: str
    location: str = ""
    description: str = ""


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
    lines: list[LineIn] = Field(min_length=1)
    shipments: list[ShipmentIn] = []

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        number = normalise_order_number(value)
        if number is None:
            raise ValueError("not an order number (expected e.g. CMD-10001)")
        return number

    @field_validator("placed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("placed_at needs a time zone, e.g. 2026-11-02T10:00:00+01:00")
        return value


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


def upsert_order(session: Session, record: OrderIn) -> bool:
    """Create or replace one order; True when it was created."""
    email = record.email.lower()
    customer = session.scalar(select(Customer).where(Customer.email == email))
    if customer is None:
        customer = Customer(email=email, first_name=record.first_name)
        session.add(customer)
    elif record.first_name:
        customer.first_name = record.first_name
    order = session.scalar(select(Order).where(Order.number == record.number))
    created = order is None
    if order is None:
        order = Order(number=record.number)
        session.add(order)
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


def import_records(session: Session, records: list[dict]) -> ImportReport:
    """Validate and upsert each record; bad ones are reported, good ones kept."""
    report = ImportReport()
    for position, raw in enumerate(records, start=1):
        label = f"record {position}" + (f" ({raw.get('number')})" if isinstance(raw, dict) else "")
        try:
            record = OrderIn.model_validate(raw)
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
