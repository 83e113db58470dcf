"""The prepaid agreement (预付卡协议) as shipped: the default of the chain setting
``prepaid_agreement`` until head office sets its own (storeapp-hq rule set setting
prepaid_agreement '{"version": ..., "text": ...}'). A top-up records the version and the SHA-256
of the text in force (:func:`storeapp.prepaid_rules.agreement`), so a new text needs a new version.
"""

from __future__ import annotations

VERSION = "2025.1"

TEXT = """会员储值卡（记名单用途商业预付卡）购卡协议

一、本卡为记名单用途商业预付卡，由本企业发行，仅可在本企业及所属门店购买商品或服务，不得兑换现金，不计利息。
二、办理储值须登记持卡人的真实姓名和手机号码。本企业依照《个人信息保护法》处理并保护持卡人信息，仅用于卡片管理、交易记录及法律要求的用途。
三、单张记名卡的资金余额不超过人民币5,000元。个人一次性购卡或充值5万元（含）以上、单位一次性购卡或充值5,000元（含）以上的，须通过银行转账支付，本企业登记付款账户。
四、充值赠送按门店公布的方案发放。使用储值消费时，按本金与赠送余额的比例同时扣减。
五、记名卡不设有效期，可凭本人身份信息办理挂失和补卡；挂失前已发生的交易由持卡人承担。
六、持卡人可申请退卡：本企业退还剩余本金，即充值本金减去消费中按比例扣减的本金部分；赠送余额不予退还、不折现。退卡凭证列明上述计算。
七、每次充值凭证打印本协议的版本号和摘要（SHA-256），持卡人可据此核对所适用的协议文本。本协议变更时，新版本适用于变更后的充值。
八、因本协议发生争议的，双方协商解决；协商不成的，持卡人可向当地商务主管部门或消费者协会投诉，或依法向人民法院起诉。
"""
