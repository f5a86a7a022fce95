"""Gcp components."""
