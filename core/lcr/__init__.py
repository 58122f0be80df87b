"""LCR magnétique: the « Gestion des LCR » sheet, the CFONB 160 remittance, its treasury
entries and its read-back (issue 15; ``shared/specs/cfonb-lcr.md``)."""
