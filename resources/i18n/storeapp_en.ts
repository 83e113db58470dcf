<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>MemberPanel</name>
    <message numerus="yes">
        <location filename="../../ui/member_panel.py" line="+212"/>
        <source>%n more kind(s)</source>
        <translation>
            <numerusform>%n more kind</numerusform>
            <numerusform>%n more kinds</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message numerus="yes">
        <location filename="../../ui/search.py" line="+114"/>
        <source>%n member(s) found</source>
        <translation>
            <numerusform>%n member found</numerusform>
            <numerusform>%n members found</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SellCardDialog</name>
    <message numerus="yes">
        <location filename="../../ui/dialogs/countcard_sell.py" line="+135"/>
        <source>%n use(s)</source>
        <translation>
            <numerusform>%n use</numerusform>
            <numerusform>%n uses</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n month(s)</source>
        <translation>
            <numerusform>%n month</numerusform>
            <numerusform>%n months</numerusform>
        </translation>
    </message>
</context>
</TS>
