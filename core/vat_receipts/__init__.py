"""TVA sur encaissements: distribution of each collected amount over operation codes and
VAT codes (by hand or from the invoice's VAT breakdown), CA3 lines (cadre A base, VAT due)
and the receipts left without allocation (issue 15, item 4)."""
