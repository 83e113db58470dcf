"""Dialogs: each collects input, calls one service operation on the worker, shows the result."""

from ui.dialogs.adjust import AdjustDialog
from ui.dialogs.approval import ApprovalDialog
from ui.dialogs.card import CardDialog
from ui.dialogs.checkout import CheckoutDialog
from ui.dialogs.consent import ConsentDialog
from ui.dialogs.countcard import CountCardDialog
from ui.dialogs.countcard_sell import SellCardDialog
from ui.dialogs.giftcard import GiftCardDialog
from ui.dialogs.history import HistoryDialog
from ui.dialogs.refund import RefundDialog
from ui.dialogs.register import RegisterDialog
from ui.dialogs.settings import SettingsDialog
from ui.dialogs.shift import ShiftDialog
from ui.dialogs.shift_open import OpenShiftDialog
from ui.dialogs.topup import TopupDialog

__all__ = ["AdjustDialog", "ApprovalDialog", "CardDialog", "CheckoutDialog", "ConsentDialog",
           "CountCardDialog", "GiftCardDialog", "HistoryDialog", "OpenShiftDialog",
           "RefundDialog", "RegisterDialog", "SellCardDialog", "SettingsDialog", "ShiftDialog",
           "TopupDialog"]
