"""The owner's report as text, in French or English, numbers as each language writes them.

``comptoir report`` prints the same figures as the console's Reports page (the JSON of
``comptoir.desk.reports.queries.build_report``); this module only says them in words:
« 72,4 % » and « 12 345 » in French, "72.4%" and "12,345" in English, codes turned
into labels.
"""

from __future__ import annotations

from typing import Any

from comptoir.i18n import Bilingual

NARROW_NBSP = "\u202f"
WEEKDAYS = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
HEADLINE = {
    "conversations": Bilingual("Conversations", "Conversations"),
    "automation_rate": Bilingual("Taux d'automatisation", "Automation rate"),
    "resolution_confirmed_rate": Bilingual("Résolution confirmée", "Confirmed resolution"),
    "resolution_assumed_rate": Bilingual("Résolution présumée", "Assumed resolution"),
    "handoff_rate": Bilingual("Transferts à un conseiller", "Handoff rate"),
    "first_response_median_s": Bilingual("Première réponse (médiane)", "First response (median)"),
    "first_response_business_median_s": Bilingual(
        "Première réponse en heures ouvrées (médiane)", "First response, business hours (median)"
    ),
    "resolution_median_s": Bilingual("Résolution (médiane)", "Resolution time (median)"),
    "offline_within_promise_rate": Bilingual(
        "Demandes hors ligne traitées dans le délai promis",
        "Offline requests answered within the promise",
    ),
    "csat": Bilingual("Satisfaction (CSAT)", "CSAT"),
    "csat_response_rate": Bilingual("Taux de réponse à l'enquête", "Survey response rate"),
    "late_parcel_share": Bilingual(
        "Suivis de commande : colis en retard, partiel ou perdu",
        "Order status chats: late, partial or lost parcel",
    ),
}
CODES = {
    "shopper_request": Bilingual("demande du client", "shopper asked"),
    "knowledge_miss": Bilingual("questions sans réponse", "knowledge misses"),
    "verification_locked": Bilingual("vérification bloquée", "verification lockout"),
    "return_exception": Bilingual("retour refusé", "refused return"),
    "refund_overdue": Bilingual("remboursement en retard", "overdue refund"),
    "parcel_inquiry": Bilingual("colis bloqué", "stuck parcel"),
    "under_5m": Bilingual("moins de 5 min", "under 5 min"),
    "5m_15m": Bilingual("5 à 15 min", "5 to 15 min"),
    "15m_1h": Bilingual("15 min à 1 h", "15 min to 1 h"),
    "1h_4h": Bilingual("1 à 4 h", "1 to 4 h"),
    "4h_24h": Bilingual("4 à 24 h", "4 to 24 h"),
    "over_24h": Bilingual("plus de 24 h", "over 24 h"),
    "changed_mind": Bilingual("changement d'avis", "changed mind"),
    "does_not_fit": Bilingual("ne convient pas", "does not fit"),
    "defective": Bilingual("défectueux", "defective"),
    "damaged_in_transit": Bilingual("abîmé au transport", "damaged in transit"),
    "wrong_item": Bilingual("mauvais article", "wrong item"),
    "missing_part": Bilingual("pièce manquante", "missing part"),
    "return": Bilingual("retour", "return"),
    "warranty": Bilingual("garantie", "warranty"),
}
TITLES = {
    "period": Bilingual(
        "Rapport du {start} au {end} (comparé au {pstart} – {pend})",
        "Report from {start} to {end} (compared with {pstart} – {pend})",
    ),
    "previous": Bilingual("avant", "before"),
    "daily": Bilingual(
        "Par jour : conversations, automatisées, transferts, notes, satisfaits",
        "Daily: conversations, automated, handoffs, scores, satisfied",
    ),
    "reasons": Bilingual("Transferts par motif", "Handoffs by reason"),
    "distribution": Bilingual("Délai de première réponse", "First response time"),
    "busiest": Bilingual("Heures les plus chargées", "Busiest hours"),
    "clusters": Bilingual("Questions sans réponse, regroupées", "Unanswered questions, grouped"),
    "closest": Bilingual("article le plus proche", "closest article"),
    "disliked": Bilingual("Articles les moins appréciés (👍/👎)", "Most disliked articles (👍/👎)"),
    "return_reasons": Bilingual("Retours et garanties par motif", "Returns and warranty by reason"),
    "products": Bilingual(
        "Retours par produit (retours / commandés, taux)",
        "Returns by product (returns / ordered, rate)",
    ),
    "overdue": Bilingual("Remboursements en retard : {n}", "Refunds overdue: {n}"),
    "orders": Bilingual(
        "Suivis de commande : {n} (retard {late}, partiel {partial}, perdu {lost})",
        "Order status chats: {n} (late {late}, partial {partial}, lost {lost})",
    ),
    "none": Bilingual("(aucun)", "(none)"),
}


def integer(value: int, language: str) -> str:
    """« 12 345 » in French, "12,345" in English."""
    text = f"{value:,}"
    return text.replace(",", NARROW_NBSP) if language == "fr" else text


def percent(value: float | None, language: str) -> str:
    """« 72,4 % » in French, "72.4%" in English; « – » when there is nothing to divide."""
    if value is None:
        return "–"
    text = f"{value * 100:.1f}"
    return f"{text.replace('.', ',')}{NARROW_NBSP}%" if language == "fr" else f"{text}%"


def duration(seconds: float | None, language: str) -> str:
    """« 4 min 30 s », « 1 h 05 min », « 2 j 3 h » (English: "2 d 3 h")."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} {'j' if language == 'fr' else 'd'} {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _value(name: str, value: float | None, language: str) -> str:
    if name == "conversations":
        return integer(int(value or 0), language)
    if name.endswith("_s"):
        return duration(value, language)
    return percent(value, language)


def _label(code: str, language: str) -> str:
    return CODES[code](language) if code in CODES else code


def _colon(language: str) -> str:
    """French sets a space before its colon."""
    return "\u00a0: " if language == "fr" else ": "


def _headline(report: dict[str, Any], language: str) -> list[str]:
    colon, lines = _colon(language), []
    for name, figure in report["headline"].items():
        shown = _value(name, figure["value"], language)
        before = _value(name, figure["previous"], language)
        ratio = f" [{figure['numerator']}/{figure['denominator']}]"
        ratio = "" if name == "conversations" else ratio
        previous = TITLES["previous"](language)
        lines.append(
            f"  {HEADLINE[name](language)}{colon}{shown}{ratio} ({previous}{colon}{before})"
        )
    return lines


def _section(title: str, rows: list[str], language: str) -> list[str]:
    """A blank line, the title, then the rows (or « (aucun) »)."""
    return ["", title, *(f"  {row}" for row in rows or [TITLES["none"](language)])]


def _conversation_tables(report: dict[str, Any], language: str) -> list[str]:
    """Daily counts, handoffs by reason, first responses, busiest hours."""
    colon = _colon(language)
    scores = {row["date"]: row for row in report["csat_daily"]}
    daily = [
        f"{row['date']}  {row['conversations']:>6} {row['automated']:>6} {row['handoffs']:>6} "
        f"{scores[row['date']]['scores']:>6} {scores[row['date']]['satisfied']:>6}"
        for row in report["daily"]
    ]
    reasons = [
        f"{_label(r['reason'], language)}{colon}{r['count']}" for r in report["handoffs_by_reason"]
    ]
    buckets = [
        f"{_label(b['bucket'], language)}{colon}{b['count']}"
        for b in report["first_response_distribution"]
    ]
    cells = sorted(report["heatmap"], key=lambda c: (-c["conversations"], c["weekday"], c["hour"]))
    busiest = [
        f"{WEEKDAYS[language][c['weekday']]} {c['hour']:02d} h{colon}{c['conversations']}"
        for c in cells[:5]
    ]
    return [
        *_section(TITLES["daily"](language), daily, language),
        *_section(TITLES["reasons"](language), reasons, language),
        *_section(TITLES["distribution"](language), buckets, language),
        *_section(TITLES["busiest"](language), busiest, language),
    ]


def _knowledge_and_returns(report: dict[str, Any], language: str) -> list[str]:
    """Unanswered clusters, disliked articles, returns, refunds and parcels."""
    colon = _colon(language)
    clusters = []
    for cluster in report["unanswered_clusters"]:
        article = cluster["closest_article"]
        closest = TITLES["closest"](language)
        near = f" → {closest}{colon}{article['title']} ({article['id']})" if article else ""
        clusters.append(f"{cluster['count']} × « {' » / « '.join(cluster['examples'])} »{near}")
    disliked = [
        f"{a['title']} ({a['id']}){colon}{a['up']} 👍 / {a['down']} 👎"
        for a in report["disliked_articles"]
    ]
    reasons = [
        f"{_label(r['reason'], language)} ({_label(r['kind'], language)}){colon}{r['count']}"
        for r in report["returns_by_reason"]
    ]
    products = [
        f"{p['sku']} {p['name']} [{p['category']}]{colon}{p['returns']} / {p['ordered']}, "
        f"{percent(p['rate'], language)}"
        for p in report["returns_by_product"]
    ]
    orders = report["orders"]
    return [
        *_section(TITLES["clusters"](language), clusters, language),
        *_section(TITLES["disliked"](language), disliked, language),
        *_section(TITLES["return_reasons"](language), reasons, language),
        *_section(TITLES["products"](language), products, language),
        "",
        TITLES["overdue"](language, n=report["refunds_overdue"]),
        TITLES["orders"](
            language,
            n=orders["order_status_conversations"],
            late=orders["late"],
            partial=orders["partial"],
            lost=orders["lost"],
        ),
    ]


def render(report: dict[str, Any], language: str) -> str:
    """The whole report as lines of text."""
    period = report["period"]
    title = TITLES["period"](
        language,
        start=period["from"],
        end=period["to"],
        pstart=period["previous_from"],
        pend=period["previous_to"],
    )
    return "\n".join(
        [
            title,
            *_headline(report, language),
            *_conversation_tables(report, language),
            *_knowledge_and_returns(report, language),
        ]
    )
