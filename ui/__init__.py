"""The PySide6 desktop counter: keyboard-first, bilingual, never doing I/O on the GUI thread."""
