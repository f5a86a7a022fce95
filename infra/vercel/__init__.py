"""Vercel components."""
