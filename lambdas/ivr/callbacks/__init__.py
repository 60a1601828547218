"""Callbacks: booking, scheduling in the caller's zone, the sweep that dials, text-reply cancels."""
