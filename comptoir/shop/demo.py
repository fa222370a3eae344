"""The demo shop's orders, dated relative to today so every case stays true.

Every status, a late order, a partial shipment and a lost parcel; the README lists a few
numbers with their e-mails so anyone can try the bot.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, time, timedelta

LEA = ("lea.martin@example.fr", "75011", "Léa", "Martin")
TOM = ("tom.bernard@example.fr", "69003", "Tom", "Bernard")
JAMES = ("james.wilson@example.co.uk", "SW1A1AA", "James", "Wilson")
CHLOE = ("chloe.petit@example.fr", "33000", "Chloé", "Petit")

PRODUCTS = {
    "LAMP-ORSAY": ("Lampe Orsay", 89.0, "lighting"),
    "NIGHT-LUCIOLE": ("Veilleuse Luciole", 35.0, "lighting"),
    "SPEAKER-NOVA": ("Enceinte Nova", 129.0, "audio"),
    "THROW-CEVENNES": ("Plaid Cévennes", 59.0, "textile"),
    "CANDLE-FIGUIER": ("Bougie Figuier", 24.0, "home"),
    "EARBUDS-SOLO": ("Écouteurs Solo", 49.0, "audio-hygiene"),
}


def _at(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour, 5), tzinfo=UTC).isoformat()


def _lines(*skus: str) -> list[dict]:
    return [
        {
            "sku": s,
            "name": PRODUCTS[s][0],
            "qty": 1,
            "unit_price": PRODUCTS[s][1],
            "category": PRODUCTS[s][2],
        }
        for s in skus
    ]


def _parcel(
    number: str,
    skus: list[str],
    events: list[tuple[date, str, str, str]],
    carrier: str = "colissimo",
) -> dict:
    digits = zlib.crc32(number.encode()) % 10**11
    tracking = f"6A{digits:011d}" if carrier == "colissimo" else f"XR{number[-5:]}FR"
    return {
        "carrier": carrier,
        "tracking_number": tracking,
        "tracking_url": f"https://suivi.example/{tracking}",
        "lines": skus,
        "events": [
            {"at": _at(d, h), "status": s, "location": loc, "description": desc}
            for (d, s, loc, desc), h in zip(events, range(9, 9 + len(events)), strict=True)
        ],
    }


def demo_orders(today: date) -> list[dict]:
    """Import-format records for the demo shop."""
    d = lambda n: today + timedelta(days=n)  # noqa: E731 - a short date helper reads best here

    def order(number, who, status, placed, skus, promised=None, shipments=(), revised=None):
        email, postcode, first, last = who
        return {
            "number": number,
            "email": email,
            "postcode": postcode,
            "first_name": first,
            "last_name": last,
            "placed_at": _at(placed),
            "status": status,
            "language": "en" if who is JAMES else "fr",
            "promised_delivery": promised.isoformat() if promised else None,
            "revised_delivery": revised.isoformat() if revised else None,
            "lines": _lines(*skus),
            "shipments": list(shipments),
        }

    def delivered(number, who, placed, skus, shipped, arrived):
        """Delivered on its promised day, in one parcel (the returns cases)."""
        events = [
            (shipped, "shipped", "Lyon", "Colis remis au transporteur"),
            (arrived, "delivered", "Domicile", "Colis livré"),
        ]
        return order(
            number, who, "delivered", placed, skus, arrived, [_parcel(number, skus, events)]
        )

    transit = "Colis en cours d'acheminement"
    return [
        order(
            "CMD-10001",
            LEA,
            "delivered",
            d(-9),
            ["LAMP-ORSAY"],
            d(-5),
            [
                _parcel(
                    "CMD-10001",
                    ["LAMP-ORSAY"],
                    [
                        (d(-8), "shipped", "Lyon", "Colis remis au transporteur"),
                        (d(-7), "in_transit", "Paris Nord", transit),
                        (d(-5), "delivered", "Paris 11e", "Colis livré en boîte aux lettres"),
                    ],
                )
            ],
        ),
        order(
            "CMD-10002",
            JAMES,
            "in_transit",
            d(-2),
            ["SPEAKER-NOVA"],
            d(4),
            [
                _parcel(
                    "CMD-10002",
                    ["SPEAKER-NOVA"],
                    [
                        (d(-1), "shipped", "Lyon", "Parcel handed to the carrier"),
                        (d(0), "in_transit", "Calais", "Parcel in transit to the United Kingdom"),
                    ],
                    carrier="chronopost",
                )
            ],
        ),
        order(
            "CMD-10003",
            TOM,
            "in_transit",
            d(-10),
            ["THROW-CEVENNES"],
            d(-3),
            [
                _parcel(
                    "CMD-10003",
                    ["THROW-CEVENNES"],
                    [
                        (d(-8), "shipped", "Lyon", "Colis remis au transporteur"),
                        (d(-2), "in_transit", "Saint-Priest", "Colis retardé au centre de tri"),
                    ],
                )
            ],
            revised=d(2),
        ),
        order(
            "CMD-10004",
            LEA,
            "shipped",
            d(-3),
            ["NIGHT-LUCIOLE", "THROW-CEVENNES"],
            d(3),
            [
                _parcel(
                    "CMD-10004",
                    ["NIGHT-LUCIOLE"],
                    [
                        (d(-1), "shipped", "Lyon", "Colis remis au transporteur"),
                        (d(0), "in_transit", "Paris Nord", transit),
                    ],
                )
            ],
        ),
        order(
            "CMD-10005",
            CHLOE,
            "in_transit",
            d(-20),
            ["SPEAKER-NOVA"],
            d(-14),
            [
                _parcel(
                    "CMD-10005",
                    ["SPEAKER-NOVA"],
                    [
                        (d(-18), "shipped", "Lyon", "Colis remis au transporteur"),
                        (d(-16), "in_transit", "Bordeaux", transit),
                    ],
                )
            ],
        ),
        order("CMD-10006", TOM, "pending_payment", d(0), ["CANDLE-FIGUIER"]),
        order("CMD-10007", CHLOE, "paid", d(0), ["NIGHT-LUCIOLE"], d(4)),
        order("CMD-10008", TOM, "preparing", d(-1), ["LAMP-ORSAY"], d(3)),
        order(
            "CMD-10009",
            CHLOE,
            "out_for_delivery",
            d(-3),
            ["CANDLE-FIGUIER"],
            d(0),
            [
                _parcel(
                    "CMD-10009",
                    ["CANDLE-FIGUIER"],
                    [
                        (d(-2), "shipped", "Lyon", "Colis remis au transporteur"),
                        (d(0), "out_for_delivery", "Bordeaux", "Colis en cours de livraison"),
                    ],
                )
            ],
        ),
        order(
            "CMD-10010",
            TOM,
            "delivery_exception",
            d(-6),
            ["EARBUDS-SOLO"],
            d(-1),
            [
                _parcel(
                    "CMD-10010",
                    ["EARBUDS-SOLO"],
                    [
                        (d(-5), "shipped", "Lyon", "Colis remis au transporteur"),
                        (
                            d(-1),
                            "delivery_exception",
                            "Lyon 3e",
                            "Adresse incomplète, colis en attente",
                        ),
                    ],
                )
            ],
        ),
        order(
            "CMD-10011",
            CHLOE,
            "returned_to_sender",
            d(-30),
            ["THROW-CEVENNES"],
            d(-25),
            [
                _parcel(
                    "CMD-10011",
                    ["THROW-CEVENNES"],
                    [
                        (d(-28), "shipped", "Lyon", "Colis remis au transporteur"),
                        (
                            d(-10),
                            "returned_to_sender",
                            "Lyon",
                            "Colis non retiré, retourné à l'expéditeur",
                        ),
                    ],
                    carrier="mondial_relay",
                )
            ],
        ),
        order("CMD-10012", LEA, "cancelled", d(-4), ["CANDLE-FIGUIER"]),
        order(
            "CMD-10013",
            JAMES,
            "shipped",
            d(-1),
            ["LAMP-ORSAY"],
            d(5),
            [
                _parcel(
                    "CMD-10013",
                    ["LAMP-ORSAY"],
                    [(d(0), "shipped", "Lyon", "Parcel handed to the carrier")],
                )
            ],
        ),
        # Returns: past the 14-day window; just delivered (damage, change of mind);
        # a night light for the troubleshooting tip; a return whose refund is overdue.
        delivered("CMD-10014", CHLOE, d(-24), ["LAMP-ORSAY"], d(-23), d(-20)),
        delivered("CMD-10015", TOM, d(-6), ["SPEAKER-NOVA", "CANDLE-FIGUIER"], d(-5), d(-2)),
        delivered("CMD-10016", CHLOE, d(-34), ["THROW-CEVENNES"], d(-33), d(-30)),
        delivered("CMD-10017", JAMES, d(-7), ["NIGHT-LUCIOLE"], d(-6), d(-3)),
    ]


def seed(url: str, *, if_empty: bool = False) -> int | None:
    """Upgrade the schema and load the demo orders; the number loaded (None if skipped)."""
    from sqlalchemy import func, select

    from comptoir.shop.db import sessions, upgrade
    from comptoir.shop.importer import import_records
    from comptoir.shop.models import Order

    upgrade(url)
    with sessions(url)() as session:
        if if_empty and session.scalar(select(func.count()).select_from(Order)):
            return None
        report = import_records(session, demo_orders(date.today()))
        _seed_overdue_return(session)
    return report.created + report.updated


def _seed_overdue_return(session) -> None:
    """CMD-10016's throw came back 15 days ago and is still not refunded (promise: 10)."""
    from sqlalchemy import select

    from comptoir.shop.eligibility import Eligibility
    from comptoir.shop.models import ReturnRequest
    from comptoir.shop.returns import create_return, set_status
    from comptoir.shop.service import load_order

    order = load_order(session, "CMD-10016")
    if session.scalar(select(ReturnRequest).where(ReturnRequest.order_id == order.id)):
        return
    ok = Eligibility(True, "withdrawal", "shopper", None, None)
    record, _ = create_return(
        session,
        order,
        sku="THROW-CEVENNES",
        reason="changed_mind",
        resolution="refund",
        eligibility=ok,
    )
    set_status(session, record.number, "in_transit")
    set_status(session, record.number, "received", on=date.today() - timedelta(days=15))
