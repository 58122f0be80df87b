"""Payment data of e-invoicing: the lifecycle status 212 « Encaissée » (issue 15, item 5;
``shared/specs/e-invoicing-payments.md`` §2-§3). One record per receipt, with the amount
received per VAT rate, partial or full; a cancellation record per bank reject or
un-validation; receipts not yet lettered flagged and totalled for the aggregate report."""
