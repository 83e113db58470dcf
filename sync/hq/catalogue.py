"""The head-office pages' words: labels for exception kinds, hold reasons, amounts, accounts and
ledger kinds, and the Chinese for every English text the pages show (Chinese is the default)."""

from __future__ import annotations

KINDS = {
    "overdraft": "Overdraft", "merged_duplicate": "Duplicate member merged",
    "event_conflict": "Event conflict", "day_mismatch": "Day totals differ",
    "phone_conflict": "Phone conflict", "unknown_member": "Unknown member",
    "implausible_event": "Implausible event", "countcard_overuse": "Count card overused",
    "giftcard_overdrawn": "Gift card overspent",
}
#: Why head office held an event (sync.hq.verify).
REASONS = {
    "bonus_breaks_rule": "the bonus breaks the chain's rule",
    "over_cap": "more than a named card may hold",
    "sale_credits": "a sale credited stored value",
    "refund_exceeds_sale": "the refund gives back more than its sale took",
    "refund_repeated": "the sale was already refunded",
    "void_repeated": "the top-up was already voided",
    "void_too_late": "a void on another day than its top-up",
    "void_differs": "the void does not match its top-up",
    "unknown_sale": "it names a sale this till never sent",
    "unknown_topup": "it names a top-up this till never sent",
    "ledger_other_member": "it moves money of a member it does not name",
    "ledger_differs": "its ledger is not what it says happened",
    "wallet_differs": "the stored value taken is not the wallet tender",
    "tenders_differ": "the tenders do not add up to the total",
    "split_not_proportional": "principal and bonus not taken in proportion",
    "split_differs": "the spend took more than the balance held",
    "points_differ": "the points moved are not those earned and redeemed",
    "points_break_rule": "more points than the rules give",
    "redemption_breaks_rule": "a redemption the rules do not allow",
    "discount_breaks_rule": "a discount larger than any tier and plan give",
    "staff_discount_breaks_rule": "a staff discount the staff price does not give",
    "plan_breaks_rule": "not a chain plan at that price",
    "no_approval": "no manager's approval",
    "moves_money": "this kind of event may not move money",
    "unexplained_movement": "money moved by an action that says nothing of itself",
    "expiry_credits": "an expiry that gives points",
    "rules_missing": "it names no chain rules",
    "rules_unknown": "it names rules head office never gave out",
    "bad_method": "an unknown payment method",
    "malformed": "it cannot be read",
    "count_card_repeated": "the count card was sold before",
    "count_differs": "its count-card uses are not what it says happened",
    "card_product_breaks_rule": "not a chain count card at that price",
    "count_card_expired": "a count card used after it expired",
    "refund_differs": "the refund is not the card's unused value",
    "expiry_differs": "a count card expired before its date",
    "unknown_count_card": "it names a count card never sold",
    "count_other_member": "it uses another member's count card",
    "count_value_differs": "the uses' value is not the card's price",
    "moves_uses": "this kind of event may not move count-card uses",
    "giftcard_breaks_rule": "a gift-card sale the prepaid-card rules forbid",
    "gift_differs": "its gift-card money is not what it says happened",
    "giftcard_repeated": "the gift card was sold before",
    "moves_gift": "this kind of event may not move gift-card money",
}
AMOUNT_LABELS = {
    "paid_fen": "paid", "bonus_fen": "bonus", "allowed_bonus_fen": "rule's bonus",
    "amount_fen": "amount", "cap_fen": "cap", "sale": "sale took", "refund": "refund gives",
    "ledger": "ledger", "before": "balance before", "taken": "taken",
    "fair_principal_fen": "principal in proportion", "earned": "points earned",
    "allowed_max": "most allowed", "wallet_fen": "wallet tender", "total_fen": "total",
    "topup": "top-up", "fee_fen": "fee", "chain_fee_fen": "chain's fee",
    "discount_fen": "discount", "subtotal_fen": "subtotal", "redeemed": "points redeemed",
    "staff_discount_fen": "staff discount", "staff_code": "staff user",
}
ACCOUNT_LABELS = {"wallet:principal": "Principal", "wallet:bonus": "Bonus",
                  "points": "Points"}
LEDGER_KINDS = {
    "wallet_topped_up": "Top-up", "wallet_topup_voided": "Top-up voided",
    "wallet_adjusted": "Stored-value adjustment", "sale_completed": "Sale",
    "sale_refunded": "Refund", "points_adjusted": "Points adjustment",
    "points_expired": "Points expired", "plan_bought": "Plan bought",
    "ledger_posted": "Other posting", "merge_in": "Merge (in)", "merge_out": "Merge (out)",
    "coupon_issued": "Coupon issued", "member_registered": "Registration",
    "countcard_sold": "Count card sold", "countcard_used": "Count card used",
    "countcard_refunded": "Count card refunded", "countcard_adjusted": "Count card adjusted",
    "countcards_expired": "Count cards expired", "giftcards_sold": "Gift cards sold",
    "referral_reward": "Referral reward",
}

ZH: dict[str, str] = {
    # frame
    "storeapp head office": "storeapp 总部", "Head office": "总部",
    "Overview": "总览", "Stores": "门店", "Liability": "储值负债",
    "Exceptions": "异常", "Daily totals": "日报",
    "Generated {t} (Beijing time)": "生成于 {t}（北京时间）", "Signed in as {u}": "登录用户 {u}",
    "Sign-in required": "需要登录", "Too many failed sign-ins": "登录失败次数过多，请稍后再试",
    "These pages show the chain's members and money: sign in as a head-office user.":
        "这些页面显示全连锁的会员与资金，请以总部用户登录。",
    "A user is created on the server with: storeapp-hq user add NAME":
        "在服务器上创建用户：storeapp-hq user add 用户名",
    "Wrong input": "输入有误", "The date must look like 2026-03-10, not {raw}.":
        "日期格式应为 2026-03-10，而不是 {raw}。",
    "Back": "返回", "Date": "日期", "Show": "显示", "All open": "全部未处理",
    "Store": "门店", "Name": "名称", "Total": "合计", "Principal": "本金", "Bonus": "赠送",
    "Points": "积分", "Members": "会员", "Yes": "是", "No": "否",
    # overview
    "Chain stored-value liability": "全连锁储值负债", "Stored value total": "储值合计",
    "Points outstanding": "积分余额", "Live members": "会员数",
    "Members with a blocked wallet": "储值被冻结的会员", "Owed by overdrawn members": "透支待追回",
    "Stores registered": "已登记门店", "revoked": "已停用",
    "Not synced for over an hour": "超过 1 小时未同步", "Open exceptions": "未处理异常",
    "Day totals differing today": "今日日结不符",
    # stores
    "Code": "编号", "Last sync": "最近同步", "Lag": "延迟", "Newest event": "最新事件",
    "Tills (acknowledged sequence)": "收银机（已确认序号）", "Revoked": "已停用",
    "never": "从未同步", "just now": "刚刚", "{m} min": "{m} 分钟",
    "{h} h {m} min": "{h} 小时 {m} 分钟", "{d} d {h} h": "{d} 天 {h} 小时",
    "till {n}": "{n} 号机", "No stores yet: add one with storeapp-hq store add.":
        "尚无门店：用 storeapp-hq store add 添加。",
    "Times are Beijing time; lag is red after an hour without sync.":
        "时间为北京时间；超过 1 小时未同步的延迟显示为红色。",
    # liability
    "Stored-value liability": "储值负债",
    "By the store that contributed it: top-ups less spends made there. Head office (HQ) "
    "moves balances when it merges duplicate members.":
        "按贡献门店统计：在该店的充值减去在该店的消费。总部（HQ）一行为合并重复会员时转移的余额。",
    "Head office (merges)": "总部（会员合并）", "Members with activity": "有往来会员",
    "As of the end of": "截至该日日终", "Now": "当前",
    "Check: members' balances add up to the same total.": "核对：会员余额合计与上表一致。",
    "Check failed: members' balances add up to {t}.": "核对不符：会员余额合计为 {t}。",
    # exceptions
    "Reconciliation exceptions": "对账异常", "Kind": "类型", "Day": "日期",
    "Member phone": "会员手机", "Amount": "金额", "Detail": "说明", "State": "状态",
    "open": "未处理", "resolved": "已处理", "No exceptions.": "没有异常。",
    "Open exceptions, plus everything recorded on the chosen day.":
        "列出全部未处理异常，以及所选日期记录的异常。",
    "Overdraft": "透支", "Duplicate member merged": "重复会员已合并",
    "Event conflict": "事件冲突", "Day totals differ": "日结不符",
    "Phone conflict": "手机号冲突", "Unknown member": "未知会员",
    "Implausible event": "可疑事件",
    "{what} (till {t}, sequence {q}): {reason}. {amounts} Held #{id}, not applied: "
    "storeapp-hq event accept|reject {id}":
        "{what}（{t} 号机，序号 {q}）：{reason}。{amounts}暂存 #{id}，未入账；处理："
        "storeapp-hq event accept|reject {id}",
    "the bonus breaks the chain's rule": "赠送金额不符合连锁规则",
    "more than a named card may hold": "超过记名卡上限",
    "a sale credited stored value": "销售反而增加了储值",
    "the refund gives back more than its sale took": "退款超过原销售扣款",
    "the sale was already refunded": "该销售已退过款",
    "the top-up was already voided": "该充值已撤销过",
    "a void on another day than its top-up": "非充值当日撤销",
    "the void does not match its top-up": "撤销金额与原充值不符",
    "it names a sale this till never sent": "引用了本机从未上传的销售",
    "it names a top-up this till never sent": "引用了本机从未上传的充值",
    "it moves money of a member it does not name": "变动了未列明会员的资金",
    "its ledger is not what it says happened": "流水与业务内容不符",
    "the stored value taken is not the wallet tender": "储值扣款与储值支付不符",
    "the tenders do not add up to the total": "支付合计与应付不符",
    "principal and bonus not taken in proportion": "未按比例扣减本金与赠送",
    "the spend took more than the balance held": "扣款超过余额",
    "the points moved are not those earned and redeemed": "积分变动与获得、抵扣不符",
    "more points than the rules give": "积分多于规则所给",
    "a redemption the rules do not allow": "积分抵扣不符合规则",
    "a discount larger than any tier and plan give": "折扣超过任何等级与套餐",
    "a staff discount the staff price does not give": "员工折扣不符合员工价规则",
    "not a chain plan at that price": "不是连锁该价格的套餐",
    "no manager's approval": "缺少店长审批",
    "this kind of event may not move money": "此类事件不得变动资金",
    "money moved by an action that says nothing of itself": "资金变动缺少业务说明",
    "an expiry that gives points": "过期反而增加积分",
    "it names no chain rules": "未注明连锁规则版本",
    "it names rules head office never gave out": "注明的规则版本总部从未下发",
    "an unknown payment method": "未知支付方式", "it cannot be read": "无法解析",
    "paid": "实付", "bonus": "赠送", "rule's bonus": "规则赠送", "amount": "金额", "cap": "上限",
    "sale took": "原销售扣款", "refund gives": "退款返还", "ledger": "流水",
    "balance before": "扣款前余额", "taken": "扣款", "principal in proportion": "按比例应扣本金",
    "points earned": "获得积分", "most allowed": "最多允许", "wallet tender": "储值支付",
    "total": "合计", "top-up": "充值", "fee": "费用", "chain's fee": "连锁定价",
    "discount": "折扣", "subtotal": "小计", "points redeemed": "抵扣积分",
    "staff discount": "员工折扣", "staff user": "员工",
    "unknown": "未知", "merged": "已合并", "{n} points": "{n} 积分",
    "Balance: principal {p}, bonus {b}. Net by store: {s}. Wallet blocked.":
        "余额：本金 {p}，赠送 {b}。各店净额：{s}。储值已冻结。",
    "Member {merged} registered at store {ms} merged into {survivor} of store {ss}; "
    "balance moved by head office.":
        "门店 {ms} 登记的会员 {merged} 已并入门店 {ss} 的会员 {survivor}，余额由总部转移。",
    "Till {t}, {account}: till {tc} movements, {ts}; head office {hc}, {hs}.":
        "{t} 号机 {account}：收银机 {tc} 笔 {ts}；总部 {hc} 笔 {hs}。",
    "Event {e} (sequence {q}) arrived with other content: {msg}":
        "事件 {e}（序号 {q}）内容与已存不同：{msg}",
    "Phone change refused: {phone} already belongs to member {other}.":
        "手机号修改被拒：{phone} 已属于会员 {other}。",
    "Stored value or points moved before head office saw the member registered.":
        "总部收到会员登记之前已有储值或积分变动。",
    # daily
    "Ledger rows": "流水笔数", "Stored value in": "储值流入", "Stored value out": "储值流出",
    "Net principal": "本金净额", "Net bonus": "赠送净额", "Points issued": "发放积分",
    "Points used": "使用积分", "Previous day": "前一天", "Next day": "后一天",
    "By kind of movement": "按业务类型", "Tills' own day totals": "收银机日结核对",
    "Till": "收银机", "Account": "账户", "Till count": "收银机笔数", "Till sum": "收银机合计",
    "HQ count": "总部笔数", "HQ sum": "总部合计", "Match": "一致", "not reported": "未报告",
    "No movements this day.": "当日无流水。", "No till has reported this day.":
        "当日没有收银机报告日结。",
    "Head office's ledger for the local day, by store. Stored value in and out are "
    "principal plus bonus.":
        "总部流水按门店汇总（北京时间自然日）。储值流入、流出均为本金加赠送。",
    "Top-up": "充值", "Top-up voided": "充值撤销", "Stored-value adjustment": "储值调整",
    "Sale": "销售", "Refund": "退货", "Points adjustment": "积分调整",
    "Points expired": "积分过期", "Plan bought": "购买套餐", "Other posting": "其他入账",
    "Merge (in)": "合并转入", "Merge (out)": "合并转出", "Coupon issued": "发券",
    "Registration": "注册",
    # count cards
    "Count card overused": "次卡超次", "Count cards": "次卡",
    "the count card was sold before": "该次卡已售出过",
    "its count-card uses are not what it says happened": "次卡次数与业务内容不符",
    "not a chain count card at that price": "不是连锁该价格的次卡",
    "a count card used after it expired": "次卡过期后仍被使用",
    "the refund is not the card's unused value": "退款不等于次卡未用价值",
    "a count card expired before its date": "次卡未到期即被过期",
    "it names a count card never sold": "引用了从未售出的次卡",
    "it uses another member's count card": "使用了他人的次卡",
    "the uses' value is not the card's price": "次数价值与次卡价格不符",
    "this kind of event may not move count-card uses": "此类事件不得变动次卡次数",
    "Count card sold": "售出次卡", "Count card used": "次卡核销",
    "Count card refunded": "次卡退卡", "Count card adjusted": "次卡调整",
    "Count cards expired": "次卡过期",
    "Card {c} ({name}): {n} uses more than it had. Uses by store: {s}.":
        "次卡 {c}（{name}）：超出 {n} 次。各店净次数：{s}。",
    "Count cards: unused value": "次卡未用价值", "Uses left": "剩余次数",
    "Cards with uses left": "有剩余次数的次卡", "Overused cards": "超次次卡",
    "By the store that sold the card; its value is the price paid × unused uses / uses.":
        "按售卡门店统计；未用价值 = 实付价格 × 剩余次数 / 总次数。",
    "Sold at": "售卡门店",
    # gift cards
    "Gift card overspent": "礼品卡超额消费",
    "a gift-card sale the prepaid-card rules forbid": "礼品卡销售违反预付卡规定",
    "its gift-card money is not what it says happened": "礼品卡金额与业务内容不符",
    "the gift card was sold before": "该礼品卡已售出过",
    "this kind of event may not move gift-card money": "此类事件不得变动礼品卡金额",
    "Gift cards sold": "售出礼品卡",
    "Gift card {c} (face {f}): spent {o} more than it held. Net by store: {s}.":
        "礼品卡 {c}（面值 {f}）：超额消费 {o}。各店净额：{s}。",
    "Gift cards: unused balance": "礼品卡未用余额", "Cards": "张数",
    "Anonymous gift cards by the store that sold them: face values less what was spent "
    "anywhere.": "不记名礼品卡按售卡门店统计：面值减去在各店的消费。",
    # referrals (推广大使)
    "Referral reward": "推广奖励", "Referrals this month": "本月推广",
    "Rewarded": "已奖励", "Refused": "未奖励", "Awaiting a first purchase": "待首次消费",
    "Points given": "奖励积分",
}

