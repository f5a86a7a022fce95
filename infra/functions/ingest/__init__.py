"""The ingestion Lambda's code (packaged as this directory)."""
