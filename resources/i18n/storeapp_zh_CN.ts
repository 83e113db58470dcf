<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AdjustDialog</name>
    <message>
        <location filename="../../ui/dialogs/adjust.py" line="+17"/>
        <location line="+32"/>
        <source>Adjust balance or points</source>
        <translation>调整余额或积分</translation>
    </message>
    <message>
        <location line="-24"/>
        <source>+ or −, e.g. -12.50</source>
        <translation>正数或负数，如 -12.50</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Principal (yuan)</source>
        <translation>本金（元）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bonus (yuan)</source>
        <translation>赠送金（元）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Points must be a whole number.</source>
        <translation>积分必须是整数。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Nothing to adjust.</source>
        <translation>没有要调整的内容。</translation>
    </message>
</context>
<context>
    <name>ApprovalDialog</name>
    <message>
        <location filename="../../ui/dialogs/approval.py" line="+16"/>
        <source>Manager approval</source>
        <translation>店长授权</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Manager</source>
        <translation>店长工号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>CardDialog</name>
    <message>
        <location filename="../../ui/dialogs/card.py" line="+29"/>
        <source>Card problems</source>
        <translation>卡务</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Report card lost</source>
        <translation>挂失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Replace card (manager)</source>
        <translation>补卡（需店长）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Freeze</source>
        <translation>冻结</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unfreeze (manager)</source>
        <translation>解冻（需店长）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close account, refund principal (manager)</source>
        <translation>退卡并退还本金（需店长）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Void today&apos;s top-up (manager)</source>
        <translation>撤销今日充值（需店长）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adjust balance or points (manager)</source>
        <translation>调整余额或积分（需店长）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Set or reset the payment PIN (manager when one is set)</source>
        <translation>设置或重置支付密码（已设密码时需店长）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unlock the payment PIN after wrong tries (manager)</source>
        <translation>解锁输错被锁的支付密码（店长）</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Card %1 reported lost: it no longer works; the balance stays with the member</source>
        <translation>卡 %1 已挂失，该卡不能再用；余额仍归会员所有</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 is frozen: no spending or top-ups until a manager unfreezes</source>
        <translation>%1 已冻结：店长解冻前不能消费或充值</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Replace card</source>
        <translation>补卡</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+11"/>
        <location line="+60"/>
        <source>customer request</source>
        <translation>顾客要求</translation>
    </message>
    <message>
        <location line="-66"/>
        <source>New card %1 for %2: the old card no longer works</source>
        <translation>已为 %2 补办新卡 %1，旧卡作废</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Unfreeze</source>
        <translation>解冻</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 is active again</source>
        <translation>%1 已恢复正常</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Close account and refund principal</source>
        <translation>退卡并退还本金</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Reset the payment PIN</source>
        <translation>重置支付密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>member forgot the PIN</source>
        <translation>会员忘记密码</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Payment PIN set for %1</source>
        <translation>已为 %1 设置支付密码</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Unlock the payment PIN</source>
        <translation>解锁支付密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>member identified</source>
        <translation>已核实会员身份</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 can pay with the PIN again</source>
        <translation>%1 可以再次用密码支付</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>No top-up today that can be voided.</source>
        <translation>今天没有可撤销的充值。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Void top-up %1 + bonus %2</source>
        <translation>撤销充值 %1 + 赠送 %2</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Top-up voided: hand back %1 by %2; bonus %3 taken back</source>
        <translation>充值已撤销：以%2退还 %1；收回赠送金 %3</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Account closed: refund %1 by %2, bonus forfeited %3</source>
        <translation>已退卡：以%2退还 %1，赠送金作废 %3</translation>
    </message>
</context>
<context>
    <name>CartPanel</name>
    <message>
        <location filename="../../ui/cart.py" line="+37"/>
        <source>Barcode, or amount for an open line (F11)</source>
        <translation>商品条码，或输入金额（F11）</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+56"/>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <location line="-56"/>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Price</source>
        <translation>单价</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Subtotal</source>
        <translation>小计</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Tier discount</source>
        <translation>会员折扣</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Points used</source>
        <translation>积分抵扣</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To pay</source>
        <translation>应付</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Points to earn</source>
        <translation>本单积分</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Coupon code (F12)</source>
        <translation>优惠券码（F12）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Points to redeem (Ctrl+P)</source>
        <translation>抵扣积分（Ctrl+P）</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Points must be a whole number.</source>
        <translation>积分必须是整数。</translation>
    </message>
</context>
<context>
    <name>Charts</name>
    <message>
        <location filename="../../ui/charts.py" line="+54"/>
        <source>Hour</source>
        <translation>时段</translation>
    </message>
    <message>
        <location line="+82"/>
        <source>Members</source>
        <translation>会员数</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Yuan</source>
        <translation>元</translation>
    </message>
</context>
<context>
    <name>CheckoutDialog</name>
    <message>
        <location filename="../../ui/dialogs/checkout.py" line="+50"/>
        <source>Checkout</source>
        <translation>结账</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Scan the card, or type its number</source>
        <extracomment>the gift card scanned, as the worker read it (None: none, or not read yet) the member set a payment PIN and has a balance to pay from: the PIN pad is shown</extracomment>
        <translation>扫描礼品卡，或输入卡号</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>— none —</source>
        <translation>— 不挂账 —</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>To pay</source>
        <translation>应付</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Stored value (balance %1)</source>
        <translation>储值支付（余额 %1）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Payment PIN</source>
        <translation>支付密码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gift card</source>
        <translation>礼品卡</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>On account (company)</source>
        <translation>挂账（企业月结）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Other method</source>
        <translation>其他支付方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cash given</source>
        <translation>实收现金</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change / still to pay</source>
        <translation>找零 / 还差</translation>
    </message>
    <message>
        <location line="+75"/>
        <source>What a gift card can pay shows here once it is scanned.</source>
        <translation>扫描礼品卡后，这里显示可付金额。</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Balance %1 of %2, valid until %3</source>
        <translation>余额 %1（面值 %2），有效期至 %3</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>(expired)</source>
        <translation>（已过期）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(sold at another store)</source>
        <translation>（他店售出）</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>blocked</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>overdue %1</source>
        <translation>逾期 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 available</source>
        <translation>可用 %1</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>change %1</source>
        <translation>找零 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>still %1</source>
        <translation>还差 %1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Ask the member to type the payment PIN.</source>
        <translation>请会员输入支付密码。</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Sale %1 done. Change %2</source>
        <translation>交易 %1 完成，找零 %2</translation>
    </message>
</context>
<context>
    <name>ConsentDialog</name>
    <message>
        <location filename="../../ui/dialogs/consent.py" line="+41"/>
        <source>Consents</source>
        <extracomment>The notice&apos;s room: four or five lines, the rest scrolls (a till screen is 768 px high).</extracomment>
        <translation>会员同意事项</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>1–5: choose · Enter: give or withdraw, once the member has read the notice · Esc: close</source>
        <translation>1–5：选择 · Enter：同意或撤回（请先让会员阅读告知内容）· Esc：关闭</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>in force until refused</source>
        <translation>未拒绝即有效</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>not given</source>
        <translation>未同意</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>given</source>
        <translation>已同意</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>withdrawn</source>
        <translation>已撤回</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 on %2 · notice %3</source>
        <translation>%2 %1 · 告知书 %3</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Notice %1: %2</source>
        <translation>告知书 %1：%2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enter  Withdraw</source>
        <translation>Enter  撤回</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enter  Give</source>
        <translation>Enter  同意</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>%1 given</source>
        <translation>%1：已同意</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 withdrawn</source>
        <translation>%1：已撤回</translation>
    </message>
</context>
<context>
    <name>ConsentPurpose</name>
    <message>
        <location filename="../../ui/terms.py" line="+78"/>
        <source>Membership terms</source>
        <translation>会员服务协议</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Offers by SMS</source>
        <translation>短信优惠通知</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Offers by WeChat</source>
        <translation>微信优惠通知</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Personalised offers</source>
        <translation>个性化推荐</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sensitive data (e.g. bank account)</source>
        <translation>敏感个人信息（如银行账户）</translation>
    </message>
</context>
<context>
    <name>CountCardDialog</name>
    <message>
        <location filename="../../ui/dialogs/countcard.py" line="+72"/>
        <source>Count cards</source>
        <translation>次卡</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Card</source>
        <translation>次卡</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Uses left</source>
        <translation>剩余次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Card No.</source>
        <translation>卡号</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>No count card with uses left: F2 sells one.</source>
        <translation>没有可用的次卡：按 F2 开卡。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Uses</source>
        <translation>次数</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Enter  Use</source>
        <translation>Enter  使用</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Sell a card</source>
        <translation>开卡</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refund card (manager)</source>
        <translation>退卡（店长）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Esc  Close</source>
        <translation>Esc  关闭</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Uses now</source>
        <translation>本次使用</translation>
    </message>
    <message>
        <location line="+75"/>
        <source>Card %1 cannot be used: %2</source>
        <translation>次卡 %1 不能使用：%2</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>%1 left after this</source>
        <translation>用后剩 %1 次</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>No count card to use: F2 sells one.</source>
        <translation>没有可用的次卡：按 F2 开卡。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Type the number of uses (1 to %1).</source>
        <translation>请输入使用次数（1 至 %1 次）。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1: used %2, %3 left</source>
        <translation>%1：本次使用 %2 次，剩余 %3 次</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Choose the card to refund.</source>
        <translation>请选择要退的次卡。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Refund %1 unused uses of %2 (%3), worth %4</source>
        <translation>退还 %2（%3）剩余 %1 次，价值 %4</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>customer request</source>
        <translation>顾客要求</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A refund needs a manager&apos;s approval.</source>
        <translation>退款需要店长授权。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Count card %1 refunded (%2 uses): %3 back to the balance</source>
        <translation>次卡 %1 已退（%2 次）：%3 退回储值余额</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Count card %1 refunded (%2 uses): hand back %3 by %4</source>
        <translation>次卡 %1 已退（%2 次）：以%4退还 %3</translation>
    </message>
</context>
<context>
    <name>CountCardStatus</name>
    <message>
        <location filename="../../ui/terms.py" line="-10"/>
        <source>in use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>used up</source>
        <translation>次数已用完</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>refunded</source>
        <translation>已退卡</translation>
    </message>
</context>
<context>
    <name>CounterScreen</name>
    <message>
        <location filename="../../ui/counter.py" line="+55"/>
        <source>Register</source>
        <translation>会员注册</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top up</source>
        <translation>充值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checkout</source>
        <translation>结账</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Card</source>
        <translation>卡务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>History</source>
        <translation>会员流水</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lock</source>
        <translation>锁屏</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>Unrecognised scan: %1</source>
        <translation>无法识别的扫码：%1</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Count cards: find the member first, or scan their count card.</source>
        <translation>次卡：请先查找会员，或扫描会员的次卡。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Consents: find the member first.</source>
        <translation>同意事项：请先找到会员。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Open the reports</source>
        <translation>打开报表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read the reports</source>
        <translation>查看报表</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The reports need a manager&apos;s approval.</source>
        <translation>查看报表需要店长授权。</translation>
    </message>
    <message>
        <location line="+71"/>
        <source>The cart is empty.</source>
        <translation>购物车是空的。</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Price override</source>
        <translation>改价</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New unit price for %1 (yuan)</source>
        <translation>%1 的新单价（元）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Price override: %1</source>
        <translation>改价：%1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>price match</source>
        <translation>价格匹配</translation>
    </message>
</context>
<context>
    <name>DailyTab</name>
    <message>
        <location filename="../../ui/report_tabs.py" line="+161"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>To</source>
        <translation>至</translation>
    </message>
</context>
<context>
    <name>DeviceBridge</name>
    <message>
        <location filename="../../ui/devices_bridge.py" line="+117"/>
        <source>Printer: %1</source>
        <translation>打印机：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>(%1 waiting)</source>
        <translation>（%1 张待打印）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Scanner: %1</source>
        <translation>扫码枪：%1</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../../ui/messages.py" line="+34"/>
        <source>Wrong payment PIN: the PIN is now locked.</source>
        <translation>支付密码错误，密码已锁定。</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Wrong payment PIN.</source>
        <translation>支付密码错误。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wrong payment PIN: {tries_left} tries left.</source>
        <translation>支付密码错误，还可尝试 {tries_left} 次。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The payment PIN is locked after too many wrong tries: a manager must reset it.</source>
        <translation>支付密码错误次数过多已锁定，需店长重置。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The balance is not enough for this.</source>
        <translation>余额不足。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Say how the customer pays.</source>
        <translation>请选择付款方式。</translation>
    </message>
    <message>
        <location line="+381"/>
        <source>Head office found this till&apos;s records do not match: stored value can be used only while head office answers.</source>
        <translation>总部发现本机记录不符：仅在总部在线时才能使用储值。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This till lost data head office holds: stored value cannot be used until a manager runs storeapp restore.</source>
        <translation>本机丢失了总部已收到的数据：店长运行 storeapp restore 恢复之前不能使用储值。</translation>
    </message>
    <message>
        <location line="-383"/>
        <source>Each payment method at most once per sale.</source>
        <translation>每种付款方式每笔只能使用一次。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Only one payment method can take the rest.</source>
        <translation>只能由一种付款方式支付剩余金额。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enter the cash handed over when mixing payments.</source>
        <translation>组合支付时请输入实收现金。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The cart is empty.</source>
        <translation>购物车是空的。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>The amount must be more than ¥0.00.</source>
        <translation>金额必须大于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>An adjustment must change something.</source>
        <translation>调整金额不能为零。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The float must be ¥0.00 or more.</source>
        <translation>备用金不能少于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Counted cash must be ¥0.00 or more.</source>
        <translation>实点现金不能少于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Points to redeem must not be negative.</source>
        <translation>抵扣积分不能为负数。</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>No member found.</source>
        <translation>查无此会员。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This needs a member: pick one first.</source>
        <translation>此操作需要会员，请先选择会员。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>This member is frozen: a manager must unfreeze first.</source>
        <translation>该会员已冻结，需店长先解冻。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This membership is closed.</source>
        <translation>该会员已退卡。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>A payment PIN has exactly 6 digits.</source>
        <translation>支付密码须为 6 位数字。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This is not a member QR code.</source>
        <translation>这不是会员码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This member QR code failed its check (altered?).</source>
        <translation>会员码校验失败（可能被篡改）。</translation>
    </message>
    <message>
        <location line="+128"/>
        <source>This top-up was already voided.</source>
        <translation>此笔充值已撤销。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A top-up can only be voided on the day it was made.</source>
        <translation>充值只能在当天撤销。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The balance no longer covers this top-up (part was spent).</source>
        <translation>余额已不足以撤销此笔充值（部分已消费）。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No shift is open at this till: open one first.</source>
        <translation>本收银台尚未开班，请先开班。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Unknown user or wrong PIN.</source>
        <translation>工号或密码错误。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>This needs a manager&apos;s approval.</source>
        <translation>此操作需要店长授权。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An approval needs a reason.</source>
        <translation>授权需填写原因。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A user code has 1-16 letters, digits or _.</source>
        <translation>工号为 1–16 位字母、数字或下划线。</translation>
    </message>
    <message>
        <location line="-283"/>
        <source>The member&apos;s payment PIN is needed to pay from the balance.</source>
        <translation>使用储值付款需输入会员的支付密码。</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>Head office has not given this till its key for members&apos; data: join head office again.</source>
        <translation>总部尚未向本机下发会员资料的密钥：请重新加入总部。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>The member has no payment PIN.</source>
        <translation>该会员未设置支付密码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The member&apos;s payment PIN is not locked.</source>
        <translation>该会员的支付密码未被锁定。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stored value {balance_fen} is less than {amount_fen}.</source>
        <translation>储值余额 {balance_fen}，不足支付 {amount_fen}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The member&apos;s stored value across all stores is not enough.</source>
        <translation>该会员在各门店的储值合计不足。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Head office has blocked this member&apos;s stored value: ask the manager.</source>
        <translation>总部已暂停该会员的储值使用，请联系店长。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A named card holds at most {cap_fen}; with this top-up and its bonus it would hold {after_fen}. At most {room_fen} more fits.</source>
        <translation>记名卡最多储值 {cap_fen}；本次充值（含赠送）后将达 {after_fen}，最多还能充 {room_fen}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Payments {paid_fen} do not cover the total {total_fen}.</source>
        <translation>已付 {paid_fen}，不足应付金额 {total_fen}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cash {cash_fen} does not cover the {due_fen} left to pay.</source>
        <translation>现金 {cash_fen} 不足支付剩余的 {due_fen}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Payments {paid_fen} exceed the total {total_fen}.</source>
        <translation>付款 {paid_fen} 超过应付金额 {total_fen}。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>A sale on account must name the company.</source>
        <translation>挂账须指定企业。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A gift card payment needs its card: scan it.</source>
        <translation>礼品卡付款须指定礼品卡：请扫描礼品卡。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The payment method must be one of: {allowed}.</source>
        <translation>付款方式须为以下之一：{allowed}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Give --amount or at least one --item.</source>
        <translation>请提供 --amount 或至少一个 --item。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>At most {max_lines} lines in one sale.</source>
        <translation>每笔交易最多 {max_lines} 行商品。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Quantity must be 1 to {max_qty}.</source>
        <translation>数量须在 1 到 {max_qty} 之间。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>“{text}”: the quantity after x must be a whole number.</source>
        <translation>“{text}”：x 后面的数量须为整数。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No product with barcode {barcode}.</source>
        <translation>查无条码为 {barcode} 的商品。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>“{barcode}” is not a barcode.</source>
        <translation>“{barcode}”不是有效的条码。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>“{text}” is not an amount of money (write it like 500, 12.50 or 1,000).</source>
        <translation>“{text}”不是有效金额（请写成 500、12.50 或 1,000 这样）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>“{text}” has more than two decimal places.</source>
        <translation>“{text}”超过两位小数：金额最多精确到分。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>An amount must not be negative: {text}.</source>
        <translation>金额不能为负数：{text}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An amount is at most {max_fen}: {text} is too large.</source>
        <translation>金额不能超过 {max_fen}，{text} 太大。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{amount_fen} is not plausible: check the amount.</source>
        <translation>金额 {amount_fen} 异常，请核对。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A sale total of {total_fen} is not plausible: check the amounts.</source>
        <translation>本单合计 {total_fen} 异常，请核对金额。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A line with an amount typed in needs a price above ¥0.00.</source>
        <translation>手输金额的商品行价格必须大于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A changed price must be ¥0.00 or more.</source>
        <translation>改价后的价格不能低于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A price must not be negative.</source>
        <translation>价格不能为负数。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The credit limit must be ¥0.00 or more.</source>
        <translation>信用额度不能少于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A points adjustment must change something.</source>
        <translation>积分调整不能为零。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The member has only {points} points.</source>
        <translation>会员仅有 {points} 积分。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Some of the member&apos;s points have expired.</source>
        <translation>会员的部分积分已过期。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Redeem at least {min_points} points.</source>
        <translation>至少使用 {min_points} 积分。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Points may pay at most {max_pct}% of this sale: at most {max_points} points.</source>
        <translation>积分最多抵扣本单的 {max_pct}%，即最多 {max_points} 积分。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“{coupon}” is not a coupon code.</source>
        <translation>“{coupon}”不是优惠券码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A coupon is valid for at least a day and its minimum spend is ¥0.00 or more.</source>
        <translation>优惠券有效期至少一天，最低消费不能少于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The coupon kind must be one of: {allowed}.</source>
        <translation>优惠券类型须为以下之一：{allowed}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Percent off must be between 1 and 99.</source>
        <translation>折扣百分比须在 1 到 99 之间。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Coupon template {template} already exists.</source>
        <translation>优惠券模板 {template} 已存在。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No coupon template {template}.</source>
        <translation>查无优惠券模板 {template}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No coupon {coupon}.</source>
        <translation>查无优惠券 {coupon}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Coupon {coupon} was already used.</source>
        <translation>优惠券 {coupon} 已使用。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Coupon {coupon} belongs to another member.</source>
        <translation>优惠券 {coupon} 属于其他会员。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Coupon {coupon} is not valid now.</source>
        <translation>优惠券 {coupon} 不在有效期内。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Coupon {coupon} needs a spend of at least {min_spend_fen}.</source>
        <translation>优惠券 {coupon} 需消费满 {min_spend_fen} 才能使用。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Only a member can redeem points: pick one first.</source>
        <translation>只有会员才能使用积分抵扣，请先选择会员。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Paying with stored value needs a member: pick one first.</source>
        <translation>储值支付需要会员，请先选择会员。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>This membership is closed: there is no member card to print.</source>
        <translation>该会员已退卡，没有会员卡可打印。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This member is already frozen.</source>
        <translation>该会员已是冻结状态。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This member is not frozen.</source>
        <translation>该会员未被冻结。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Nothing to change.</source>
        <translation>没有要修改的内容。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Phone {phone} is already registered.</source>
        <translation>手机号 {phone} 已注册。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>“{text}” is not a phone number: mainland numbers have 11 digits starting 13-19, others need +country code.</source>
        <translation>“{text}”不是有效手机号：大陆手机号为 13–19 开头的 11 位数字，境外号码请加“+国家代码”。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Enter the member&apos;s name.</source>
        <translation>请输入会员姓名。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The name is too long (at most {max_chars} characters).</source>
        <translation>姓名过长（最多 {max_chars} 个字）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The name contains control characters.</source>
        <translation>姓名含有控制字符。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A name has 1 to {max_chars} characters.</source>
        <translation>名称须为 1–{max_chars} 个字。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The birthday “{text}” is not a date like YYYY-MM-DD.</source>
        <translation>生日“{text}”不是有效日期，格式为 YYYY-MM-DD。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The birthday {day} is not plausible.</source>
        <translation>生日 {day} 不合理，请核对。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Gender must be one of: {allowed}.</source>
        <translation>性别须为以下之一：{allowed}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The search text is too long (at most {max_chars} characters).</source>
        <translation>搜索内容过长（最多 {max_chars} 个字符）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A staff PIN has {min_digits} to {max_digits} digits.</source>
        <translation>员工密码须为 {min_digits}–{max_digits} 位数字。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>This is not a count card QR code.</source>
        <translation>这不是次卡二维码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This count card QR code failed its check (altered?).</source>
        <translation>次卡二维码校验失败（可能被篡改）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No member has card {card_no}.</source>
        <translation>查无卡号为 {card_no} 的会员。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Card {card_no} was reported lost: replace it first.</source>
        <translation>卡号 {card_no} 已挂失，请先补卡。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Card {card_no} is no longer valid.</source>
        <translation>卡号 {card_no} 已失效。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Card {card_no} is already reported lost.</source>
        <translation>卡号 {card_no} 已挂失。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No membership plan {plan}.</source>
        <translation>查无付费会员方案 {plan}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A plan needs a fee and a duration above zero.</source>
        <translation>付费会员方案的费用和时长都须大于零。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A plan&apos;s extra discount is 0 to less than 50 percent.</source>
        <translation>付费会员方案的额外折扣须不少于 0%、低于 50%。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A member cannot refer themselves.</source>
        <translation>会员不能推荐自己。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No member has referral code {ref}.</source>
        <translation>找不到推荐码为 {ref} 的会员。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The referring member&apos;s membership is closed.</source>
        <translation>推荐人的会员资格已注销。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>There is no consent for {purpose}: it is one of {allowed}.</source>
        <translation>没有“{purpose}”这项同意：可选 {allowed}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A consent is recorded here through {allowed}, not {channel}.</source>
        <translation>此处只能通过 {allowed} 记录同意，不能通过 {channel}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No count card {product} is on sale.</source>
        <translation>没有在售的次卡 {product}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A count card needs a code (at most 24 characters) and a name (at most 64).</source>
        <translation>次卡需要编码（最多 24 个字符）和名称（最多 64 个字符）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Say what one use of the card is (a product barcode or a service).</source>
        <translation>请写明次卡每次可用的项目（商品条码或服务）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A count card gives 1 to {max_uses} uses.</source>
        <translation>次卡次数须为 1 至 {max_uses} 次。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A count card needs a price above ¥0.00.</source>
        <translation>次卡售价须高于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A count card is valid 1 to {max_months} months.</source>
        <translation>次卡有效期须为 1 至 {max_months} 个月。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Offline uses must be between 0 and the card&apos;s uses.</source>
        <translation>离线可用次数须在 0 到次卡总次数之间。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No count card {card_no}.</source>
        <translation>查无次卡 {card_no}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Use 1 to {max_uses} at a time.</source>
        <translation>每次可使用 1 至 {max_uses} 次。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An adjustment must change the uses (by at most 1,000).</source>
        <translation>调整须改变次数（最多 1,000 次）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The member holds more than one kind of count card ({cards}): scan the card or choose it.</source>
        <translation>该会员持有多种次卡（{cards}）：请扫描次卡或选择要用的卡。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The member&apos;s count cards have {uses_left} uses left here, not {uses}.</source>
        <translation>该会员的次卡在本店只剩 {uses_left} 次，不够 {uses} 次。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Count card {card_no} has expired.</source>
        <translation>次卡 {card_no} 已过期。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Count card {card_no} is not valid at this store.</source>
        <translation>次卡 {card_no} 不能在本店使用。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Count card {card_no} can no longer be used.</source>
        <translation>次卡 {card_no} 已不能使用。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Count card {card_no} has no unused uses to refund.</source>
        <translation>次卡 {card_no} 没有可退的剩余次数。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A gift card holds ¥0.01 to {cap_fen} (the most an anonymous card may hold).</source>
        <translation>礼品卡面值须为 ¥0.01 至 {cap_fen}（不记名卡的上限）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Sell 1 to {max_cards} gift cards at a time.</source>
        <translation>每次可售 1 至 {max_cards} 张礼品卡。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gift cards of {total_fen} at once: record the buyer&apos;s real name (needed from {from_fen}).</source>
        <translation>一次购买礼品卡 {total_fen}：须登记购卡人实名（{from_fen} 起须实名）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A company prepaying {total_fen} at once must pay by bank transfer (from {from_fen}).</source>
        <translation>企业一次预付 {total_fen}，须通过银行转账支付（{from_fen} 起）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A person prepaying {total_fen} at once must pay by bank transfer (from {from_fen}).</source>
        <translation>个人一次预付 {total_fen}，须通过银行转账支付（{from_fen} 起）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Enter the bank account the transfer came from.</source>
        <translation>请填写转账的付款银行账户。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The payer&apos;s bank account is {min_digits} to {max_digits} digits.</source>
        <translation>付款银行账号应为 {min_digits} 至 {max_digits} 位数字。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stored value is held on a named card: record the member&apos;s real name (not a placeholder or a form of address such as 王先生) before topping up.</source>
        <translation>储值卡为记名卡：充值前须登记会员的真实姓名（不能是代称或“王先生”之类的称呼）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The prepaid agreement is not set: head office must set it before top-ups.</source>
        <translation>尚未设置预付卡协议：须由总部设置后才能充值。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The prepaid agreement changed to version {version}: show it to the member again.</source>
        <translation>预付卡协议已更新为 {version} 版：请重新向会员出示协议。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The buyer&apos;s name and bank account are at most 64 characters each.</source>
        <translation>购卡人姓名和银行账户各最多 64 个字。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No gift card {card_no} at this till: scan the card&apos;s QR code.</source>
        <translation>本机查无礼品卡 {card_no}：请扫描礼品卡二维码。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This is not a gift card QR code.</source>
        <translation>这不是礼品卡二维码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This gift card QR code failed its check (altered?).</source>
        <translation>礼品卡二维码校验失败（可能被篡改）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Gift card {card_no} can no longer be used.</source>
        <translation>礼品卡 {card_no} 已不能使用。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Gift card {card_no} has expired.</source>
        <translation>礼品卡 {card_no} 已过期。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gift card {card_no} holds {balance_fen}, less than {amount_fen}.</source>
        <translation>礼品卡 {card_no} 余额 {balance_fen}，不足支付 {amount_fen}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Gift card {card_no} has {balance_fen} available across all stores, less than {amount_fen}.</source>
        <translation>礼品卡 {card_no} 在全部门店的可用余额为 {balance_fen}，不足支付 {amount_fen}。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Coupon {coupon} was already used at store {store}.</source>
        <translation>券 {coupon} 已在门店 {store} 使用过。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Coupon {coupon} is being used in another sale right now.</source>
        <translation>券 {coupon} 正在另一笔交易中使用。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No company {company}.</source>
        <translation>无此企业 {company}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A company with this code already exists.</source>
        <translation>企业编号已存在。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This company account is not active.</source>
        <translation>该企业账户已停用。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The company&apos;s account is overdue ({overdue_fen} since {since}): take a payment first.</source>
        <translation>企业账款已逾期（{overdue_fen}，自 {since}），请先回款。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This goes over the company&apos;s credit limit: {available_fen} is available.</source>
        <translation>超出企业信用额度，可用 {available_fen}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The payment is more than the {balance_fen} the company owes.</source>
        <translation>回款金额超过欠款 {balance_fen}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A bank transfer needs its reference (the bank&apos;s transaction number).</source>
        <translation>银行转账须填写转账流水号。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enter the company&apos;s name (at most 64 characters); a contact has at most 32, a phone at most 20.</source>
        <translation>请填写企业名称（最多 64 个字）；联系人最多 32 个字，电话最多 20 位。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Payment terms are 1 to {max_days} days.</source>
        <translation>账期为 1–{max_days} 天。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A company code has 1-16 letters, digits or -.</source>
        <translation>企业编号为 1–16 位字母、数字或 -。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A payment reference is at most 64 characters.</source>
        <translation>参考号最多 64 个字。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No sale with receipt number {receipt_no}.</source>
        <translation>查无小票号为 {receipt_no} 的交易。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No receipt {receipt_no} has been printed at this till.</source>
        <translation>本收银台没有打印过小票 {receipt_no}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sale {receipt_no} was already refunded.</source>
        <translation>交易 {receipt_no} 已退款。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No top-up {topup_key}.</source>
        <translation>查无充值记录 {topup_key}。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Till {till} already has an open shift: close it first.</source>
        <translation>{till} 号收银台已有未交班的班次，请先交班。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>There is no Z report {z_no} at till {till}.</source>
        <translation>{till} 号收银台没有 Z 报表 {z_no}。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{user} is not a manager and cannot approve.</source>
        <translation>{user} 不是店长，无权授权。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{user} cannot approve their own request: another manager must approve.</source>
        <translation>{user} 不能审批自己发起的操作，请由其他店长审批。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{user} cannot approve this for their own member account: another manager must approve.</source>
        <translation>{user} 不能审批本人会员账户的操作，请由其他店长审批。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>That member account is already linked to staff user {user}.</source>
        <translation>该会员账户已关联员工 {user}。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The reason is at most {max_chars} characters.</source>
        <translation>原因最多 {max_chars} 个字。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The role must be one of: {allowed}.</source>
        <translation>角色须为以下之一：{allowed}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>User {user} already exists.</source>
        <translation>工号 {user} 已存在。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No user {user}.</source>
        <translation>查无工号 {user}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&apos;{command}&apos; must be done by a user: their code and PIN.</source>
        <translation>“{command}”须由用户以工号和密码登录后操作。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&apos;{command}&apos; needs {user}&apos;s PIN (never on the command line).</source>
        <translation>“{command}”需要 {user} 的密码（不可写在命令行上）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The approval needs {user}&apos;s PIN.</source>
        <translation>审批需要 {user} 的密码。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{user} cannot do this: &apos;{command}&apos; needs a manager.</source>
        <translation>{user} 无权操作：“{command}”须由店长执行。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Give the new PIN for {user}.</source>
        <translation>请输入 {user} 的新密码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Give the store&apos;s token in {env}, or type it when asked.</source>
        <translation>请把门店令牌放在 {env} 中，或在提示时输入。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The two PINs differ: nothing was changed.</source>
        <translation>两次输入的密码不一致：未作任何更改。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Setting {setting} cannot take this: {detail}</source>
        <translation>设置项 {setting} 不能取此值：{detail}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>There is no setting {setting}.</source>
        <translation>没有名为 {setting} 的设置项。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Setting {setting} is set by head-office sync, not by hand.</source>
        <translation>设置项 {setting} 由总部同步写入，不能手动修改。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Setting {setting} is a chain rule: head office sets it for every store.</source>
        <translation>设置项 {setting} 是连锁规则，由总部为所有门店统一设置。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Store name: 1 to {max_chars} characters.</source>
        <translation>门店名称须为 1–{max_chars} 个字。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A store code has 4 digits, e.g. 0002.</source>
        <translation>门店编号为 4 位数字，例如 0002。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A till number is 1 to 99.</source>
        <translation>收银台号须在 1 到 99 之间。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The command is not right: {detail} (see {command} -h)</source>
        <translation>命令有误：{detail}（参见 {command} -h）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Give --server, --token and --till together.</source>
        <translation>--server、--token 和 --till 须一起提供。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An idempotency key has 1 to {max_chars} printable characters.</source>
        <translation>幂等键须为 1–{max_chars} 个可打印字符。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This idempotency key was already used for a different action.</source>
        <translation>此幂等键已用于另一项不同的操作。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>--keep must be at least {min_keep}.</source>
        <translation>--keep 至少为 {min_keep}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Members must be 1 to 9,999,999 (7-digit card numbers).</source>
        <translation>会员数须在 1 到 9,999,999 之间（卡号为 7 位序号）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ledger rows must be 0 or more and days 1 or more.</source>
        <translation>流水行数不能为负，天数至少为 1。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The database already has {members} members and {sales} sales: bulk demo history goes only into a new database.</source>
        <translation>数据库中已有 {members} 位会员和 {sales} 笔交易：批量演示数据只能写入新数据库。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{command} is development tooling: it runs from the source checkout (tools/), which is not installed with the app.</source>
        <translation>{command} 是开发工具，须在源代码检出目录中运行（tools/ 不随应用安装）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“{text}” is not a date like 2026-03-10.</source>
        <translation>“{text}”不是有效日期，格式如 2026-03-10。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>“{text}” is not a month like 2026-03.</source>
        <translation>“{text}”不是有效月份，格式如 2026-03。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>“{text}” is not a time like 2026-03-10T18:00:00.</source>
        <translation>“{text}”不是有效时间，格式如 2026-03-10T18:00:00。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A report covers at most {max_days} days.</source>
        <translation>报表最多涵盖 {max_days} 天。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The end date is before the start date.</source>
        <translation>结束日期早于开始日期。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No Chinese font for PDF reports: install {package} (or run scripts/setup).</source>
        <translation>PDF 报表缺少中文字体：请安装 {package}（或运行 scripts/setup）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Line {line} of the file: {detail}</source>
        <translation>文件第 {line} 行有误：{detail}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Line {line} of the file: expected barcode,name,price.</source>
        <translation>文件第 {line} 行有误：应为 barcode,name,price（条码、名称、价格）三列。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This input is not valid.</source>
        <translation>输入无效。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not found.</source>
        <translation>未找到。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refused; nothing was changed.</source>
        <translation>操作被拒绝，未做任何更改。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not allowed: check the user and PIN.</source>
        <translation>验证未通过，请检查工号和密码。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The till&apos;s database cannot be used as it is: nothing was changed.</source>
        <translation>本机数据库当前无法使用，未做任何更改。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The till&apos;s database is damaged: nothing was changed. Restore it: storeapp restore (the newest good backup and head office&apos;s copy of every sale).</source>
        <translation>本机数据库已损坏，未做任何更改。请运行 storeapp restore 恢复（使用最新的完好备份和总部保存的每笔交易）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The till&apos;s database is damaged, so no backup was made and every earlier backup is kept: storeapp restore.</source>
        <translation>本机数据库已损坏，因此未做备份，以前的备份都已保留。请运行 storeapp restore 恢复。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The till&apos;s database (or its folder) cannot be written: nothing was changed. Check the disk is not mounted read-only and the file belongs to this user.</source>
        <translation>本机数据库（或其所在文件夹）无法写入，未做任何更改。请检查磁盘是否以只读方式挂载、文件是否属于当前用户。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Another program holds the till&apos;s database: nothing was changed. Close the other counter window or command and try again.</source>
        <translation>另一个程序正在使用本机数据库，未做任何更改。请关闭另一个收银窗口或命令后重试。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The disk holding the till&apos;s database is full: nothing was changed. Free some space (old backups, logs) and try again.</source>
        <translation>存放本机数据库的磁盘已满，未做任何更改。请清理空间（旧备份、日志）后重试。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The till&apos;s database cannot be opened or read: nothing was changed. Check the disk; if the file is damaged: storeapp restore.</source>
        <translation>无法打开或读取本机数据库，未做任何更改。请检查磁盘；如文件已损坏，请运行 storeapp restore。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>There is no till database at {path}: nothing was made. A new till: storeapp init (or the counter&apos;s first-start screen); a till that lost its disk: storeapp restore.</source>
        <translation>{path} 没有收银数据库，未创建任何内容。新收银台：运行 storeapp init（或按首次启动界面操作）；丢失磁盘数据的收银台：运行 storeapp restore。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>There is already a till database at {path}: nothing was changed.</source>
        <translation>{path} 已有收银数据库，未做任何更改。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The backup could not be made: {detail}</source>
        <translation>备份失败：{detail}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Head office has not been reached for more than {max_hours} hours: stored value cannot be spent until it is.</source>
        <translation>已超过 {max_hours} 小时未连上总部：连上之前不能使用储值。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This till has never reached head office: stored value cannot be spent until it has.</source>
        <translation>本收银台从未连上总部：连上之前不能使用储值。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office has not been reached for more than {max_hours} hours: count cards cannot be used until it is.</source>
        <translation>已超过 {max_hours} 小时未连上总部：连上之前不能使用次卡。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office has not been reached for more than {max_hours} hours: gift cards cannot pay until it is.</source>
        <translation>已超过 {max_hours} 小时未连上总部：连上之前不能使用礼品卡。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office cannot be reached: count card {card_no} may give at most {max_uses} uses offline; {used} given already.</source>
        <translation>无法连接总部：次卡 {card_no} 离线最多可用 {max_uses} 次，已用 {used} 次。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office cannot be reached: one action may take at most {max_fen} of stored value offline.</source>
        <translation>总部无法连接：离线时每笔最多使用储值 {max_fen}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office cannot be reached: a member may spend at most {max_fen} of stored value offline; this member has spent {spent_fen} already.</source>
        <translation>总部无法连接：离线时每位会员最多使用储值 {max_fen}，该会员已用 {spent_fen}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office cannot be reached: this store may take at most {max_fen} of stored value offline; {spent_fen} is taken already.</source>
        <translation>总部无法连接：离线时本店最多收取储值 {max_fen}，已收 {spent_fen}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office cannot be reached: a gift card may pay at most {max_fen} at this till offline; this card has paid {spent_fen} already.</source>
        <translation>总部无法连接：离线时每张礼品卡在本机最多支付 {max_fen}，该卡已付 {spent_fen}。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Head office knows {principal_fen} of principal for this member: {amount_fen} cannot be paid out.</source>
        <translation>总部记录该会员本金为 {principal_fen}，无法退还 {amount_fen}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This till is not linked to a head office yet.</source>
        <translation>本收银台尚未连接总部。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Restoring needs head office: give --server, --token and --till.</source>
        <translation>恢复需要连接总部：请提供 --server、--token 和 --till。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Head office revoked this store&apos;s token: ask head office for a new one and join again.</source>
        <translation>总部已停用本店令牌：请向总部索取新令牌后重新连接。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office does not know this till&apos;s token: join again with the store&apos;s token.</source>
        <translation>总部不认可本收银台的令牌：请用门店令牌重新连接。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office could not verify this till&apos;s request: join again with the store&apos;s token.</source>
        <translation>总部无法验证本收银台的请求：请用门店令牌重新连接。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This computer&apos;s clock is more than 5 minutes off: correct it, then sync again.</source>
        <translation>本机时钟误差超过 5 分钟：请校准时间后再同步。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office refused too many requests from this computer: wait a few minutes, then check the till&apos;s token.</source>
        <translation>总部拒绝了本机过多的请求：请等几分钟，再检查本收银台的令牌。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office says these records belong to another store: call head office.</source>
        <translation>总部认为这些记录属于其他门店：请联系总部。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Head office holds another version of one of this till&apos;s records: call head office.</source>
        <translation>总部保存的本机记录与本机不一致：请联系总部。</translation>
    </message>
    <message>
        <location line="-122"/>
        <source>Store code: exactly 4 digits.</source>
        <translation>门店编号须为 4 位数字。</translation>
    </message>
    <message>
        <location line="-43"/>
        <source>User {user} is locked: ask a manager to unlock them.</source>
        <translation>账号 {user} 已锁定，请店长解锁。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>User {user} is locked for {minutes} more minutes (too many wrong PINs), or until a manager unlocks them.</source>
        <translation>账号 {user} 因密码错误次数过多已锁定，{minutes} 分钟后可再试，或请店长解锁。</translation>
    </message>
    <message>
        <location line="+166"/>
        <source>This till already recorded sales and members as store {recorded_store}; the token is for store {token_store}. Use store {recorded_store}&apos;s token, or a new till database for store {token_store}.</source>
        <translation>本收银台已以门店 {recorded_store} 的名义记录了交易和会员，而该令牌属于门店 {token_store}。请使用门店 {recorded_store} 的令牌，或为门店 {token_store} 另用一个新的收银数据库。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Head office stored none of events {first_seq}-{last_seq} (it has up to {acked_seq}).</source>
        <translation>总部未保存第 {first_seq}–{last_seq} 条事件（总部已有至第 {acked_seq} 条）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office sent the same page twice.</source>
        <translation>总部重复发送了同一页数据。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Head office was restored from a backup and has not renumbered yet: member updates wait until it has (selling goes on).</source>
        <translation>总部已从备份恢复但尚未重新编号：会员更新需等总部完成后才能下载（收银照常）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office cannot be reached: {detail}</source>
        <translation>无法连接总部：{detail}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The head-office address redirects to {location}: join again with that address.</source>
        <translation>总部地址已跳转到 {location}：请用该地址重新连接。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office&apos;s address must start with https://, not {url}.</source>
        <translation>总部地址须以 https:// 开头，而不是 {url}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Head office must be reached over https:// (the store token would travel in clear): {url}.</source>
        <translation>必须通过 https:// 连接总部（否则门店令牌会以明文传输）：{url}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No backup continues what head office holds ({detail}): restore with --from-head-office.</source>
        <translation>没有能接上总部数据的备份（{detail}）：请用 --from-head-office 恢复。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>After writing back head office&apos;s events this till&apos;s do not end as head office&apos;s do at {acked_seq}: nothing was changed; call head office.</source>
        <translation>写回总部的事件后，本机的事件在第 {acked_seq} 条处与总部的不一致：未做任何更改，请联系总部。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office&apos;s audit row {audit_seq} does not continue this till&apos;s: nothing was changed; call head office.</source>
        <translation>总部的第 {audit_seq} 条审计记录与本机的接不上：未做任何更改，请联系总部。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The restored till&apos;s balances do not match its ledgers ({detail}): nothing was changed.</source>
        <translation>恢复后的余额与流水不符（{detail}）：未做任何更改。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The printer cannot be reached ({detail}): the receipt is kept as print job {job_id} and prints when the printer is back.</source>
        <translation>无法连接打印机（{detail}）：小票已保存为打印任务 {job_id}，打印机恢复后自动打印。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The printer cannot be reached ({detail}): nothing was kept to print later.</source>
        <translation>无法连接打印机（{detail}）：未保留待打印的内容。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The printer is out of paper: the receipt is kept as print job {job_id} and prints when paper is in.</source>
        <translation>打印机缺纸：小票已保存为打印任务 {job_id}，装纸后自动打印。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The printer is out of paper: nothing was kept to print later.</source>
        <translation>打印机缺纸：未保留待打印的内容。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The printer reports an error ({detail}): the receipt is kept as print job {job_id} and prints when the printer is back.</source>
        <translation>打印机故障（{detail}）：小票已保存为打印任务 {job_id}，打印机恢复后自动打印。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The printer reports an error ({detail}): nothing was kept to print later.</source>
        <translation>打印机故障（{detail}）：未保留待打印的内容。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Print job {job_id} cannot be printed: {detail}</source>
        <translation>打印任务 {job_id} 无法打印：{detail}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a printer model: {detail}</source>
        <translation>打印机型号无效：{detail}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a printer encoding: {detail}</source>
        <translation>打印编码无效：{detail}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a printer address: {detail}</source>
        <translation>打印机地址无效：{detail}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This till has no receipt printer set up.</source>
        <translation>本收银台尚未设置小票打印机。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Printing needs {module}: pip install &apos;storeapp[devices]&apos;.</source>
        <translation>打印功能需要 {module}：请运行 pip install &apos;storeapp[devices]&apos;。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Something went wrong (%1); the sale was not changed.</source>
        <translation>系统出错（%1），本次交易未做任何更改。</translation>
    </message>
</context>
<context>
    <name>ExportBar</name>
    <message>
        <location filename="../../ui/reports.py" line="+194"/>
        <source>Folder and file name; .csv or .pdf is added</source>
        <translation>文件夹和文件名；自动加 .csv 或 .pdf</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export CSV (F6)</source>
        <translation>导出 CSV（F6）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export PDF (F7)</source>
        <translation>导出 PDF（F7）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Save as</source>
        <translation>保存到</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>CSV or PDF (*.csv *.pdf)</source>
        <translation>CSV 或 PDF (*.csv *.pdf)</translation>
    </message>
</context>
<context>
    <name>GiftCardDialog</name>
    <message>
        <location filename="../../ui/dialogs/giftcard.py" line="+52"/>
        <source>Gift cards</source>
        <translation>礼品卡</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Scan a gift card for its balance</source>
        <extracomment>the card last read (None: none scanned, or it could not be read)</extracomment>
        <translation>扫描礼品卡查询余额</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>up to %1</source>
        <translation>最高 %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Bought by a company</source>
        <translation>单位购卡</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Enter  Sell</source>
        <translation>Enter  售卡</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Esc  Close</source>
        <translation>Esc  关闭</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Balance enquiry</source>
        <translation>余额查询</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Sell gift cards</source>
        <translation>售卖礼品卡</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Face value × cards</source>
        <translation>面值 × 张数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paid by</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Buyer&apos;s real name</source>
        <translation>购卡人实名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Payer&apos;s bank account</source>
        <translation>付款银行账号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To pay</source>
        <translation>应付</translation>
    </message>
    <message>
        <location line="+71"/>
        <source>Face value %1</source>
        <translation>面值 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>valid until %1</source>
        <translation>有效期至 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>sold %1</source>
        <translation>售于 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>sold at another store: spends there are not known here</source>
        <translation>他店售出：在他店的消费本店尚不知晓</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>A card scanned shows its number, balance, face value and expiry here.</source>
        <translation>扫描礼品卡后，这里显示卡号、余额、面值和有效期。</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>%1 by %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>From %1 at once the buyer&apos;s real name is recorded.</source>
        <translation>单次购卡满 %1 须登记购卡人实名。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>From %1 at once only a bank transfer (F5) may pay.</source>
        <translation>单次满 %1 只能银行转账（F5）付款。</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>Gift cards sold: %1 × %2 = %3 by %4 (%5)</source>
        <translation>已售礼品卡：%1 × %2 = %3，%4（%5）</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <location filename="../../ui/dialogs/history.py" line="+31"/>
        <source>Member history</source>
        <translation>会员流水</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+2"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="-2"/>
        <location line="+2"/>
        <source>What</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Principal</source>
        <translation>本金</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bonus</source>
        <translation>赠送</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+2"/>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <location line="-2"/>
        <location line="+2"/>
        <source>Ref</source>
        <translation>单号</translation>
    </message>
    <message>
        <location line="-1"/>
        <location line="+4"/>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Stored value</source>
        <translation>储值</translation>
    </message>
</context>
<context>
    <name>LedgerKind</name>
    <message>
        <location filename="../../ui/terms.py" line="-49"/>
        <source>Top-up</source>
        <translation>充值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-up voided</source>
        <translation>充值撤销</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Purchase</source>
        <translation>消费</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Purchase refunded</source>
        <translation>消费退款</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Account closed, principal refunded</source>
        <translation>退卡退款</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bonus forfeited</source>
        <translation>赠送金作废</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adjustment</source>
        <translation>调整</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Earned</source>
        <translation>获得</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Redeemed</source>
        <translation>积分抵现</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Expired</source>
        <translation>过期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Taken back (refund)</source>
        <translation>退货扣回</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Returned (refund)</source>
        <translation>退款返还</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Count card refunded</source>
        <translation>次卡退款</translation>
    </message>
</context>
<context>
    <name>LiabilityTab</name>
    <message>
        <location filename="../../ui/report_tabs.py" line="+48"/>
        <source>Now</source>
        <translation>现在</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>As of</source>
        <translation>截至</translation>
    </message>
</context>
<context>
    <name>LinkStatus</name>
    <message>
        <location filename="../../ui/terms.py" line="+47"/>
        <source>connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>disconnected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>error</source>
        <translation>故障</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>off</source>
        <translation>未启用</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <location filename="../../ui/login.py" line="+21"/>
        <source>Log in to the counter</source>
        <translation>收银台登录</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>User code</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+7"/>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>Log in (Enter)</source>
        <translation>登录（Enter）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>User</source>
        <translation>工号</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Enter your user code and PIN.</source>
        <translation>请输入工号和密码。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/main_window.py" line="+30"/>
        <location line="+60"/>
        <source>storeapp — %1</source>
        <translation>storeapp — %1</translation>
    </message>
    <message>
        <location line="-44"/>
        <source>Printer: none</source>
        <translation>打印机：无</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scanner: keyboard</source>
        <translation>扫码枪：键盘模式</translation>
    </message>
    <message>
        <location line="+112"/>
        <source>Head-office sync is not running on this till.</source>
        <translation>本收银台未运行总部同步。</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>No shift open (%1)</source>
        <translation>未开班（%1）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Shift #%1 · %2 · %3</source>
        <translation>班次 #%1 · %2 · %3</translation>
    </message>
    <message>
        <location line="-115"/>
        <location line="+13"/>
        <source>Locked</source>
        <translation>已锁屏</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <location filename="../../ui/member_panel.py" line="+95"/>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Plan</source>
        <translation>付费会员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Coupons</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Count cards</source>
        <translation>次卡</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>No member: search, scan a member QR or press F2 to register.</source>
        <translation>未选会员：请搜索、扫会员码，或按 F2 注册新会员。</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Top tier</source>
        <translation>已是最高等级</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 more to %2</source>
        <translation>再消费 %1 可升级为%2</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>principal %1 · bonus %2</source>
        <translation>本金 %1 · 赠送 %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+5"/>
        <location line="+23"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>%1: %2 left</source>
        <translation>%1：剩 %2 次</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n more kind(s)</source>
        <translation>
            <numerusform>另有 %n 种</numerusform>
        </translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Saved %1 in the last 12 months</source>
        <translation>过去一年已省 %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 would have saved %2</source>
        <translation>开通%1，过去一年可省 %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Discount and plan coupons over the last 12 months</source>
        <translation>过去一年的会员折扣和会员券</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>On the last 12 months&apos; purchases; the plan costs %1 a year</source>
        <translation>按过去一年的消费计算；年费 %1</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Referral code</source>
        <translation>推荐码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Referral code · %1</source>
        <translation>推荐码 · %1 人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Members registered with this code here: %1</source>
        <translation>本店以此码注册的会员：%1 人</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Referral code %1</source>
        <translation>推荐码 %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 left</source>
        <translation>本月余 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Staff price this month: %1 of %2 left</source>
        <translation>本月员工折扣剩余 %1（上限 %2）</translation>
    </message>
    <message>
        <location line="-73"/>
        <source>Member is %1</source>
        <translation>会员状态：%1</translation>
    </message>
    <message>
        <location line="-143"/>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <location line="+145"/>
        <source>Card %1 reported lost: replace it (F6)</source>
        <translation>卡 %1 已挂失：请补卡（F6）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Payment PIN locked: a manager unlocks it (F6)</source>
        <translation>支付密码已锁定：请店长解锁（F6）</translation>
    </message>
</context>
<context>
    <name>MemberStatus</name>
    <message>
        <location filename="../../ui/terms.py" line="-37"/>
        <source>active</source>
        <translation>正常</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>frozen</source>
        <translation>已冻结</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>closed</source>
        <translation>已退卡</translation>
    </message>
</context>
<context>
    <name>MembersTab</name>
    <message>
        <location filename="../../ui/report_members.py" line="+38"/>
        <source>Show full phone numbers (recorded in the audit log)</source>
        <translation>显示完整手机号（记入审计日志）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Select a segment in the table (arrow keys) to list its members.</source>
        <translation>在表中选择一个分群（方向键）即可列出其会员。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>RFM segments</source>
        <translation>RFM 分群</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Members to reach</source>
        <translation>会员关怀</translation>
    </message>
</context>
<context>
    <name>NewPinDialog</name>
    <message>
        <location filename="../../ui/dialogs/card.py" line="+20"/>
        <source>New payment PIN</source>
        <translation>新支付密码</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>New PIN (6 digits)</source>
        <translation>新密码（6 位数字）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Once more</source>
        <translation>再输一次</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>A payment PIN has 6 digits.</source>
        <translation>支付密码为 6 位数字。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The two PINs differ: type it again.</source>
        <translation>两次输入的密码不一致，请重新输入。</translation>
    </message>
</context>
<context>
    <name>OpenShiftDialog</name>
    <message>
        <location filename="../../ui/dialogs/shift_open.py" line="+20"/>
        <source>Open shift</source>
        <translation>开班</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No shift is open at this till. Count the float into the drawer and enter it.</source>
        <translation>本收银台尚未开班。请清点放入钱箱的备用金并输入金额。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Float in yuan</source>
        <translation>备用金（元）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Open shift (Enter)</source>
        <translation>开班（Enter）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Float</source>
        <translation>备用金</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Shift #%1 opened with a float of %2.</source>
        <translation>班次 #%1 已开班，备用金 %2。</translation>
    </message>
</context>
<context>
    <name>PaymentMethod</name>
    <message>
        <location filename="../../ui/terms.py" line="-12"/>
        <source>Stored value</source>
        <translation>储值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>WeChat Pay</source>
        <translation>微信支付</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Alipay</source>
        <translation>支付宝</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bank card</source>
        <translation>银行卡</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bank transfer</source>
        <translation>银行转账</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gift card</source>
        <translation>礼品卡</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>On account</source>
        <translation>挂账</translation>
    </message>
</context>
<context>
    <name>PrinterStatus</name>
    <message>
        <location line="+17"/>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paper out</source>
        <translation>缺纸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>error</source>
        <translation>故障</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>starting</source>
        <translation>连接中</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <location filename="../../ui/dialogs/refund.py" line="+29"/>
        <source>Refund a sale</source>
        <translation>退款</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Refund (manager)</source>
        <translation>退款（需店长）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Receipt no.</source>
        <translation>小票号</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Hand back cash: %1</source>
        <translation>退还现金：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Back to the balance: %1 (principal %2 · bonus %3)</source>
        <translation>退回储值余额：%1（本金 %2 · 赠送金 %3）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Back by %1: %2</source>
        <translation>原路退回（%1）：%2</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Refund %1</source>
        <translation>退款 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>customer return</source>
        <translation>顾客退货</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A refund needs a manager&apos;s approval.</source>
        <translation>退款需要店长授权。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Refunded %1: %2. %3</source>
        <translation>已退款 %1：%2。%3</translation>
    </message>
</context>
<context>
    <name>RegisterDialog</name>
    <message>
        <location filename="../../ui/dialogs/register.py" line="+31"/>
        <source>Register a member</source>
        <extracomment>A pause in typing the referrer this long looks them up (a scan&apos;s Enter looks up at once).</extracomment>
        <translation>会员注册</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Referral code, phone or scan</source>
        <translation>推荐码、手机号或扫码</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Agrees to receive offers</source>
        <translation>同意接收优惠信息</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Referred by</source>
        <translation>推荐人</translation>
    </message>
    <message>
        <location line="+87"/>
        <source>Registered %1, card %2</source>
        <translation>已注册 %1，卡号 %2</translation>
    </message>
</context>
<context>
    <name>ReportTab</name>
    <message>
        <location filename="../../ui/report_tabs.py" line="-110"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
</context>
<context>
    <name>ReportsDialog</name>
    <message>
        <location filename="../../ui/reports.py" line="-171"/>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Daily</source>
        <translation>日报</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Liability</source>
        <translation>储值负债</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Members</source>
        <translation>会员洞察</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Z reports</source>
        <translation>Z 报表</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Ctrl+1…4 or Ctrl+Tab: tabs · F5: refresh · F6/F7: export · Esc: close</source>
        <translation>Ctrl+1…4 或 Ctrl+Tab：切换页 · F5：刷新 · F6/F7：导出 · Esc：关闭</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Close (Esc)</source>
        <translation>关闭（Esc）</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Nothing to export yet: the report is still loading.</source>
        <translation>报表仍在加载，暂无可导出内容。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Enter where to save the file.</source>
        <translation>请填写文件保存位置。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Writing %1…</source>
        <translation>正在写入 %1…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>Role</name>
    <message>
        <location filename="../../ui/terms.py" line="-9"/>
        <source>cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>manager</source>
        <translation>店长</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>admin</source>
        <translation>管理员</translation>
    </message>
</context>
<context>
    <name>SaleStatus</name>
    <message>
        <location line="-6"/>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>refunded</source>
        <translation>已退款</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <location filename="../../ui/search.py" line="+31"/>
        <source>Phone, last 4, name, card (F1)</source>
        <translation>手机号/尾号/姓名/卡号（F1）</translation>
    </message>
    <message>
        <location line="+79"/>
        <source>No member found.</source>
        <translation>未找到会员。</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>%n member(s) found</source>
        <translation>
            <numerusform>找到 %n 位会员</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SellCardDialog</name>
    <message>
        <location filename="../../ui/dialogs/countcard_sell.py" line="+39"/>
        <source>Sell a count card</source>
        <translation>次卡开卡</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Card</source>
        <translation>次卡</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Uses</source>
        <translation>次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Price</source>
        <translation>售价</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Valid</source>
        <translation>有效期</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Payment PIN</source>
        <translation>支付密码</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Sell (Enter)</source>
        <translation>开卡（Enter）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Paid by</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>To pay</source>
        <translation>应付</translation>
    </message>
    <message numerus="yes">
        <location line="+47"/>
        <source>%n use(s)</source>
        <translation>
            <numerusform>%n 次</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n month(s)</source>
        <translation>
            <numerusform>%n 个月</numerusform>
        </translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No count card is on sale at this store.</source>
        <translation>本店没有在售的次卡。</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>%1 by %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Choose the card to sell.</source>
        <translation>请选择要开的次卡。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Ask the member to type the payment PIN.</source>
        <translation>请会员输入支付密码。</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Sold %1 (card %2): %3 uses, paid %4 by %5</source>
        <translation>已开卡 %1（卡号 %2）：%3 次，%5支付 %4</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../ui/dialogs/settings.py" line="+32"/>
        <source>Till settings</source>
        <translation>收银台设置</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Print a test page</source>
        <translation>打印测试页</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test the display</source>
        <translation>测试顾客显示屏</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lock after idle minutes</source>
        <translation>空闲锁屏（分钟）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Receipt printer</source>
        <translation>小票打印机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paper / model</source>
        <translation>纸宽 / 型号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Printer encoding</source>
        <translation>打印编码</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Serial scanner</source>
        <translation>串口扫码枪</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Customer display</source>
        <translation>顾客显示屏</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Display commands</source>
        <translation>显示屏指令</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Test page sent.</source>
        <translation>测试页已发送。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Sent to the display.</source>
        <translation>已发送到显示屏。</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Settings saved. Printer, scanner and display changes apply when the counter next starts.</source>
        <translation>设置已保存。打印机、扫码枪和客显的更改在收银台下次启动时生效。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Nothing was changed.</source>
        <translation>没有更改任何设置。</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <location filename="../../ui/setup.py" line="+29"/>
        <source>Welcome to storeapp</source>
        <translation>欢迎使用 storeapp</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This till has no store yet. Start a demo store with demo data, or set up your store and its first manager. A till that was in use and lost its database is not set up again: close this and restore it (storeapp restore).</source>
        <translation>这台收银机还没有门店。可以开启带演示数据的演示门店，或设置您的门店和第一位店长。已在使用、只是丢失了数据库的收银机不要重新设置：请关闭此窗口并恢复（storeapp restore）。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Start the demo store (Enter)</source>
        <translation>开启演示门店（Enter）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Store name</source>
        <translation>门店名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Store code (4 digits)</source>
        <translation>门店编号（4 位数字）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Manager code</source>
        <translation>店长工号</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Manager name</source>
        <translation>店长姓名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Manager PIN (6-12 digits)</source>
        <translation>店长密码（6–12 位数字）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Set up my store</source>
        <translation>设置我的门店</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>— or —</source>
        <translation>—— 或 ——</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Preparing the demo store: %1 members with their sales and top-ups…</source>
        <translation>正在准备演示门店：%1 位会员及其消费和充值记录…</translation>
    </message>
</context>
<context>
    <name>ShiftDialog</name>
    <message>
        <location filename="../../ui/dialogs/shift.py" line="+37"/>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Counted cash in yuan</source>
        <translation>实点现金（元）</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+111"/>
        <source>Count the drawer, enter the cash and press Enter.</source>
        <translation>清点钱箱，输入现金金额后按 Enter。</translation>
    </message>
    <message>
        <location line="-108"/>
        <source>Print X report</source>
        <translation>打印 X 报表</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+106"/>
        <source>Close shift (Enter)</source>
        <translation>交班（Enter）</translation>
    </message>
    <message>
        <location line="-104"/>
        <source>Done (Enter)</source>
        <translation>完成（Enter）</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Sales</source>
        <translation>销售</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refunds</source>
        <translation>退款</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-ups (principal)</source>
        <translation>充值（本金）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-up bonus</source>
        <translation>充值赠送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Net by payment method</source>
        <translation>按支付方式净额</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Float</source>
        <translation>备用金</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cash in</source>
        <translation>现金收入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cash out</source>
        <translation>现金支出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Expected cash</source>
        <translation>应有现金</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Counted cash</source>
        <translation>实点现金</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Variance</source>
        <translation>差额</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Shift #%1 closed · Z #%2</source>
        <translation>班次 #%1 已交班 · Z #%2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Shift #%1 · %2 · since %3</source>
        <translation>班次 #%1 · %2 · %3 开班</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>X report sent to the printer.</source>
        <translation>X 报表已送打印。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No printer is set up: nothing was printed.</source>
        <translation>未设置打印机：没有打印。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Confirm close (Enter)</source>
        <translation>确认交班（Enter）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Expected %1, counted %2. Press Enter again to close the shift and print the Z report; Esc keeps it open.</source>
        <translation>应有 %1，实点 %2。再按 Enter 交班并打印 Z 报表；按 Esc 暂不交班。</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Z #%1 saved; printing…</source>
        <translation>Z #%1 已保存，正在打印…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Shift closed: Z #%1, %2.</source>
        <translation>已交班：Z #%1，%2。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Z #%1 queued for printing.</source>
        <translation>Z #%1 已加入打印队列。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Z #%1 saved; no printer is set up.</source>
        <translation>Z #%1 已保存；未设置打印机。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>%1 balanced</source>
        <translation>%1 账实相符</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>over</source>
        <translation>长款</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>short</source>
        <translation>短款</translation>
    </message>
</context>
<context>
    <name>SyncDialog</name>
    <message>
        <location filename="../../ui/dialogs/sync_now.py" line="+37"/>
        <source>Sync with head office</source>
        <translation>与总部同步</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>%1: sync again · Esc: close · the counter keeps working</source>
        <translation>%1：再次同步 · Esc：关闭 · 可继续收银</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Close (Esc)</source>
        <translation>关闭（Esc）</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Contacting head office…</source>
        <translation>正在连接总部…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Sending the till&apos;s records: %1 of %2</source>
        <translation>正在上传本机记录：%1 / %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Receiving members and rules: %1</source>
        <translation>正在下载会员和规则：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sending day totals</source>
        <translation>正在上传日汇总</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Synced with head office.</source>
        <translation>已与总部同步。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Not taken: %1</source>
        <translation>未采用：%1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>This till is not linked to a head office yet. Link it once, on this computer, with the address and the store&apos;s token from head office:</source>
        <translation>本收银台尚未连接总部。请在本机运行一次以下命令，填入总部提供的地址和门店令牌：</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Head office cannot be reached.</source>
        <translation>无法连接总部。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The counter works offline; it tries again every %1 minutes.</source>
        <translation>收银台离线照常工作，每 %1 分钟自动重试。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The sync did not complete [%1].</source>
        <translation>同步未完成 [%1]。</translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <location filename="../../ui/sync_view.py" line="+64"/>
        <source>Head office: not linked</source>
        <translation>总部：未连接</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office: linked</source>
        <translation>总部：已连接</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Data lost: a manager runs storeapp restore · %1 to send</source>
        <translation>数据丢失：请店长运行 storeapp restore · 待传 %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Offline since %1 · %2 to send</source>
        <translation>离线，自 %1 起 · 待传 %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Sync failed [%1] · %2 to send</source>
        <translation>同步出错 [%1] · 待传 %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Sync refused [%1] · %2 to send</source>
        <translation>同步被拒 [%1] · 待传 %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Synced %1 · %2 to send</source>
        <translation>同步 %1 · 待传 %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Not synced yet · %1 to send</source>
        <translation>尚未同步 · 待传 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>stored value online only</source>
        <translation>储值仅限在线使用</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Head office found this till&apos;s records do not match what it sent: stored value can be used only while head office answers.</source>
        <translation>总部发现本机记录与已上传的不符：仅在总部在线时才能使用储值。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>syncing…</source>
        <translation>同步中…</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Sent %1 · %2 members · %3 rules</source>
        <translation>已上传 %1 条 · 下载会员 %2 · 规则 %3</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <location line="-75"/>
        <source>Sync now: %1</source>
        <translation>立即同步：%1</translation>
    </message>
</context>
<context>
    <name>TopupDialog</name>
    <message>
        <location filename="../../ui/dialogs/topup.py" line="+45"/>
        <source>Top up</source>
        <extracomment>Refusals a field answers: it gets the keys.</extracomment>
        <translation>充值</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>bonus %1</source>
        <translation>赠 %1</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Custom amount in yuan</source>
        <translation>自定义金额（元）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Paid by a company</source>
        <translation>单位付款</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The account the transfer came from</source>
        <translation>转账付款的银行账号</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>F8  Agreement</source>
        <translation>F8  预付卡协议</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Bonus</source>
        <translation>赠送</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paid by</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Payer&apos;s bank account</source>
        <translation>付款银行账号</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>From %1 at once only a bank transfer may pay.</source>
        <translation>单次满 %1 只能银行转账付款。</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Prepaid agreement v%1 (%2): topping up accepts it.</source>
        <translation>预付卡协议 v%1（%2）：充值即表示同意本协议。</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Topped up %1 + bonus %2</source>
        <translation>已充值 %1，赠送 %2</translation>
    </message>
</context>
<context>
    <name>ZTab</name>
    <message>
        <location filename="../../ui/report_tabs.py" line="+165"/>
        <source>No Z report yet: one is made when a shift closes.</source>
        <translation>还没有 Z 报表：交班时生成。</translation>
    </message>
</context>
</TS>
