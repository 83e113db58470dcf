"""Words the core stores as codes (ledger kinds, payment methods, statuses, roles), shown to
people in the till's language.

The English texts are marked with ``QT_TRANSLATE_NOOP`` so ``pyside6-lupdate`` extracts them
(a ``self.tr(code)`` on a variable is invisible to it); :func:`term` translates at use.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ui.i18n import QT_TRANSLATE_NOOP

LEDGER = "LedgerKind"
METHOD = "PaymentMethod"
MEMBER_STATUS = "MemberStatus"
SALE_STATUS = "SaleStatus"
ROLE = "Role"
PRINTER = "PrinterStatus"
LINK = "LinkStatus"
COUNT_CARD_STATUS = "CountCardStatus"
CONSENT_PURPOSE = "ConsentPurpose"

_TERMS: dict[str, dict[str, str]] = {
    LEDGER: {  # wallet and points ledgers share this vocabulary
        "topup": QT_TRANSLATE_NOOP("LedgerKind", "Top-up"),
        "topup_void": QT_TRANSLATE_NOOP("LedgerKind", "Top-up voided"),
        "spend": QT_TRANSLATE_NOOP("LedgerKind", "Purchase"),
        "spend_refund": QT_TRANSLATE_NOOP("LedgerKind", "Purchase refunded"),
        "close_refund": QT_TRANSLATE_NOOP("LedgerKind", "Account closed, principal refunded"),
        "bonus_forfeit": QT_TRANSLATE_NOOP("LedgerKind", "Bonus forfeited"),
        "adjustment": QT_TRANSLATE_NOOP("LedgerKind", "Adjustment"),
        "earn": QT_TRANSLATE_NOOP("LedgerKind", "Earned"),
        "redeem": QT_TRANSLATE_NOOP("LedgerKind", "Redeemed"),
        "expire": QT_TRANSLATE_NOOP("LedgerKind", "Expired"),
        "clawback": QT_TRANSLATE_NOOP("LedgerKind", "Taken back (refund)"),
        "return": QT_TRANSLATE_NOOP("LedgerKind", "Returned (refund)"),
        "countcard_refund": QT_TRANSLATE_NOOP("LedgerKind", "Count card refunded"),
    },
    METHOD: {
        "wallet": QT_TRANSLATE_NOOP("PaymentMethod", "Stored value"),
        "cash": QT_TRANSLATE_NOOP("PaymentMethod", "Cash"),
        "wechat": QT_TRANSLATE_NOOP("PaymentMethod", "WeChat Pay"),
        "alipay": QT_TRANSLATE_NOOP("PaymentMethod", "Alipay"),
        "card": QT_TRANSLATE_NOOP("PaymentMethod", "Bank card"),
        "transfer": QT_TRANSLATE_NOOP("PaymentMethod", "Bank transfer"),
        "giftcard": QT_TRANSLATE_NOOP("PaymentMethod", "Gift card"),
        "account": QT_TRANSLATE_NOOP("PaymentMethod", "On account"),
    },
    MEMBER_STATUS: {
        "active": QT_TRANSLATE_NOOP("MemberStatus", "active"),
        "frozen": QT_TRANSLATE_NOOP("MemberStatus", "frozen"),
        "closed": QT_TRANSLATE_NOOP("MemberStatus", "closed"),
    },
    SALE_STATUS: {
        "completed": QT_TRANSLATE_NOOP("SaleStatus", "completed"),
        "refunded": QT_TRANSLATE_NOOP("SaleStatus", "refunded"),
    },
    ROLE: {
        "cashier": QT_TRANSLATE_NOOP("Role", "cashier"),
        "manager": QT_TRANSLATE_NOOP("Role", "manager"),
        "admin": QT_TRANSLATE_NOOP("Role", "admin"),
    },
    PRINTER: {  # devices.printers.PrinterStatus values
        "online": QT_TRANSLATE_NOOP("PrinterStatus", "online"),
        "paper_out": QT_TRANSLATE_NOOP("PrinterStatus", "paper out"),
        "offline": QT_TRANSLATE_NOOP("PrinterStatus", "offline"),
        "error": QT_TRANSLATE_NOOP("PrinterStatus", "error"),
        "unknown": QT_TRANSLATE_NOOP("PrinterStatus", "starting"),
    },
    COUNT_CARD_STATUS: {  # storeapp.services.countcards.CountCardView.status
        "active": QT_TRANSLATE_NOOP("CountCardStatus", "in use"),
        "used": QT_TRANSLATE_NOOP("CountCardStatus", "used up"),
        "expired": QT_TRANSLATE_NOOP("CountCardStatus", "expired"),
        "refunded": QT_TRANSLATE_NOOP("CountCardStatus", "refunded"),
    },
    CONSENT_PURPOSE: {  # storeapp.consent_rules.PURPOSES
        "terms": QT_TRANSLATE_NOOP("ConsentPurpose", "Membership terms"),
        "marketing_sms": QT_TRANSLATE_NOOP("ConsentPurpose", "Offers by SMS"),
        "marketing_wechat": QT_TRANSLATE_NOOP("ConsentPurpose", "Offers by WeChat"),
        "personalised": QT_TRANSLATE_NOOP("ConsentPurpose", "Personalised offers"),
        "sensitive": QT_TRANSLATE_NOOP("ConsentPurpose", "Sensitive data (e.g. bank account)"),
    },
    LINK: {  # devices.serial_port.LinkStatus values
        "connected": QT_TRANSLATE_NOOP("LinkStatus", "connected"),
        "disconnected": QT_TRANSLATE_NOOP("LinkStatus", "disconnected"),
        "error": QT_TRANSLATE_NOOP("LinkStatus", "error"),
        "off": QT_TRANSLATE_NOOP("LinkStatus", "off"),
    },
}


def term(group: str, code: str) -> str:
    """``code`` of ``group`` in the till's language; an unknown code is shown as it is."""
    source = _TERMS[group].get(code)
    return QCoreApplication.translate(group, source) if source else code
