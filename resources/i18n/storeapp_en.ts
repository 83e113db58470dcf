<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
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
</TS>
