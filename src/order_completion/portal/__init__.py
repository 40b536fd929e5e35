"""The customer portal: signed, expiring, revocable links to one case, and the actions a
customer takes through one (review, accept, reject, book training, fetch the certificate)."""
