"""Payments: cards and the processor port, transactions, portal sessions, checkout, pay by phone."""
