"""Domain errors in the till's language.

The core refuses with a stable code, sometimes a variant (which of the code's situations), the
values its message names (``exc.params``: money as ``*_fen``) and an English message for the
command line. Each code (``code.variant``) has one template here, translated in the "Errors"
context, whose ``{name}`` placeholders are filled from those values. When a code has no template,
or a value its template names is missing (a refusal recorded as text, an older head office), the
core's own message is shown: it is written for a cashier too. docs/error-messages.md lists every
code with its English and Chinese (tests/ui/test_error_messages.py keeps it complete).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication

from storeapp.errors import DomainError
from storeapp.money import format_fen
from ui.i18n import QT_TRANSLATE_NOOP

CONTEXT = "Errors"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

TEMPLATES: dict[str, str] = {
    # paying
    "hq_key_missing": QT_TRANSLATE_NOOP(
        "Errors", "Head office has not given this till its key for members' data: join head "
                  "office again."),
    "wrong_pin": QT_TRANSLATE_NOOP("Errors", "Wrong payment PIN."),
    "wrong_pin.tries_left": QT_TRANSLATE_NOOP(
        "Errors", "Wrong payment PIN: {tries_left} tries left."),
    "wrong_pin.locked": QT_TRANSLATE_NOOP("Errors", "Wrong payment PIN: the PIN is now locked."),
    "pin_locked": QT_TRANSLATE_NOOP(
        "Errors", "The payment PIN is locked after too many wrong tries: a manager must reset "
                  "it."),
    "pin_required": QT_TRANSLATE_NOOP(
        "Errors", "The member's payment PIN is needed to pay from the balance."),
    "no_pin": QT_TRANSLATE_NOOP("Errors", "The member has no payment PIN."),
    "pin_not_locked": QT_TRANSLATE_NOOP("Errors", "The member's payment PIN is not locked."),
    "insufficient_balance": QT_TRANSLATE_NOOP("Errors", "The balance is not enough for this."),
    "insufficient_balance.spend": QT_TRANSLATE_NOOP(
        "Errors", "Stored value {balance_fen} is less than {amount_fen}."),
    "insufficient_balance.chain": QT_TRANSLATE_NOOP(
        "Errors", "The member's stored value across all stores is not enough."),
    "wallet_blocked": QT_TRANSLATE_NOOP(
        "Errors", "Head office has blocked this member's stored value: ask the manager."),
    "over_cap": QT_TRANSLATE_NOOP(
        "Errors", "A named card holds at most {cap_fen}; with this top-up and its bonus it "
                  "would hold {after_fen}. At most {room_fen} more fits."),
    "underpaid": QT_TRANSLATE_NOOP(
        "Errors", "Payments {paid_fen} do not cover the total {total_fen}."),
    "underpaid.cash": QT_TRANSLATE_NOOP(
        "Errors", "Cash {cash_fen} does not cover the {due_fen} left to pay."),
    "overpaid": QT_TRANSLATE_NOOP("Errors", "Payments {paid_fen} exceed the total {total_fen}."),
    "no_tender": QT_TRANSLATE_NOOP("Errors", "Say how the customer pays."),
    "bad_tender.repeated": QT_TRANSLATE_NOOP(
        "Errors", "Each payment method at most once per sale."),
    "bad_tender.two_rests": QT_TRANSLATE_NOOP(
        "Errors", "Only one payment method can take the rest."),
    "bad_tender.cash_amount": QT_TRANSLATE_NOOP(
        "Errors", "Enter the cash handed over when mixing payments."),
    "bad_tender.account": QT_TRANSLATE_NOOP(
        "Errors", "A sale on account must name the company."),
    "bad_tender.giftcard": QT_TRANSLATE_NOOP(
        "Errors", "A gift card payment needs its card: scan it."),
    "bad_method": QT_TRANSLATE_NOOP("Errors", "The payment method must be one of: {allowed}."),
    # the cart
    "empty_cart": QT_TRANSLATE_NOOP("Errors", "The cart is empty."),
    "empty_cart.command": QT_TRANSLATE_NOOP("Errors", "Give --amount or at least one --item."),
    "cart_too_big": QT_TRANSLATE_NOOP("Errors", "At most {max_lines} lines in one sale."),
    "bad_qty": QT_TRANSLATE_NOOP("Errors", "Quantity must be 1 to {max_qty}."),
    "bad_qty.command": QT_TRANSLATE_NOOP(
        "Errors", "“{text}”: the quantity after x must be a whole number."),
    "unknown_product": QT_TRANSLATE_NOOP("Errors", "No product with barcode {barcode}."),
    "bad_barcode": QT_TRANSLATE_NOOP("Errors", "“{barcode}” is not a barcode."),
    # amounts
    "bad_amount.not_money": QT_TRANSLATE_NOOP(
        "Errors", "“{text}” is not an amount of money (write it like 500, 12.50 or 1,000)."),
    "bad_amount.decimals": QT_TRANSLATE_NOOP(
        "Errors", "“{text}” has more than two decimal places."),
    "bad_amount.negative": QT_TRANSLATE_NOOP("Errors", "An amount must not be negative: {text}."),
    "bad_amount.too_large": QT_TRANSLATE_NOOP(
        "Errors", "An amount is at most {max_fen}: {text} is too large."),
    "bad_amount.zero": QT_TRANSLATE_NOOP("Errors", "The amount must be more than ¥0.00."),
    "bad_amount.implausible": QT_TRANSLATE_NOOP(
        "Errors", "{amount_fen} is not plausible: check the amount."),
    "bad_amount.sale_total": QT_TRANSLATE_NOOP(
        "Errors", "A sale total of {total_fen} is not plausible: check the amounts."),
    "bad_amount.open_price": QT_TRANSLATE_NOOP(
        "Errors", "A line with an amount typed in needs a price above ¥0.00."),
    "bad_amount.override": QT_TRANSLATE_NOOP("Errors", "A changed price must be ¥0.00 or more."),
    "bad_amount.negative_price": QT_TRANSLATE_NOOP("Errors", "A price must not be negative."),
    "bad_amount.no_change": QT_TRANSLATE_NOOP("Errors", "An adjustment must change something."),
    "bad_amount.float": QT_TRANSLATE_NOOP("Errors", "The float must be ¥0.00 or more."),
    "bad_amount.counted": QT_TRANSLATE_NOOP("Errors", "Counted cash must be ¥0.00 or more."),
    "bad_amount.credit_limit": QT_TRANSLATE_NOOP(
        "Errors", "The credit limit must be ¥0.00 or more."),
    # points and coupons
    "bad_points": QT_TRANSLATE_NOOP("Errors", "Points to redeem must not be negative."),
    "bad_points.no_change": QT_TRANSLATE_NOOP(
        "Errors", "A points adjustment must change something."),
    "insufficient_points": QT_TRANSLATE_NOOP("Errors", "The member has only {points} points."),
    "insufficient_points.expired": QT_TRANSLATE_NOOP(
        "Errors", "Some of the member's points have expired."),
    "points_below_minimum": QT_TRANSLATE_NOOP("Errors", "Redeem at least {min_points} points."),
    "points_over_cap": QT_TRANSLATE_NOOP(
        "Errors", "Points may pay at most {max_pct}% of this sale: at most {max_points} "
                  "points."),
    "bad_coupon": QT_TRANSLATE_NOOP("Errors", "“{coupon}” is not a coupon code."),
    "bad_coupon.template": QT_TRANSLATE_NOOP(
        "Errors", "A coupon is valid for at least a day and its minimum spend is ¥0.00 or "
                  "more."),
    "bad_coupon_kind": QT_TRANSLATE_NOOP("Errors", "The coupon kind must be one of: {allowed}."),
    "bad_coupon_value": QT_TRANSLATE_NOOP("Errors", "Percent off must be between 1 and 99."),
    "template_exists": QT_TRANSLATE_NOOP("Errors", "Coupon template {template} already exists."),
    "unknown_coupon_template": QT_TRANSLATE_NOOP("Errors", "No coupon template {template}."),
    "unknown_coupon": QT_TRANSLATE_NOOP("Errors", "No coupon {coupon}."),
    "coupon_used": QT_TRANSLATE_NOOP("Errors", "Coupon {coupon} was already used."),
    "coupon_not_yours": QT_TRANSLATE_NOOP(
        "Errors", "Coupon {coupon} belongs to another member."),
    "coupon_expired": QT_TRANSLATE_NOOP("Errors", "Coupon {coupon} is not valid now."),
    "coupon_min_spend": QT_TRANSLATE_NOOP(
        "Errors", "Coupon {coupon} needs a spend of at least {min_spend_fen}."),
    # members and cards
    "unknown_member": QT_TRANSLATE_NOOP("Errors", "No member found."),
    "member_required": QT_TRANSLATE_NOOP("Errors", "This needs a member: pick one first."),
    "member_required.points": QT_TRANSLATE_NOOP(
        "Errors", "Only a member can redeem points: pick one first."),
    "member_required.wallet": QT_TRANSLATE_NOOP(
        "Errors", "Paying with stored value needs a member: pick one first."),
    "member_frozen": QT_TRANSLATE_NOOP(
        "Errors", "This member is frozen: a manager must unfreeze first."),
    "member_closed": QT_TRANSLATE_NOOP("Errors", "This membership is closed."),
    "member_closed.card": QT_TRANSLATE_NOOP(
        "Errors", "This membership is closed: there is no member card to print."),
    "no_change.frozen": QT_TRANSLATE_NOOP("Errors", "This member is already frozen."),
    "no_change.active": QT_TRANSLATE_NOOP("Errors", "This member is not frozen."),
    "nothing_to_change": QT_TRANSLATE_NOOP("Errors", "Nothing to change."),
    "phone_taken": QT_TRANSLATE_NOOP("Errors", "Phone {phone} is already registered."),
    "bad_phone": QT_TRANSLATE_NOOP(
        "Errors", "“{text}” is not a phone number: mainland numbers have 11 digits starting "
                  "13-19, others need +country code."),
    "bad_name.missing": QT_TRANSLATE_NOOP("Errors", "Enter the member's name."),
    "bad_name.too_long": QT_TRANSLATE_NOOP(
        "Errors", "The name is too long (at most {max_chars} characters)."),
    "bad_name.control": QT_TRANSLATE_NOOP(
        "Errors", "The name contains control characters."),
    "bad_name.length": QT_TRANSLATE_NOOP("Errors", "A name has 1 to {max_chars} characters."),
    "bad_birthday": QT_TRANSLATE_NOOP(
        "Errors", "The birthday “{text}” is not a date like YYYY-MM-DD."),
    "bad_birthday.implausible": QT_TRANSLATE_NOOP(
        "Errors", "The birthday {day} is not plausible."),
    "bad_gender": QT_TRANSLATE_NOOP("Errors", "Gender must be one of: {allowed}."),
    "query_too_long": QT_TRANSLATE_NOOP(
        "Errors", "The search text is too long (at most {max_chars} characters)."),
    "bad_pin.payment": QT_TRANSLATE_NOOP("Errors", "A payment PIN has exactly 6 digits."),
    "bad_pin.staff": QT_TRANSLATE_NOOP(
        "Errors", "A staff PIN has {min_digits} to {max_digits} digits."),
    "bad_qr": QT_TRANSLATE_NOOP("Errors", "This is not a member QR code."),
    "forged_qr": QT_TRANSLATE_NOOP(
        "Errors", "This member QR code failed its check (altered?)."),
    "bad_qr.count_card": QT_TRANSLATE_NOOP("Errors", "This is not a count card QR code."),
    "forged_qr.count_card": QT_TRANSLATE_NOOP(
        "Errors", "This count card QR code failed its check (altered?)."),
    "unknown_card": QT_TRANSLATE_NOOP("Errors", "No member has card {card_no}."),
    "card_lost": QT_TRANSLATE_NOOP(
        "Errors", "Card {card_no} was reported lost: replace it first."),
    "card_inactive": QT_TRANSLATE_NOOP("Errors", "Card {card_no} is no longer valid."),
    "already_lost": QT_TRANSLATE_NOOP("Errors", "Card {card_no} is already reported lost."),
    "unknown_plan": QT_TRANSLATE_NOOP("Errors", "No membership plan {plan}."),
    "bad_plan": QT_TRANSLATE_NOOP("Errors", "A plan needs a fee and a duration above zero."),
    "bad_plan.discount": QT_TRANSLATE_NOOP(
        "Errors", "A plan's extra discount is 0 to less than 50 percent."),
    # referrals
    "self_referral": QT_TRANSLATE_NOOP("Errors", "A member cannot refer themselves."),
    "unknown_referrer": QT_TRANSLATE_NOOP("Errors", "No member has referral code {ref}."),
    "referrer_closed": QT_TRANSLATE_NOOP(
        "Errors", "The referring member's membership is closed."),
    # consents (storeapp.consent_rules)
    "unknown_purpose": QT_TRANSLATE_NOOP(
        "Errors", "There is no consent for {purpose}: it is one of {allowed}."),
    "bad_channel": QT_TRANSLATE_NOOP(
        "Errors", "A consent is recorded here through {allowed}, not {channel}."),
    # count cards (次卡)
    "unknown_card_product": QT_TRANSLATE_NOOP("Errors", "No count card {product} is on sale."),
    "bad_card_product.names": QT_TRANSLATE_NOOP(
        "Errors", "A count card needs a code (at most 24 characters) and a name (at most 64)."),
    "bad_card_product.covers": QT_TRANSLATE_NOOP(
        "Errors", "Say what one use of the card is (a product barcode or a service)."),
    "bad_card_product.uses": QT_TRANSLATE_NOOP(
        "Errors", "A count card gives 1 to {max_uses} uses."),
    "bad_card_product.price": QT_TRANSLATE_NOOP(
        "Errors", "A count card needs a price above ¥0.00."),
    "bad_card_product.months": QT_TRANSLATE_NOOP(
        "Errors", "A count card is valid 1 to {max_months} months."),
    "bad_card_product.offline": QT_TRANSLATE_NOOP(
        "Errors", "Offline uses must be between 0 and the card's uses."),
    "unknown_count_card": QT_TRANSLATE_NOOP("Errors", "No count card {card_no}."),
    "bad_uses": QT_TRANSLATE_NOOP("Errors", "Use 1 to {max_uses} at a time."),
    "bad_uses.adjust": QT_TRANSLATE_NOOP(
        "Errors", "An adjustment must change the uses (by at most 1,000)."),
    "which_count_card": QT_TRANSLATE_NOOP(
        "Errors", "The member holds more than one kind of count card ({cards}): scan the card "
                  "or choose it."),
    "count_card_used_up": QT_TRANSLATE_NOOP(
        "Errors", "The member's count cards have {uses_left} uses left here, not {uses}."),
    "count_card_expired": QT_TRANSLATE_NOOP("Errors", "Count card {card_no} has expired."),
    "count_card_elsewhere": QT_TRANSLATE_NOOP(
        "Errors", "Count card {card_no} is not valid at this store."),
    "count_card_inactive": QT_TRANSLATE_NOOP(
        "Errors", "Count card {card_no} can no longer be used."),
    "count_card_not_refundable": QT_TRANSLATE_NOOP(
        "Errors", "Count card {card_no} has no unused uses to refund."),
    # gift cards (礼品卡)
    "giftcard_face": QT_TRANSLATE_NOOP(
        "Errors", "A gift card holds ¥0.01 to {cap_fen} (the most an anonymous card may "
                  "hold)."),
    "giftcard_count": QT_TRANSLATE_NOOP("Errors", "Sell 1 to {max_cards} gift cards at a time."),
    "real_name_required": QT_TRANSLATE_NOOP(
        "Errors", "Gift cards of {total_fen} at once: record the buyer's real name (needed from "
                  "{from_fen})."),
    "transfer_required.company": QT_TRANSLATE_NOOP(
        "Errors", "A company prepaying {total_fen} at once must pay by bank transfer (from "
                  "{from_fen})."),
    "transfer_required.person": QT_TRANSLATE_NOOP(
        "Errors", "A person prepaying {total_fen} at once must pay by bank transfer (from "
                  "{from_fen})."),
    "payer_account_required": QT_TRANSLATE_NOOP(
        "Errors", "Enter the bank account the transfer came from."),
    # prepaid-card rules at a top-up (storeapp.prepaid_rules)
    "bad_payer_account": QT_TRANSLATE_NOOP(
        "Errors", "The payer's bank account is {min_digits} to {max_digits} digits."),
    "member_real_name_required": QT_TRANSLATE_NOOP(
        "Errors", "Stored value is held on a named card: record the member's real name (not a "
                  "placeholder or a form of address such as 王先生) before topping up."),
    "prepaid_agreement_missing": QT_TRANSLATE_NOOP(
        "Errors", "The prepaid agreement is not set: head office must set it before top-ups."),
    "agreement_changed": QT_TRANSLATE_NOOP(
        "Errors", "The prepaid agreement changed to version {version}: show it to the member "
                  "again."),
    "bad_buyer": QT_TRANSLATE_NOOP(
        "Errors", "The buyer's name and bank account are at most 64 characters each."),
    "unknown_giftcard": QT_TRANSLATE_NOOP(
        "Errors", "No gift card {card_no} at this till: scan the card's QR code."),
    "bad_qr.gift_card": QT_TRANSLATE_NOOP("Errors", "This is not a gift card QR code."),
    "forged_qr.gift_card": QT_TRANSLATE_NOOP(
        "Errors", "This gift card QR code failed its check (altered?)."),
    "giftcard_inactive": QT_TRANSLATE_NOOP(
        "Errors", "Gift card {card_no} can no longer be used."),
    "giftcard_expired": QT_TRANSLATE_NOOP("Errors", "Gift card {card_no} has expired."),
    "giftcard_insufficient": QT_TRANSLATE_NOOP(
        "Errors", "Gift card {card_no} holds {balance_fen}, less than {amount_fen}."),
    "giftcard_insufficient.chain": QT_TRANSLATE_NOOP(
        "Errors", "Gift card {card_no} has {balance_fen} available across all stores, less "
                  "than {amount_fen}."),
    # head office's campaign coupons: usable once in the whole chain
    "coupon_used.chain": QT_TRANSLATE_NOOP(
        "Errors", "Coupon {coupon} was already used at store {store}."),
    "coupon_held": QT_TRANSLATE_NOOP(
        "Errors", "Coupon {coupon} is being used in another sale right now."),
    # company accounts (企业挂账)
    "unknown_company": QT_TRANSLATE_NOOP("Errors", "No company {company}."),
    "company_exists": QT_TRANSLATE_NOOP("Errors", "A company with this code already exists."),
    "company_inactive": QT_TRANSLATE_NOOP("Errors", "This company account is not active."),
    "company_overdue": QT_TRANSLATE_NOOP(
        "Errors", "The company's account is overdue ({overdue_fen} since {since}): take a "
                  "payment first."),
    "over_credit_limit": QT_TRANSLATE_NOOP(
        "Errors", "This goes over the company's credit limit: {available_fen} is available."),
    "company_overpaid": QT_TRANSLATE_NOOP(
        "Errors", "The payment is more than the {balance_fen} the company owes."),
    "transfer_ref_required": QT_TRANSLATE_NOOP(
        "Errors", "A bank transfer needs its reference (the bank's transaction number)."),
    "bad_company.name": QT_TRANSLATE_NOOP(
        "Errors", "Enter the company's name (at most 64 characters); a contact has at most 32, "
                  "a phone at most 20."),
    "bad_company.terms": QT_TRANSLATE_NOOP("Errors", "Payment terms are 1 to {max_days} days."),
    "bad_company.code": QT_TRANSLATE_NOOP(
        "Errors", "A company code has 1-16 letters, digits or -."),
    "bad_company.ref": QT_TRANSLATE_NOOP(
        "Errors", "A payment reference is at most 64 characters."),
    # refunds and voids
    "unknown_receipt": QT_TRANSLATE_NOOP("Errors", "No sale with receipt number {receipt_no}."),
    "unknown_receipt.printed": QT_TRANSLATE_NOOP(
        "Errors", "No receipt {receipt_no} has been printed at this till."),
    "already_refunded": QT_TRANSLATE_NOOP("Errors", "Sale {receipt_no} was already refunded."),
    "unknown_topup": QT_TRANSLATE_NOOP("Errors", "No top-up {topup_key}."),
    "already_voided": QT_TRANSLATE_NOOP("Errors", "This top-up was already voided."),
    "void_too_late": QT_TRANSLATE_NOOP(
        "Errors", "A top-up can only be voided on the day it was made."),
    "void_not_covered": QT_TRANSLATE_NOOP(
        "Errors", "The balance no longer covers this top-up (part was spent)."),
    # shifts
    "shift_open": QT_TRANSLATE_NOOP(
        "Errors", "Till {till} already has an open shift: close it first."),
    "no_shift": QT_TRANSLATE_NOOP(
        "Errors", "No shift is open at this till: open one first."),
    "unknown_z": QT_TRANSLATE_NOOP("Errors", "There is no Z report {z_no} at till {till}."),
    # staff and approvals
    "bad_login": QT_TRANSLATE_NOOP("Errors", "Unknown user or wrong PIN."),
    "user_locked": QT_TRANSLATE_NOOP(
        "Errors", "User {user} is locked: ask a manager to unlock them."),
    "user_locked.timed": QT_TRANSLATE_NOOP(
        "Errors", "User {user} is locked for {minutes} more minutes (too many wrong PINs), or "
                  "until a manager unlocks them."),
    "not_a_manager": QT_TRANSLATE_NOOP(
        "Errors", "{user} is not a manager and cannot approve."),
    "self_approval.own_request": QT_TRANSLATE_NOOP(
        "Errors", "{user} cannot approve their own request: another manager must approve."),
    "self_approval.own_member": QT_TRANSLATE_NOOP(
        "Errors", "{user} cannot approve this for their own member account: another manager "
                  "must approve."),
    "member_is_staff": QT_TRANSLATE_NOOP(
        "Errors", "That member account is already linked to staff user {user}."),
    "approval_required": QT_TRANSLATE_NOOP("Errors", "This needs a manager's approval."),
    "reason_required": QT_TRANSLATE_NOOP("Errors", "An approval needs a reason."),
    "reason_too_long": QT_TRANSLATE_NOOP(
        "Errors", "The reason is at most {max_chars} characters."),
    "bad_user_code": QT_TRANSLATE_NOOP("Errors", "A user code has 1-16 letters, digits or _."),
    "bad_role": QT_TRANSLATE_NOOP("Errors", "The role must be one of: {allowed}."),
    "user_exists": QT_TRANSLATE_NOOP("Errors", "User {user} already exists."),
    "unknown_user": QT_TRANSLATE_NOOP("Errors", "No user {user}."),
    # the command line: who runs a command
    "login_required": QT_TRANSLATE_NOOP(
        "Errors", "'{command}' must be done by a user: their code and PIN."),
    "login_required.pin": QT_TRANSLATE_NOOP(
        "Errors", "'{command}' needs {user}'s PIN (never on the command line)."),
    "login_required.approver": QT_TRANSLATE_NOOP(
        "Errors", "The approval needs {user}'s PIN."),
    "manager_required": QT_TRANSLATE_NOOP(
        "Errors", "{user} cannot do this: '{command}' needs a manager."),
    "pin_needed": QT_TRANSLATE_NOOP("Errors", "Give the new PIN for {user}."),
    "token_needed": QT_TRANSLATE_NOOP("Errors", "Give the store's token in {env}, or type it "
                                      "when asked."),
    "pin_mismatch": QT_TRANSLATE_NOOP("Errors", "The two PINs differ: nothing was changed."),
    # settings and setting up
    "bad_setting": QT_TRANSLATE_NOOP("Errors", "Setting {setting} cannot take this: {detail}"),
    "bad_setting.unknown": QT_TRANSLATE_NOOP("Errors", "There is no setting {setting}."),
    "sync_owned": QT_TRANSLATE_NOOP(
        "Errors", "Setting {setting} is set by head-office sync, not by hand."),
    "chain_rule": QT_TRANSLATE_NOOP(
        "Errors", "Setting {setting} is a chain rule: head office sets it for every store."),
    "bad_store.name": QT_TRANSLATE_NOOP("Errors", "Store name: 1 to {max_chars} characters."),
    "bad_store.code": QT_TRANSLATE_NOOP("Errors", "Store code: exactly 4 digits."),
    "bad_store_code": QT_TRANSLATE_NOOP("Errors", "A store code has 4 digits, e.g. 0002."),
    "bad_till": QT_TRANSLATE_NOOP("Errors", "A till number is 1 to 99."),
    # the command line and its files
    "usage": QT_TRANSLATE_NOOP("Errors", "The command is not right: {detail} (see {command} -h)"),
    "usage.link": QT_TRANSLATE_NOOP("Errors", "Give --server, --token and --till together."),
    "bad_key": QT_TRANSLATE_NOOP(
        "Errors", "An idempotency key has 1 to {max_chars} printable characters."),
    "key_reused": QT_TRANSLATE_NOOP(
        "Errors", "This idempotency key was already used for a different action."),
    "bad_keep": QT_TRANSLATE_NOOP("Errors", "--keep must be at least {min_keep}."),
    "bad_count.members": QT_TRANSLATE_NOOP(
        "Errors", "Members must be 1 to 9,999,999 (7-digit card numbers)."),
    "bad_count.rows": QT_TRANSLATE_NOOP(
        "Errors", "Ledger rows must be 0 or more and days 1 or more."),
    "demo_not_empty": QT_TRANSLATE_NOOP(
        "Errors", "The database already has {members} members and {sales} sales: bulk demo "
                  "history goes only into a new database."),
    "needs_checkout": QT_TRANSLATE_NOOP(
        "Errors", "{command} is development tooling: it runs from the source checkout (tools/), "
                  "which is not installed with the app."),
    "bad_date": QT_TRANSLATE_NOOP("Errors", "“{text}” is not a date like 2026-03-10."),
    "bad_date.month": QT_TRANSLATE_NOOP("Errors", "“{text}” is not a month like 2026-03."),
    "bad_time": QT_TRANSLATE_NOOP("Errors", "“{text}” is not a time like 2026-03-10T18:00:00."),
    "bad_range": QT_TRANSLATE_NOOP("Errors", "A report covers at most {max_days} days."),
    "bad_range.reversed": QT_TRANSLATE_NOOP("Errors", "The end date is before the start date."),
    "no_cjk_font": QT_TRANSLATE_NOOP(
        "Errors", "No Chinese font for PDF reports: install {package} (or run scripts/setup)."),
    "bad_csv": QT_TRANSLATE_NOOP("Errors", "Line {line} of the file: {detail}"),
    "bad_csv.columns": QT_TRANSLATE_NOOP(
        "Errors", "Line {line} of the file: expected barcode,name,price."),
    # generic: a domain error raised without a code of its own
    "invalid_input": QT_TRANSLATE_NOOP("Errors", "This input is not valid."),
    "not_found": QT_TRANSLATE_NOOP("Errors", "Not found."),
    "refused": QT_TRANSLATE_NOOP("Errors", "Refused; nothing was changed."),
    "auth_failed": QT_TRANSLATE_NOOP("Errors", "Not allowed: check the user and PIN."),
    # the disk
    "storage": QT_TRANSLATE_NOOP(
        "Errors", "The till's database cannot be used as it is: nothing was changed."),
    "db_corrupt": QT_TRANSLATE_NOOP(
        "Errors", "The till's database is damaged: nothing was changed. Restore it: storeapp "
                  "restore (the newest good backup and head office's copy of every sale)."),
    "db_corrupt.backup": QT_TRANSLATE_NOOP(
        "Errors", "The till's database is damaged, so no backup was made and every earlier "
                  "backup is kept: storeapp restore."),
    "db_read_only": QT_TRANSLATE_NOOP(
        "Errors", "The till's database (or its folder) cannot be written: nothing was changed. "
                  "Check the disk is not mounted read-only and the file belongs to this user."),
    "db_locked": QT_TRANSLATE_NOOP(
        "Errors", "Another program holds the till's database: nothing was changed. Close the "
                  "other counter window or command and try again."),
    "db_full": QT_TRANSLATE_NOOP(
        "Errors", "The disk holding the till's database is full: nothing was changed. Free "
                  "some space (old backups, logs) and try again."),
    "db_unreadable": QT_TRANSLATE_NOOP(
        "Errors", "The till's database cannot be opened or read: nothing was changed. Check "
                  "the disk; if the file is damaged: storeapp restore."),
    "db_missing": QT_TRANSLATE_NOOP(
        "Errors", "There is no till database at {path}: nothing was made. A new till: "
                  "storeapp init (or the counter's first-start screen); a till that lost its "
                  "disk: storeapp restore."),
    "db_exists": QT_TRANSLATE_NOOP(
        "Errors", "There is already a till database at {path}: nothing was changed."),
    "backup_failed": QT_TRANSLATE_NOOP("Errors", "The backup could not be made: {detail}"),
    # head office unreachable: the offline allowance
    "offline_too_long": QT_TRANSLATE_NOOP(
        "Errors", "Head office has not been reached for more than {max_hours} hours: stored "
                  "value cannot be spent until it is."),
    "offline_too_long.never": QT_TRANSLATE_NOOP(
        "Errors", "This till has never reached head office: stored value cannot be spent until "
                  "it has."),
    "offline_too_long.count_card": QT_TRANSLATE_NOOP(
        "Errors", "Head office has not been reached for more than {max_hours} hours: count "
                  "cards cannot be used until it is."),
    "offline_too_long.gift_card": QT_TRANSLATE_NOOP(
        "Errors", "Head office has not been reached for more than {max_hours} hours: gift "
                  "cards cannot pay until it is."),
    "offline_limit_uses": QT_TRANSLATE_NOOP(
        "Errors", "Head office cannot be reached: count card {card_no} may give at most "
                  "{max_uses} uses offline; {used} given already."),
    "offline_limit_txn": QT_TRANSLATE_NOOP(
        "Errors", "Head office cannot be reached: one action may take at most {max_fen} of "
                  "stored value offline."),
    "offline_limit_member": QT_TRANSLATE_NOOP(
        "Errors", "Head office cannot be reached: a member may spend at most {max_fen} of "
                  "stored value offline; this member has spent {spent_fen} already."),
    "offline_limit_store": QT_TRANSLATE_NOOP(
        "Errors", "Head office cannot be reached: this store may take at most {max_fen} of "
                  "stored value offline; {spent_fen} is taken already."),
    "offline_limit_giftcard": QT_TRANSLATE_NOOP(
        "Errors", "Head office cannot be reached: a gift card may pay at most {max_fen} at "
                  "this till offline; this card has paid {spent_fen} already."),
    "online_only": QT_TRANSLATE_NOOP(
        "Errors", "Head office found this till's records do not match: stored value can be "
                  "used only while head office answers."),
    "restore_needed": QT_TRANSLATE_NOOP(
        "Errors", "This till lost data head office holds: stored value cannot be used until a "
                  "manager runs storeapp restore."),
    # head office (sync.http: head office's refusals; sync.client and sync.restore: the till's)
    "payout_exceeds_principal": QT_TRANSLATE_NOOP(
        "Errors", "Head office knows {principal_fen} of principal for this member: "
                  "{amount_fen} cannot be paid out."),
    "not_linked": QT_TRANSLATE_NOOP("Errors", "This till is not linked to a head office yet."),
    "not_linked.restore": QT_TRANSLATE_NOOP(
        "Errors", "Restoring needs head office: give --server, --token and --till."),
    "revoked": QT_TRANSLATE_NOOP(
        "Errors", "Head office revoked this store's token: ask head office for a new one and "
                  "join again."),
    "bad_token": QT_TRANSLATE_NOOP(
        "Errors", "Head office does not know this till's token: join again with the store's "
                  "token."),
    "bad_signature": QT_TRANSLATE_NOOP(
        "Errors", "Head office could not verify this till's request: join again with the "
                  "store's token."),
    "stale_request": QT_TRANSLATE_NOOP(
        "Errors", "This computer's clock is more than 5 minutes off: correct it, then sync "
                  "again."),
    "too_many_failures": QT_TRANSLATE_NOOP(
        "Errors", "Head office refused too many requests from this computer: wait a few "
                  "minutes, then check the till's token."),
    "wrong_store": QT_TRANSLATE_NOOP(
        "Errors", "Head office says these records belong to another store: call head office."),
    "event_conflict": QT_TRANSLATE_NOOP(
        "Errors", "Head office holds another version of one of this till's records: call head "
                  "office."),
    "store_mismatch": QT_TRANSLATE_NOOP(
        "Errors", "This till already recorded sales and members as store {recorded_store}; the "
                  "token is for store {token_store}. Use store {recorded_store}'s token, or a "
                  "new till database for store {token_store}."),
    "upload_stalled": QT_TRANSLATE_NOOP(
        "Errors", "Head office stored none of events {first_seq}-{last_seq} (it has up to "
                  "{acked_seq})."),
    "download_stalled": QT_TRANSLATE_NOOP("Errors", "Head office sent the same page twice."),
    "numbering_went_back": QT_TRANSLATE_NOOP(
        "Errors", "Head office was restored from a backup and has not renumbered yet: member "
                  "updates wait until it has (selling goes on)."),
    "hq_unreachable": QT_TRANSLATE_NOOP("Errors", "Head office cannot be reached: {detail}"),
    "redirected": QT_TRANSLATE_NOOP(
        "Errors", "The head-office address redirects to {location}: join again with that "
                  "address."),
    "bad_url": QT_TRANSLATE_NOOP(
        "Errors", "Head office's address must start with https://, not {url}."),
    "bad_url.plain_http": QT_TRANSLATE_NOOP(
        "Errors", "Head office must be reached over https:// (the store token would travel in "
                  "clear): {url}."),
    "no_good_backup": QT_TRANSLATE_NOOP(
        "Errors", "No backup continues what head office holds ({detail}): restore with "
                  "--from-head-office."),
    "restore_failed.events": QT_TRANSLATE_NOOP(
        "Errors", "After writing back head office's events this till's do not end as head "
                  "office's do at {acked_seq}: nothing was changed; call head office."),
    "restore_failed.audit": QT_TRANSLATE_NOOP(
        "Errors", "Head office's audit row {audit_seq} does not continue this till's: nothing "
                  "was changed; call head office."),
    "restore_failed.ledgers": QT_TRANSLATE_NOOP(
        "Errors", "The restored till's balances do not match its ledgers ({detail}): nothing "
                  "was changed."),
    # the receipt printer
    "printer_offline.kept": QT_TRANSLATE_NOOP(
        "Errors", "The printer cannot be reached ({detail}): the receipt is kept as print job "
                  "{job_id} and prints when the printer is back."),
    "printer_offline.dropped": QT_TRANSLATE_NOOP(
        "Errors", "The printer cannot be reached ({detail}): nothing was kept to print later."),
    "paper_out.kept": QT_TRANSLATE_NOOP(
        "Errors", "The printer is out of paper: the receipt is kept as print job {job_id} and "
                  "prints when paper is in."),
    "paper_out.dropped": QT_TRANSLATE_NOOP(
        "Errors", "The printer is out of paper: nothing was kept to print later."),
    "printer_error.kept": QT_TRANSLATE_NOOP(
        "Errors", "The printer reports an error ({detail}): the receipt is kept as print job "
                  "{job_id} and prints when the printer is back."),
    "printer_error.dropped": QT_TRANSLATE_NOOP(
        "Errors", "The printer reports an error ({detail}): nothing was kept to print later."),
    "unprintable": QT_TRANSLATE_NOOP("Errors", "Print job {job_id} cannot be printed: {detail}"),
    "bad_profile": QT_TRANSLATE_NOOP("Errors", "Not a printer model: {detail}"),
    "bad_encoding": QT_TRANSLATE_NOOP("Errors", "Not a printer encoding: {detail}"),
    "bad_printer": QT_TRANSLATE_NOOP("Errors", "Not a printer address: {detail}"),
    "no_printer": QT_TRANSLATE_NOOP("Errors", "This till has no receipt printer set up."),
    "printing_not_installed": QT_TRANSLATE_NOOP(
        "Errors", "Printing needs {module}: pip install 'storeapp[devices]'."),
}


def readable(error: BaseException) -> str:
    """What to show a cashier for ``error``: the rule in the till's language, or a calm generic
    line for anything that is not a domain error (nothing was committed either way)."""
    if isinstance(error, DomainError):
        return domain_message(error.code, error.message, error.params, error.variant)
    return QCoreApplication.translate(  # a literal context: lupdate reads this call
        "Errors", "Something went wrong (%1); the sale was not changed.").replace(
        "%1", type(error).__name__)


def domain_message(code: str, message: str, params: Mapping[str, object] | None = None,
                   variant: str = "") -> str:
    """The template of ``code`` (and ``variant``) in the till's language filled with
    ``params``; the core's ``message`` when there is no template or a value it names is
    missing (a refusal recorded as "message [code]" keeps no values)."""
    source = TEMPLATES.get(f"{code}.{variant}" if variant else code)
    if source is None:
        return message
    try:
        return _fill(QCoreApplication.translate(CONTEXT, source), params or {})
    except KeyError:
        return message


def _fill(text: str, params: Mapping[str, object]) -> str:
    """``{name}`` in one pass (a value that itself contains "{x}" is left alone); money
    (``*_fen``) as the till shows it."""
    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        given = params[name]
        if name.endswith("_fen") and isinstance(given, int):
            return format_fen(given)
        return str(given)

    return _PLACEHOLDER.sub(value, text)
