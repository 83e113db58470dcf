<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AdjustDialog</name>
    <message>
        <location filename="../../ui/dialogs/adjust.py" line="+19"/>
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
        <location filename="../../ui/dialogs/card.py" line="+20"/>
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
        <location line="+25"/>
        <source>Replace card</source>
        <translation>补卡</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+8"/>
        <location line="+32"/>
        <source>customer request</source>
        <translation>顾客要求</translation>
    </message>
    <message>
        <location line="-33"/>
        <source>Unfreeze</source>
        <translation>解冻</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Close account and refund principal</source>
        <translation>退卡并退还本金</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>No top-up today that can be voided.</source>
        <translation>今天没有可撤销的充值。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Void top-up %1 + bonus %2</source>
        <translation>撤销充值 %1 + 赠送 %2</translation>
    </message>
    <message>
        <location line="+15"/>
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
        <location line="+55"/>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <location line="-55"/>
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
        <location line="+36"/>
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
        <location line="+79"/>
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
        <location filename="../../ui/dialogs/checkout.py" line="+23"/>
        <source>Checkout</source>
        <translation>结账</translation>
    </message>
    <message>
        <location line="+24"/>
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
        <source>Other method</source>
        <translation>其他支付方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Other amount</source>
        <translation>其他支付金额</translation>
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
        <location line="+42"/>
        <source>change %1</source>
        <translation>找零 %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>still %1</source>
        <translation>还差 %1</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Sale %1 done. Change %2</source>
        <translation>交易 %1 完成，找零 %2</translation>
    </message>
</context>
<context>
    <name>CounterScreen</name>
    <message>
        <location filename="../../ui/counter.py" line="+42"/>
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
        <location line="+52"/>
        <source>Unrecognised scan: %1</source>
        <translation>无法识别的扫码：%1</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Open the reports</source>
        <translation>打开报表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reports</source>
        <translation>查看报表</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The reports need a manager&apos;s approval.</source>
        <translation>查看报表需要店长授权。</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>The cart is empty.</source>
        <translation>购物车是空的。</translation>
    </message>
    <message>
        <location line="+23"/>
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
        <location filename="../../ui/report_tabs.py" line="+159"/>
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
        <location filename="../../ui/devices_bridge.py" line="+115"/>
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
        <location filename="../../ui/messages.py" line="+26"/>
        <source>Wrong payment PIN: %1 tries left.</source>
        <translation>支付密码错误，还可尝试 %1 次。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wrong payment PIN: the PIN is now locked.</source>
        <translation>支付密码错误，密码已锁定。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wrong payment PIN.</source>
        <translation>支付密码错误。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The payment PIN is locked after too many wrong tries: a manager must reset it.</source>
        <translation>支付密码错误次数过多已锁定，需店长重置。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Stored value %1 is less than %2.</source>
        <translation>储值余额 %1，不足支付 %2。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The balance is not enough for this.</source>
        <translation>余额不足。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A named card holds at most %1; with this top-up and its bonus it would hold %2. At most %3 more fits.</source>
        <translation>记名卡最多储值 %1；本次充值（含赠送）后将达 %2，最多还能充 %3。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This top-up would pass the card&apos;s limit.</source>
        <translation>本次充值将超过储值上限。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Payments %1 do not cover the total %2.</source>
        <translation>已付 %1，不足应付金额 %2。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cash %1 does not cover the %2 left to pay.</source>
        <translation>现金 %1 不足支付剩余的 %2。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Payments %1 exceed the total %2.</source>
        <translation>付款 %1 超过应付金额 %2。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Say how the customer pays.</source>
        <translation>请选择付款方式。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The till&apos;s database is damaged; nothing was changed. A manager restores it (storeapp restore).</source>
        <translation>本机数据库已损坏，未做任何更改。请店长运行 storeapp restore 恢复。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The till&apos;s database cannot be written (a read-only disk?); nothing was changed.</source>
        <translation>本机数据库无法写入（磁盘只读？），未做任何更改。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Another program is using the till&apos;s database; nothing was changed. Try again in a moment.</source>
        <translation>另一个程序正在使用本机数据库，未做任何更改。请稍后再试。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The disk is full; nothing was changed. A manager frees some space.</source>
        <translation>磁盘已满，未做任何更改。请店长清理磁盘空间。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The till&apos;s database cannot be read; nothing was changed. Check the disk.</source>
        <translation>无法读取本机数据库，未做任何更改。请检查磁盘。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Head office knows %1 of principal for this member: %2 cannot be paid out.</source>
        <translation>总部记录该会员本金为 %1，无法退还 %2。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office found this till&apos;s records do not match: stored value can be used only while head office answers.</source>
        <translation>总部发现本机记录不符：仅在总部在线时才能使用储值。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This till lost data head office holds: stored value cannot be used until a manager runs storeapp restore.</source>
        <translation>本机丢失了总部已收到的数据：店长运行 storeapp restore 恢复之前不能使用储值。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This is a chain rule: head office sets it for every store.</source>
        <translation>这是连锁规则，由总部为所有门店统一设置。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Each payment method at most once per sale.</source>
        <translation>每种付款方式每笔只能使用一次。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Only one payment method can take the rest.</source>
        <translation>只能由一种付款方式支付剩余金额。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Enter the cash handed over when mixing payments.</source>
        <translation>组合支付时请输入实收现金。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose a payment method from the list.</source>
        <translation>请从列表中选择付款方式。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The cart is empty.</source>
        <translation>购物车是空的。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>At most %1 lines in one sale.</source>
        <translation>每笔交易最多 %1 行商品。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Quantity must be 1 to %1.</source>
        <translation>数量须在 1 到 %1 之间。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No product with barcode %1.</source>
        <translation>查无条码为 %1 的商品。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“%1” is not an amount of money.</source>
        <translation>“%1”不是有效金额。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>An amount has at most two decimal places.</source>
        <translation>金额最多保留两位小数。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>An amount must not be negative.</source>
        <translation>金额不能为负数。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>An amount is at most %1.</source>
        <translation>金额不能超过 %1。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The amount must be more than ¥0.00.</source>
        <translation>金额必须大于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This amount is not plausible: check it.</source>
        <translation>金额异常，请核对。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>An adjustment must change something.</source>
        <translation>调整金额不能为零。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The float must be ¥0.00 or more.</source>
        <translation>备用金不能少于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Counted cash must be ¥0.00 or more.</source>
        <translation>实点现金不能少于 ¥0.00。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Points to redeem must not be negative.</source>
        <translation>抵扣积分不能为负数。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The member has only %1 points.</source>
        <translation>会员仅有 %1 积分。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Redeem at least %1 points.</source>
        <translation>至少使用 %1 积分。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Points may pay at most %1% of this sale: at most %2 points.</source>
        <translation>积分最多抵扣本单的 %1%，即最多 %2 积分。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“%1” is not a coupon code.</source>
        <translation>“%1”不是优惠券码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No such coupon.</source>
        <translation>查无此优惠券。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Coupon %1 was already used.</source>
        <translation>优惠券 %1 已使用。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This coupon belongs to another member.</source>
        <translation>此优惠券属于其他会员。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This coupon is not valid now.</source>
        <translation>此优惠券不在有效期内。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This coupon needs a spend of at least %1.</source>
        <translation>此优惠券需消费满 %1 才能使用。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No member found.</source>
        <translation>查无此会员。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This needs a member: pick one first.</source>
        <translation>此操作需要会员，请先选择会员。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This member is frozen: a manager must unfreeze first.</source>
        <translation>该会员已冻结，需店长先解冻。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This membership is closed.</source>
        <translation>该会员已退卡。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Phone %1 is already registered.</source>
        <translation>手机号 %1 已注册。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not a phone number: mainland numbers have 11 digits starting 13-19, others need +country code.</source>
        <translation>手机号无效：大陆手机号为 13–19 开头的 11 位数字，境外号码请加“+国家代码”。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The name is too long (at most %1 characters).</source>
        <translation>姓名过长（最多 %1 个字）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enter a valid name.</source>
        <translation>请输入有效的姓名。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The birthday must be a real date, YYYY-MM-DD.</source>
        <translation>生日须为有效日期，格式为 YYYY-MM-DD。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A payment PIN has exactly 6 digits.</source>
        <translation>支付密码须为 6 位数字。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A staff PIN has 4 to 8 digits.</source>
        <translation>员工密码须为 4–8 位数字。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This is not a member QR code.</source>
        <translation>这不是会员码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This member QR code failed its check (altered?).</source>
        <translation>会员码校验失败（可能被篡改）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No member has this card.</source>
        <translation>查无持此卡的会员。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This card was reported lost: replace it first.</source>
        <translation>此卡已挂失，请先补卡。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This card is no longer valid.</source>
        <translation>此卡已失效。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This card is already reported lost.</source>
        <translation>此卡已挂失。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The member is already in that state.</source>
        <translation>会员已是该状态。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The search text is too long.</source>
        <translation>搜索内容过长。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No sale with receipt number %1.</source>
        <translation>查无小票号为 %1 的交易。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sale %1 was already refunded.</source>
        <translation>交易 %1 已退款。</translation>
    </message>
    <message>
        <location line="+1"/>
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
        <location line="+3"/>
        <source>This till already has an open shift: close it first.</source>
        <translation>本收银台已有未交班的班次，请先交班。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No shift is open at this till: open one first.</source>
        <translation>本收银台尚未开班，请先开班。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>There is no Z report %1 at this till.</source>
        <translation>本收银台没有 Z 报表 %1。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unknown user or wrong PIN.</source>
        <translation>工号或密码错误。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This user is locked: ask an administrator.</source>
        <translation>该账号已锁定，请联系管理员。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 is not a manager and cannot approve.</source>
        <translation>%1 不是店长，无权授权。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This needs a manager&apos;s approval.</source>
        <translation>此操作需要店长授权。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>An approval needs a reason.</source>
        <translation>授权需填写原因。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The reason is at most %1 characters.</source>
        <translation>原因最多 %1 个字。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A user code has 1-16 letters, digits or _.</source>
        <translation>工号为 1–16 位字母、数字或下划线。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>User %1 already exists.</source>
        <translation>工号 %1 已存在。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This till is not linked to a head office yet.</source>
        <translation>本收银台尚未连接总部。</translation>
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
        <source>Head office says these records belong to another store: call head office.</source>
        <translation>总部认为这些记录属于其他门店：请联系总部。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office holds another version of one of this till&apos;s records: call head office.</source>
        <translation>总部保存的本机记录与本机不一致：请联系总部。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Head office has more of this till&apos;s records than this database: was it restored from an old backup? Do not sell on it; call head office.</source>
        <translation>总部收到的本机记录比本数据库还多：是否从旧备份恢复过？请勿在此数据库上继续销售，并联系总部。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Store name: 1 to 40 characters.</source>
        <translation>门店名称须为 1–40 个字。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Store code: exactly 4 digits.</source>
        <translation>门店编号须为 4 位数字。</translation>
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
        <location filename="../../ui/reports.py" line="+191"/>
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
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export PDF</source>
        <translation>导出 PDF</translation>
    </message>
    <message>
        <location line="+9"/>
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
    <name>HistoryDialog</name>
    <message>
        <location filename="../../ui/dialogs/history.py" line="+28"/>
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
        <location filename="../../ui/terms.py" line="+24"/>
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
        <location filename="../../ui/terms.py" line="+32"/>
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
        <source>storeapp — %1</source>
        <translation>storeapp — %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Printer: none</source>
        <translation>打印机：无</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scanner: keyboard</source>
        <translation>扫码枪：键盘模式</translation>
    </message>
    <message>
        <location line="+81"/>
        <source>Head-office sync is not running on this till.</source>
        <translation>本收银台未运行总部同步。</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>No shift open (%1)</source>
        <translation>未开班（%1）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Shift #%1 · %2 · %3</source>
        <translation>班次 #%1 · %2 · %3</translation>
    </message>
    <message>
        <location line="-96"/>
        <source>Locked</source>
        <translation>已锁屏</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <location filename="../../ui/member_panel.py" line="+39"/>
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
        <location line="+1"/>
        <source>Plan</source>
        <translation>付费会员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Coupons</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>No member: search, scan a member QR or press F2 to register.</source>
        <translation>未选会员：请搜索、扫会员码，或按 F2 注册新会员。</translation>
    </message>
    <message>
        <location line="+30"/>
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
        <location line="+1"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Member is %1</source>
        <translation>会员状态：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Payment PIN locked</source>
        <translation>支付密码已锁定</translation>
    </message>
</context>
<context>
    <name>MemberStatus</name>
    <message>
        <location filename="../../ui/terms.py" line="-24"/>
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
    <name>OpenShiftDialog</name>
    <message>
        <location filename="../../ui/dialogs/shift_open.py" line="+22"/>
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
        <location filename="../../ui/terms.py" line="-10"/>
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
        <location filename="../../ui/dialogs/refund.py" line="+20"/>
        <source>Refund a sale</source>
        <translation>退款</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Refund (manager)</source>
        <translation>退款（需店长）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Receipt no.</source>
        <translation>小票号</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+11"/>
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
        <location line="+8"/>
        <source>Refunded %1: %2</source>
        <translation>已退款 %1：%2</translation>
    </message>
</context>
<context>
    <name>RegisterDialog</name>
    <message>
        <location filename="../../ui/dialogs/register.py" line="+15"/>
        <source>Register a member</source>
        <translation>会员注册</translation>
    </message>
    <message>
        <location line="+9"/>
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
        <location line="+18"/>
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
        <location filename="../../ui/reports.py" line="-169"/>
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
        <location line="+12"/>
        <source>Ctrl+1…4 or Ctrl+Tab: tabs · F5: refresh · Esc: close</source>
        <translation>Ctrl+1…4 或 Ctrl+Tab：切换标签 · F5：刷新 · Esc：关闭</translation>
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
        <location filename="../../ui/search.py" line="+30"/>
        <source>Phone, last 4 digits, name or card no. (F1)</source>
        <translation>手机号、手机尾号 4 位、姓名或卡号（F1）</translation>
    </message>
    <message>
        <location line="+69"/>
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
    <name>SettingsDialog</name>
    <message>
        <location filename="../../ui/dialogs/settings.py" line="+29"/>
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
        <location line="+4"/>
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
        <location line="+7"/>
        <source>Settings saved; device changes apply at the next start.</source>
        <translation>设置已保存；设备更改将在下次启动时生效。</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <location filename="../../ui/setup.py" line="+28"/>
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
        <source>Manager PIN (4-8 digits)</source>
        <translation>店长密码（4–8 位数字）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Set up my store</source>
        <translation>设置我的门店</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>— or —</source>
        <translation>—— 或 ——</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Preparing the demo store…</source>
        <translation>正在准备演示门店…</translation>
    </message>
</context>
<context>
    <name>ShiftDialog</name>
    <message>
        <location filename="../../ui/dialogs/shift.py" line="+38"/>
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
        <location line="+107"/>
        <source>Count the drawer, enter the cash and press Enter.</source>
        <translation>清点钱箱，输入现金金额后按 Enter。</translation>
    </message>
    <message>
        <location line="-104"/>
        <source>Print X report</source>
        <translation>打印 X 报表</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+102"/>
        <source>Close shift (Enter)</source>
        <translation>交班（Enter）</translation>
    </message>
    <message>
        <location line="-100"/>
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
        <location line="+32"/>
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
        <location line="+20"/>
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
        <location line="+37"/>
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
        <location filename="../../ui/sync_view.py" line="+58"/>
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
        <location line="-72"/>
        <source>Sync now: %1</source>
        <translation>立即同步：%1</translation>
    </message>
</context>
<context>
    <name>TopupDialog</name>
    <message>
        <location filename="../../ui/dialogs/topup.py" line="+34"/>
        <source>Top up</source>
        <translation>充值</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>bonus %1</source>
        <translation>赠 %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Custom amount in yuan</source>
        <translation>自定义金额（元）</translation>
    </message>
    <message>
        <location line="+10"/>
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
        <location line="+36"/>
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
