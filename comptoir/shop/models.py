"""SQLAlchemy models of the shop's orders. The schema is created by Alembic migrations
(``comptoir db upgrade``), never by ``create_all``, so a deployed database can evolve."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ORDER_STATUSES = (
    "pending_payment",
    "paid",
    "preparing",
    "shipped",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "delivery_exception",
    "returned_to_sender",
    "cancelled",
)


class ShopBase(DeclarativeBase):
    """Declarative base of the shop tables."""


class Customer(ShopBase):
    """A shopper, identified by e-mail (lower-cased)."""

    __tablename__ = "shop_customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    first_name: Mapped[str] = mapped_column(String(80), default="")

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Order(ShopBase):
    """An order, as the shop's back office knows it."""

    __tablename__ = "shop_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("shop_customers.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    postcode: Mapped[str] = mapped_column(String(16))
    last_name: Mapped[str] = mapped_column(String(80), default="")  # as on the order
    total: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)  # paid, in €
    # Indexed: the delay-notice check reads only the orders placed in its window.
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(24))
    # The shopper's language ("fr" or "en"): e-mails about the order are written in it.
    language: Mapped[str] = mapped_column(String(2), default="fr", server_default="fr")
    promised_delivery: Mapped[date | None] = mapped_column(Date, nullable=True)
    revised_delivery: Mapped[date | None] = mapped_column(Date, nullable=True)
    # When the shop's platform last gave this order (live look-up or sync); None for an
    # imported order. A live look-up within ``connector_cache_s`` of it is not repeated.
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    customer: Mapped[Customer] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )


class OrderLine(ShopBase):
    """One product line of an order."""

    __tablename__ = "shop_order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_orders.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[float] = mapped_column(Numeric(10, 2))
    category: Mapped[str] = mapped_column(String(64), default="")

    order: Mapped[Order] = relationship(back_populates="lines")


class Shipment(ShopBase):
    """A parcel: an order may ship in several (partial shipments)."""

    __tablename__ = "shop_shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_orders.id", ondelete="CASCADE"), index=True
    )
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(64))
    tracking_url: Mapped[str] = mapped_column(Text, default="")
    skus: Mapped[list[str]] = mapped_column(JSON, default=list)

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", order_by="TrackingEvent.at"
    )


class TrackingEvent(ShopBase):
    """One scan of a parcel by its carrier."""

    __tablename__ = "shop_tracking_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shop_shipments.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(24))
    location: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class VerificationAttempt(ShopBase):
    """One try at proving ownership of an order: the limits count the failed ones, and a
    success (a proof, or the shop's signed identity) is what lets the conversation use
    the order afterwards."""

    __tablename__ = "shop_verification_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(String(32), index=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    client_address: Mapped[str] = mapped_column(String(64), default="", index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    method: Mapped[str] = mapped_column(String(16), default="proof")  # proof or identity


class VerificationLockout(ShopBase):
    """A requester stopped by a limit: shown to agents (the order number partly hidden)."""

    __tablename__ = "shop_verification_lockouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    client_address: Mapped[str] = mapped_column(String(64), default="")
    order_number: Mapped[str] = mapped_column(String(32), default="")  # masked
    limit_reached: Mapped[str] = mapped_column(String(16))


RETURN_STATUSES = (
    "requested",
    "label_sent",
    "in_transit",
    "received",
    "inspected",
    "refunded",
    "exchanged",
    "repaired",
    "rejected",
)
RETURN_FINAL = ("refunded", "exchanged", "repaired", "rejected")


class ReturnRequest(ShopBase):
    """A return or warranty request, with its number (R-2026-000123) and its state."""

    __tablename__ = "shop_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_orders.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(24))
    resolution: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(20))
    payer: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    conversation_id: Mapped[str] = mapped_column(String(64), default="")

    order: Mapped[Order] = relationship()
    history: Mapped[list[ReturnEvent]] = relationship(
        back_populates="return_request", cascade="all, delete-orphan", order_by="ReturnEvent.id"
    )


class ReturnEvent(ShopBase):
    """One step of a return's history (who changed what, when)."""

    __tablename__ = "shop_return_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(
        ForeignKey("shop_returns.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    return_request: Mapped[ReturnRequest] = relationship(back_populates="history")


class ConnectorSync(ShopBase):
    """The scheduled sync with the shop's platform: how far it got, who runs it now.

    ``synced_until``: the next sync asks for the orders updated since then. The lease
    (``lease_owner`` until ``lease_until``) lets one desk at a time run it.
    """

    __tablename__ = "shop_connector_sync"

    platform: Mapped[str] = mapped_column(String(24), primary_key=True)
    synced_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_owner: Mapped[str] = mapped_column(String(64), default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_finished_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    last_orders: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
