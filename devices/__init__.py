"""Devices at the counter: receipt printers, scanners, cash drawer and customer display."""
