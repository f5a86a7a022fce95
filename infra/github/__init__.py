"""Github components."""
