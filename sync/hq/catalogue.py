"""The head-office pages' words: labels for exception kinds, hold reasons, amounts, accounts and
ledger kinds, and the Chinese for every English text the pages show (Chinese is the default)."""

from __future__ import annotations

KINDS = {
    "overdraft": "Overdraft", "merged_duplicate": "Duplicate member merged",
    "event_conflict": "Event conflict", "day_mismatch": "Day totals differ",
    "phone_conflict": "Phone conflict", "unknown_member": "Unknown member",
    "implausible_event": "Implausible event", "countcard_overuse": "Count card overused",
    "giftcard_overdrawn": "Gift card overspent",
    "numbering_went_back": "Head office went back",
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
    "bad_profile": "a member's details no till's form allows",
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
    "topup_breaks_rule": "a top-up the prepaid-card rules only allow by bank transfer",
    "gift_differs": "its gift-card money is not what it says happened",
    "giftcard_repeated": "the gift card was sold before",
    "moves_gift": "this kind of event may not move gift-card money",
    "consent_purpose_unknown": "a consent to a purpose that does not exist",
    "consent_channel": "a consent recorded through a channel a till has not got",
    "notice_unpublished": "a consent under a notice head office never published",
    "notice_mismatch": "a consent under another text than the published notice",
    "consent_not_here": "this kind of event may not record consents",
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
    "from_fen": "bank transfer only from",
    "purpose": "consent purpose", "version": "notice version", "channel": "recorded through",
}
ACCOUNT_LABELS = {"wallet:principal": "Principal", "wallet:bonus": "Bonus",
                  "points": "Points", "countcard:uses": "Count-card uses",
                  "countcard:value": "Count-card value", "giftcard": "Gift-card money"}
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
    "referral_reward": "Referral reward", "consent_recorded": "Consent",
}

ZH: dict[str, str] = {
    # consents (sync/hq/consents.py): held events' reasons, the member page's table
    "a consent to a purpose that does not exist": "同意事项不存在",
    "a consent recorded through a channel a till has not got": "记录渠道不是门店可用的渠道",
    "a consent under a notice head office never published": "所依据的告知书总部从未发布",
    "a consent under another text than the published notice": "所依据的告知书内容与发布的不一致",
    "this kind of event may not record consents": "此类事件不能记录同意",
    "consent purpose": "同意事项", "notice version": "告知书版本", "recorded through": "记录渠道",
    "Consent": "同意记录", "Consents": "授权同意", "Purpose": "事项",
    "Notice version": "告知书版本", "Since": "时间", "Through": "渠道",
    "In force until refused": "未拒绝即有效", "Withdrawn": "已撤回", "Counter": "门店收银台",
    "Self-service page": "会员自助页面", "Imported records": "导入的记录",
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
    "a member's details no till's form allows": "会员资料不符合收银台的填写规则",
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
    "Count-card uses": "次卡次数", "Count-card value": "次卡价值", "{n} uses": "{n} 次",
    "Card {c} ({name}): {n} uses more than it had. Uses by store: {s}.":
        "次卡 {c}（{name}）：超出 {n} 次。各店净次数：{s}。",
    "Count cards: unused value": "次卡未用价值", "Uses left": "剩余次数",
    "Cards with uses left": "有剩余次数的次卡", "Overused cards": "超次次卡",
    "By the store that sold the card; its value is the price paid × unused uses / uses.":
        "按售卡门店统计；未用价值 = 实付价格 × 剩余次数 / 总次数。",
    "Sold at": "售卡门店",
    # gift cards
    "Gift card overspent": "礼品卡超额消费",
    "Head office went back": "总部数据回退",
    "Till {t} downloaded changes this database no longer holds: it was restored from a backup "
    "or failed over. Downloads wait until someone runs storeapp-hq renumber.":
        "{t} 号收银机下载过本数据库已没有的变更：总部数据库是从备份恢复或切换过来的。"
        "运行 storeapp-hq renumber 之前，各收银机暂停下载。",
    "a gift-card sale the prepaid-card rules forbid": "礼品卡销售违反预付卡规定",
    "a top-up the prepaid-card rules only allow by bank transfer":
        "按预付卡规定只能以银行转账支付的充值",
    "bank transfer only from": "须银行转账的起点",
    "its gift-card money is not what it says happened": "礼品卡金额与业务内容不符",
    "the gift card was sold before": "该礼品卡已售出过",
    "this kind of event may not move gift-card money": "此类事件不得变动礼品卡金额",
    "Gift cards sold": "售出礼品卡", "Gift-card money": "礼品卡金额",
    "Gift card {c} (face {f}): spent {o} more than it held. Net by store: {s}.":
        "礼品卡 {c}（面值 {f}）：超额消费 {o}。各店净额：{s}。",
    "Gift cards: unused balance": "礼品卡未用余额", "Cards": "张数",
    "Anonymous gift cards by the store that sold them: face values less what was spent "
    "anywhere.": "不记名礼品卡按售卡门店统计：面值减去在各店的消费。",
    # referrals (推广大使)
    "Referral reward": "推广奖励", "Referrals this month": "本月推广",
    "Rewarded": "已奖励", "Refused": "未奖励", "Awaiting a first purchase": "待首次消费",
    "Points given": "奖励积分",
    "Referrals": "推广", "Previous month": "上个月", "Next month": "下个月", "Month": "月份",
    "The month must look like 2026-03, not {raw}.": "月份格式应为 2026-03，而不是 {raw}。",
    "A referral counts in the month its referee registered; rewards and monthly-cap refusals "
    "in the month head office decided them. Chain-new: head office found the referee's phone "
    "new to the whole chain.":
        "推荐注册按被推荐人注册的月份统计；奖励与超月上限按总部处理的月份统计。"
        "确认新客：总部确认被推荐人的手机号在全连锁是新的。",
    "Referred": "推荐注册", "Chain-new": "确认新客", "Awaiting purchase": "待首购",
    "Not new": "非新客", "Over monthly cap": "超月上限", "Other refusals": "其他未奖励",
    "Check: head office's ledger gives the same referral reward points.":
        "核对：总部流水中的推广奖励积分与上表一致。",
    "Check failed: head office's ledger gives {n} points of referral rewards.":
        "核对不符：总部流水中的推广奖励为 {n} 积分。",
    "By referrer": "按推荐人",
    "Stores above are where the referee registered; a referrer's reward counts against their "
    "own monthly cap wherever their referees registered.":
        "上表的门店是被推荐人注册的门店；推荐人的奖励不论被推荐人在哪家门店注册，"
        "都计入推荐人本人的月上限。",
    "The {n} referrers with the most points of {all}.":
        "共 {all} 位推荐人，此处列出奖励积分最多的 {n} 位。",
    "Referral code": "推荐码", "Home store": "所属门店",
    "No referrals this month.": "本月没有推广。",
    # company accounts (企业月结)
    "Company accounts": "企业月结", "Company receivables": "企业应收款",
    "Company accounts (monthly billing) are kept at the till that opened them. Head office "
    "adds up what the tills sent: sales put on account, refunds of those sales, and payments "
    "received.":
        "企业月结账户保存在开户的收银机上。总部汇总各收银机上传的数据：挂账销售、"
        "这些销售的退货，以及收到的还款。",
    "Companies": "企业数", "Charged on account": "挂账金额", "Given back by refunds": "退货冲回",
    "Paid": "已还款", "Owed": "应收余额", "By company": "按企业", "Company code": "企业编号",
    "Credit limit": "信用额度", "Last payment": "最近还款",
    "No till has sent a company account yet.": "尚无收银机上传企业账户。",
    # membership programme: directory, segments, campaigns (pages_programme.py)
    "Segments": "会员分群", "Campaigns": "营销活动",
    "Member directory": "会员查询", "Automations": "自动营销",
    "Phone, its last 4 digits, card number or name": "手机号、手机尾号 4 位、卡号或姓名",
    "Search": "查询",
    "{n} live members in the chain. Lists mask phones; a member's page shows the rest.":
        "全连锁共 {n} 位有效会员。列表中的手机号已隐藏，会员详情页显示其余信息。",
    "Card": "卡号", "Member name": "姓名", "Tier": "等级", "Stored value": "储值余额",
    "Only the first {n} matches are shown: search more narrowly.":
        "仅显示前 {n} 条结果，请缩小查询范围。",
    "No member matches {q}.": "没有与 {q} 匹配的会员。",
    "There is no member {id}.": "没有会员 {id}。",
    "This member was merged into another:": "该会员已并入另一会员：",
    "This membership is closed.": "该会员已注销。",
    "The full phone is shown: this view is written to the access log under your name.":
        "已显示完整手机号：本次查看已以您的名义记入访问日志。",
    "Mask it again": "重新隐藏",
    "Show the full phone (written to the access log)": "显示完整手机号（记入访问日志）",
    "Only a manager may see a member's full phone.": "只有经理可以查看会员的完整手机号。",
    "Tier progress": "升级进度", "Registered": "注册时间", "Birthday": "生日",
    "Marketing consent": "营销许可", "Wallet": "储值账户", "Blocked (overdrawn)": "已冻结（透支）",
    "Merged from": "合并来源", "{n} duplicate registrations": "{n} 个重复注册",
    "Top tier": "已是最高等级",
    "Net spend {g} of {t} for {tier} ({p} %) over {d} days":
        "近 {d} 天净消费 {g}，升级{tier}需 {t}（{p}%）",
    "Segment and rhythm": "分群与消费节奏", "RFM segment": "RFM 分群",
    "None: no purchase in the last 12 months": "无：近 12 个月没有消费",
    "Purchases in the last 12 months": "近 12 个月消费次数",
    "Net spend in the last 12 months": "近 12 个月净消费",
    "Purchase cycle": "消费周期", "every {n} days (median between visits)":
        "每 {n} 天（两次到店间隔的中位数）",
    "Not yet: it needs three visits": "暂无：需要至少三次到店",
    "Expected next visit": "预计下次到店", "overdue by {n} days": "已逾期 {n} 天",
    "Watchlists": "关注名单",
    "Coupons from head office": "总部发放的券", "Coupon": "券号", "Template": "券模板",
    "Campaign": "活动", "Valid from": "生效", "Valid until": "到期", "Used": "使用",
    "{t} at store {s}, {a} off": "{t} 于门店 {s} 使用，抵扣 {a}", "Not yet": "未使用",
    "None.": "无。", "Expires": "到期",
    "Group": "分组", "Entered": "入组时间", "Until": "截止", "Benefit": "权益",
    "nothing (held out)": "无（对照组）",
    "Stores visited": "到访门店", "Purchases": "消费次数", "Net spend": "净消费",
    "Last visit": "最近到店", "Visits at every store": "各门店消费记录", "Time": "时间",
    "The latest {n} visits.": "最近 {n} 条记录。",
    # segments
    "Champions": "重要价值客户", "Promising big spenders": "重要发展客户",
    "Loyal at risk": "重要保持客户", "Can't lose them": "重要挽留客户",
    "Loyal, low spend": "一般价值客户", "Promising": "一般发展客户",
    "Need attention": "一般保持客户", "Hibernating": "一般挽留客户",
    "Lapsed": "流失会员", "Near the next tier": "即将升级", "Birthday this month": "本月生日",
    "Purchase cycle overdue": "消费周期逾期",
    "Bought recently, often, and spent much.": "近期来过、来得频繁、消费高。",
    "Bought recently and spent much, but not often.": "近期来过、消费高，但来得不频繁。",
    "Bought often and spent much, but not recently.": "来得频繁、消费高，但近期没来。",
    "Spent much, but neither recently nor often.": "消费高，但近期没来、也不频繁。",
    "Bought recently and often, but spent little.": "近期来过、来得频繁，但消费低。",
    "Bought recently, but not often and spent little.": "近期来过，但不频繁、消费低。",
    "Bought often, but not recently and spent little.": "来得频繁，但近期没来、消费低。",
    "Neither recently nor often, and spent little.": "近期没来、不频繁、消费低。",
    "No purchase at any store for more than {n} days.": "在所有门店超过 {n} 天没有消费。",
    "Net spend within {n} % of the next tier's threshold.": "净消费距下一等级门槛不足 {n}%。",
    "Born this month (Beijing time).": "本月生日（北京时间）。",
    "Later than their usual rhythm (median days between visits) times {f}.":
        "距上次到店已超过其平常周期（到店间隔中位数）的 {f} 倍。",
    "RFM over the last {d} days at every store: {n} members bought. Each of recency, "
    "frequency and spend is scored 1 to 5 by quintile; 3 or more is high. The counter's "
    "reports use the same rule.":
        "按所有门店近 {d} 天的消费计算 RFM：共 {n} 位会员有消费。最近消费、消费频次、"
        "消费金额各按五分位打 1–5 分，3 分及以上为高。与收银端报表规则相同。",
    "Segment": "分群", "Who": "对象", "Average days since last purchase": "平均距上次消费天数",
    "Average purchases": "平均消费次数", "Net spend per member": "人均净消费",
    "{n} members": "{n} 位会员", "the first {n} shown": "显示前 {n} 位",
    "Full phones are shown: this view is written to the access log under your name.":
        "已显示完整手机号：本次查看已以您的名义记入访问日志。",
    "Mask them again": "重新隐藏",
    "Show full phones (written to the access log)": "显示完整手机号（记入访问日志）",
    "A campaign for this segment": "为该分群建营销活动",
    "Phones are masked; only a manager may see them in full.":
        "手机号已隐藏；只有经理可以查看完整号码。",
    "No member is in this segment now.": "该分群目前没有会员。",
    "There is no segment {segment}.": "没有分群 {segment}。",
    "Days since last purchase": "距上次消费天数", "Cycle (days)": "周期（天）",
    "Expected visit": "预计到店", "Next tier": "下一等级", "Still to go": "还差",
    # campaigns
    "New campaign": "新建活动",
    "Each campaign holds a random share of its audience out: they get nothing, so what the "
    "treated members did can be told from what they would have done anyway.":
        "每个活动都随机留出一部分目标会员作为对照组，他们不获得任何权益，"
        "以便区分实验组的消费是活动带来的，还是本来就会发生的。",
    "Audience": "目标会员", "Launched": "启动时间", "Treated": "实验组", "Holdout": "对照组",
    "No consent": "无营销许可", "At monthly cap": "达本月上限", "Results": "效果",
    "No campaigns yet.": "尚无营销活动。",
    "Draft": "草稿", "Live": "进行中", "Stopped": "已停止",
    "Rule": "规则", "Message": "消息", "Holdout %": "对照组 %",
    "Welcome (after registration)": "欢迎（注册后）", "Upgrade congratulations": "升级祝贺",
    "Birthday (in their month)": "生日（当月）", "Win-back (lapsed)": "召回（流失会员）",
    "Cycle reminder (overdue)": "周期提醒（逾期）",
    "Standing campaigns, evaluated every night (storeapp-hq automation run): a member enters "
    "each rule at most once per period, and a share of them is held out. Members without "
    "marketing consent, or contacted the most times this month, are left out and counted.":
        "常设活动，每晚评估一次（storeapp-hq automation run）：每位会员在每个周期内最多进入"
        "每条规则一次，并按比例留出对照组。无营销许可或本月联系次数已达上限的会员不会入选，"
        "并单独计数。",
    "No automations yet: add one on the server with storeapp-hq automation add RULE CODE.":
        "尚无自动营销：在服务器上用 storeapp-hq automation add 规则 编号 添加。",
    "Enable": "启用", "Disable": "停用",
    "Automation enabled: the nightly run takes its members from now.":
        "自动营销已启用：从今晚起按规则入选会员。",
    "Automation disabled: its prompts end.": "自动营销已停用：其收银提示随之结束。",
    "Campaign {c}": "营销活动 {c}", "Automation {c}": "自动营销 {c}",
    "Message at the counter": "收银提示语", "Window": "活动期",
    "{n} days": "{n} 天", "Created": "创建",
    "Left out: no marketing consent": "未入选：无营销许可",
    "Left out: contacted the most times this month": "未入选：本月联系次数已达上限",
    "Results against the holdout": "与对照组比较的效果",
    "Contact list (CSV, written to the access log)": "联系名单（CSV，记入访问日志）",
    "If launched now": "如果现在启动", "Members matching": "符合条件的会员",
    "Held out, about": "对照组约",
    "Only a manager may launch or stop a campaign.": "只有经理可以启动或停止营销活动。",
    "Launch now": "立即启动",
    "Stop (prompts end; coupons stay valid)": "停止（收银提示结束，已发的券仍然有效）",
    "Draft saved: check the audience below, then launch.":
        "草稿已保存：请核对下方目标会员，然后启动。",
    "Launched: the treated members' benefit reaches the tills with the next sync.":
        "已启动：实验组会员的权益将随下次同步送达各收银机。",
    "Stopped: the counter no longer shows its prompt; coupons stay valid.":
        "已停止：收银台不再显示提示，已发的券仍然有效。",
    "segment {s}": "分群：{s}", "tier {t}": "等级：{t}", "store {c}": "门店：{c}",
    "no purchase for over {n} days": "超过 {n} 天未消费", "purchase cycle overdue": "消费周期逾期",
    "born in month {m}": "{m} 月生日", "every live member": "全部有效会员",
    "coupon {t}": "券：{t}", "none (the message only)": "无（仅消息）",
    # the new-campaign form
    "Only a manager may create a campaign; you may see who it would reach.":
        "只有经理可以新建活动；您可以查看它会覆盖哪些会员。",
    "any": "不限", "Registered or bought at": "注册或消费门店",
    "No purchase for over (days)": "超过多少天未消费", "Birthday month": "生日月份",
    "What they get": "权益", "A chain coupon": "连锁优惠券", "Bonus points": "赠送积分",
    "Nothing: the message only": "无：仅发消息",
    "Message at the counter (and for SMS or WeChat)": "收银提示语（也用于短信或微信）",
    "The campaign": "活动", "Window (days)": "活动期（天）",
    "See who it reaches": "查看覆盖会员", "Who it reaches now": "当前覆盖的会员",
    "Save as a draft": "保存为草稿",
    "A draft changes nothing yet: its page shows the audience again, and launching it "
    "chooses the members then.":
        "草稿不会产生任何变动：草稿页会再次显示目标会员，启动时才确定入选会员。",
    "The lapsed days must be a whole number from 1 to 3650, not {raw}.":
        "未消费天数应为 1 到 3650 的整数，而不是 {raw}。",
    "The birthday month must be 1 to 12, not {raw}.": "生日月份应为 1 到 12，而不是 {raw}。",
    "Choose a coupon template for a coupon benefit.": "权益为优惠券时，请选择券模板。",
    "The points must be a whole number from 1 to 100,000, not {raw}.":
        "积分应为 1 到 100,000 的整数，而不是 {raw}。",
    "Say how many points a points benefit gives.": "权益为积分时，请填写赠送积分数。",
    "The holdout must be a whole percent from 0 to 90, not {raw}.":
        "对照组比例应为 0 到 90 的整数百分比，而不是 {raw}。",
    "The window must be 1 to 366 days, not {raw}.": "活动期应为 1 到 366 天，而不是 {raw}。",
    "A campaign code is 2 to 24 letters, digits, - or _.":
        "活动编号为 2 到 24 位字母、数字、- 或 _。",
    "A holdout is 0 to 90 % of the audience.": "对照组为目标会员的 0% 到 90%。",
    "A campaign's window is 1 to 366 days.": "活动期为 1 到 366 天。",
    "A campaign's message is 1 to 200 characters.": "活动消息为 1 到 200 个字符。",
    "There is no chain coupon template {template}.": "没有连锁券模板 {template}。",
    "A points benefit is 1 to 100,000 points.": "赠送积分为 1 到 100,000。",
    "Choose a benefit: a coupon, points, or none.": "请选择权益：优惠券、积分或无。",
    "There is already a campaign {campaign}.": "已有活动 {campaign}。",
    "Campaign {campaign} is not a draft any more: it cannot be launched.":
        "活动 {campaign} 已不是草稿，不能再启动。",
    "Campaign {campaign} is not live: there is nothing to stop.":
        "活动 {campaign} 未在进行中，无需停止。",
    "There is no campaign {campaign}.": "没有活动 {campaign}。",
    "{campaign} is a campaign, not an automation.": "{campaign} 是营销活动，不是自动营销。",
    "A birthday month is 1 to 12.": "生日月份为 1 到 12。",
    # forms refused
    "Not done": "未执行", "Not found": "未找到",
    "This form did not come from head office's own page (its origin is another site, or the "
    "browser did not say): nothing was changed.":
        "该表单并非来自总部本站页面（来源是其他网站，或浏览器未注明来源）：未做任何更改。",
    "This form's security token is missing, wrong or older than {h} hours: nothing was "
    "changed. Open the page again and repeat.":
        "该表单的安全令牌缺失、有误或已超过 {h} 小时：未做任何更改。请重新打开页面再操作。",
    "Only a manager may create, launch or stop campaigns and switch automations: nothing "
    "was changed.":
        "只有经理可以新建、启动或停止营销活动以及启停自动营销：未做任何更改。",
    "Only a manager may export a contact list.": "只有经理可以导出联系名单。",
    # results
    "Results of {c}": "{c} 的效果", "Not launched yet: there is nothing to measure.":
        "尚未启动，没有可衡量的数据。",
    "Cost": "成本", "({n} coupons used, {p} points given)": "（已用券 {n} 张，赠送积分 {p}）",
    "During the campaign": "活动期内", "After it, as long again": "活动结束后的同等时长",
    "Difference": "差值", "95 % interval": "95% 置信区间",
    "Redemption rate": "核销率", "Share who bought": "消费会员占比",
    "Revenue per member": "人均消费额", "Incremental revenue": "增量收入",
    "Revenue per member: bars and whiskers with 95 % intervals":
        "人均消费额：柱形与误差线为 95% 置信区间",
    "Bars: revenue per member in each group, whiskers its 95 % interval; the dot is the "
    "difference with its interval, which decides the verdict.":
        "柱形为各组人均消费额，误差线为其 95% 置信区间；圆点为两组差值及其置信区间，"
        "结论依据差值的区间得出。",
    "The same length after the window is measured from {t}, once it has passed.":
        "活动结束后同等时长的效果将在 {t} 之后计算。",
    "Revenue is net of refunds at every store. Incremental revenue is the difference in "
    "revenue per member times the treated members; 95 % intervals by the normal "
    "approximation with each group's own variance (Welch). Cost is what the coupons took off "
    "sales plus the points given, at their value.":
        "消费额为各门店扣除退货后的净额。增量收入 = 人均消费额差值 × 实验组人数；"
        "95% 置信区间按正态近似、两组方差分别估计（Welch）。成本为优惠券实际抵扣金额加上"
        "赠送积分的价值。",
    "Too few members to measure: each group needs at least two.":
        "会员太少，无法衡量：每组至少需要两人。",
    "No measurable effect: the interval covers zero (from {low} to {high} per member).":
        "没有可测量的效果：置信区间包含零（人均 {low} 至 {high}）。",
    "It worked: treated members spent {d} more per member than the holdout (95 % interval "
    "{low} to {high}).":
        "有效：实验组人均比对照组多消费 {d}（95% 置信区间 {low} 至 {high}）。",
    "It did harm: treated members spent {d} less per member than the holdout (95 % interval "
    "{low} to {high}).":
        "有负面效果：实验组人均比对照组少消费 {d}（95% 置信区间 {low} 至 {high}）。",
    # end of the membership programme's words
    # programme KPIs (pages_kpis.py)
    "KPIs": "会员指标", "Programme KPIs": "会员计划指标", "Whole chain": "全连锁",
    "From": "从", "To": "到", "Download CSV": "下载 CSV",
    "No KPI figures yet: they are made nightly by storeapp-hq kpi refresh.":
        "尚无指标数据：每晚由 storeapp-hq kpi refresh 生成。",
    "Figures as of the refresh at {t} (Beijing time), up to {d}; storeapp-hq kpi refresh "
    "makes them nightly.":
        "数据来自 {t}（北京时间）的刷新，统计到 {d}；每晚由 storeapp-hq kpi refresh 生成。",
    "This range's members who bought were counted from the visits just now.":
        "本区间的消费会员数为刚刚根据消费记录统计。",
    "Active members (30 days)": "活跃会员（30 天）",
    "Active members (90 days)": "活跃会员（90 天）",
    "Members who bought": "消费会员", "Repurchase rate": "复购率",
    "Average spend per purchase": "客单价", "Purchases per member who bought": "人均消费次数",
    "Net spend (less refunds)": "净消费（扣除退货）",
    "Active: bought in the 30 or 90 days to the range's last day. Repurchase rate: of the "
    "members who bought in the range, those who bought on two or more days. A store counts "
    "the purchases made there.":
        "活跃：截至区间最后一天的 30 天或 90 天内有消费。复购率：区间内消费的会员中，"
        "在两天或以上有消费的比例。按门店查看时只计在该店的消费。",
    "Members and churn by month": "按月活跃与流失", "Members active at each month's end":
        "各月末活跃会员", "Active (30 days)": "活跃（30 天）", "Active (90 days)": "活跃（90 天）",
    "Monthly churn": "月流失率", "Churn": "流失率", "Nothing in this range.": "此区间无数据。",
    "Churn of a month: of the members who bought the month before, those who did not buy in "
    "it. Each month is whole (the current one so far).":
        "月流失率：上月有消费的会员中，本月没有消费的比例。每月按整月统计（当月为截至目前）。",
    "Bought": "消费人数", "On 2+ days": "2 天以上消费", "Sales": "销售额", "Refunds": "退货",
    "Liability by month": "按月储值负债",
    "Stored-value liability at each month's end": "各月末储值负债",
    "At each month's end, from head office's ledger; a store counts what was topped up, spent "
    "and earned there.":
        "各月末余额，取自总部流水；按门店查看时只计在该店充值、消费与获得的部分。",
    "Lifetime value by registration cohort": "按注册月份的会员累计价值",
    "Lifetime value per member, by months since registration": "人均累计净消费（按注册后月数）",
    "Registered in": "注册月份", "Month {n}": "第 {n} 月", "To date": "至今",
    "Net spend per member (purchases less refunds, at every store), added up month by month "
    "since registration; month 0 is the month of registration. A store's cohorts are the "
    "members it registered.":
        "人均净消费（消费减退货，含所有门店），自注册起逐月累计；第 0 月为注册当月。"
        "按门店查看时为该店注册的会员。",
    "No member registered in this range.": "此区间没有新注册会员。",
    "Tier movement": "等级变动",
    "Members who moved into each tier: up, by a purchase or a review; down, by a review.":
        "进入各等级的会员人次：↑ 为消费或评级升级，↓ 为评级降级。",
    "No member changed tier in this range.": "此区间没有会员等级变动。",
    "There is no store {store}.": "没有门店 {store}。",
    "The range starts after it ends.": "开始日期晚于结束日期。",
    "so far": "截至目前",
    "Last 30 days": "最近 30 天", "Last 90 days": "最近 90 天", "Last 12 months": "最近 12 个月",
    "No figures for that range: they cover at most {n} days, up to the last refresh.":
        "该区间没有数据：区间最多 {n} 天，且不晚于最近一次刷新。",
    # end of the programme KPIs' words
    # prepaid compliance (pages_compliance.py, compliance_report.py)
    "Prepaid compliance": "预付卡合规", "Quarter": "季度", "Previous quarter": "上一季度",
    "Next quarter": "下一季度", "Download PDF": "下载 PDF", "Summary": "汇总",
    "Prepaid balance: stored-value principal, count cards' unused value and gift cards' "
    "unused balance, from head office's ledgers, by the store that took or gave the value. An "
    "issuer keeps on deposit at least its type's share of last quarter's closing balance: "
    "size-qualified 20 %, group 30 %, brand (franchise) 40 %.":
        "预收资金余额：储值本金、次卡未用价值与礼品卡未用余额之和，取自总部流水，按收取或兑付"
        "该价值的门店计。发卡企业的存管资金不低于上一季度末预收资金余额的相应比例：规模发卡企业 "
        "20%，集团发卡企业 30%，品牌发卡企业 40%。",
    "Balances as of the end of": "余额截至", "Quarterly prepaid card deposit report":
        "单用途预付卡资金存管季度报告",
    "In progress: balances as of the end of {d}": "本季度进行中：余额截至 {d}",
    "Prepaid balance": "预收资金余额",
    "Prepaid balance at the end of last quarter": "上季度末预收资金余额",
    "Deposit required": "应存管资金", "Deposit recorded": "已登记存管资金",
    "Shortfall": "存管缺口", "Alerts": "预警", "Alert": "预警",
    "No alerts: every issuer's deposit covers its share, and no store's prepaid balance passes "
    "{p} % of its revenue.":
        "无预警：各发卡企业的存管资金均达到比例，且没有门店的预收资金余额超过其营业收入的 "
        "{p}%。",
    "Prepaid balance by issuer": "各发卡企业预收资金余额", "Issuer": "发卡企业",
    "Issuer type": "发卡企业类型", "Stored value (principal)": "储值（本金）",
    "Deposit by issuer": "各发卡企业资金存管", "Share": "存管比例",
    "Balance last quarter": "上季度末余额", "Bank": "存管银行", "Statement date": "对账单日期",
    "Next quarter requires": "下季度应存管",
    "Size-qualified": "规模发卡企业", "Group company": "集团发卡企业",
    "Brand (franchise)": "品牌发卡企业", "The chain itself": "本连锁",
    "A deposit is what the issuer's deposit account held for the quarter, from the bank's "
    "statement: storeapp-hq compliance deposit record ISSUER AMOUNT --quarter {q} --bank BANK "
    "--date DATE --user NAME":
        "存管资金为发卡企业存管账户在该季度的余额，以银行对账单为准，登记命令：storeapp-hq "
        "compliance deposit record 发卡企业 金额 --quarter {q} --bank 银行 --date 日期 --user "
        "用户名",
    "Stores: prepaid balance against revenue": "门店预收资金余额与营业收入",
    "Revenue: sales less refunds at the store from {a} to {b}. A store is flagged when its "
    "prepaid balance passes {p} % of it (storeapp-hq compliance setting).":
        "营业收入：{a} 至 {b} 该店的销售额减退货。门店预收资金余额超过其 {p}% 时预警"
        "（由 storeapp-hq compliance setting 设置）。",
    "Revenue, last {n} months": "最近 {n} 个月营业收入", "Balance / revenue": "余额 / 收入",
    "Over {p} % of revenue": "超过营业收入的 {p}%",
    "The quarter must look like 2026Q3, not {raw}.": "季度格式应为 2026Q3，而不是 {raw}。",
    "Quarter {q} has not begun yet.": "{q} 季度尚未开始。",
    "Issuer {code}: the deposit account holds {d}; {p} % of last quarter's balance {b} is {r}: "
    "{s} short.":
        "发卡企业 {code}：存管账户余额 {d}；上季度末余额 {b} 的 {p}% 为 {r}，缺口 {s}。",
    "Store {code} (issuer {i}): prepaid balance {b} is more than {p} % of its revenue over the "
    "last {n} months ({r}).":
        "门店 {code}（发卡企业 {i}）：预收资金余额 {b} 超过其最近 {n} 个月营业收入 {r} 的 "
        "{p}%。",
    # end of the prepaid compliance words
    # the member's self-service page (pages_me.py) and privacy requests (pages_privacy.py)
    "Member centre": "会员中心", "My membership": "我的会员", "Card No.": "卡号",
    "Every view of this page and every download is recorded.": "本页的每次查看和下载都会被记录。",
    "This link works until {t} (Beijing time).": "此链接有效期至 {t}（北京时间）。",
    "Principal is what you paid in; bonus was given with it and is used in proportion.":
        "本金为您充值的金额；赠送金额随充值赠送，消费时按比例使用。",
    "{left} of {total} uses left": "剩余 {left} / {total} 次", "Valid until {d}": "有效期至 {d}",
    "No count cards.": "没有次卡。", "Your consents": "我的授权同意",
    "Given": "已同意", "Not given": "未同意", "since {t}, {where}": "{t}起，{where}",
    "Withdraw": "撤回同意", "Give consent": "同意",
    "History at every store": "各门店消费与储值记录", "Purchase": "消费",
    "stored value {v}": "储值 {v}", "bonus {b}": "其中赠送 {b}", "Nothing yet.": "暂无记录。",
    "Your data": "我的数据",
    "A copy of everything we hold about you: your details, balances, history and consents.":
        "下载我们保存的您的全部信息：个人资料、余额、消费记录与授权同意。",
    "Download (JSON)": "下载（JSON）", "Download (PDF)": "下载（PDF）",
    "Correct or erase your data": "更正或删除我的信息", "What is wrong": "哪项信息有误",
    "What it should be": "正确的内容", "Ask for a correction": "申请更正",
    "Erasure ends your membership: your personal details become unreadable everywhere; the "
    "records of money stay, without your name. Stored value is refunded at a store first.":
        "删除即注销会员：您的个人信息在各处都将无法读取；资金流水会保留，但不再关联您的姓名。"
        "如有储值余额，请先到门店办理退款。",
    "Anything we should know (optional)": "补充说明（选填）", "Ask to be erased": "申请删除",
    "Your requests": "我的申请",
    "Membership terms": "会员条款", "Marketing by SMS": "短信营销",
    "Marketing by WeChat": "微信营销", "Personalised offers": "个性化推荐",
    "Sensitive personal data (such as payment details)": "敏感个人信息（如支付信息）",
    "Needed for the membership itself: to end it, ask to be erased below.":
        "办理会员所必需；如需终止，请在下方申请删除。",
    "Offers and news by text message.": "通过短信接收优惠与资讯。",
    "Offers and news through WeChat.": "通过微信接收优惠与资讯。",
    "Offers chosen from what you bought (Art. 24 PIPL).":
        "根据您的消费记录推荐优惠（《个人信息保护法》第二十四条）。",
    "Kept only with your separate consent (Art. 29 PIPL).":
        "仅在您单独同意后保存（《个人信息保护法》第二十九条）。",
    "at the counter": "在门店收银台", "on this page": "在本页面", "by head office": "由总部记录",
    "from earlier records": "来自原有记录",
    "Your name": "姓名", "Your phone number": "手机号", "Something else": "其他",
    "Correction": "更正", "Erasure": "删除", "Open": "待处理", "Approved": "已批准",
    "Done": "已完成", "Declined": "已拒绝",
    "Done: your consent is withdrawn.": "已完成：您的同意已撤回。",
    "Done: your consent is recorded.": "已完成：您的同意已记录。",
    "Your request is recorded: a manager will handle it and this page shows when it is done.":
        "您的申请已记录：经理处理后，本页会显示结果。",
    "Choose a correction or an erasure.": "请选择更正或删除。",
    "Choose which detail is wrong.": "请选择哪项信息有误。",
    "Say what is wrong and what it should be.": "请说明哪里有误以及正确的内容。",
    "At most {most} characters, please.": "最多 {most} 个字。",
    "You already have {most} open requests: please wait until they are handled.":
        "您已有 {most} 个待处理的申请，请等待处理完毕。",
    "You already asked to be erased: a manager is handling it.": "您已申请删除，经理正在处理。",
    "This consent cannot be changed here.": "此项同意无法在这里更改。",
    "This form did not come from this page: nothing was changed.":
        "此表单不是从本页面提交的，未做任何更改。",
    "This page is older than {h} hours: nothing was changed. Open it again and repeat.":
        "此页面已打开超过 {h} 小时，未做任何更改。请重新打开后再试。",
    "Privacy requests": "隐私申请", "Open requests": "待处理的申请", "Decided": "已处理",
    "What members asked on their own page. A manager completes a correction; an erasure needs "
    "two managers: one approves, another erases. Every decision is recorded with the "
    "manager's name.":
        "会员在自助页面提交的申请。更正由一位经理完成；删除需要两位经理：一位批准，另一位执行。"
        "每项处理都会记录经理姓名。",
    "Asked": "申请时间", "Request": "申请", "The member wrote": "会员填写",
    "Status": "状态", "Decide": "处理", "approved by {u}": "{u} 已批准",
    "Corrected value": "更正后的内容", "Note": "备注",
    "Complete the correction": "完成更正", "Approve the erasure": "批准删除",
    "Erase the member now": "立即删除会员", "Why": "原因", "Decline": "拒绝",
    "Another manager erases.": "需由另一位经理执行删除。",
    "No open requests.": "没有待处理的申请。",
    "By": "处理人", "When": "时间", "Outcome": "结果",
    "There is no such form.": "没有这个表单。",
    "Only a manager decides privacy requests: nothing was changed.":
        "只有经理可以处理隐私申请，未做任何更改。",
    "Correction done: the member's details reach the tills with the next sync.":
        "更正已完成：会员信息将在下次同步时更新到各收银台。",
    "Erasure approved: a second manager erases the member.": "删除已批准：需由第二位经理执行删除。",
    "Erased: the member's personal data is unreadable at head office and, once they sync, at "
    "every till.": "已删除：会员个人信息在总部已无法读取，各收银台同步后亦然。",
    "Declined: the member sees why on their page.": "已拒绝：会员可在其页面看到原因。",
    "There is no request #{request}.": "没有编号为 #{request} 的申请。",
    "Request #{request} was already decided.": "申请 #{request} 已处理过。",
    "The member still has {principal_fen} of principal: a store closes the account first "
    "(principal refunded, bonus forfeited).":
        "该会员仍有本金 {principal_fen}：请先由门店办理退卡（退还本金，赠送部分作废）。",
    "A manager approves an erasure before it is done.": "删除须先经一位经理批准。",
    "A second manager erases: not {manager}, who approved it.":
        "删除须由第二位经理执行，不能是批准人 {manager}。",
    "Only an open erasure request is approved.": "只能批准待处理的删除申请。",
    "This request is not a correction.": "此申请不是更正申请。",
    "Say why (or what was done).": "请说明原因（或所做的处理）。",
    "A name is 1 to 32 characters.": "姓名为 1 到 32 个字。",
    "That is not a phone number.": "这不是有效的手机号。",
    "Another member has this phone.": "此手机号已属于另一位会员。",
    "A birthday looks like 1990-05-20.": "生日格式应为 1990-05-20。",
    "Only a name, phone or birthday is corrected here.": "这里只能更正姓名、手机号或生日。",
    "Head office has no such member.": "总部没有这位会员。",
    "The member still holds {principal_fen} of principal: a store refunds it first.":
        "该会员仍有本金 {principal_fen}：请先由门店退还。",
    # end of the self-service page's words
}

